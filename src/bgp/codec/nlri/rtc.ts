/**
 * Route Target membership (1/132, RFC 4684 4): a length in bits (0, or 32 to 96), the origin
 * AS, then the leading octets of a route target. Partial route targets are zero-padded.
 */
import { Reader } from '../../../lib/reader.js';
import { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError } from '../errors.js';
import { decodeExtCommunity, encodeExtCommunity } from '../extcomm/registry.js';
import { fromHex, toHex } from '../hex.js';
import { decodeEach, nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { withPathId, type Nlri, type RtcNlri } from './types.js';

const key = familyKey(1, 132);

/** The RT string of 8 octets, or "0x" + hex when they are not a route target. */
function formatRt(b: Uint8Array): string {
  const ec = decodeExtCommunity(new Reader(b));
  return ec.type === 'route-target' ? ec.value : `0x${toHex(b)}`;
}

function rtOctets(text: string): Uint8Array {
  if (text.startsWith('0x')) {
    const raw = fromHex(text.slice(2));
    if (raw?.length !== 8) throw new EncodeError(`RTC route target: bad hex ${JSON.stringify(text)}`);
    return raw;
  }
  const w = new Writer(8);
  encodeExtCommunity(w, { type: 'route-target', value: text });
  return w.finish();
}

export function rtcKey(v: Pick<RtcNlri, 'prefixLength' | 'originAs' | 'routeTarget'>): string {
  if (v.prefixLength === 0) return 'default';
  const rt = v.routeTarget === undefined ? `${v.originAs ?? 0}` : `${v.originAs ?? 0}:${v.routeTarget}`;
  return v.prefixLength === 96 ? rt : `${rt}/${v.prefixLength}`;
}

function decodeOne(r: Reader, pathId: number | undefined): RtcNlri {
  const prefixLength = r.u8();
  if (prefixLength === 0) {
    const k = withPathId('default', pathId);
    return pathId === undefined
      ? { kind: 'rtc', key: k, prefixLength }
      : { kind: 'rtc', key: k, prefixLength, pathId };
  }
  // RFC 4684 4: the origin AS is never partial, and a route target is at most 64 bits.
  if (prefixLength < 32 || prefixLength > 96) throw nlriError(`RTC prefix length ${prefixLength}`);
  const originAs = r.u32();
  let routeTarget: string | undefined;
  if (prefixLength > 32) {
    const b = new Uint8Array(8);
    b.set(r.bytes((prefixLength - 32 + 7) >>> 3));
    routeTarget = formatRt(b);
  }
  const base = { prefixLength, originAs, ...(routeTarget === undefined ? {} : { routeTarget }) };
  const k = withPathId(rtcKey(base), pathId);
  return { kind: 'rtc', key: k, ...base, ...(pathId === undefined ? {} : { pathId }) };
}

export const rtc: FamilyDescriptor = {
  afi: 1,
  safi: 132,
  key,
  name: 'ipv4-rtc',
  nextHop: 'ip',
  decode: (r: Reader, ctx: CodecContext): RtcNlri[] => decodeEach(r, ctx, key, decodeOne),
  encode(w: Writer, v: Nlri, ctx: CodecContext): void {
    if (v.kind !== 'rtc') throw wrongKind('ipv4-rtc', v);
    const bits = v.prefixLength;
    if (bits !== 0 && (bits < 32 || bits > 96)) throw new EncodeError(`RTC prefix length ${bits}`);
    writePathId(w, v, ctx, key);
    w.u8(bits);
    if (bits === 0) return;
    w.u32(v.originAs ?? 0);
    if (bits > 32)
      w.bytes(rtOctets(v.routeTarget ?? '0x0000000000000000').subarray(0, (bits - 32 + 7) >>> 3));
  },
};
