/**
 * Route Target Constraint (RFC 4684), both directions.
 *
 * `RtcOriginator` (what we ask for): one local RTC route per route target imported by any VPN
 * instance, kept by reference count across owners. The original withdrew the route when the
 * last subscriber of *one* family left even though an instance of the other family still
 * imported the RT (BAGPIPE-REFERENCE 4.8); here the route stays while any owner imports it.
 * No default route unless asked for: gobgpd 3.10 crashes on it (interop gotcha G1).
 *
 * `PeerRtcFilter` (what a peer asks for): the RTC routes a peer sent, turned into the RT
 * interests of its Adj-RIB-Out subscription on the VPN families. `initialInterests` gives the
 * interests at Established, `applyChange` applies a change to a subscription.
 */
import {
  encodeExtCommunity,
  FAMILY,
  fromHex,
  ORIGIN,
  rtcNlri,
  type FamilyKey,
  type PathAttributes,
  type RtcNlri,
} from '../bgp/codec/index.js';
import { SpecError } from '../lib/errors.js';
import { Writer } from '../lib/writer.js';
import { getOrCreate } from './maps.js';
import { normalizeInterest } from './route-targets.js';
import { ANY_RT, type LocalSource, type RibApi, type RtInterest, type Subscription } from './types.js';

/** The source of our RTC routes. */
export const RTC_SOURCE: LocalSource = Object.freeze({ kind: 'local', owner: 'rtc' });

/** The families whose routes RTC constrains (RFC 4684 applies to routes carrying RTs). */
export const RTC_CONSTRAINED: readonly FamilyKey[] = [
  FAMILY.ipv4Vpn,
  FAMILY.ipv6Vpn,
  FAMILY.evpn,
  FAMILY.ipv4FlowspecVpn,
];

export interface RtcOriginatorOptions {
  readonly rib: RibApi;
  /** RFC 4684 4: the origin AS of our RTC routes. */
  readonly localAs: number;
  /** Our local address, the next hop of our RTC routes. */
  readonly nextHop: string;
  /** Also originate the default RTC route ("send me every VPN route"). Off: gobgpd 3.10 crashes on it. */
  readonly originateDefault?: boolean;
}

export class RtcOriginator {
  readonly #rib: RibApi;
  readonly #localAs: number;
  readonly #nextHop: string;
  /** One attributes object shared by every RTC route we originate: ORIGIN IGP, empty AS_PATH. */
  readonly #attributes: PathAttributes = Object.freeze({ origin: ORIGIN.igp, asPath: [] });
  readonly #byOwner = new Map<string, ReadonlySet<string>>();
  /** Route target -> how many owners import it. */
  readonly #importers = new Map<string, number>();
  readonly #default: boolean;

