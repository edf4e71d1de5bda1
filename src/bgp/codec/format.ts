/**
 * Text and JSON-friendly views of routes and attributes, for logs and the looking glass. Kept
 * apart from encode/decode: nothing here is on a wire path.
 */
import type { AsPath, PathAttributes, PmsiTunnel, RawAttribute } from './attributes/types.js';
import { familyKey } from './context.js';
import type { ExtCommunity } from './extcomm/types.js';
import { toHex } from './hex.js';
import { formatRules } from './nlri/flowspec-rules.js';
import { labelFromRaw } from './nlri/label.js';
import { FAMILIES } from './nlri/registry.js';
import type { Nlri } from './nlri/types.js';
import type { Update } from './update.js';

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;
const TUNNELS: Readonly<Record<number, string>> = {
  2: 'gre',
  8: 'vxlan',
  9: 'nvgre',
  10: 'mpls',
  11: 'mpls-in-gre',
  13: 'mpls-in-udp',
};
const PMSI_TYPES: Readonly<Record<number, string>> = { 0: 'no-tunnel-info', 6: 'ingress-replication' };

/** "ipv4-vpn", or "afi/safi" for families the codec does not know. */
export function familyName(afi: number, safi: number): string {
  return FAMILIES.get(familyKey(afi, safi))?.name ?? `${afi}/${safi}`;
}

const labels = (raw: readonly number[]): string => raw.map((l) => String(labelFromRaw(l))).join(',');

/** One line per route, e.g. "65000:100:10.1.1.0/24 label 100" or "mac-ip 127.0.0.2:100 ...". */
export function formatNlri(n: Nlri): string {
  const id = n.pathId === undefined ? '' : ` path-id ${n.pathId}`;
  switch (n.kind) {
    case 'prefix':
      return `${n.prefix}${id}`;
    case 'vpn':
      return `${n.rd}:${n.prefix} label ${labels(n.labels)}${id}`;
    case 'rtc':
      return `rtc ${n.key}${id}`;
    case 'flowspec':
      return `flowspec ${n.rd} ${formatRules(n.rules)}${id}`;
    case 'evpn':
      return `${formatEvpn(n)}${id}`;
  }
}

function formatEvpn(n: Extract<Nlri, { kind: 'evpn' }>): string {
  switch (n.route) {
    case 'ethernet-ad':
      return `ethernet-ad ${n.rd} esi ${n.esi} etag ${n.etag} label-field ${n.label}`;
    case 'mac-ip':
      return `mac-ip ${n.rd} esi ${n.esi} etag ${n.etag} mac ${n.mac}${n.ip === undefined ? '' : ` ip ${n.ip}`} label-field ${n.labels.join(',')}`;
    case 'multicast':
      return `multicast ${n.rd} etag ${n.etag} originator ${n.originator}`;
    case 'ethernet-segment':
      return `ethernet-segment ${n.rd} esi ${n.esi} originator ${n.originator}`;
    case 'ip-prefix':
      return `ip-prefix ${n.rd} esi ${n.esi} etag ${n.etag} prefix ${n.prefix} gateway ${n.gateway} label-field ${n.label}`;
    case 'unknown':
      return `evpn-type-${n.routeType} ${toHex(n.raw)}`;
  }
}

/** "target:65000:100", "encap:vxlan", ... (exabgp/gobgp style). */
export function formatExtCommunity(c: ExtCommunity): string {
  switch (c.type) {
    case 'route-target':
      return `target:${c.value}`;
    case 'route-origin':
      return `origin:${c.value}`;
    case 'rt-record':
      return `rt-record:${c.value}`;
    case 'redirect-vrf':
      return `redirect:${c.value}`;
    case 'encapsulation':
      return `encap:${TUNNELS[c.tunnelType] ?? String(c.tunnelType)}`;
    case 'default-gateway':
      return 'default-gateway';
    case 'consistent-hash-sort-order':
      return `consistent-hash-sort-order:${c.order}`;
    case 'router-mac':
      return `router-mac:${c.mac}`;
    case 'mac-mobility':
      return `mac-mobility:${c.sequence}${c.sticky ? ':sticky' : ''}`;
    case 'esi-label':
      return `esi-label:${c.label}${c.singleActive ? ':single-active' : ''}`;
    case 'traffic-rate':
      return `traffic-rate:${c.asn}:${c.rate}`;
    case 'traffic-action':
      return `traffic-action:${[c.sample ? 'sample' : '', c.terminal ? 'terminal' : ''].filter(Boolean).join(',')}`;
    case 'traffic-marking':
      return `traffic-marking:${c.dscp}`;
    case 'opaque':
      return `0x${c.hex}`;
  }
}

