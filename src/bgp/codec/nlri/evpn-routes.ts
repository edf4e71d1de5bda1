/**
 * EVPN route types (RFC 7432 7.1-7.4, RFC 9136 3), one registry entry each, keyed by route
 * type. Each decodes the route body (a reader bounded to the route length) and builds the
 * route key from the fields that identify the route.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { macToBytes } from '../../../lib/ip.js';
import { EncodeError } from '../errors.js';
import { fromHex } from '../hex.js';
import { nlriError } from './common.js';
import { ethernetAdKey, ethernetSegmentKey, ipPrefixKey, macIpKey, multicastKey } from './keys.js';
import { ipLength, readFullPrefix, readIp, writeIp } from './prefix.js';
import { readRd, writeRd } from './rd.js';
import { withPathId, type EvpnNlri } from './types.js';

type Route = Exclude<EvpnNlri['route'], 'unknown'>;
type RouteOf<R extends Route> = Extract<EvpnNlri, { readonly route: R }>;

export interface EvpnRouteDescriptor<R extends Route = Route> {
  readonly routeType: number;
  readonly route: R;
  decode(r: Reader, pathId: number | undefined): RouteOf<R>;
  encode(w: Writer, v: RouteOf<R>): void;
}

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ZERO_ESI = '00:00:00:00:00:00:00:00:00:00';

/** RFC 7432 5: the 10-octet Ethernet Segment Identifier, as colon-separated hex (0 is the common case). */
function readEsi(r: Reader): string {
  const a = r.u32();
  const b = r.u32();
  const c = r.u16();
  if ((a | b | c) === 0) return ZERO_ESI;
  const octets = [
    a >>> 24,
    (a >>> 16) & 255,
    (a >>> 8) & 255,
    a & 255,
    b >>> 24,
    (b >>> 16) & 255,
    (b >>> 8) & 255,
    b & 255,
    c >>> 8,
    c & 255,
  ];
  return octets.map((o) => HEX2[o] ?? '').join(':');
}

function writeEsi(w: Writer, esi: string): void {
  if (esi === ZERO_ESI) {
    w.u32(0).u32(0).u16(0);
    return;
  }
  const b = fromHex(esi.replaceAll(':', ''));
  if (b?.length !== 10) throw new EncodeError(`not an ESI (10 octets): ${JSON.stringify(esi)}`);
  w.bytes(b);
}

function readMac(r: Reader): string {
  let s = HEX2[r.u8()] ?? '';
  for (let i = 1; i < 6; i++) s += ':' + (HEX2[r.u8()] ?? '');
  return s;
}

/** Value of a hex digit, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The canonical "aa:bb:cc:dd:ee:ff" form without allocating; other forms go through lib/ip. */
function writeMac(w: Writer, mac: string): void {
  if (mac.length === 17) {
    let ok = true;
    for (let i = 0; i < 6 && ok; i++) {
      const hi = nibble(mac.charCodeAt(3 * i));
      const lo = nibble(mac.charCodeAt(3 * i + 1));
      ok = hi >= 0 && lo >= 0 && (i === 5 || mac.charCodeAt(3 * i + 2) === 58);
      if (ok) w.u8((hi << 4) | lo);
    }
    if (ok) return;
    throw new EncodeError(`not a MAC address: ${JSON.stringify(mac)}`);
  }
  try {
    w.bytes(macToBytes(mac));
  } catch (e) {
    throw new EncodeError(`not a MAC address: ${JSON.stringify(mac)}`, { cause: e });
  }
}

/** An IP length octet in bits (0, 32 or 128), then the address. */
function readLengthAndIp(r: Reader, allowNone: boolean): string | undefined {
  const bits = r.u8();
  if (bits === 0 && allowNone) return undefined;
  // RFC 7432 7.2/7.3: IP address length is 32 or 128 bits (or 0 where the IP is optional).
  if (bits !== 32 && bits !== 128) throw nlriError(`EVPN IP address length ${bits}`);
  return readIp(r, bits / 8);
}

function writeLengthAndIp(w: Writer, ip: string | undefined): void {
  if (ip === undefined) {
    w.u8(0);
    return;
  }
  const mark = w.reserve(1);
  w.patchLength(mark, writeIp(w, ip) * 8);
}

export const ethernetAd: EvpnRouteDescriptor<'ethernet-ad'> = {
  routeType: 1,
  route: 'ethernet-ad',
  decode(r, pathId) {
    const rd = readRd(r);
    const esi = readEsi(r);
    const etag = r.u32();
    const label = r.u24();
    const key = withPathId(ethernetAdKey(rd, esi, etag), pathId);
    const base = { kind: 'evpn', route: 'ethernet-ad', key, rd, esi, etag, label } as const;
    return pathId === undefined ? base : { ...base, pathId };
  },
  encode(w, v) {
    writeRd(w, v.rd);
    writeEsi(w, v.esi);
    w.u32(v.etag).u24(v.label);
  },
};

