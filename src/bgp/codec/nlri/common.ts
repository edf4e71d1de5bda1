/** Pieces every NLRI family uses: its descriptor shape, errors, and ADD-PATH identifiers. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import type { CodecContext, FamilyKey } from '../context.js';
import { EncodeError, WireError } from '../errors.js';
import { ERR, UPDATE_ERR } from '../notify.js';
import type { Nlri } from './types.js';

/** How the MP_REACH next hop is laid out (RFC 4760 3, RFC 4364 4.3.2, RFC 8955 4). */
export type NextHopStyle = 'ip' | 'vpn' | 'none';

/** One NLRI family (STYLE rule 1): a registry entry keyed by `familyKey(afi, safi)`. */
export interface FamilyDescriptor {
  readonly afi: number;
  readonly safi: number;
  readonly key: FamilyKey;
  readonly name: string;
  readonly nextHop: NextHopStyle;
  /** Decode a whole NLRI field (until `r` is done). Throws `WireError` 3/10 or an overrun. */
  decode(r: Reader, ctx: CodecContext): Nlri[];
  /** Encode one NLRI; throws `EncodeError` when `v` is not of this family. */
  encode(w: Writer, v: Nlri, ctx: CodecContext): void;
}

/**
 * RFC 4271 6.3 / RFC 7606 5.3: a syntactically wrong NLRI is an Invalid Network Field. The
 * action is the one for the classic NLRI field; MP_REACH/MP_UNREACH re-wrap it.
 */
export function nlriError(message: string): WireError {
  return new WireError(
    { errorCode: ERR.update, subcode: UPDATE_ERR.invalidNetworkField, action: 'session-reset' },
    message,
  );
}

export function wrongKind(family: string, v: Nlri): EncodeError {
  return new EncodeError(`${family}: cannot encode an NLRI of kind ${v.kind}`);
}

/** RFC 7911 3: the 4-octet path identifier precedes each NLRI when ADD-PATH is on. */
export function writePathId(w: Writer, v: Nlri, ctx: CodecContext, key: FamilyKey): void {
  if (ctx.addPath.has(key)) w.u32(v.pathId ?? 0);
}

/** Decode NLRI one by one until `r` is done, each preceded by a path id with ADD-PATH (RFC 7911 3). */
export function decodeEach<N extends Nlri>(
  r: Reader,
  ctx: CodecContext,
  key: FamilyKey,
  one: (r: Reader, pathId: number | undefined) => N,
): N[] {
  const addPath = ctx.addPath.has(key);
  const out: N[] = [];
  while (!r.done) out.push(one(r, addPath ? r.u32() : undefined));
  return out;
}