/** "65001 65002 {65003,65004} (65010)" as in RFC 4271 / common CLIs. */
export function formatAsPath(path: AsPath): string {
  return path
    .map((s) => {
      const body = s.asns.join(s.type === 'set' || s.type === 'confed-set' ? ',' : ' ');
      if (s.type === 'set') return `{${body}}`;
      if (s.type === 'confed-sequence') return `(${body})`;
      if (s.type === 'confed-set') return `[${body}]`;
      return body;
    })
    .join(' ');
}

function formatPmsi(p: PmsiTunnel): string {
  const type = PMSI_TYPES[p.tunnelType] ?? `type-${p.tunnelType}`;
  return `${type} label-field ${p.label} tunnel ${p.tunnelId}${p.flags & 1 ? ' leaf-info-required' : ''}`;
}

const formatRaw = (u: RawAttribute): string =>
  `attribute-${u.code} flags 0x${u.flags.toString(16)} ${toHex(u.data)}`;

/** One "name value" line per attribute present. */
export function formatAttributes(a: PathAttributes): string[] {
  const out: string[] = [];
  const add = (name: string, v: string | undefined): void => {
    if (v !== undefined) out.push(`${name} ${v}`);
  };
  add('origin', a.origin === undefined ? undefined : ORIGINS[a.origin]);
  add('as-path', a.asPath === undefined ? undefined : formatAsPath(a.asPath));
  add('next-hop', a.nextHop);
  add('med', a.med?.toString());
  add('local-pref', a.localPref?.toString());
  if (a.atomicAggregate) out.push('atomic-aggregate');
  add('aggregator', a.aggregator === undefined ? undefined : `${a.aggregator.asn} ${a.aggregator.address}`);
  add('communities', a.communities?.join(' '));
  add('originator-id', a.originatorId);
  add('cluster-list', a.clusterList?.join(' '));
  add('ext-communities', a.extCommunities?.map(formatExtCommunity).join(' '));
  add('pmsi-tunnel', a.pmsiTunnel === undefined ? undefined : formatPmsi(a.pmsiTunnel));
  add('large-communities', a.largeCommunities?.join(' '));
  for (const u of a.unknown ?? []) out.push(formatRaw(u));
  return out;
}

/** A multi-line description of an UPDATE. */
export function formatUpdate(u: Update): string {
  const lines: string[] = [];
  for (const n of u.withdrawn) lines.push(`withdraw ${formatNlri(n)}`);
  if (u.mpUnreach) {
    const fam = familyName(u.mpUnreach.afi, u.mpUnreach.safi);
    if (u.mpUnreach.nlri.length === 0) lines.push(`end-of-rib ${fam}`);
    for (const n of u.mpUnreach.nlri) lines.push(`withdraw ${fam} ${formatNlri(n)}`);
  }
  lines.push(...formatAttributes(u.attributes).map((l) => `  ${l}`));
  for (const n of u.nlri) lines.push(`announce ${formatNlri(n)}`);
  if (u.mpReach) {
    const { afi, safi, nextHop, linkLocal } = u.mpReach;
    const nh = linkLocal === undefined ? nextHop : `${nextHop} ${linkLocal}`;
    for (const n of u.mpReach.nlri)
      lines.push(`announce ${familyName(afi, safi)} ${formatNlri(n)} next-hop ${nh}`);
  }
  return lines.join('\n');
}

/** A JSON-safe copy: byte arrays become hex strings (for `JSON.stringify` and the looking glass). */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

/** Attributes as a JSON-friendly object with readable values (origin name, path text, communities). */
export function jsonAttributes(a: PathAttributes): Record<string, unknown> {
  const plain = toJson(a) as Record<string, unknown>;
  return {
    ...plain,
    ...(a.origin === undefined ? {} : { origin: ORIGINS[a.origin] }),
    ...(a.asPath === undefined ? {} : { asPath: formatAsPath(a.asPath) }),
    ...(a.extCommunities === undefined ? {} : { extCommunities: a.extCommunities.map(formatExtCommunity) }),
  };
}
