/**
 * Adj-RIB-Out (RFC 4271 3.2), one per established peer: what we advertise to it. Fed with the
 * RibEvents of the peer's subscription (whose RT interests come from `PeerRtcFilter`), it keeps
 * the eligible candidates per destination, picks one with `selectBest`, rewrites its attributes
 * for the peer, and hands out only the difference with what was sent.
 *
 * Who gets what (`mayAdvertise`): our own routes go to everyone. A peer's routes are never sent
 * back to it, and are otherwise passed on only as a route reflector would (RFC 4456 6): from a
 * client to every other iBGP peer, from a non-client iBGP peer to clients only. Routes learned
 * over eBGP go to RR clients only, and nothing learned from a peer goes to an eBGP peer: a
 * compute node is not a transit AS (the original passed nothing between peers at all).
 *
 * Output with visible backpressure (STYLE rule 7): `pending()` says there is work, `drain(n)`
 * hands out at most n batches of at most `batchSize` NLRI each; the daemon packs each with
 * `packReach`/`packUnreach` and stops draining when `socket.write()` returns false, until
 * 'drain'. Reach NLRI are grouped by attributes object (identity), so the routes of one UPDATE
 * stay one group and pack into as few UPDATEs as fit (the rewritten attributes are cached per
 * attributes object received and source).
 *
 * Family order: RTC first, then the others by family key. RFC 4684 6: a peer filters what it
 * sends us by our RTC routes, so they go out before any VPN route. (The daemon also waits for
 * the peer's RTC End-of-RIB before adding VPN interests, and sends End-of-RIB itself.)
 */
import { isDeepStrictEqual } from 'node:util';
import { FAMILY, type AsPath, type FamilyKey, type Nlri, type PathAttributes } from '../bgp/codec/index.js';
import { DEFAULT_LOCAL_PREF, selectBest } from './best-path.js';
import { getOrCreate } from './maps.js';
import { idOf } from './source-ids.js';
import type { PeerSource, RibEvent, RibListener, Route } from './types.js';

export interface AdjRibOutOptions {
  /** The peer we send to, as the source of its own routes in the RIB. */
  readonly peer: PeerSource;
  /** Our address on this session: the next hop towards an eBGP peer (next hop self). */
  readonly localAddress: string;
  /** RFC 4456 7: our CLUSTER_ID, prepended to CLUSTER_LIST when reflecting (usually the router id). */
  readonly clusterId: string;
  /** At most this many NLRI (reach + unreach) per batch; default 1000, a few UPDATEs. */
  readonly batchSize?: number;
}

/** What was (or is to be) advertised for one destination. */
export interface Advertised {
  readonly nlri: Nlri;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
}

/** NLRI of one family announced with the same attributes object and next hop. */
export interface OutReach {
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  readonly nlri: Nlri[];
}

/** One family's share of a drain: what `packReach`/`packUnreach` take. */
export interface OutBatch {
  readonly family: FamilyKey;
  readonly reach: OutReach[];
  readonly unreach: Nlri[];
}

const isIbgp = (s: { readonly peerAs: number; readonly localAs: number }): boolean => s.peerAs === s.localAs;

/** RFC 4456 6 and the rules above: may `route` be advertised to `to`? */
export function mayAdvertise(route: Route, to: PeerSource): boolean {
  const from = route.source;
  if (from.kind === 'local') return true;
  if (from.address === to.address) return false;
  // RFC 4456 8: `to` would drop a route carrying its own router id as ORIGINATOR_ID.
  if (route.attributes.originatorId === to.bgpId) return false;
  if (!isIbgp(to)) return false;
  if (!isIbgp(from)) return to.rrClient;
  return from.rrClient || to.rrClient;
}

