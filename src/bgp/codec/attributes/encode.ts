/**
 * Writing path attributes: RFC 7606 5.1 order (see `ENCODE_ORDER`), unknown transitive
 * attributes interleaved by code with their stored flags, and the extended-length flag set
 * exactly when a value is longer than 255 octets (RFC 4271 4.3).
 */
import { Writer } from '../../../lib/writer.js';
import { ATTR_FLAG } from '../constants.js';
import type { CodecContext } from '../context.js';
import { EncodeError } from '../errors.js';
import { ENCODE_ORDER } from './registry.js';
import type { RawAttribute, WireAttributes } from './types.js';

/** One attribute: flags, code, 1- or 2-octet length, value. */
export function writeAttribute(w: Writer, flags: number, code: number, value: Uint8Array): void {
  if (value.length > 0xffff) throw new EncodeError(`attribute ${code} longer than 65535 octets`);
  if (value.length > 255)
    w.u8(flags | ATTR_FLAG.extendedLength)
      .u8(code)
      .u16(value.length);
  else
    w.u8(flags & ~ATTR_FLAG.extendedLength)
      .u8(code)
      .u8(value.length);
  w.bytes(value);
}

function writeUnknownBefore(w: Writer, unknown: readonly RawAttribute[], from: number, code: number): number {
  let i = from;
  for (; i < unknown.length; i++) {
    const u = unknown[i];
    if (u === undefined || u.code >= code) break;
    writeAttribute(w, u.flags, u.code, u.data);
  }
  return i;
}

/** Write every attribute present in `attrs` (already in wire form, see `as4.toWire`). */
export function encodeAttributes(w: Writer, attrs: WireAttributes, ctx: CodecContext): void {
  const unknown = [...(attrs.unknown ?? [])].sort((a, b) => a.code - b.code);
  let u = 0;
  const scratch = new Writer(256);
  for (const entry of ENCODE_ORDER) {
    const v = attrs[entry.key];
    if (v === undefined) continue;
    if (entry.key !== 'mpReach' && entry.key !== 'mpUnreach')
      u = writeUnknownBefore(w, unknown, u, entry.code);
    const start = scratch.length;
    entry.encode(scratch, v, ctx);
    writeAttribute(w, entry.flags, entry.code, scratch.view().subarray(start));
  }
  writeUnknownBefore(w, unknown, u, 256);
}