  constructor(options: RtcOriginatorOptions) {
    this.#rib = options.rib;
    this.#localAs = options.localAs;
    this.#nextHop = options.nextHop;
    this.#default = options.originateDefault === true;
    if (this.#default) this.#publish(rtcNlri());
  }

  /** The whole set of RTs `owner` imports now (STYLE rule 12: the callee diffs). */
  setImports(owner: string, rts: Iterable<string>): void {
    const next = new Set<string>();
    for (const rt of rts) {
      if (rt === ANY_RT) throw new SpecError(`${owner}.importRTs`, 'the wildcard "*" is not a route target');
      next.add(normalizeInterest(rt, `${owner}.importRTs`));
    }
    const prev = this.#byOwner.get(owner) ?? new Set<string>();
    if (next.size > 0) this.#byOwner.set(owner, next);
    else this.#byOwner.delete(owner);
    for (const rt of next) if (!prev.has(rt)) this.#retain(rt);
    for (const rt of prev) if (!next.has(rt)) this.#release(rt);
  }

  /** `owner` imports nothing any more. */
  release(owner: string): void {
    this.setImports(owner, []);
  }

  /** The route targets we advertise membership of, sorted. */
  routeTargets(): string[] {
    return [...this.#importers.keys()].sort();
  }

  /** Withdraw every RTC route we originated (including the default) and forget the owners. */
  close(): void {
    for (const rt of this.#importers.keys())
      this.#rib.delete(RTC_SOURCE, FAMILY.rtc, rtcNlri(this.#localAs, rt).key);
    if (this.#default) this.#rib.delete(RTC_SOURCE, FAMILY.rtc, rtcNlri().key);
    this.#importers.clear();
    this.#byOwner.clear();
  }

  #retain(rt: string): void {
    const n = this.#importers.get(rt) ?? 0;
    this.#importers.set(rt, n + 1);
    if (n === 0) this.#publish(rtcNlri(this.#localAs, rt));
  }

  #release(rt: string): void {
    const n = this.#importers.get(rt) ?? 0;
    if (n > 1) this.#importers.set(rt, n - 1);
    else {
      this.#importers.delete(rt);
      this.#rib.delete(RTC_SOURCE, FAMILY.rtc, rtcNlri(this.#localAs, rt).key);
    }
  }

  #publish(nlri: RtcNlri): void {
    this.#rib.set({
      family: FAMILY.rtc,
      nlri,
      attributes: this.#attributes,
      nextHop: this.#nextHop,
      source: RTC_SOURCE,
    });
  }
}

/** The 8 octets of a route target string, or of "0x" + 16 hex digits; undefined if neither. */
function rtOctets(rt: string | undefined): Uint8Array | undefined {
  if (rt === undefined) return undefined;
  if (rt.startsWith('0x')) {
    const raw = fromHex(rt.slice(2));
    return raw?.length === 8 ? raw : undefined;
  }
  try {
    const w = new Writer(8);
    encodeExtCommunity(w, { type: 'route-target', value: rt });
    return w.finish();
  } catch {
    return undefined;
  }
}

/**
 * RFC 4684 4: does the RT membership NLRI `nlri` cover route target `rt`? The NLRI is a prefix
 * of the 96-bit value origin AS (32 bits) + route target (64 bits, the whole extended community
 * with its type octets). A VPN route's RT carries no origin AS, so the origin AS bits never take
 * part: /0 (the default) and /32 (an origin AS only) cover every RT, /96 exactly one, and /33 to
 * /95 every RT whose first (length - 32) bits equal the NLRI's.
 */
