/**
 * The RIB (layer 2, values only): every route we hold, from peers (Adj-RIB-In) and from local
 * originators (VPN instances, RTC), one per (source, family, NLRI key), and the RT
 * publish/subscribe that VPN instances and per-peer Adj-RIB-Outs listen to. No best path here:
 * each subscriber selects its own (see best-path.ts).
 *
 * Storage, all keyed by the codec's values (no copy: a route keeps the attributes object its
 * UPDATE shares with its siblings):
 *   - per source id, per family, per NLRI key: the route (get, routesOf, deleteSource, stale);
 *   - per family, per NLRI key: the route or the routes of every source (routesFor);
 *   - per family, per route target: the routes carrying it (replay of a new RT interest).
 * Events go through one FIFO (subscriptions.ts) and are delivered before the outermost call
 * returns.
 *
 * Graceful restart, helper side (RFC 4724 4.2): `markStale` flags the routes of a restarting
 * peer without announcing anything (they stay usable for forwarding, nothing changed for a
 * subscriber); a route the peer sends again replaces its stale copy (`set`, with `add` events
 * as usual, which clears the flag); `sweepStale` at End-of-RIB or when the restart timer fires
 * removes the rest, with `remove` events.
 */
import type { FamilyKey } from '../bgp/codec/index.js';
import { getOrCreate } from './maps.js';
import { routeTargets } from './route-targets.js';
import { idOf } from './source-ids.js';
import { EventQueue, RibSubscription, SubscriberIndex, type RouteLookup } from './subscriptions.js';
import type { RibApi, RibListener, Route, Source, Subscription } from './types.js';

interface SourceEntry {
  source: Source;
  readonly families: Map<FamilyKey, Map<string, Route>>;
}

const NO_ROUTES: readonly Route[] = Object.freeze([]);