export const macIp: EvpnRouteDescriptor<'mac-ip'> = {
  routeType: 2,
  route: 'mac-ip',
  decode(r, pathId) {
    const rd = readRd(r);
    const esi = readEsi(r);
    const etag = r.u32();
    // RFC 7432 7.2: the MAC address length is always 48 bits.
    const macBits = r.u8();
    if (macBits !== 48) throw nlriError(`EVPN MAC address length ${macBits}`);
    const mac = readMac(r);
    const ip = readLengthAndIp(r, true);
    const label1 = r.u24();
    // Literals, not push(): V8 would give the array room for 17 elements.
    const labels = r.done ? [label1] : [label1, r.u24()];
    const key = withPathId(macIpKey(rd, etag, mac, ip), pathId);
    const v =
      ip === undefined
        ? ({ kind: 'evpn', route: 'mac-ip', key, rd, esi, etag, mac, labels } as const)
        : ({ kind: 'evpn', route: 'mac-ip', key, rd, esi, etag, mac, ip, labels } as const);
    return pathId === undefined ? v : { ...v, pathId };
  },
  encode(w, v) {
    writeRd(w, v.rd);
    writeEsi(w, v.esi);
    w.u32(v.etag).u8(48);
    writeMac(w, v.mac);
    writeLengthAndIp(w, v.ip);
    if (v.labels.length < 1 || v.labels.length > 2)
      throw new EncodeError('EVPN MAC/IP route needs 1 or 2 labels');
    for (const l of v.labels) w.u24(l);
  },
};

export const multicast: EvpnRouteDescriptor<'multicast'> = {
  routeType: 3,
  route: 'multicast',
  decode(r, pathId) {
    const rd = readRd(r);
    const etag = r.u32();
    const originator = readLengthAndIp(r, false) ?? '';
    const key = withPathId(multicastKey(rd, etag, originator), pathId);
    const base = { kind: 'evpn', route: 'multicast', key, rd, etag, originator } as const;
    return pathId === undefined ? base : { ...base, pathId };
  },
  encode(w, v) {
    writeRd(w, v.rd);
    w.u32(v.etag);
    writeLengthAndIp(w, v.originator);
  },
};

export const ethernetSegment: EvpnRouteDescriptor<'ethernet-segment'> = {
  routeType: 4,
  route: 'ethernet-segment',
  decode(r, pathId) {
    const rd = readRd(r);
    const esi = readEsi(r);
    const originator = readLengthAndIp(r, false) ?? '';
    const key = withPathId(ethernetSegmentKey(rd, esi, originator), pathId);
    const base = { kind: 'evpn', route: 'ethernet-segment', key, rd, esi, originator } as const;
    return pathId === undefined ? base : { ...base, pathId };
  },
  encode(w, v) {
    writeRd(w, v.rd);
    writeEsi(w, v.esi);
    writeLengthAndIp(w, v.originator);
  },
};

export const ipPrefix: EvpnRouteDescriptor<'ip-prefix'> = {
  routeType: 5,
  route: 'ip-prefix',
  decode(r, pathId) {
    // RFC 9136 3.1: 34 octets for IPv4, 58 for IPv6; prefix and gateway have the same family.
    const octets = r.remaining === 34 ? 4 : r.remaining === 58 ? 16 : undefined;
    if (octets === undefined) throw nlriError(`EVPN IP prefix route of ${r.remaining} octets`);
    const rd = readRd(r);
    const esi = readEsi(r);
    const etag = r.u32();
    const bits = r.u8();
    if (bits > octets * 8) throw nlriError(`EVPN IP prefix length ${bits}`);
    const prefix = readFullPrefix(r, octets, bits);
    const gateway = readIp(r, octets);
    const label = r.u24();
    const key = withPathId(ipPrefixKey(rd, etag, prefix), pathId);
    const base = { kind: 'evpn', route: 'ip-prefix', key, rd, esi, etag, prefix, gateway, label } as const;
    return pathId === undefined ? base : { ...base, pathId };
  },
  encode(w, v) {
    const slash = v.prefix.lastIndexOf('/');
    const ip = v.prefix.slice(0, slash);
    const bits = Number(v.prefix.slice(slash + 1));
    if (slash < 0 || ipLength(ip) !== ipLength(v.gateway) || !(bits <= ipLength(ip) * 8)) {
      throw new EncodeError(`EVPN IP prefix ${JSON.stringify(v.prefix)} / gateway ${v.gateway} mismatch`);
    }
    writeRd(w, v.rd);
    writeEsi(w, v.esi);
    w.u32(v.etag).u8(bits);
    writeIp(w, ip);
    writeIp(w, v.gateway);
    w.u24(v.label);
  },
};

export const EVPN_ROUTES: ReadonlyMap<number, EvpnRouteDescriptor> = new Map(
  [ethernetAd, macIp, multicast, ethernetSegment, ipPrefix].map((d) => [
    d.routeType,
    d as EvpnRouteDescriptor,
  ]),
);

export const EVPN_ROUTES_BY_NAME: ReadonlyMap<Route, EvpnRouteDescriptor> = new Map(
  [...EVPN_ROUTES.values()].map((d) => [d.route, d]),
);
