/**
 * AS4_PATH (type 17) and AS4_AGGREGATOR (type 18), RFC 6793. They exist only between a
 * 4-octet-AS speaker and a 2-octet one: `fromWire` merges them into `asPath`/`aggregator`
 * (RFC 6793 4.2.3) and `toWire` produces them again for a peer without 4-octet AS.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { AS_TRANS, ATTR } from '../constants.js';
import type { CodecContext } from '../context.js';
import { readIpv4 } from '../nlri/prefix.js';
import { OPTIONAL_TRANSITIVE, type AttributeDescriptor } from './common.js';
import { readSegments, writeSegments } from './as-path.js';
import { writeIpv4Text } from './ipv4-attr.js';
import type { Aggregator, AsPath, AsPathSegment, WireAttributes } from './types.js';

const isConfed = (s: AsPathSegment): boolean => s.type === 'confed-sequence' || s.type === 'confed-set';

export const as4Path: AttributeDescriptor<'as4Path'> = {
  code: ATTR.as4Path,
  name: 'AS4_PATH',
  key: 'as4Path',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 7.2 / RFC 6793 6: a malformed AS4_PATH is attribute-discard.
  malformed: 'attribute-discard',
  decode(r: Reader): AsPath {
    // RFC 6793 5: confederation segments in AS4_PATH are discarded and processing continues.
    return readSegments(r, true, this).filter((s) => !isConfed(s));
  },
  encode(w: Writer, v: AsPath) {
    writeSegments(w, v, true);
  },
};

export const as4Aggregator: AttributeDescriptor<'as4Aggregator'> = {
  code: ATTR.as4Aggregator,
  name: 'AS4_AGGREGATOR',
  key: 'as4Aggregator',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 6793 6: a malformed AS4_AGGREGATOR (length other than 8) is attribute-discard.
  malformed: 'attribute-discard',
  decode(r: Reader): Aggregator {
    const asn = r.u32();
    return { asn, address: readIpv4(r) };
  },
  encode(w: Writer, v: Aggregator) {
    w.u32(v.asn);
    writeIpv4Text(w, v.address, 'AS4_AGGREGATOR');
  },
};

/** RFC 6793 4.2.3 (with RFC 4271 9.1.2.2): an AS_SET counts as one, confed segments as none. */
function count(path: AsPath): number {
  let n = 0;
  for (const s of path) n += s.type === 'sequence' ? s.asns.length : s.type === 'set' ? 1 : 0;
  return n;
}

/** RFC 6793 4.2.3: leading AS_PATH numbers, as many as needed, then AS4_PATH. */
function mergePaths(asPath: AsPath, as4: AsPath): AsPath {
  let need = count(asPath) - count(as4);
  if (need < 0) return asPath;
  const head: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (isConfed(seg)) {
      if (need > 0 || head.length === 0) head.push(seg);
      continue;
    }
    if (need <= 0) break;
    const take = seg.type === 'set' ? seg.asns.length : Math.min(need, seg.asns.length);
    head.push(take === seg.asns.length ? seg : { type: seg.type, asns: seg.asns.slice(0, take) });
    need -= seg.type === 'set' ? 1 : take;
  }
  const last = head[head.length - 1];
  const first = as4[0];
  if (last?.type === 'sequence' && first?.type === 'sequence') {
    return [...head.slice(0, -1), { type: 'sequence', asns: [...last.asns, ...first.asns] }, ...as4.slice(1)];
  }
  return [...head, ...as4];
}

/** Decode side: fold AS4_PATH/AS4_AGGREGATOR into the 4-octet values and drop them. */
export function fromWire(attrs: WireAttributes, ctx: CodecContext): WireAttributes {
  const { as4Path: p4, as4Aggregator: a4, ...rest } = attrs;
  // RFC 6793 3: a NEW speaker discards AS4_PATH/AS4_AGGREGATOR received from a NEW speaker.
  if (ctx.asn4 || (p4 === undefined && a4 === undefined)) return rest;
  // RFC 6793 4.2.3: AGGREGATOR not AS_TRANS means AS4_AGGREGATOR and AS4_PATH are ignored.
  if (a4 !== undefined && rest.aggregator !== undefined && rest.aggregator.asn !== AS_TRANS) return rest;
  const withAggregator =
    a4 !== undefined && rest.aggregator !== undefined ? { ...rest, aggregator: a4 } : rest;
  if (p4 === undefined || rest.asPath === undefined) return withAggregator;
  return { ...withAggregator, asPath: mergePaths(rest.asPath, p4) };
}

/** Encode side: towards a 2-octet-AS peer, add AS4_PATH/AS4_AGGREGATOR when needed (RFC 6793 4.2.2). */
export function toWire(attrs: WireAttributes, ctx: CodecContext): WireAttributes {
  const { as4Path: _p, as4Aggregator: _a, ...rest } = attrs;
  if (ctx.asn4) return rest;
  const wide = rest.asPath?.some((s) => s.asns.some((a) => a > 0xffff)) === true;
  const as4 = wide ? rest.asPath?.filter((s) => !isConfed(s)) : undefined;
  const agg = rest.aggregator !== undefined && rest.aggregator.asn > 0xffff ? rest.aggregator : undefined;
  return {
    ...rest,
    ...(as4 === undefined ? {} : { as4Path: as4 }),
    ...(agg === undefined ? {} : { as4Aggregator: agg }),
  };
}
