/**
 * The route engine's value types (layer 2, values only, no I/O): who a route comes from, the
 * route itself, and the events a subscriber receives. The RIB (`rib.ts`), the per-peer
 * Adj-RIB-Out (`adj-rib-out.ts`), RT Constraint (`rtc.ts`) and best path (`best-path.ts`) all
 * speak these types; VPN instances (src/vpn) and the daemon are their only users.
 *
 * Identity: a route is unique per (source, family, nlri.key). Setting a route again for the
 * same triple replaces it (implicit withdraw, RFC 4271 3.1).
 */
import type { FamilyKey, Nlri, PathAttributes } from '../bgp/codec/index.js';

/** A route originated by this daemon: a VPN instance (owner = its id) or the RTC originator. */
export interface LocalSource {
  readonly kind: 'local';
  /** Stable id of the originator, e.g. the VPN instance id, or "rtc". */
  readonly owner: string;
}

/** A route received from a BGP peer. */
export interface PeerSource {
  readonly kind: 'peer';
  /** The peer's address as configured (the session key). */
  readonly address: string;
  readonly peerAs: number;
  readonly localAs: number;
  /** The peer's BGP identifier (router id) from its OPEN. */
  readonly bgpId: string;
  /** The peer is one of our route-reflector clients (RFC 4456). */
  readonly rrClient: boolean;
}

export type Source = LocalSource | PeerSource;

/** "local:<owner>" or "peer:<address>": one string per source, a map key. */
export function sourceId(s: Source): string {
  return s.kind === 'local' ? `local:${s.owner}` : `peer:${s.address}`;
}

export interface Route {
  readonly family: FamilyKey;
  readonly nlri: Nlri;
  /** Shared by every NLRI of one UPDATE: never mutate, replace. */
  readonly attributes: PathAttributes;
  /** MP_REACH next hop (or NEXT_HOP for IPv4 unicast); "" for FlowSpec. */
  readonly nextHop: string;
  readonly source: Source;
  /** Kept for a restarting peer (RFC 4724 4.2) until its End-of-RIB or the restart timer. */
  readonly stale?: boolean;
}

/** `${family}|${nlri.key}`: one string per destination, whatever the source. */
export function destinationKey(family: FamilyKey, nlri: Nlri): string {
  return `${String(family)}|${nlri.key}`;
}

/**
 * What a subscriber is told. `add` also announces a replacement (same source, family and key,
 * new attributes): the subscriber keeps one route per (source, family, key). `remove` carries
 * the route as it was.
 */
export type RibEvent =
  { readonly type: 'add'; readonly route: Route } | { readonly type: 'remove'; readonly route: Route };

export type RibListener = (event: RibEvent) => void;

/** A route target string as the codec prints it ("64512:1", "10.0.0.1:5"), or "*" for all. */
export type RtInterest = string;
export const ANY_RT: RtInterest = '*';

/**
 * A subscriber's interests: (family, RT) pairs. It hears about a route of `family` that carries
 * a route-target extended community equal to `rt`, or about every route of `family` for
 * `ANY_RT` (RTC routes match `ANY_RT` only). Each route is announced to a subscriber at most
 * once however many of its interests match. `add` replays the matching routes it could not see
 * yet as `add` events; `remove` announces `remove` for the routes it can no longer see;
 * `close` stops all events (and announces nothing).
 */
export interface Subscription {
  add(family: FamilyKey, rt: RtInterest): void;
  remove(family: FamilyKey, rt: RtInterest): void;
  close(): void;
}

/** The RIB's contract (implemented by `Rib` in rib.ts). Listeners run synchronously. */
export interface RibApi {
  /** Add or replace the route for (source, family, nlri.key). */
  set(route: Route): void;
  /** Remove it; false when there was none. */
  delete(source: Source, family: FamilyKey, key: string): boolean;
  get(source: Source, family: FamilyKey, key: string): Route | undefined;
  routesOf(source: Source): Iterable<Route>;
  /** Every route of the destination, from every source. */
  routesFor(family: FamilyKey, key: string): readonly Route[];
  /** Remove every route of the source; returns how many. */
  deleteSource(source: Source): number;
  /** Mark every route of the source (of `families`, default all) stale; returns how many. */
  markStale(source: Source, families?: readonly FamilyKey[]): number;
  /** Remove the source's routes still stale (of `family`, default all); returns how many. */
  sweepStale(source: Source, family?: FamilyKey): number;
  subscribe(listener: RibListener): Subscription;
  readonly size: number;
}
