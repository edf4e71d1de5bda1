/** 4-octet AS number (code 65, RFC 6793 9). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { CAP } from '../constants.js';
import type { CapabilityDescriptor } from './types.js';

export const as4: CapabilityDescriptor<'as4'> = {
  code: CAP.as4,
  type: 'as4',
  name: '4-octet AS',
  decode: (r: Reader) => ({ type: 'as4', asn: r.u32() }),
  encode(w: Writer, v) {
    w.u32(v.asn);
  },
};
