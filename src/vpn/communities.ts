/**
 * The extended communities a VPN instance writes and reads (bagpipe §4.2, §4.3, §4.5):
 * encapsulation (RFC 9012 4.1), route targets (RFC 4360 4), bagpipe's Consistent Hash Sort
 * Order, RT-Record (draft-ietf-bess-service-chaining) and MAC Mobility (RFC 7432 7.7).
 */
import { normalizeRouteTarget, TUNNEL, type ExtCommunity, type PathAttributes } from '../bgp/codec/index.js';
import type { Encap } from '../dataplane/intent.js';

/** Tunnel types we send per encapsulation: bagpipe sends GRE (2) for MPLS over GRE. */
const TUNNEL_OF: Readonly<Record<Encap, number>> = {
  vxlan: TUNNEL.vxlan,
  mpls: TUNNEL.mpls,
  'mpls-gre': TUNNEL.gre,
};

/** Tunnel types we understand on receive: RFC 9012's MPLS-in-GRE (11) as well as bagpipe's GRE. */
const ENCAP_OF: ReadonlyMap<number, Encap> = new Map<number, Encap>([
  [TUNNEL.vxlan, 'vxlan'],
  [TUNNEL.mpls, 'mpls'],
  [TUNNEL.gre, 'mpls-gre'],
  [TUNNEL.mplsInGre, 'mpls-gre'],
]);

const NONE: readonly ExtCommunity[] = [];
const ecs = (a: PathAttributes): readonly ExtCommunity[] => a.extCommunities ?? NONE;

export function encapCommunities(encaps: readonly Encap[]): ExtCommunity[] {
  return [...new Set(encaps)].map((e) => ({ type: 'encapsulation', tunnelType: TUNNEL_OF[e] }));
}

export function rtCommunities(rts: readonly string[]): ExtCommunity[] {
  return [...new Set(rts)].map((value) => ({ type: 'route-target', value }));
}

export function rtRecordCommunities(rts: Iterable<string>): ExtCommunity[] {
  return [...new Set(rts)].sort().map((value) => ({ type: 'rt-record', value }));
}

export function chsoCommunity(order: number): ExtCommunity {
  return { type: 'consistent-hash-sort-order', order };
}

/** RFC 7432 7.7. */
export function macMobilityCommunity(sequence: number, sticky = false): ExtCommunity {
  return { type: 'mac-mobility', sticky, sequence };
}

/**
 * The encapsulations a route offers, known ones only; `undefined` when it carries no
 * encapsulation community at all (bagpipe's "default": any of ours will do).
 */
export function encapsOf(a: PathAttributes): Encap[] | undefined {
  let any = false;
  const out: Encap[] = [];
  for (const c of ecs(a)) {
    if (c.type !== 'encapsulation') continue;
    any = true;
    const e = ENCAP_OF.get(c.tunnelType);
    if (e !== undefined && !out.includes(e)) out.push(e);
  }
  return any ? out : undefined;
}

/** The first of our encapsulations (preference order) the route offers; undefined if none. */
export function chooseEncap(a: PathAttributes, ours: readonly Encap[]): Encap | undefined {
  const theirs = encapsOf(a);
  if (theirs === undefined) return ours[0];
  return ours.find((e) => theirs.includes(e));
}

export function chsoOf(a: PathAttributes): number | undefined {
  for (const c of ecs(a)) if (c.type === 'consistent-hash-sort-order') return c.order;
  return undefined;
}

/** The RT-Record values, canonical. */
export function rtRecordsOf(a: PathAttributes): string[] {
  const out: string[] = [];
  for (const c of ecs(a)) if (c.type === 'rt-record') out.push(normalizeRouteTarget(c.value) ?? c.value);
  return out;
}

/** RFC 7432 7.7: a route without the community has sequence 0 and is not sticky. */
export function macMobilityOf(a: PathAttributes): { readonly sticky: boolean; readonly sequence: number } {
  for (const c of ecs(a)) if (c.type === 'mac-mobility') return { sticky: c.sticky, sequence: c.sequence };
  return { sticky: false, sequence: 0 };
}
