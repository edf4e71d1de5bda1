/**
 * COMMUNITIES (type 8, RFC 1997) and LARGE_COMMUNITY (type 32, RFC 8092), as "a:b" and
 * "a:b:c" strings of unsigned decimals.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR } from '../constants.js';
import { EncodeError } from '../errors.js';
import { parseDecimal } from '../ipv4.js';
import { checkMultiple, OPTIONAL_TRANSITIVE, type AttributeDescriptor } from './common.js';

/** Parse "a:b[:c]" into its numbers; each part at most `max`. */
function parts(text: string, n: number, max: number): number[] {
  const out: number[] = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = i === n - 1 ? text.length : text.indexOf(':', from);
    const v = to < 0 ? -1 : parseDecimal(text, from, to);
    if (v < 0 || v > max) throw new EncodeError(`not a community: ${JSON.stringify(text)}`);
    out.push(v);
    from = to + 1;
  }
  return out;
}

export const communities: AttributeDescriptor<'communities'> = {
  code: ATTR.communities,
  name: 'COMMUNITIES',
  key: 'communities',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 7.8: a length that is not a non-zero multiple of 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): string[] {
    checkMultiple(r, 4, this);
    const out: string[] = [];
    while (!r.done) {
      const hi = r.u16();
      out.push(`${hi}:${r.u16()}`);
    }
    return out;
  },
  encode(w: Writer, v: readonly string[]) {
    for (const c of v) {
      const [hi = 0, lo = 0] = parts(c, 2, 0xffff);
      w.u16(hi).u16(lo);
    }
  },
};

export const largeCommunities: AttributeDescriptor<'largeCommunities'> = {
  code: ATTR.largeCommunities,
  name: 'LARGE_COMMUNITY',
  key: 'largeCommunities',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 8092 6: a length that is not a non-zero multiple of 12 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): string[] {
    checkMultiple(r, 12, this);
    const out: string[] = [];
    while (!r.done) {
      const g = r.u32();
      const a = r.u32();
      out.push(`${g}:${a}:${r.u32()}`);
    }
    return out;
  },
  encode(w: Writer, v: readonly string[]) {
    for (const c of v) {
      const [g = 0, a = 0, b = 0] = parts(c, 3, 0xffffffff);
      w.u32(g).u32(a).u32(b);
    }
  },
};
