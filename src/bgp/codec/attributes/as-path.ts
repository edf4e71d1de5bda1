/**
 * AS_PATH (type 2, RFC 4271 4.3 and 5.1.2; 4-octet ASNs with RFC 6793, confederation
 * segments RFC 5065 3). Segments longer than 255 ASNs are split on encode.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR, AS_TRANS } from '../constants.js';
import type { CodecContext } from '../context.js';
import { UPDATE_ERR } from '../notify.js';
import { attrError, WELL_KNOWN, type AttributeDescriptor, type AttributeEntry } from './common.js';
import type { AsPath, AsPathSegment, AsPathSegmentType } from './types.js';

const SEGMENT_TYPES: readonly (AsPathSegmentType | undefined)[] = [
  undefined,
  'set',
  'sequence',
  'confed-sequence',
  'confed-set',
];
const SEGMENT_CODE: Readonly<Record<AsPathSegmentType, number>> = {
  set: 1,
  sequence: 2,
  'confed-sequence': 3,
  'confed-set': 4,
};

/** Read segments of 2- or 4-octet ASNs until `r` is done. */
export function readSegments(
  r: Reader,
  four: boolean,
  entry: Pick<AttributeEntry, 'malformed' | 'name'>,
): AsPath {
  const out: AsPathSegment[] = [];
  while (!r.done) {
    const code = r.u8();
    const type = SEGMENT_TYPES[code];
    // RFC 7606 7.2: an unrecognized segment type makes the AS_PATH malformed.
    if (type === undefined) throw attrError(entry, UPDATE_ERR.malformedAsPath, `segment type ${code}`);
    const n = r.u8();
    // RFC 7606 7.2: a segment with a zero length field is malformed.
    if (n === 0) throw attrError(entry, UPDATE_ERR.malformedAsPath, 'empty segment');
    const asns: number[] = [];
    for (let i = 0; i < n; i++) asns.push(four ? r.u32() : r.u16());
    out.push({ type, asns });
  }
  return out;
}

/** Write segments; ASNs above 65535 become AS_TRANS in the 2-octet form (RFC 6793 4.2.2). */
export function writeSegments(w: Writer, path: AsPath, four: boolean): void {
  for (const seg of path) {
    for (let at = 0; at < seg.asns.length; at += 255) {
      const part = seg.asns.slice(at, at + 255);
      w.u8(SEGMENT_CODE[seg.type]).u8(part.length);
      for (const asn of part) {
        if (four) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

export const asPath: AttributeDescriptor<'asPath'> = {
  code: ATTR.asPath,
  name: 'AS_PATH',
  key: 'asPath',
  flags: WELL_KNOWN,
  // RFC 7606 7.2: a malformed AS_PATH is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader, ctx: CodecContext): AsPath {
    return readSegments(r, ctx.asn4, this);
  },
  encode(w: Writer, v: AsPath, ctx: CodecContext) {
    writeSegments(w, v, ctx.asn4);
  },
};
