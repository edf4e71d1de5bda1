/**
 * The RIB (layer 2, values only): every route we hold, from peers (Adj-RIB-In) and from local
 * originators (VPN instances, RTC), one per (source, family, NLRI key), and the RT
 * publish/subscribe that VPN instances and per-peer Adj-RIB-Outs listen to. No best path here:
 * each subscriber selects its own (see best-path.ts).
 *
 * Storage, all keyed by the codec's values (no copy: a route keeps the attributes object its
 * UPDATE shares with its siblings), two entries per route:
 *   - per family, per NLRI key: the route, or the routes of every source (most destinations
 *     have one): get, set, delete, routesFor;
 *   - per source, per family, per set of route targets: a group, the set of its routes
 *     (routesOf, deleteSource, stale). Route targets are indexed per group, not per route: a
 *     source sends few distinct RT sets (one per VRF or RT combination), so a new RT interest
 *     finds its routes through a handful of groups, and storing a route costs one set entry.
 * Consecutive routes of one UPDATE share their attributes object, so `set` remembers the last
 * group it used and finds it again without any lookup.
 * Events go through one FIFO (subscriptions.ts) and are delivered before the outermost call
 * returns.
 *
 * Graceful restart, helper side (RFC 4724 4.2): `markStale` flags the routes of a restarting
 * peer without announcing anything (they stay usable for forwarding, nothing changed for a
 * subscriber); a route the peer sends again replaces its stale copy (`set`, with `add` events
 * as usual, which clears the flag); `sweepStale` at End-of-RIB or when the restart timer fires
 * removes the rest, with `remove` events.
 */
import type { FamilyKey, PathAttributes } from '../bgp/codec/index.js';
import { getOrCreate } from './maps.js';
import { routeTargetsOf } from './route-targets.js';
import { idOf } from './source-ids.js';
import {
  EventQueue,
  RibSubscription,
  SubscriberIndex,
  type RouteGroup,
  type RouteLookup,
} from './subscriptions.js';
import type { RibApi, RibListener, Route, Source, Subscription } from './types.js';

/** The routes of one source and family carrying one set of route targets. */
interface Group extends RouteGroup {
  readonly entry: SourceEntry;
  readonly family: FamilyKey;
  /** `RouteTargetSet.key`: the group's key in `entry.groups`. */
  readonly key: string;
  /** The family's destinations (`Rib.#destinations`), at hand for `set`. */
  readonly destinations: Map<string, Route | Route[]>;
  routes: Set<Route>;
}

interface SourceEntry {
  source: Source;
  readonly id: string;
  readonly groups: Map<FamilyKey, Map<string, Group>>;
}

const NO_ROUTES: readonly Route[] = Object.freeze([]);
const NO_GROUPS: ReadonlySet<Group> = new Set();

/** Does `r` come from the source with id `id` (`s` itself, usually)? */
const from = (r: Route, s: Source, id: string): boolean => r.source === s || idOf(r.source) === id;

