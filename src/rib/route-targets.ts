/**
 * The route targets of a route, as the RIB indexes them: the `route-target` extended communities
 * (RFC 4360 4, RFC 5668) in the codec's canonical string form. Every other extended community
 * (route origin, RT record, redirect-to-VRF...) never matches an RT interest, and RTC routes
 * (RFC 4684) carry no indexed RT: they match `ANY_RT` only.
 *
 * Attributes objects are shared by every NLRI of one UPDATE, so the list is computed once per
 * attributes object and cached in a WeakMap (no copy, nothing kept alive).
 */
import { FAMILY, normalizeRouteTarget, type PathAttributes } from '../bgp/codec/index.js';
import { SpecError } from '../lib/errors.js';
import { ANY_RT, type Route, type RtInterest } from './types.js';

const NONE: readonly string[] = Object.freeze([]);
const NONE_EC: NonNullable<PathAttributes['extCommunities']> = [];
const cache = new WeakMap<PathAttributes, readonly string[]>();

/** The distinct route targets of `attributes`, normalised, in the order they appear. */
export function attributeRouteTargets(attributes: PathAttributes): readonly string[] {
  const hit = cache.get(attributes);
  if (hit !== undefined) return hit;
  let out: string[] | undefined;
  for (const ec of attributes.extCommunities ?? NONE_EC) {
    if (ec.type !== 'route-target') continue;
    const rt = normalizeRouteTarget(ec.value) ?? ec.value;
    out ??= [];
    if (!out.includes(rt)) out.push(rt);
  }
  const value = out === undefined ? NONE : Object.freeze(out);
  cache.set(attributes, value);
  return value;
}

/** The route targets that make `route` visible to an RT interest (none for RTC routes). */
export function routeTargets(route: Route): readonly string[] {
  return route.family === FAMILY.rtc ? NONE : attributeRouteTargets(route.attributes);
}

/** An RT interest in canonical form: `ANY_RT`, or a route target the codec can encode. */
export function normalizeInterest(rt: RtInterest, path = 'rt'): RtInterest {
  if (rt === ANY_RT) return rt;
  const v = normalizeRouteTarget(rt);
  if (v === undefined)
    throw new SpecError(path, `not a route target (ASN:NN, IP:NN, ASN4:NN or "*"): ${JSON.stringify(rt)}`);
  return v;
}
