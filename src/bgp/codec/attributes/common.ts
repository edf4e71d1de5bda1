/** The attribute descriptor shape (STYLE rule 1) and the errors attribute decoders raise. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import type { CodecContext } from '../context.js';
import { WireError, type WireAction } from '../errors.js';
import { ERR, UPDATE_ERR } from '../notify.js';
import type { WireKey, WireValue } from './types.js';

/** Flag bits a known attribute must carry (RFC 4271 5: optional and transitive bits only). */
export const WELL_KNOWN = 0x40;
export const OPTIONAL = 0x80;
export const OPTIONAL_TRANSITIVE = 0xc0;

/** What the registry holds: any entry, seen through the wide value type. */
export interface AttributeEntry {
  readonly code: number;
  readonly name: string;
  readonly key: WireKey;
  /** Optional and transitive bits (RFC 7606 3(c) checks exactly these). */
  readonly flags: number;
  /** RFC 7606 7: what a malformed instance of this attribute calls for. */
  readonly malformed: WireAction;
  /** Decode the value; `r` is bounded to the attribute length. */
  decode(r: Reader, ctx: CodecContext): WireValue<WireKey>;
  encode(w: Writer, v: WireValue<WireKey>, ctx: CodecContext): void;
}

/** One registry entry, typed for its own value. */
export interface AttributeDescriptor<K extends WireKey> extends AttributeEntry {
  readonly key: K;
  decode(r: Reader, ctx: CodecContext): WireValue<K>;
  encode(w: Writer, v: WireValue<K>, ctx: CodecContext): void;
}

/** An UPDATE error about one attribute, with that attribute's action. */
export function attrError(
  entry: Pick<AttributeEntry, 'malformed' | 'name'>,
  subcode: number,
  message: string,
): WireError {
  return new WireError(
    { errorCode: ERR.update, subcode, action: entry.malformed },
    `${entry.name}: ${message}`,
  );
}

/** RFC 7606 7.8/7.10/7.14, RFC 8092 6: list attributes must be a non-zero multiple of `n` octets. */
export function checkMultiple(r: Reader, n: number, entry: Pick<AttributeEntry, 'malformed' | 'name'>): void {
  if (r.remaining === 0 || r.remaining % n !== 0) {
    throw attrError(
      entry,
      UPDATE_ERR.attributeLength,
      `length ${r.remaining} is not a non-zero multiple of ${n}`,
    );
  }
}
