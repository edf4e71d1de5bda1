/**
 * MP_REACH_NLRI next hops (RFC 4760 3): a plain address (4, 16, or 32 octets with an IPv6
 * link-local, RFC 2545 3), for VPN families each address preceded by a zero RD (RFC 4364
 * 4.3.2, RFC 4659 3.2.1), and none at all for FlowSpec (RFC 8955 4). RFC 8950 lets an IPv4
 * family carry an IPv6 next hop: the length tells which.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { WireError } from '../errors.js';
import { ERR, UPDATE_ERR } from '../notify.js';
import type { NextHopStyle } from './common.js';
import { readIp, writeIp } from './prefix.js';
import type { NextHop } from './types.js';

/** Decode a next hop that fills `r`. */
export function decodeNextHop(r: Reader, style: NextHopStyle): NextHop {
  const len = r.remaining;
  const rd = style === 'vpn' ? 8 : 0;
  if (len === 0 && style === 'none') return { nextHop: '' };
  if (len === rd + 4 || len === rd + 16) {
    r.skip(rd);
    return { nextHop: readIp(r, len - rd) };
  }
  if (len === 2 * (rd + 16)) {
    r.skip(rd);
    const nextHop = readIp(r, 16);
    r.skip(rd);
    return { nextHop, linkLocal: readIp(r, 16) };
  }
  // RFC 7606 7.11: a next hop length inconsistent with the family makes MP_REACH malformed.
  throw new WireError(
    { errorCode: ERR.update, subcode: UPDATE_ERR.optionalAttribute, action: 'afisafi-disable' },
    `next hop length ${len} does not fit the family`,
  );
}

/** Encode the length octet and the next hop. */
export function encodeNextHop(w: Writer, nh: NextHop, style: NextHopStyle): void {
  const mark = w.reserve(1);
  if (nh.nextHop === '' && style === 'none') {
    w.patchLength(mark);
    return;
  }
  const rd = style === 'vpn' ? 8 : 0;
  if (rd) w.u32(0).u32(0);
  writeIp(w, nh.nextHop);
  if (nh.linkLocal !== undefined) {
    if (rd) w.u32(0).u32(0);
    writeIp(w, nh.linkLocal);
  }
  w.patchLength(mark);
}
