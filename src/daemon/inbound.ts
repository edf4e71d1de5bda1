/**
 * What a peer sends, into the RIB: each NLRI of an UPDATE becomes one route (sharing the
 * UPDATE's attributes object, so 100,000 routes of one packed stream cost one attributes
 * value), each withdrawn NLRI one delete. Implicit withdraw (RFC 4271 3.1) is the RIB's
 * replace-by-key. Returns per-family counts for the peer's metrics.
 */
import {
  FAMILY,
  familyKey,
  type DecodedUpdate,
  type FamilyKey,
  type Nlri,
  type PathAttributes,
} from '../bgp/codec/index.js';
import type { PeerSource, RibApi } from '../rib/types.js';

export interface InboundCounts {
  /** Routes added or replaced, per family. */
  readonly announced: Map<FamilyKey, number>;
  /** Routes withdrawn, per family (whether or not we had them). */
  readonly withdrawn: Map<FamilyKey, number>;
}

const bump = (m: Map<FamilyKey, number>, f: FamilyKey, n: number): void => {
  if (n > 0) m.set(f, (m.get(f) ?? 0) + n);
};

/** Who we are, to recognise our own routes coming back through a reflector. */
export interface LoopGuard {
  readonly routerId: string;
  readonly clusterId: string;
}

/**
 * RFC 4456 8: a route carrying our router id as ORIGINATOR_ID, or our cluster id in its
 * CLUSTER_LIST, went round a reflection loop: it is ignored (treated as a withdrawal).
 */
export function reflectedLoop(a: PathAttributes, guard: LoopGuard): boolean {
  return a.originatorId === guard.routerId || (a.clusterList?.includes(guard.clusterId) ?? false);
}

/** Apply one decoded UPDATE from `source`; `onRtc` hears about RTC NLRI for the peer's filter. */
export function applyUpdate(
  rib: RibApi,
  source: PeerSource,
  decoded: DecodedUpdate,
  guard: LoopGuard,
  onRtc?: (nlri: Nlri, reachable: boolean) => void,
): InboundCounts {
  const { update } = decoded;
  const counts: InboundCounts = { announced: new Map(), withdrawn: new Map() };
  const attributes = update.attributes;
  const looped = reflectedLoop(attributes, guard);
  const withdraw = (family: FamilyKey, nlri: readonly Nlri[]): void => {
    for (const n of nlri) {
      rib.delete(source, family, n.key);
      if (family === FAMILY.rtc) onRtc?.(n, false);
    }
    bump(counts.withdrawn, family, nlri.length);
  };
  const announce = (family: FamilyKey, nlri: readonly Nlri[], nextHop: string): void => {
    if (looped) {
      withdraw(family, nlri);
      return;
    }
    for (const n of nlri) {
      rib.set({ family, nlri: n, attributes, nextHop, source });
      if (family === FAMILY.rtc) onRtc?.(n, true);
    }
    bump(counts.announced, family, nlri.length);
  };
  withdraw(FAMILY.ipv4Unicast, update.withdrawn);
  if (update.mpUnreach)
    withdraw(familyKey(update.mpUnreach.afi, update.mpUnreach.safi), update.mpUnreach.nlri);
  if (update.nlri.length > 0) announce(FAMILY.ipv4Unicast, update.nlri, attributes.nextHop ?? '');
  const r = update.mpReach;
  if (r) announce(familyKey(r.afi, r.safi), r.nlri, r.nextHop);
  return counts;
}