export class Rib implements RibApi {
  readonly #sources = new Map<string, SourceEntry>();
  /** Per family (never dropped: families are few), per NLRI key: one route or several. */
  readonly #destinations = new Map<FamilyKey, Map<string, Route | Route[]>>();
  readonly #byRouteTarget = new Map<FamilyKey, Map<string, Set<Group>>>();
  readonly #subscribers = new SubscriberIndex();
  readonly #queue = new EventQueue();
  readonly #lookup: RouteLookup = {
    withRouteTarget: (family, rt) => this.#byRouteTarget.get(family)?.get(rt) ?? NO_GROUPS,
    ofFamily: (family) => this.#groupsOf(family),
  };
  /** The group of the last route set and its attributes object (see the header). */
  #last: Group | undefined;
  #lastAttributes: PathAttributes | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  set(route: Route): void {
    const group = this.#groupFor(route);
    const old = this.#store(route, group);
    this.#subscribers.announceSet(old, route, group.rts, this.#queue);
    this.#queue.flush();
  }

  delete(source: Source, family: FamilyKey, key: string): boolean {
    const old = this.get(source, family, key);
    if (old === undefined) return false;
    this.#unstore(old);
    this.#subscribers.announceDelete(old, this.#queue);
    this.#queue.flush();
    return true;
  }

  get(source: Source, family: FamilyKey, key: string): Route | undefined {
    const here = this.#destinations.get(family)?.get(key);
    if (here === undefined) return undefined;
    const id = idOf(source);
    if (!Array.isArray(here)) return from(here, source, id) ? here : undefined;
    return here.find((r) => from(r, source, id));
  }

  /** A snapshot: the caller may change the RIB while iterating. */
  routesOf(source: Source): Route[] {
    const out: Route[] = [];
    for (const byKey of this.#sources.get(idOf(source))?.groups.values() ?? [])
      for (const g of byKey.values()) for (const r of g.routes) out.push(r);
    return out;
  }

  routesFor(family: FamilyKey, key: string): readonly Route[] {
    const here = this.#destinations.get(family)?.get(key);
    return here === undefined ? NO_ROUTES : Array.isArray(here) ? [...here] : [here];
  }

  deleteSource(source: Source): number {
    return this.#deleteWhere(source, undefined, () => true);
  }

  /** Flags the routes stale, silently (see the header). Returns how many routes are now stale. */
  markStale(source: Source, families?: readonly FamilyKey[]): number {
    let count = 0;
    for (const [family, byKey] of this.#sources.get(idOf(source))?.groups ?? []) {
      if (families !== undefined && !families.includes(family)) continue;
      for (const g of byKey.values()) {
        const routes = new Set<Route>();
        for (const route of g.routes) {
          const stale: Route = route.stale === true ? route : { ...route, stale: true };
          if (stale !== route) this.#replaceDestination(g.destinations, route, stale);
          routes.add(stale);
        }
        g.routes = routes;
        count += routes.size;
      }
    }
    return count;
  }

  sweepStale(source: Source, family?: FamilyKey): number {
    return this.#deleteWhere(source, family, (r) => r.stale === true);
  }

  subscribe(listener: RibListener): Subscription {
    return new RibSubscription(listener, {
      index: this.#subscribers,
      lookup: this.#lookup,
      queue: this.#queue,
    });
  }

  /** The group `route` goes to: the last one when it shares its attributes, source and family. */
  #groupFor(route: Route): Group {
    const last = this.#last;
    if (
      last !== undefined &&
      this.#lastAttributes === route.attributes &&
      last.family === route.family &&
      last.entry.source === route.source
    )
      return last;
    const id = idOf(route.source);
    const entry = getOrCreate(this.#sources, id, (): SourceEntry => ({
      source: route.source,
      id,
      groups: new Map(),
    }));
    entry.source = route.source;
    const byKey = getOrCreate(entry.groups, route.family, () => new Map<string, Group>());
    const rts = routeTargetsOf(route);
    let g = byKey.get(rts.key);
    if (g === undefined) {
      const destinations = getOrCreate(
        this.#destinations,
        route.family,
        () => new Map<string, Route | Route[]>(),
      );
      g = { entry, family: route.family, key: rts.key, rts: rts.list, destinations, routes: new Set() };
      byKey.set(rts.key, g);
      this.#indexGroup(g);
    }
    this.#last = g;
    this.#lastAttributes = route.attributes;
    return g;
  }

  /** Store `route` in `group` and its destination; returns the route it replaces. */
  #store(route: Route, group: Group): Route | undefined {
    const destinations = group.destinations;
    const key = route.nlri.key;
    const here = destinations.get(key);
    let old: Route | undefined;
    if (here === undefined) destinations.set(key, route);
    else if (Array.isArray(here)) {
      const i = here.findIndex((r) => from(r, route.source, group.entry.id));
      if (i < 0) here.push(route);
      else {
        old = here[i];
        here[i] = route;
      }
    } else if (from(here, route.source, group.entry.id)) {
      old = here;
      destinations.set(key, route);
    } else destinations.set(key, [here, route]);
    group.routes.add(route);
    if (old === undefined) this.#size++;
    else if (old !== route) this.#leaveGroup(old);
    return old;
  }

  /** Remove `old` (a route held) from its destination and its group. */
  #unstore(old: Route): void {
    const destinations = this.#destinations.get(old.family);
    const here = destinations?.get(old.nlri.key);
    if (destinations === undefined || here === undefined) return;
    if (!Array.isArray(here)) destinations.delete(old.nlri.key);
    else {
      const rest = here.filter((r) => r !== old);
      destinations.set(old.nlri.key, rest.length === 1 && rest[0] !== undefined ? rest[0] : rest);
    }
    this.#leaveGroup(old);
    this.#size--;
  }

  /** Take `old` out of its group, dropping the group (and the source) once empty. */
  #leaveGroup(old: Route): void {
    const entry = this.#sources.get(idOf(old.source));
    const byKey = entry?.groups.get(old.family);
    const g = byKey?.get(routeTargetsOf(old).key);
    if (entry === undefined || byKey === undefined || g === undefined) return;
    g.routes.delete(old);
    if (g.routes.size > 0) return;
    byKey.delete(g.key);
    if (byKey.size === 0) entry.groups.delete(old.family);
    if (entry.groups.size === 0) this.#sources.delete(entry.id);
    this.#unindexGroup(g);
    if (this.#last === g) this.#last = this.#lastAttributes = undefined;
  }

  #deleteWhere(source: Source, family: FamilyKey | undefined, pick: (r: Route) => boolean): number {
    const doomed: Route[] = [];
    for (const [f, byKey] of this.#sources.get(idOf(source))?.groups ?? [])
      if (family === undefined || f === family)
        for (const g of byKey.values()) for (const r of g.routes) if (pick(r)) doomed.push(r);
    for (const r of doomed) {
      this.#unstore(r);
      this.#subscribers.announceDelete(r, this.#queue);
    }
    this.#queue.flush();
    return doomed.length;
  }

  *#groupsOf(family: FamilyKey): Generator<Group> {
    for (const entry of this.#sources.values()) {
      const byKey = entry.groups.get(family);
      if (byKey !== undefined) yield* byKey.values();
    }
  }

  #replaceDestination(destinations: Map<string, Route | Route[]>, old: Route, route: Route): void {
    const here = destinations.get(old.nlri.key);
    if (here === undefined) return;
    if (!Array.isArray(here)) destinations.set(old.nlri.key, route);
    else here[here.indexOf(old)] = route;
  }

  #indexGroup(g: Group): void {
    if (g.rts.length === 0) return;
    const byRt = getOrCreate(this.#byRouteTarget, g.family, () => new Map<string, Set<Group>>());
    for (const rt of g.rts) getOrCreate(byRt, rt, () => new Set<Group>()).add(g);
  }

  #unindexGroup(g: Group): void {
    const byRt = this.#byRouteTarget.get(g.family);
    if (byRt === undefined) return;
    for (const rt of g.rts) {
      const groups = byRt.get(rt);
      if (groups === undefined) continue;
      groups.delete(g);
      if (groups.size === 0) byRt.delete(rt);
    }
    if (byRt.size === 0) this.#byRouteTarget.delete(g.family);
  }
}
