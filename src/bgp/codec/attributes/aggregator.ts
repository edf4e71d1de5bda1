/** AGGREGATOR (type 7, RFC 4271 5.1.7): AS (2 octets, or 4 with RFC 6793) and IPv4 address. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { AS_TRANS, ATTR } from '../constants.js';
import type { CodecContext } from '../context.js';
import { readIpv4 } from '../nlri/prefix.js';
import { OPTIONAL_TRANSITIVE, type AttributeDescriptor } from './common.js';
import { writeIpv4Text } from './ipv4-attr.js';
import type { Aggregator } from './types.js';

export const aggregator: AttributeDescriptor<'aggregator'> = {
  code: ATTR.aggregator,
  name: 'AGGREGATOR',
  key: 'aggregator',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 7.7: an AGGREGATOR of the wrong length (6, or 8 with 4-octet AS) is attribute-discard.
  malformed: 'attribute-discard',
  decode(r: Reader, ctx: CodecContext): Aggregator {
    const asn = ctx.asn4 ? r.u32() : r.u16();
    return { asn, address: readIpv4(r) };
  },
  encode(w: Writer, v: Aggregator, ctx: CodecContext) {
    if (ctx.asn4) w.u32(v.asn);
    else w.u16(v.asn > 0xffff ? AS_TRANS : v.asn);
    writeIpv4Text(w, v.address, 'AGGREGATOR');
  },
};