export class Rib implements RibApi {
  readonly #sources = new Map<string, SourceEntry>();
  /** One route, or an array when several sources have the destination (most have one). */
  readonly #destinations = new Map<FamilyKey, Map<string, Route | Route[]>>();
  readonly #byRouteTarget = new Map<FamilyKey, Map<string, Set<Route>>>();
  readonly #subscribers = new SubscriberIndex();
  readonly #queue = new EventQueue();
  readonly #lookup: RouteLookup = {
    withRouteTarget: (family, rt) => this.#byRouteTarget.get(family)?.get(rt) ?? NO_ROUTES,
    ofFamily: (family) => this.#ofFamily(family),
  };
  #size = 0;

  get size(): number {
    return this.#size;
  }

  set(route: Route): void {
    const old = this.#store(route);
    this.#subscribers.announceSet(old, route, this.#queue);
    this.#queue.flush();
  }

  delete(source: Source, family: FamilyKey, key: string): boolean {
    const old = this.#unstore(source, family, key);
    if (old === undefined) return false;
    this.#subscribers.announceDelete(old, this.#queue);
    this.#queue.flush();
    return true;
  }

  get(source: Source, family: FamilyKey, key: string): Route | undefined {
    return this.#sources.get(idOf(source))?.families.get(family)?.get(key);
  }

  /** A snapshot: the caller may change the RIB while iterating. */
  routesOf(source: Source): Route[] {
    const out: Route[] = [];
    for (const byKey of this.#sources.get(idOf(source))?.families.values() ?? []) out.push(...byKey.values());
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
    const entry = this.#sources.get(idOf(source));
    let count = 0;
    for (const [family, byKey] of entry?.families ?? []) {
      if (families !== undefined && !families.includes(family)) continue;
      for (const [key, route] of byKey) {
        count++;
        if (route.stale === true) continue;
        const stale: Route = { ...route, stale: true };
        byKey.set(key, stale);
        this.#replaceDestination(route, stale);
        this.#unindexRouteTargets(route);
        this.#indexRouteTargets(stale);
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

  /** Store `route`; returns the route it replaces. */
  #store(route: Route): Route | undefined {
    const id = idOf(route.source);
    const entry = getOrCreate(this.#sources, id, (): SourceEntry => ({
      source: route.source,
      families: new Map(),
    }));
    entry.source = route.source;
    const byKey = getOrCreate(entry.families, route.family, () => new Map<string, Route>());
    const old = byKey.get(route.nlri.key);
    byKey.set(route.nlri.key, route);
    if (old === undefined) {
      this.#addDestination(route);
      this.#size++;
    } else {
      this.#replaceDestination(old, route);
      this.#unindexRouteTargets(old);
    }
    this.#indexRouteTargets(route);
    return old;
  }

  /** Remove the route of (source, family, key) from every index; returns it. */
  #unstore(source: Source, family: FamilyKey, key: string): Route | undefined {
    const id = idOf(source);
    const entry = this.#sources.get(id);
    const byKey = entry?.families.get(family);
    const old = byKey?.get(key);
    if (entry === undefined || byKey === undefined || old === undefined) return undefined;
    byKey.delete(key);
    if (byKey.size === 0) entry.families.delete(family);
    if (entry.families.size === 0) this.#sources.delete(id);
    this.#removeDestination(old);
    this.#unindexRouteTargets(old);
    this.#size--;
    return old;
  }

  #deleteWhere(source: Source, family: FamilyKey | undefined, pick: (r: Route) => boolean): number {
    const doomed: Route[] = [];
    for (const [f, byKey] of this.#sources.get(idOf(source))?.families ?? [])
      if (family === undefined || f === family) for (const r of byKey.values()) if (pick(r)) doomed.push(r);
    for (const r of doomed) {
      this.#unstore(r.source, r.family, r.nlri.key);
      this.#subscribers.announceDelete(r, this.#queue);
    }
    this.#queue.flush();
    return doomed.length;
  }

  *#ofFamily(family: FamilyKey): Generator<Route> {
    for (const entry of this.#sources.values()) {
      const byKey = entry.families.get(family);
      if (byKey !== undefined) yield* byKey.values();
    }
  }

  #addDestination(route: Route): void {
    const byKey = getOrCreate(this.#destinations, route.family, () => new Map<string, Route | Route[]>());
    const here = byKey.get(route.nlri.key);
    if (here === undefined) byKey.set(route.nlri.key, route);
    else if (Array.isArray(here)) here.push(route);
    else byKey.set(route.nlri.key, [here, route]);
  }

  #replaceDestination(old: Route, route: Route): void {
    const byKey = this.#destinations.get(old.family);
    const here = byKey?.get(old.nlri.key);
    if (byKey === undefined || here === undefined) return;
    if (!Array.isArray(here)) byKey.set(old.nlri.key, route);
    else here[here.indexOf(old)] = route;
  }

  #removeDestination(old: Route): void {
    const byKey = this.#destinations.get(old.family);
    const here = byKey?.get(old.nlri.key);
    if (byKey === undefined || here === undefined) return;
    if (Array.isArray(here)) {
      const rest = here.filter((r) => r !== old);
      byKey.set(old.nlri.key, rest.length === 1 && rest[0] !== undefined ? rest[0] : rest);
    } else byKey.delete(old.nlri.key);
    if (byKey.size === 0) this.#destinations.delete(old.family);
  }

  #indexRouteTargets(route: Route): void {
    const rts = routeTargets(route);
    if (rts.length === 0) return;
    const byRt = getOrCreate(this.#byRouteTarget, route.family, () => new Map<string, Set<Route>>());
    for (const rt of rts) getOrCreate(byRt, rt, () => new Set<Route>()).add(route);
  }

  #unindexRouteTargets(route: Route): void {
    const byRt = this.#byRouteTarget.get(route.family);
    if (byRt === undefined) return;
    for (const rt of routeTargets(route)) {
      const routes = byRt.get(rt);
      if (routes === undefined) continue;
      routes.delete(route);
      if (routes.size === 0) byRt.delete(rt);
    }
    if (byRt.size === 0) this.#byRouteTarget.delete(route.family);
  }
}
