/**
 * Builders for NLRI values with canonical fields and the same keys the decoder produces: what
 * the VPN layer uses to originate routes. Inputs are normalised (prefix masked, IPv6 per RFC
 * 5952, MAC and ESI lowercase); bad input throws `EncodeError`.
 */
import { ipFamily, ipv6FromBytes, ipv6ToBytes, normalizeMac } from '../../../lib/ip.js';
import { normalizeAdmin } from '../admin.js';
import { EncodeError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import {
  ethernetAdKey,
  ethernetSegmentKey,
  flowspecKey,
  ipPrefixKey,
  macIpKey,
  multicastKey,
  vpnKey,
} from './keys.js';
import { canonicalPrefix } from './prefix.js';
import { rtcKey } from './rtc.js';
import {
  withPathId,
  type EvpnEthernetAd,
  type EvpnEthernetSegment,
  type EvpnIpPrefix,
  type EvpnMacIp,
  type EvpnMulticast,
  type FlowRule,
  type FlowspecNlri,
  type PrefixNlri,
  type RtcNlri,
  type VpnNlri,
} from './types.js';

const ZERO_ESI = '00:00:00:00:00:00:00:00:00:00';

function rd(text: string): string {
  if (/^0x[0-9a-f]{16}$/.test(text)) return text;
  const v = normalizeAdmin(text);
  if (v === undefined) throw new EncodeError(`not a route distinguisher: ${JSON.stringify(text)}`);
  return v;
}

function ip(text: string): string {
  const fam = ipFamily(text);
  if (fam === undefined) throw new EncodeError(`not an IP address: ${JSON.stringify(text)}`);
  return fam === 4 ? text : ipv6FromBytes(ipv6ToBytes(text));
}

function mac(text: string): string {
  try {
    return normalizeMac(text);
  } catch (e) {
    throw new EncodeError(`not a MAC address: ${JSON.stringify(text)}`, { cause: e });
  }
}

function esi(text: string | undefined): string {
  if (text === undefined) return ZERO_ESI;
  const b = fromHex(text.replaceAll(':', ''));
  if (b?.length !== 10) throw new EncodeError(`not an ESI (10 octets): ${JSON.stringify(text)}`);
  return toHex(b, ':');
}

const path = (pathId: number | undefined): { pathId?: number } => (pathId === undefined ? {} : { pathId });

export function prefixNlri(prefix: string, pathId?: number): PrefixNlri {
  const p = canonicalPrefix(prefix);
  return { kind: 'prefix', key: withPathId(p, pathId), prefix: p, ...path(pathId) };
}

/** `labels` are raw label fields (see `rawFromLabel`). */
export function vpnNlri(rdText: string, prefix: string, labels: readonly number[], pathId?: number): VpnNlri {
  const r = rd(rdText);
  const p = canonicalPrefix(prefix);
  return { kind: 'vpn', key: withPathId(vpnKey(r, p), pathId), rd: r, prefix: p, labels, ...path(pathId) };
}

interface EvpnCommon {
  readonly rd: string;
  readonly etag?: number;
  readonly esi?: string;
  readonly pathId?: number;
}

export function evpnMacIp(
  v: EvpnCommon & { mac: string; ip?: string; labels: readonly number[] },
): EvpnMacIp {
  const [r, e, m, etag] = [rd(v.rd), esi(v.esi), mac(v.mac), v.etag ?? 0];
  const i = v.ip === undefined ? undefined : ip(v.ip);
  const key = withPathId(macIpKey(r, etag, m, i), v.pathId);
  const base = { kind: 'evpn', route: 'mac-ip', key, rd: r, esi: e, etag, mac: m } as const;
  return { ...base, ...(i === undefined ? {} : { ip: i }), labels: v.labels, ...path(v.pathId) };
}

export function evpnMulticast(v: EvpnCommon & { originator: string }): EvpnMulticast {
  const [r, o, etag] = [rd(v.rd), ip(v.originator), v.etag ?? 0];
  const key = withPathId(multicastKey(r, etag, o), v.pathId);
  return { kind: 'evpn', route: 'multicast', key, rd: r, etag, originator: o, ...path(v.pathId) };
}

export function evpnEthernetAd(v: EvpnCommon & { label: number }): EvpnEthernetAd {
  const [r, e, etag] = [rd(v.rd), esi(v.esi), v.etag ?? 0];
  const key = withPathId(ethernetAdKey(r, e, etag), v.pathId);
  return { kind: 'evpn', route: 'ethernet-ad', key, rd: r, esi: e, etag, label: v.label, ...path(v.pathId) };
}

export function evpnEthernetSegment(v: EvpnCommon & { originator: string }): EvpnEthernetSegment {
  const [r, e, o] = [rd(v.rd), esi(v.esi), ip(v.originator)];
  const key = withPathId(ethernetSegmentKey(r, e, o), v.pathId);
  return { kind: 'evpn', route: 'ethernet-segment', key, rd: r, esi: e, originator: o, ...path(v.pathId) };
}

/** RFC 9136 3.1: the gateway defaults to the zero address of the prefix's family. */
export function evpnIpPrefix(
  v: EvpnCommon & { prefix: string; gateway?: string; label: number },
): EvpnIpPrefix {
  const [r, e, p, etag] = [rd(v.rd), esi(v.esi), canonicalPrefix(v.prefix), v.etag ?? 0];
  const gateway = ip(v.gateway ?? (p.includes(':') ? '::' : '0.0.0.0'));
  const key = withPathId(ipPrefixKey(r, etag, p), v.pathId);
  return {
    kind: 'evpn',
    route: 'ip-prefix',
    key,
    rd: r,
    esi: e,
    etag,
    prefix: p,
    gateway,
    label: v.label,
    ...path(v.pathId),
  };
}

/** RFC 4684 4: no arguments for the default route; `prefixLength` defaults to 96 (32 without RT). */
export function rtcNlri(
  originAs?: number,
  routeTarget?: string,
  prefixLength?: number,
  pathId?: number,
): RtcNlri {
  const len = prefixLength ?? (originAs === undefined ? 0 : routeTarget === undefined ? 32 : 96);
  if (len === 0) return { kind: 'rtc', key: withPathId('default', pathId), prefixLength: 0, ...path(pathId) };
  const rt =
    routeTarget === undefined || routeTarget.startsWith('0x') ? routeTarget : normalizeAdmin(routeTarget);
  if (routeTarget !== undefined && rt === undefined)
    throw new EncodeError(`not a route target: ${routeTarget}`);
  const fields = {
    prefixLength: len,
    originAs: originAs ?? 0,
    ...(rt === undefined ? {} : { routeTarget: rt }),
  };
  return { kind: 'rtc', key: withPathId(rtcKey(fields), pathId), ...fields, ...path(pathId) };
}

export function flowspecNlri(rdText: string, rules: readonly FlowRule[], pathId?: number): FlowspecNlri {
  const r = rd(rdText);
  const canon = rules.map((x) => ('prefix' in x ? { type: x.type, prefix: canonicalPrefix(x.prefix) } : x));
  const key = withPathId(flowspecKey(r, canon), pathId);
  return { kind: 'flowspec', key, rd: r, rules: canon, ...path(pathId) };
}
