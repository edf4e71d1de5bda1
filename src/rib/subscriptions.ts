/**
 * RT publish/subscribe for the RIB: who hears about which route (see `Subscription` in
 * types.ts). Three pieces:
 *   - `SubscriberIndex`: (family, RT or ANY_RT) -> subscribers, so that a route change costs
 *     one lookup per route target, not one test per subscriber;
 *   - `RibSubscription`: one subscriber's interests, with the replay on `add`/`remove`;
 *   - `EventQueue`: every event goes through one FIFO, delivered by the outermost RIB call. A
 *     listener that changes the RIB or a subscription sees its own changes' events after the
 *     current ones, so each subscriber hears the changes in the order they happened.
 */
import type { FamilyKey } from '../bgp/codec/index.js';
import { getOrCreate } from './maps.js';
import { normalizeInterest, routeTargets } from './route-targets.js';
import {
  ANY_RT,
  type RibEvent,
  type RibListener,
  type Route,
  type RtInterest,
  type Subscription,
} from './types.js';

/** Routes that carry the same route targets (`rts`), as the RIB stores them. */
export interface RouteGroup {
  readonly rts: readonly string[];
  readonly routes: Iterable<Route>;
}

/** What a subscription reads from the RIB to replay: groups, so `sees` runs once per group. */
export interface RouteLookup {
  /** The routes of `family` carrying route target `rt`. */
  withRouteTarget(family: FamilyKey, rt: string): Iterable<RouteGroup>;
  /** Every route of `family`. */
  ofFamily(family: FamilyKey): Iterable<RouteGroup>;
}

/** Run-to-completion delivery: events queued while delivering are delivered in the same pass. */
export class EventQueue {
  readonly #subs: RibSubscription[] = [];
  readonly #events: RibEvent[] = [];
  #flushing = false;

  push(sub: RibSubscription, event: RibEvent): void {
    this.#subs.push(sub);
    this.#events.push(event);
  }

