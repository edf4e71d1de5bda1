/**
 * IP, prefix and MAC value helpers. Values travel as canonical strings ("10.0.0.1",
 * "2001:db8::1", "aa:bb:cc:dd:ee:ff"); these functions convert to and from bytes and
 * validate, throwing `SpecError` with the offending text.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SpecError } from './errors.js';

export type IpFamily = 4 | 6;

export function ipFamily(ip: string): IpFamily | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

function ipv4ToBytes(ip: string, path = 'ip'): Uint8Array {
  if (!isIPv4(ip)) throw new SpecError(path, `not an IPv4 address: ${JSON.stringify(ip)}`);
  return Uint8Array.from(ip.split('.').map(Number));
}

export function ipv6ToBytes(ip: string, path = 'ip'): Uint8Array {
  if (!isIPv6(ip)) throw new SpecError(path, `not an IPv6 address: ${JSON.stringify(ip)}`);
  let text = ip;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToBytes(tail, path);
    const g1 = (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16);
    const g2 = (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16);
    text = `${text.slice(0, lastColon + 1)}${g1}:${g2}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >>> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** RFC 5952 canonical text: lowercase, longest run of zero groups (length >= 2) as "::". */
export function ipv6FromBytes(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[at + 2 * i] ?? 0) << 8) | (b[at + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface Prefix {
  readonly ip: string;
  readonly length: number;
}

/** Parse "a.b.c.d/len", "v6/len", or a bare address (host prefix). */
export function parsePrefix(text: string, path = 'prefix'): Prefix {
  const [ip = '', len, extra] = text.split('/');
  const fam = ipFamily(ip);
  if (fam === undefined || extra !== undefined)
    throw new SpecError(path, `not an IP prefix: ${JSON.stringify(text)}`);
  const max = fam === 4 ? 32 : 128;
  if (len === undefined) return { ip, length: max };
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) {
    throw new SpecError(path, `prefix length must be 0..${max}: ${JSON.stringify(text)}`);
  }
  return { ip, length: Number(len) };
}

export function formatPrefix(p: Prefix): string {
  return `${p.ip}/${p.length}`;
}

const MAC_RE =
  /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/i;

/** Accepts aa:bb:cc:dd:ee:ff, aa-bb-..., and aabb.ccdd.eeff; returns lowercase colon form. */
export function normalizeMac(text: string, path = 'mac'): string {
  const dotted = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i.exec(text);
  const hex = dotted
    ? dotted.slice(1).join('').match(/../g)
    : MAC_RE.exec(text)
        ?.slice(1)
        .map((x) => x.padStart(2, '0'));
  if (!hex || hex.length !== 6) throw new SpecError(path, `not a MAC address: ${JSON.stringify(text)}`);
  return hex.join(':').toLowerCase();
}

export function macToBytes(text: string, path = 'mac'): Uint8Array {
  return Uint8Array.from(
    normalizeMac(text, path)
      .split(':')
      .map((x) => parseInt(x, 16)),
  );
}

export function macFromBytes(b: Uint8Array, at = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[at + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}
