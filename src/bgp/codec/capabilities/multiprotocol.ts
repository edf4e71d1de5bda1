/** Multiprotocol extensions (code 1, RFC 4760 8): AFI, a reserved octet, SAFI. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { CAP } from '../constants.js';
import type { CapabilityDescriptor } from './types.js';

export const multiprotocol: CapabilityDescriptor<'multiprotocol'> = {
  code: CAP.multiprotocol,
  type: 'multiprotocol',
  name: 'multiprotocol',
  decode(r: Reader) {
    const afi = r.u16();
    r.skip(1); // RFC 4760 8: reserved, ignored by the receiver
    return { type: 'multiprotocol', afi, safi: r.u8() };
  },
  encode(w: Writer, v) {
    w.u16(v.afi).u8(0).u8(v.safi);
  },
};
