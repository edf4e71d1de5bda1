/**
 * The route targets of a route, as the RIB indexes them: the `route-target` extended communities
 * (RFC 4360 4, RFC 5668) in the codec's canonical string form. Every other extended community
 * (route origin, RT record, redirect-to-VRF...) never matches an RT interest, and RTC routes
 * (RFC 4684) carry no indexed RT: they match `ANY_RT` only.
 *
 * Attributes objects are shared by every NLRI of one UPDATE, so the set is computed once per
 * attributes object and cached in a WeakMap (no copy, nothing kept alive). Its `key` names the
 * set, so the RIB can group the routes of many UPDATEs by the route targets they carry.
 */
import { FAMILY, normalizeRouteTarget, type PathAttributes } from '../bgp/codec/index.js';
import { SpecError } from '../lib/errors.js';
import { ANY_RT, type Route, type RtInterest } from './types.js';

/** The distinct route targets of an attributes object, normalised, in the order they appear. */
export interface RouteTargetSet {
  readonly list: readonly string[];
  /** The sorted list joined by spaces: equal sets, equal keys ("" for none). */
  readonly key: string;
}

const NONE: RouteTargetSet = Object.freeze({ list: Object.freeze([]), key: '' });
const NONE_EC: NonNullable<PathAttributes['extCommunities']> = [];
const cache = new WeakMap<PathAttributes, RouteTargetSet>();

/** The route targets of `attributes` (see `RouteTargetSet`). */
export function routeTargetSet(attributes: PathAttributes): RouteTargetSet {
  const hit = cache.get(attributes);
  if (hit !== undefined) return hit;
  let out: string[] | undefined;
  for (const ec of attributes.extCommunities ?? NONE_EC) {
    if (ec.type !== 'route-target') continue;
    const rt = normalizeRouteTarget(ec.value) ?? ec.value;
    out ??= [];
    if (!out.includes(rt)) out.push(rt);
  }
  const value =
    out === undefined ? NONE : Object.freeze({ list: Object.freeze(out), key: [...out].sort().join(' ') });
  cache.set(attributes, value);
  return value;
}

/** The distinct route targets of `attributes`, normalised, in the order they appear. */
export function attributeRouteTargets(attributes: PathAttributes): readonly string[] {
  return routeTargetSet(attributes).list;
}

/** The route targets that make `route` visible to an RT interest (none for RTC routes). */
export function routeTargetsOf(route: Route): RouteTargetSet {
  return route.family === FAMILY.rtc ? NONE : routeTargetSet(route.attributes);
}

/** The list of `routeTargetsOf`. */
export function routeTargets(route: Route): readonly string[] {
  return routeTargetsOf(route).list;
}

/** An RT interest in canonical form: `ANY_RT`, or a route target the codec can encode. */
export function normalizeInterest(rt: RtInterest, path = 'rt'): RtInterest {
  if (rt === ANY_RT) return rt;
  const v = normalizeRouteTarget(rt);
  if (v === undefined)
    throw new SpecError(path, `not a route target (ASN:NN, IP:NN, ASN4:NN or "*"): ${JSON.stringify(rt)}`);
  return v;
}
