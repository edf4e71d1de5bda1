/**
 * L2VPN EVPN (25/70, RFC 7432 7): a sequence of (route type, length, route). Known route types
 * are decoded by `evpn-routes.ts`; unknown ones are kept raw (RFC 7606 5.4 lets the RIB
 * discard them, the codec only reports syntax).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError } from '../errors.js';
import { toHex } from '../hex.js';
import { decodeEach, nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { EVPN_ROUTES, EVPN_ROUTES_BY_NAME } from './evpn-routes.js';
import { withPathId, type EvpnNlri, type Nlri } from './types.js';

const key = familyKey(25, 70);

function decodeOne(r: Reader, pathId: number | undefined): EvpnNlri {
  const routeType = r.u8();
  const body = r.sub(r.u8());
  const entry = EVPN_ROUTES.get(routeType);
  if (entry === undefined) {
    const raw = body.copy(body.remaining);
    const k = withPathId(`${routeType}|${toHex(raw)}`, pathId);
    const v = { kind: 'evpn', route: 'unknown', key: k, routeType, raw } as const;
    return pathId === undefined ? v : { ...v, pathId };
  }
  const v = entry.decode(body, pathId);
  // RFC 7432 7: the route length must match the route type's fields exactly.
  if (!body.done) throw nlriError(`EVPN route type ${routeType} has ${body.remaining} extra octets`);
  return v;
}

export const evpn: FamilyDescriptor = {
  afi: 25,
  safi: 70,
  key,
  name: 'l2vpn-evpn',
  nextHop: 'ip',
  decode: (r: Reader, ctx: CodecContext): EvpnNlri[] => decodeEach(r, ctx, key, decodeOne),
  encode(w: Writer, v: Nlri, ctx: CodecContext): void {
    if (v.kind !== 'evpn') throw wrongKind('l2vpn-evpn', v);
    writePathId(w, v, ctx, key);
    if (v.route === 'unknown') {
      if (v.raw.length > 255) throw new EncodeError('EVPN route longer than 255 octets');
      w.u8(v.routeType).u8(v.raw.length).bytes(v.raw);
      return;
    }
    const entry = EVPN_ROUTES_BY_NAME.get(v.route);
    if (entry === undefined) throw new EncodeError('unknown EVPN route');
    w.u8(entry.routeType);
    const mark = w.reserve(1);
    entry.encode(w, v);
    w.patchLength(mark);
  },
};
