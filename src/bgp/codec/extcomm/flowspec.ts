/** FlowSpec traffic actions (RFC 8955 7), type 0x80 (redirect-to-VRF lives in route-target.ts). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ec, type ExtCommunityDescriptor } from './types.js';

/** RFC 8955 7.3: 2-octet AS, then the rate as an IEEE 754 single in bytes per second. */
export const trafficRate: ExtCommunityDescriptor<'traffic-rate'> = {
  type: 'traffic-rate',
  name: 'traffic rate',
  codes: [ec(0x80, 0x06)],
  decode(r: Reader) {
    const asn = r.u16();
    const b = r.bytes(4);
    const rate = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0);
    return Number.isNaN(rate) ? undefined : { type: 'traffic-rate', asn, rate };
  },
  encode(w: Writer, v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v.rate);
    w.u8(0x80).u8(0x06).u16(v.asn).bytes(b);
  },
};

/** RFC 8955 7.3: 5 reserved octets, then flags S (0x02, sample) and T (0x01, terminal). */
export const trafficAction: ExtCommunityDescriptor<'traffic-action'> = {
  type: 'traffic-action',
  name: 'traffic action',
  codes: [ec(0x80, 0x07)],
  decode(r: Reader) {
    if (r.u32() !== 0 || r.u8() !== 0) return undefined;
    const flags = r.u8();
    if ((flags & ~3) !== 0) return undefined;
    return { type: 'traffic-action', sample: (flags & 2) !== 0, terminal: (flags & 1) !== 0 };
  },
  encode(w: Writer, v) {
    w.u8(0x80)
      .u8(0x07)
      .u32(0)
      .u8(0)
      .u8((v.sample ? 2 : 0) | (v.terminal ? 1 : 0));
  },
};

/** RFC 8955 7.5: 5 reserved octets, then the 6-bit DSCP. */
export const trafficMarking: ExtCommunityDescriptor<'traffic-marking'> = {
  type: 'traffic-marking',
  name: 'traffic marking',
  codes: [ec(0x80, 0x09)],
  decode(r: Reader) {
    if (r.u32() !== 0 || r.u8() !== 0) return undefined;
    const dscp = r.u8();
    return dscp > 63 ? undefined : { type: 'traffic-marking', dscp };
  },
  encode(w: Writer, v) {
    w.u8(0x80)
      .u8(0x09)
      .u32(0)
      .u8(0)
      .u8(v.dscp & 63);
  },
};
