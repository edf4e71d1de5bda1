/**
 * The BGP decision process (RFC 4271 9.1), one exported function per step, each a comparator
 * (negative: `a` is better). The original compared LOCAL_PREF only and broke ties with a
 * per-process string hash (BAGPIPE-REFERENCE 4.4); here every step is a total order on the
 * route's own values, so the choice is the same across restarts and whatever the input order.
 *
 * Order: LOCAL_PREF, local origin, AS_PATH length, ORIGIN, MED (same neighbouring AS only),
 * eBGP over iBGP, router id, CLUSTER_LIST length, peer address (or owner). RFC 4271 9.1.2.2 (e),
 * the IGP cost to the next hop, is skipped: a compute node has no IGP view, every next hop
 * counts as equally near (as in the original).
 *
 * `selectBest` runs the steps as the RFC describes them, by elimination over the whole set,
 * because the MED step compares only routes of one neighbouring AS and is not transitive as a
 * pairwise comparator: sorting with it could depend on the input order.
 */
import { ORIGIN, type AsPath } from '../bgp/codec/index.js';
import { parseIpv4 } from '../bgp/codec/ipv4.js';
import { ipFamily, ipv6ToBytes } from '../lib/ip.js';
import type { Route } from './types.js';

export type Step = (a: Route, b: Route) => number;

/** RFC 4271 5.1.5: a route without LOCAL_PREF counts as the usual default, 100. */
export const DEFAULT_LOCAL_PREF = 100;

/** RFC 4271 9.1.1 and 5.1.5: the highest degree of preference (LOCAL_PREF) first. */
export function byLocalPref(a: Route, b: Route): number {
  return (b.attributes.localPref ?? DEFAULT_LOCAL_PREF) - (a.attributes.localPref ?? DEFAULT_LOCAL_PREF);
}

/**
 * Locally originated routes over routes from peers. Placed right after LOCAL_PREF, the first
 * step at which a local route and a peer's route can tie: a route this daemon originates wins
 * over a copy of the same destination from the network (GoBGP's compareByLocalOrigin comes right
 * after LOCAL_PREF; BIRD prefers its own routes by protocol preference), yet a peer's route with
 * a higher LOCAL_PREF, an explicit operator choice, still wins.
 */
export function byLocalOrigin(a: Route, b: Route): number {
  return (a.source.kind === 'local' ? 0 : 1) - (b.source.kind === 'local' ? 0 : 1);
}

/** RFC 4271 9.1.2.2 (a): an AS_SET counts 1; RFC 5065 5.3: confederation segments count 0. */
export function asPathLength(path: AsPath | undefined): number {
  let n = 0;
  for (const seg of path ?? []) {
    if (seg.type === 'sequence') n += seg.asns.length;
    else if (seg.type === 'set') n += 1;
  }
  return n;
}

/** RFC 4271 9.1.2.2 (a): the shortest AS_PATH. */
export function byAsPathLength(a: Route, b: Route): number {
  return asPathLength(a.attributes.asPath) - asPathLength(b.attributes.asPath);
}

/** RFC 4271 9.1.2.2 (b): the lowest ORIGIN (IGP < EGP < INCOMPLETE); a missing one counts INCOMPLETE. */
export function byOrigin(a: Route, b: Route): number {
  return (a.attributes.origin ?? ORIGIN.incomplete) - (b.attributes.origin ?? ORIGIN.incomplete);
}

/** The local AS, as `neighborAs` returns it. */
export const LOCAL_AS = -1;

/**
 * RFC 4271 9.1.2.2 (c): the AS a route came from, the first AS of the path (confederation
 * segments skipped, RFC 5065 5.3), or the local AS when the path is empty or starts with an
 * AS_SET (an iBGP-originated or aggregated route).
 */
export function neighborAs(route: Route): number {
  for (const seg of route.attributes.asPath ?? []) {
    if (seg.type === 'confed-sequence' || seg.type === 'confed-set') continue;
    return seg.type === 'sequence' ? (seg.asns[0] ?? LOCAL_AS) : LOCAL_AS;
  }
  return LOCAL_AS;
}

/** RFC 4271 9.1.2.2 (c): a missing MED counts as the lowest value, 0. */
const med = (r: Route): number => r.attributes.med ?? 0;

/** RFC 4271 9.1.2.2 (c): the lowest MED, only between routes from the same neighbouring AS. */
export function byMed(a: Route, b: Route): number {
  return neighborAs(a) === neighborAs(b) ? med(a) - med(b) : 0;
}

const isEbgp = (r: Route): boolean => r.source.kind === 'peer' && r.source.peerAs !== r.source.localAs;

