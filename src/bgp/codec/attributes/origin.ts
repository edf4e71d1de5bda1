/** ORIGIN (type 1, RFC 4271 5.1.1). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR, type Origin } from '../constants.js';
import { UPDATE_ERR } from '../notify.js';
import { attrError, WELL_KNOWN, type AttributeDescriptor } from './common.js';

export const origin: AttributeDescriptor<'origin'> = {
  code: ATTR.origin,
  name: 'ORIGIN',
  key: 'origin',
  flags: WELL_KNOWN,
  // RFC 7606 7.1: a wrong length or an undefined value is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): Origin {
    const v = r.u8();
    // RFC 4271 6.3: an undefined ORIGIN value is an Invalid ORIGIN Attribute error.
    if (v > 2) throw attrError(this, UPDATE_ERR.invalidOrigin, `undefined value ${v}`);
    return v as Origin;
  },
  encode(w: Writer, v: Origin) {
    w.u8(v);
  },
};
