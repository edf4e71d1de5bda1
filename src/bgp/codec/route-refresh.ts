/** ROUTE-REFRESH (RFC 2918 3) with the BoRR/EoRR subtypes of RFC 7313 3. */
import { Reader } from '../../lib/reader.js';
import type { Writer } from '../../lib/writer.js';

export interface RouteRefresh {
  readonly afi: number;
  readonly safi: number;
  /** REFRESH.normal (0), borr (1) or eorr (2); RFC 7313 5 says others are ignored. */
  readonly subtype: number;
}

export function decodeRouteRefresh(body: Uint8Array): RouteRefresh {
  const r = new Reader(body);
  const afi = r.u16();
  const subtype = r.u8();
  return { afi, safi: r.u8(), subtype };
}

export function encodeRouteRefreshBody(w: Writer, v: RouteRefresh): void {
  w.u16(v.afi).u8(v.subtype).u8(v.safi);
}
