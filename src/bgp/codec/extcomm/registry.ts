/**
 * The extended community registry (STYLE rule 1), keyed by `type << 8 | subtype` for decoding
 * and by value type for encoding. Unknown codes stay opaque.
 */
import { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { EncodeError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import { encapsulation, defaultGateway, consistentHashSortOrder } from './opaque-typed.js';
import { esiLabel, macMobility, routerMac } from './evpn.js';
import { trafficAction, trafficMarking, trafficRate } from './flowspec.js';
import { redirectVrf, routeOrigin, routeTarget, rtRecord } from './route-target.js';
import type { ExtCommunity, ExtCommunityEntry, ExtCommunityType } from './types.js';

const entries: readonly ExtCommunityEntry[] = [
  routeTarget,
  routeOrigin,
  rtRecord,
  redirectVrf,
  encapsulation,
  defaultGateway,
  consistentHashSortOrder,
  macMobility,
  esiLabel,
  routerMac,
  trafficRate,
  trafficAction,
  trafficMarking,
];

export const EXT_COMMUNITIES: ReadonlyMap<number, ExtCommunityEntry> = new Map(
  entries.flatMap((e) => e.codes.map((code) => [code, e] as const)),
);

const byType: ReadonlyMap<ExtCommunityType, ExtCommunityEntry> = new Map(entries.map((e) => [e.type, e]));

/** Read one 8-octet extended community. */
export function decodeExtCommunity(r: Reader): ExtCommunity {
  const raw = r.bytes(8);
  const value = new Reader(raw);
  const code = value.u16();
  const entry = EXT_COMMUNITIES.get(code);
  const v = entry?.decode(value, code);
  return v ?? { type: 'opaque', hex: toHex(raw) };
}

export function encodeExtCommunity(w: Writer, v: ExtCommunity): void {
  if (v.type === 'opaque') {
    const raw = fromHex(v.hex);
    if (raw?.length !== 8) throw new EncodeError(`opaque ext-community needs 16 hex digits: ${v.hex}`);
    w.bytes(raw);
    return;
  }
  const entry = byType.get(v.type);
  if (entry === undefined) throw new EncodeError(`unknown ext-community type ${JSON.stringify(v.type)}`);
  entry.encode(w, v);
}