/** RFC 4271 5.1.2, RFC 5065 5.3: confederation segments removed, `as` prepended. */
export function prependAs(path: AsPath | undefined, as: number): AsPath {
  const rest = (path ?? []).filter((s) => s.type === 'sequence' || s.type === 'set');
  const [first, ...others] = rest;
  // RFC 4271 5.1.2: a new AS_SEQUENCE when the first segment is a set or already full (255).
  if (first?.type === 'sequence' && first.asns.length < 255)
    return [{ type: 'sequence', asns: [as, ...first.asns] }, ...others];
  return [{ type: 'sequence', asns: [as] }, ...rest];
}

/** The attributes of `route` as sent to `to` (see the header). */
export function attributesFor(route: Route, to: PeerSource, options: AdjRibOutOptions): PathAttributes {
  const a = route.attributes;
  if (!isIbgp(to)) {
    // RFC 4271 5.1.5: no LOCAL_PREF to an eBGP peer; RFC 4456 8: no RR attributes outside the AS.
    const { localPref: _lp, originatorId: _oid, clusterList: _cl, ...rest } = a;
    const nextHop = a.nextHop === undefined ? {} : { nextHop: options.localAddress };
    return { ...rest, asPath: prependAs(a.asPath, to.localAs), ...nextHop };
  }
  const from = route.source;
  // RFC 4456 8: a reflected route gets ORIGINATOR_ID (if absent) and our CLUSTER_ID first.
  const reflected =
    from.kind === 'peer' && isIbgp(from)
      ? {
          originatorId: a.originatorId ?? from.bgpId,
          clusterList: [options.clusterId, ...(a.clusterList ?? [])],
        }
      : {};
  // RFC 4271 5.1.5: LOCAL_PREF in every UPDATE to an internal peer.
  return { ...a, localPref: a.localPref ?? DEFAULT_LOCAL_PREF, ...reflected };
}

function same(a: Advertised, b: Advertised): boolean {
  return (
    a.nextHop === b.nextHop &&
    (a.attributes === b.attributes || isDeepStrictEqual(a.attributes, b.attributes)) &&
    (a.nlri === b.nlri || isDeepStrictEqual(a.nlri, b.nlri))
  );
}

/** RTC first (RFC 4684 6), then by family key. */
const familyOrder = (a: FamilyKey, b: FamilyKey): number =>
  (a === FAMILY.rtc ? -1 : 0) - (b === FAMILY.rtc ? -1 : 0) || a - b;

export class AdjRibOut {
  readonly #options: AdjRibOutOptions;
  readonly #batchSize: number;
  readonly #candidates = new Map<FamilyKey, Map<string, Route[]>>();
  readonly #sent = new Map<FamilyKey, Map<string, Advertised>>();
  readonly #dirty = new Map<FamilyKey, Set<string>>();
  readonly #forced = new Map<FamilyKey, Set<string>>();
  /** Attributes as sent, per attributes object received and source id. */
  readonly #transformed = new WeakMap<PathAttributes, Map<string, PathAttributes>>();

  /** For `rib.subscribe(out.listener)`. */
  readonly listener: RibListener = (event) => {
    this.apply(event);
  };

  constructor(options: AdjRibOutOptions) {
    this.#options = options;
    this.#batchSize = Math.max(1, options.batchSize ?? 1000);
  }

