/**
 * Transitive opaque (type 0x03) extended communities: encapsulation (RFC 9012 4.1), default
 * gateway (RFC 7432 7.8) and bagpipe's consistent hash sort order (0x03/0x14).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ec, type ExtCommunityDescriptor } from './types.js';

/** RFC 9012 4.1: 4 reserved octets, then the 2-octet tunnel type. */
export const encapsulation: ExtCommunityDescriptor<'encapsulation'> = {
  type: 'encapsulation',
  name: 'encapsulation',
  codes: [ec(0x03, 0x0c)],
  decode(r: Reader) {
    if (r.u32() !== 0) return undefined;
    return { type: 'encapsulation', tunnelType: r.u16() };
  },
  encode(w: Writer, v) {
    w.u8(0x03).u8(0x0c).u32(0).u16(v.tunnelType);
  },
};

/** RFC 7432 7.8: the value octets are zero. */
export const defaultGateway: ExtCommunityDescriptor<'default-gateway'> = {
  type: 'default-gateway',
  name: 'default gateway',
  codes: [ec(0x03, 0x0d)],
  decode(r: Reader) {
    if (r.u16() !== 0 || r.u32() !== 0) return undefined;
    return { type: 'default-gateway' };
  },
  encode(w: Writer) {
    w.u8(0x03).u8(0x0d).u16(0).u32(0);
  },
};

/** bagpipe (networking-bagpipe exa/ConsistentHashSortOrder): 4-octet order, 2 reserved. */
export const consistentHashSortOrder: ExtCommunityDescriptor<'consistent-hash-sort-order'> = {
  type: 'consistent-hash-sort-order',
  name: 'consistent hash sort order',
  codes: [ec(0x03, 0x14)],
  decode(r: Reader) {
    const order = r.u32();
    if (r.u16() !== 0) return undefined;
    return { type: 'consistent-hash-sort-order', order };
  },
  encode(w: Writer, v) {
    w.u8(0x03).u8(0x14).u32(v.order).u16(0);
  },
};
