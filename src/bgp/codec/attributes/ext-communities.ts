/** EXTENDED_COMMUNITIES (type 16, RFC 4360 2); the kinds live in `extcomm/`. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR } from '../constants.js';
import { decodeExtCommunity, encodeExtCommunity } from '../extcomm/registry.js';
import type { ExtCommunity } from '../extcomm/types.js';
import { checkMultiple, OPTIONAL_TRANSITIVE, type AttributeDescriptor } from './common.js';

export const extCommunities: AttributeDescriptor<'extCommunities'> = {
  code: ATTR.extCommunities,
  name: 'EXTENDED_COMMUNITIES',
  key: 'extCommunities',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 7.14: a length that is not a non-zero multiple of 8 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): ExtCommunity[] {
    checkMultiple(r, 8, this);
    const out: ExtCommunity[] = [];
    while (!r.done) out.push(decodeExtCommunity(r));
    return out;
  },
  encode(w: Writer, v: readonly ExtCommunity[]) {
    for (const c of v) encodeExtCommunity(w, c);
  },
};