  /**
   * Deliver everything queued, unless a delivery is already running further up the stack (it
   * will deliver these too). A listener that throws does not stop the others: the first error
   * is rethrown once the queue is empty.
   */
  flush(): void {
    if (this.#flushing || this.#subs.length === 0) return;
    this.#flushing = true;
    let failure: { error: unknown } | undefined;
    try {
      for (let i = 0; i < this.#subs.length; i++) {
        const sub = this.#subs[i];
        const event = this.#events[i];
        if (sub === undefined || event === undefined || sub.closed) continue;
        try {
          sub.deliver(event);
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      this.#subs.length = 0;
      this.#events.length = 0;
      this.#flushing = false;
    }
    if (failure !== undefined) throw failure.error;
  }
}

const NO_SUBS: ReadonlySet<RibSubscription> = new Set();
const NO_RTS: readonly string[] = [];

export class SubscriberIndex {
  readonly #byFamily = new Map<FamilyKey, Map<RtInterest, Set<RibSubscription>>>();

  add(family: FamilyKey, rt: RtInterest, sub: RibSubscription): void {
    const byRt = getOrCreate(this.#byFamily, family, () => new Map<RtInterest, Set<RibSubscription>>());
    getOrCreate(byRt, rt, () => new Set<RibSubscription>()).add(sub);
  }

  remove(family: FamilyKey, rt: RtInterest, sub: RibSubscription): void {
    const byRt = this.#byFamily.get(family);
    const subs = byRt?.get(rt);
    if (byRt === undefined || subs === undefined) return;
    subs.delete(sub);
    if (subs.size === 0) byRt.delete(rt);
    if (byRt.size === 0) this.#byFamily.delete(family);
  }

  /**
   * Queue the events for `route` replacing `old` (or new): `add` to every subscriber that sees
   * the new route, `remove` to those that saw the old one and cannot see the new one. `rts` are
   * the route's route targets (`routeTargets(route)`), which the RIB has at hand.
   */
  announceSet(old: Route | undefined, route: Route, rts: readonly string[], queue: EventQueue): void {
    if (!this.#byFamily.has(route.family)) return;
    const oldRts = old === undefined ? NO_RTS : routeTargets(old);
    let added: RibEvent | undefined;
    let removed: RibEvent | undefined;
    for (const sub of this.#targets(route.family, rts, oldRts)) {
      if (sub.sees(route.family, rts)) queue.push(sub, (added ??= { type: 'add', route }));
      else if (old !== undefined && sub.sees(old.family, oldRts))
        queue.push(sub, (removed ??= { type: 'remove', route: old }));
    }
  }

  /** Queue `remove` for `route` to every subscriber that sees it. */
  announceDelete(route: Route, queue: EventQueue): void {
    if (!this.#byFamily.has(route.family)) return;
    const event: RibEvent = { type: 'remove', route };
    for (const sub of this.#targets(route.family, routeTargets(route), NO_RTS)) queue.push(sub, event);
  }

  /** The subscribers of `family` for ANY_RT or one of the RTs in `a` or `b`, each once. */
  #targets(family: FamilyKey, a: readonly string[], b: readonly string[]): Iterable<RibSubscription> {
    const byRt = this.#byFamily.get(family);
    if (byRt === undefined) return NO_SUBS;
    // No closure here: this runs per route, and tsx (esbuild keepNames) names each one it makes.
    let found = byRt.get(ANY_RT);
    let copied = false;
    for (let list = 0; list < (b === a ? 1 : 2); list++)
      for (const rt of list === 0 ? a : b) {
        const subs = byRt.get(rt);
        if (subs === undefined || subs === found) continue;
        if (found === undefined) found = subs;
        else {
          if (!copied) {
            found = new Set(found);
            copied = true;
          }
          for (const s of subs) found.add(s);
        }
      }
    return found ?? NO_SUBS;
  }
}

/** What the RIB gives each subscription. */
export interface SubscriptionContext {
  readonly index: SubscriberIndex;
  readonly lookup: RouteLookup;
  readonly queue: EventQueue;
}

export class RibSubscription implements Subscription {
  readonly #listener: RibListener;
  readonly #ctx: SubscriptionContext;
  readonly #interests = new Map<FamilyKey, Set<RtInterest>>();
  #closed = false;

  constructor(listener: RibListener, ctx: SubscriptionContext) {
    this.#listener = listener;
    this.#ctx = ctx;
  }

  get closed(): boolean {
    return this.#closed;
  }

  deliver(event: RibEvent): void {
    this.#listener(event);
  }

  /** True when an interest of `family` matches ANY_RT or one of `rts`. */
  sees(family: FamilyKey, rts: readonly string[]): boolean {
    const mine = this.#interests.get(family);
    if (mine === undefined) return false;
    if (mine.has(ANY_RT)) return true;
    for (const rt of rts) if (mine.has(rt)) return true;
    return false;
  }

  /** Start hearing about (family, rt); replays as `add` the routes not visible before. */
  add(family: FamilyKey, rt: RtInterest): void {
    const interest = normalizeInterest(rt);
    if (this.#closed || this.#interests.get(family)?.has(interest) === true) return;
    for (const group of this.#matching(family, interest))
      if (!this.sees(family, group.rts))
        for (const route of group.routes) this.#ctx.queue.push(this, { type: 'add', route });
    getOrCreate(this.#interests, family, () => new Set<RtInterest>()).add(interest);
    this.#ctx.index.add(family, interest, this);
    this.#ctx.queue.flush();
  }

  /** Stop hearing about (family, rt); announces `remove` for the routes no longer visible. */
  remove(family: FamilyKey, rt: RtInterest): void {
    const interest = normalizeInterest(rt);
    const mine = this.#interests.get(family);
    if (this.#closed || mine?.delete(interest) !== true) return;
    if (mine.size === 0) this.#interests.delete(family);
    this.#ctx.index.remove(family, interest, this);
    for (const group of this.#matching(family, interest))
      if (!this.sees(family, group.rts))
        for (const route of group.routes) this.#ctx.queue.push(this, { type: 'remove', route });
    this.#ctx.queue.flush();
  }

  /** Silent: no event is announced, and events still queued for this subscriber are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [family, rts] of this.#interests)
      for (const rt of rts) this.#ctx.index.remove(family, rt, this);
    this.#interests.clear();
  }

  #matching(family: FamilyKey, interest: RtInterest): Iterable<RouteGroup> {
    return interest === ANY_RT
      ? this.#ctx.lookup.ofFamily(family)
      : this.#ctx.lookup.withRouteTarget(family, interest);
  }
}