export function rtcCovers(nlri: RtcNlri, rt: string): boolean {
  const bits = nlri.prefixLength - 32;
  if (bits <= 0) return true;
  const want = rtOctets(nlri.routeTarget);
  const have = rtOctets(rt);
  if (want === undefined || have === undefined) return false;
  for (let i = 0; i < 8 && i * 8 < bits; i++) {
    const mask = bits - i * 8 >= 8 ? 0xff : (0xff << (8 - (bits - i * 8))) & 0xff;
    if (((want[i] ?? 0) & mask) !== ((have[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** A change of RT interests, to apply `add` first then `remove` (so nothing visible flaps). */
export interface InterestChange {
  readonly add: readonly RtInterest[];
  readonly remove: readonly RtInterest[];
}

const NO_CHANGE: InterestChange = Object.freeze({ add: [], remove: [] });

/** The route target of a /96 NLRI, or undefined when the NLRI is wider or not a route target. */
function exactRouteTarget(nlri: RtcNlri): string | undefined {
  if (nlri.prefixLength !== 96 || nlri.routeTarget === undefined || nlri.routeTarget.startsWith('0x'))
    return undefined;
  return normalizeInterest(nlri.routeTarget);
}

/**
 * The RTC routes one peer sent us, as RT interests for its VPN families: the exact route
 * targets of its /96 routes, or ANY_RT as soon as it sent a default route, a /32 or a partial
 * RT prefix (/33 to /95: the RT interests of the RIB are exact values, so a partial prefix asks
 * for everything, a superset; `matches` answers exactly). A /96 whose octets are not a route
 * target covers nothing.
 */
export class PeerRtcFilter {
  readonly #received = new Map<string, RtcNlri>();
  /** Keys of the routes that ask for every RT. */
  readonly #wide = new Set<string>();
  /** Route target -> keys of the /96 routes naming it (several origin ASes may). */
  readonly #exact = new Map<string, Set<string>>();

  /** The peer asked for every RT. */
  get wantsAll(): boolean {
    return this.#wide.size > 0;
  }

  /** The interests to hold now: [ANY_RT], or the route targets, sorted. */
  interests(): RtInterest[] {
    return this.wantsAll ? [ANY_RT] : [...this.#exact.keys()].sort();
  }

  /** RFC 4684 4: would the peer's RT membership make it receive a route carrying `rt`? */
  matches(rt: string): boolean {
    if (this.#exact.has(rt)) return true;
    for (const key of this.#wide) {
      const nlri = this.#received.get(key);
      if (nlri !== undefined && rtcCovers(nlri, rt)) return true;
    }
    return false;
  }

  /** The peer announced `nlri` (again: no change). */
  add(nlri: RtcNlri): InterestChange {
    if (this.#received.has(nlri.key)) return NO_CHANGE;
    this.#received.set(nlri.key, nlri);
    const rt = exactRouteTarget(nlri);
    if (rt !== undefined) {
      const keys = getOrCreate(this.#exact, rt, () => new Set<string>());
      keys.add(nlri.key);
      return keys.size === 1 && !this.wantsAll ? { add: [rt], remove: [] } : NO_CHANGE;
    }
    if (nlri.prefixLength === 96) return NO_CHANGE;
    this.#wide.add(nlri.key);
    return this.#wide.size === 1 ? { add: [ANY_RT], remove: [...this.#exact.keys()] } : NO_CHANGE;
  }

  /** The peer withdrew `nlri` (unknown: no change). */
  remove(nlri: Pick<RtcNlri, 'key'>): InterestChange {
    const known = this.#received.get(nlri.key);
    if (known === undefined) return NO_CHANGE;
    this.#received.delete(nlri.key);
    if (this.#wide.delete(nlri.key))
      return this.#wide.size === 0 ? { add: [...this.#exact.keys()], remove: [ANY_RT] } : NO_CHANGE;
    const rt = exactRouteTarget(known);
    const keys = rt === undefined ? undefined : this.#exact.get(rt);
    if (rt === undefined || keys === undefined) return NO_CHANGE;
    keys.delete(nlri.key);
    if (keys.size > 0) return NO_CHANGE;
    this.#exact.delete(rt);
    return this.wantsAll ? NO_CHANGE : { add: [], remove: [rt] };
  }

  /** Forget everything (session down); returns the interests to drop. */
  clear(): InterestChange {
    const remove = this.interests();
    this.#received.clear();
    this.#wide.clear();
    this.#exact.clear();
    return { add: [], remove };
  }
}

/**
 * The interests of a peer's Adj-RIB-Out subscription at Established, per negotiated family.
 * Without RTC: ANY_RT everywhere. With RTC (RFC 4684 6): nothing on the constrained VPN
 * families until the peer's RTC routes arrive, ANY_RT on the RTC family (so the peer receives
 * ours) and on families RTC does not constrain.
 */
export function initialInterests(
  families: Iterable<FamilyKey>,
  rtcNegotiated: boolean,
): Map<FamilyKey, RtInterest[]> {
  const out = new Map<FamilyKey, RtInterest[]>();
  for (const f of families) out.set(f, rtcNegotiated && RTC_CONSTRAINED.includes(f) ? [] : [ANY_RT]);
  return out;
}

/** Apply `change` to `sub` on each of `families`: every `add` before any `remove`. */
export function applyChange(sub: Subscription, families: Iterable<FamilyKey>, change: InterestChange): void {
  const list = [...families];
  for (const f of list) for (const rt of change.add) sub.add(f, rt);
  for (const f of list) for (const rt of change.remove) sub.remove(f, rt);
}
