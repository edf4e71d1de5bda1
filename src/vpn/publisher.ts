/**
 * The routes one local originator (a VPN instance) has in the RIB, kept in step with what it
 * wants by difference (STYLE rule 12): a route is set only when it is new or changed, and
 * deleted when no longer wanted, so subscribers (peers' Adj-RIB-Out, other instances) hear
 * nothing for an unchanged route.
 */
import type { Nlri, PathAttributes } from '../bgp/codec/index.js';
import { destinationKey, type LocalSource, type RibApi, type Route } from '../rib/types.js';
import { localSource } from './routes.js';

/** The RIB identity of a route within its source: family and NLRI key. */
export const routeKey = (r: Route): string => destinationKey(r.family, r.nlri);

export type Overlay = (key: string) => Route | undefined;
const none: Overlay = () => undefined;

const content = (r: { nlri: Nlri; attributes: PathAttributes; nextHop: string }): string =>
  JSON.stringify([r.nlri, r.attributes, r.nextHop]);

export class Publisher {
  readonly #rib: RibApi;
  readonly #source: LocalSource;
  readonly #published = new Map<string, { readonly route: Route; readonly content: string }>();
  #base = new Map<string, Route>();

  constructor(rib: RibApi, owner: string) {
    this.#rib = rib;
    this.#source = localSource(owner);
  }

  /** Make each of `keys` hold `want(key)` (undefined: withdrawn); returns how many changed. */
  sync(keys: Iterable<string>, want: (key: string) => Route | undefined): number {
    let changes = 0;
    for (const key of keys) {
      const route = want(key);
      const had = this.#published.get(key);
      if (route === undefined) {
        if (had === undefined) continue;
        this.#published.delete(key);
        this.#rib.delete(this.#source, had.route.family, had.route.nlri.key);
        changes++;
        continue;
      }
      const c = content(route);
      if (had?.content === c) continue;
      this.#published.set(key, { route, content: c });
      this.#rib.set(route);
      changes++;
    }
    return changes;
  }

  /**
   * Replace the base set (the routes the spec and the ports make); a key the base lacks falls
   * back to `overlay` (routes kept elsewhere, e.g. re-advertised ones). Returns the changes.
   */
  setBase(routes: Iterable<Route>, overlay: Overlay = none): number {
    const next = new Map<string, Route>();
    for (const r of routes) next.set(routeKey(r), r);
    const keys = new Set([...this.#base.keys(), ...next.keys()]);
    this.#base = next;
    return this.refresh(keys, overlay);
  }

  /** Publish `keys` again from the base, then `overlay`. */
  refresh(keys: Iterable<string>, overlay: Overlay): number {
    return this.sync(keys, (k) => this.#base.get(k) ?? overlay(k));
  }

  /** Withdraw everything. */
  withdrawAll(): number {
    this.#base = new Map();
    return this.sync([...this.#published.keys()], () => undefined);
  }

  routes(): Route[] {
    return [...this.#published.values()].map((p) => p.route);
  }

  get size(): number {
    return this.#published.size;
  }
}