/** RFC 4271 9.1.2.2 (d): a route learned over eBGP over one learned over iBGP. */
export function byEbgp(a: Route, b: Route): number {
  return (isEbgp(a) ? 0 : 1) - (isEbgp(b) ? 0 : 1);
}

/** An IPv4 router id as a number: local routes (no id) first, unparsable ones last. */
function routerId(r: Route): number {
  const id = r.attributes.originatorId ?? (r.source.kind === 'peer' ? r.source.bgpId : undefined);
  if (id === undefined) return -1;
  const n = parseIpv4(id);
  return n < 0 ? 2 ** 32 : n;
}

/** RFC 4271 9.1.2.2 (f) and RFC 4456 9: the lowest BGP identifier, the ORIGINATOR_ID when present. */
export function byRouterId(a: Route, b: Route): number {
  return routerId(a) - routerId(b);
}

/** RFC 4456 9: the shortest CLUSTER_LIST (missing counts 0). */
export function byClusterListLength(a: Route, b: Route): number {
  return (a.attributes.clusterList?.length ?? 0) - (b.attributes.clusterList?.length ?? 0);
}

const plain = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** IP addresses in numeric order, IPv4 before IPv6, anything else last (plain string order). */
export function compareAddresses(a: string, b: string): number {
  const [fa, fb] = [ipFamily(a) ?? 9, ipFamily(b) ?? 9];
  if (fa !== fb) return fa - fb;
  if (fa === 4) return parseIpv4(a) - parseIpv4(b);
  if (fa !== 6) return plain(a, b);
  const [ba, bb] = [ipv6ToBytes(a), ipv6ToBytes(b)];
  for (let i = 0; i < 16; i++) if (ba[i] !== bb[i]) return (ba[i] ?? 0) - (bb[i] ?? 0);
  return 0;
}

/** RFC 4271 9.1.2.2 (g): the lowest peer address; between two local routes the lower owner string. */
export function byPeerAddress(a: Route, b: Route): number {
  const [sa, sb] = [a.source, b.source];
  if (sa.kind === 'local') return sb.kind === 'local' ? plain(sa.owner, sb.owner) : -1;
  return sb.kind === 'local' ? 1 : compareAddresses(sa.address, sb.address);
}

/** Steps that decide whether two routes are equal for multipath: through eBGP over iBGP. */
export const MULTIPATH_STEPS: readonly Step[] = [
  byLocalPref,
  byLocalOrigin,
  byAsPathLength,
  byOrigin,
  byMed,
  byEbgp,
];
/** Every step, in order. */
export const STEPS: readonly Step[] = [...MULTIPATH_STEPS, byRouterId, byClusterListLength, byPeerAddress];

/** Pairwise composition of every step: negative when `a` is better. */
export function compareRoutes(a: Route, b: Route): number {
  for (const step of STEPS) {
    const d = step(a, b);
    if (d !== 0) return d;
  }
  return 0;
}

/** Keep the routes that tie with the best of `pool` at `step`. */
function keepBest(pool: readonly Route[], step: Step): Route[] {
  let best = pool[0];
  for (const r of pool) if (best === undefined || step(r, best) < 0) best = r;
  return best === undefined ? [] : pool.filter((r) => step(r, best) === 0);
}

/** RFC 4271 9.1.2.2 (c) as written: per neighbouring AS, drop the routes above its lowest MED. */
function keepLowestMedPerAs(pool: readonly Route[]): Route[] {
  const lowest = new Map<number, number>();
  for (const r of pool) {
    const as = neighborAs(r);
    lowest.set(as, Math.min(lowest.get(as) ?? Infinity, med(r)));
  }
  return pool.filter((r) => med(r) === lowest.get(neighborAs(r)));
}

export interface SelectOptions {
  /** Return every route equal to the best through the eBGP-over-iBGP step (ECMP). */
  readonly multipath?: boolean;
}

/**
 * The best route first; with `multipath`, every route equal to it through `MULTIPATH_STEPS`,
 * ordered by the remaining steps. Empty for no routes. The input is one destination's routes,
 * at most one per source.
 */
export function selectBest(routes: readonly Route[], options: SelectOptions = {}): Route[] {
  if (routes.length <= 1) return [...routes];
  let pool: Route[] = [...routes];
  for (const step of MULTIPATH_STEPS) {
    pool = step === byMed ? keepLowestMedPerAs(pool) : keepBest(pool, step);
    if (pool.length === 1) return pool;
  }
  pool.sort(compareRoutes);
  return options.multipath === true ? pool : pool.slice(0, 1);
}
