/**
 * IP prefixes and addresses on the wire (RFC 4271 4.3: length in bits, then the fewest octets
 * that hold it). Trailing bits past the length are irrelevant (RFC 4271 4.3), so decoded
 * prefixes are masked: the text, and so the route key, depends only on the prefix. IPv4 is
 * formatted and parsed by hand: this is the hot path of VPNv4 decoding.
 */
import { Reader } from '../../../lib/reader.js';
import { Writer } from '../../../lib/writer.js';
import { ipv6FromBytes, ipv6ToBytes, ipFamily } from '../../../lib/ip.js';
import { EncodeError } from '../errors.js';
import { formatIpv4, octet, parseIpv4 } from '../ipv4.js';

/** Read a dotted-quad address (4 octets). */
export function readIpv4(r: Reader): string {
  return octet(r.u8()) + '.' + octet(r.u8()) + '.' + octet(r.u8()) + '.' + octet(r.u8());
}

/** Keep the first `bits` bits of a 32-bit address. */
const maskV4 = (n: number, bits: number): number =>
  bits >= 32 ? n : bits === 0 ? 0 : (n & ~(0xffffffff >>> bits)) >>> 0; // (x >>> 32 is x >>> 0)

/**
 * Read `octets` octets of an IPv6 address, zero-padded to 16, with the bits past `bits` cleared
 * (RFC 4271 4.3: trailing bits are irrelevant).
 */
function readMaskedV6(r: Reader, octets: number, bits: number): Uint8Array {
  const w = new Writer(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    w.u8(i < octets ? r.u8() & (0xff00 >>> keep) : 0);
  }
  return w.finish();
}

/*
 * A decoded prefix is kept as long as its route, so it is built as one plain string: joined
 * from its pieces ("10." "1." "134." "160" "/32"), not concatenated, since V8 keeps a
 * concatenation of 13 characters or more as a tree of its pieces (32 octets per node).
 */
const DOTTED: readonly string[] = Array.from({ length: 256 }, (_, i) => `${i}.`);
const dotted = (i: number): string => DOTTED[i] ?? `${i}.`;
const SLASH: readonly string[] = Array.from({ length: 129 }, (_, i) => `/${i}`);
const slash = (bits: number): string => SLASH[bits] ?? `/${bits}`;

/** Read the octets of an IPv4 prefix of `bits` (<= 32) bits and format "a.b.c.d/len". */
export function readIpv4Prefix(r: Reader, bits: number): string {
  const n = (bits + 7) >>> 3;
  const a = n > 0 ? r.u8() : 0;
  const b = n > 1 ? r.u8() : 0;
  const c = n > 2 ? r.u8() : 0;
  const d = n > 3 ? r.u8() : 0;
  if ((bits & 7) === 0) return [dotted(a), dotted(b), dotted(c), octet(d), slash(bits)].join('');
  return [formatIpv4(maskV4(a * 0x1000000 + ((b << 16) | (c << 8) | d), bits)), slash(bits)].join('');
}

/** Read an IPv6 address (16 octets). */
export function readIpv6(r: Reader): string {
  return ipv6FromBytes(r.bytes(16));
}

/** Read the octets of an IPv6 prefix of `bits` (<= 128) bits and format "addr/len". */
export function readIpv6Prefix(r: Reader, bits: number): string {
  return [ipv6FromBytes(readMaskedV6(r, (bits + 7) >>> 3, bits)), slash(bits)].join('');
}

/** Read a whole 4- or 16-octet address and format it as a prefix of `bits` (EVPN type 5). */
export function readFullPrefix(r: Reader, octets: 4 | 16, bits: number): string {
  if (octets === 4) return `${formatIpv4(maskV4(r.u32(), bits))}/${bits}`;
  return `${ipv6FromBytes(readMaskedV6(r, 16, bits))}/${bits}`;
}

/** Read an address whose length (4 or 16 octets) is given. */
export function readIp(r: Reader, octets: number): string {
  return octets === 4 ? readIpv4(r) : readIpv6(r);
}

/** The length after "/" (or -1); a prefix without "/" is not accepted here. */
export function prefixBits(text: string): number {
  const slash = text.lastIndexOf('/');
  if (slash < 0 || slash === text.length - 1 || text.length - slash > 4) return -1;
  let n = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + c - 48;
  }
  return n;
}

/** Validate a prefix string of the given family and return its length in bits; throws `EncodeError`. */
export function checkPrefix(text: string, v6: boolean): number {
  const bits = prefixBits(text);
  if (bits < 0 || bits > (v6 ? 128 : 32) || text.includes(':') !== v6) {
    throw new EncodeError(`not an IPv${v6 ? 6 : 4} prefix: ${JSON.stringify(text)}`);
  }
  return bits;
}

function v6Bytes(ip: string): Uint8Array {
  if (ipFamily(ip) !== 6) throw new EncodeError(`not an IPv6 address: ${JSON.stringify(ip)}`);
  return ipv6ToBytes(ip);
}

/** Write the octets (not the length) of a prefix of `bits` bits. */
export function writePrefixOctets(w: Writer, text: string, bits: number, v6: boolean): void {
  const n = (bits + 7) >>> 3;
  const slash = text.lastIndexOf('/');
  if (v6) {
    w.bytes(v6Bytes(text.slice(0, slash)).subarray(0, n));
    return;
  }
  const a = parseIpv4(text, slash);
  if (a < 0) throw new EncodeError(`not an IPv4 prefix: ${JSON.stringify(text)}`);
  for (let i = 0; i < n; i++) w.u8(a >>> (24 - 8 * i));
}

/** The canonical text of a prefix ("10.1.1.5/24" -> "10.1.1.0/24", IPv6 per RFC 5952). */
export function canonicalPrefix(text: string): string {
  const v6 = text.includes(':');
  const bits = checkPrefix(text, v6);
  const ip = text.slice(0, text.lastIndexOf('/'));
  if (v6) return `${ipv6FromBytes(readMaskedV6(new Reader(v6Bytes(ip)), 16, bits))}/${bits}`;
  const n = parseIpv4(ip);
  if (n < 0) throw new EncodeError(`not an IPv4 prefix: ${JSON.stringify(text)}`);
  return `${formatIpv4(maskV4(n, bits))}/${bits}`;
}

/** Write a 4- or 16-octet address; returns its length in octets. */
export function writeIp(w: Writer, ip: string): 4 | 16 {
  const n = parseIpv4(ip);
  if (n >= 0) {
    w.u32(n);
    return 4;
  }
  w.bytes(v6Bytes(ip));
  return 16;
}

/** Octet length of an address string (4 or 16), or throw. */
export function ipLength(ip: string): 4 | 16 {
  const fam = ipFamily(ip);
  if (fam === undefined) throw new EncodeError(`not an IP address: ${JSON.stringify(ip)}`);
  return fam === 4 ? 4 : 16;
}