  /** Take one RIB event into account (nothing is sent before `drain`). */
  apply(event: RibEvent): void {
    const route = event.route;
    const byKey = getOrCreate(this.#candidates, route.family, () => new Map<string, Route[]>());
    const key = route.nlri.key;
    const before = byKey.get(key) ?? [];
    const id = idOf(route.source);
    const after = before.filter((c) => idOf(c.source) !== id);
    if (event.type === 'add' && mayAdvertise(route, this.#options.peer)) after.push(route);
    else if (after.length === before.length) return;
    if (after.length > 0) byKey.set(key, after);
    else byKey.delete(key);
    if (byKey.size === 0) this.#candidates.delete(route.family);
    getOrCreate(this.#dirty, route.family, () => new Set<string>()).add(key);
  }

  /** Something may be left to send (a drain can still find that changes cancelled out). */
  pending(): boolean {
    return this.#dirty.size > 0;
  }

  /** At most `maxBatches` batches, RTC first; what they carry counts as sent. */
  drain(maxBatches = 1): OutBatch[] {
    const out: OutBatch[] = [];
    for (const family of [...this.#dirty.keys()].sort(familyOrder)) {
      while (out.length < maxBatches) {
        const batch = this.#batch(family);
        if (batch === undefined) break;
        out.push(batch);
      }
      if (out.length >= maxBatches) break;
    }
    return out;
  }

  /** RFC 2918 route refresh: everything advertised in `family` goes out again at the next drains. */
  resendAll(family: FamilyKey): void {
    const sent = this.#sent.get(family);
    if (sent === undefined || sent.size === 0) return;
    const dirty = getOrCreate(this.#dirty, family, () => new Set<string>());
    const forced = getOrCreate(this.#forced, family, () => new Set<string>());
    for (const key of sent.keys()) {
      dirty.add(key);
      forced.add(key);
    }
  }

  advertisedCount(family: FamilyKey): number {
    return this.#sent.get(family)?.size ?? 0;
  }

  /** What the peer was sent in `family` and not withdrawn (a snapshot). */
  advertised(family: FamilyKey): Advertised[] {
    return [...(this.#sent.get(family)?.values() ?? [])];
  }

  #batch(family: FamilyKey): OutBatch | undefined {
    const dirty = this.#dirty.get(family);
    if (dirty === undefined) return undefined;
    const groups = new Map<PathAttributes, Map<string, Nlri[]>>();
    const unreach: Nlri[] = [];
    let count = 0;
    for (const key of dirty) {
      dirty.delete(key);
      count += this.#settle(family, key, groups, unreach);
      if (count >= this.#batchSize) break;
    }
    if (dirty.size === 0) this.#dirty.delete(family);
    if (count === 0) return undefined;
    const reach: OutReach[] = [];
    for (const [attributes, byNextHop] of groups)
      for (const [nextHop, nlri] of byNextHop) reach.push({ attributes, nextHop, nlri });
    return { family, reach, unreach };
  }

  /** Bring one destination up to date into the batch being built; 1 if it emits, else 0. */
  #settle(
    family: FamilyKey,
    key: string,
    groups: Map<PathAttributes, Map<string, Nlri[]>>,
    unreach: Nlri[],
  ): number {
    const sent = getOrCreate(this.#sent, family, () => new Map<string, Advertised>());
    const had = sent.get(key);
    const forced = this.#unforce(family, key);
    const want = this.#desired(family, key);
    if (want === undefined) {
      if (had === undefined) return 0;
      sent.delete(key);
      if (sent.size === 0) this.#sent.delete(family);
      unreach.push(had.nlri);
      return 1;
    }
    if (had !== undefined && !forced && same(had, want)) return 0;
    sent.set(key, want);
    const byNextHop = getOrCreate(groups, want.attributes, () => new Map<string, Nlri[]>());
    getOrCreate(byNextHop, want.nextHop, () => []).push(want.nlri);
    return 1;
  }

  #unforce(family: FamilyKey, key: string): boolean {
    const forced = this.#forced.get(family);
    if (forced?.delete(key) !== true) return false;
    if (forced.size === 0) this.#forced.delete(family);
    return true;
  }

  #desired(family: FamilyKey, key: string): Advertised | undefined {
    const candidates = this.#candidates.get(family)?.get(key);
    const best = candidates?.length === 1 ? candidates[0] : selectBest(candidates ?? [])[0];
    if (best === undefined) return undefined;
    const ebgp = !isIbgp(this.#options.peer);
    return {
      nlri: best.nlri,
      attributes: this.#attributes(best),
      nextHop: ebgp ? this.#options.localAddress : best.nextHop,
    };
  }

  #attributes(route: Route): PathAttributes {
    const bySource = getOrCreate(
      this.#transformed,
      route.attributes,
      () => new Map<string, PathAttributes>(),
    );
    return getOrCreate(bySource, idOf(route.source), () =>
      attributesFor(route, this.#options.peer, this.#options),
    );
  }
}
