/**
 * The attribute loop (RFC 4271 4.3): framing only (flags, extended length, bounds,
 * duplicates, flag conflicts), then dispatch to the registry. Problems are collected with
 * their RFC 7606 action; nothing here throws except for bugs.
 */
import { Reader } from '../../../lib/reader.js';
import { Writer } from '../../../lib/writer.js';
import { ATTR, ATTR_FLAG } from '../constants.js';
import type { CodecContext } from '../context.js';
import { asWireError, WireError, type WireAction } from '../errors.js';
import { ERR, UPDATE_ERR } from '../notify.js';
import { ATTRIBUTES } from './registry.js';
import type { AttributeEntry } from './common.js';
import type { RawAttribute, WireAttributes, WireKey } from './types.js';

export interface DecodedAttributes {
  readonly attributes: WireAttributes;
  readonly problems: WireError[];
}

type Mutable = { -readonly [K in keyof WireAttributes]: WireAttributes[K] };

function updateError(subcode: number, action: WireAction, message: string, data?: Uint8Array): WireError {
  return new WireError({ errorCode: ERR.update, subcode, action, ...(data ? { data } : {}) }, message);
}

/** RFC 4271 6.3: the data of an attribute error is the whole attribute (type, length, value). */
function attributeData(flags: number, code: number, value: Uint8Array): Uint8Array {
  const w = new Writer(value.length + 4).u8(flags).u8(code);
  if ((flags & ATTR_FLAG.extendedLength) !== 0) w.u16(value.length);
  else w.u8(value.length);
  return w.bytes(value).finish();
}

function decodeKnown(
  entry: AttributeEntry,
  value: Uint8Array,
  ctx: CodecContext,
  data: () => Uint8Array,
): unknown {
  const r = new Reader(value);
  let v: unknown;
  try {
    v = entry.decode(r, ctx);
  } catch (e) {
    const err = asWireError(e, (cause) =>
      updateError(UPDATE_ERR.attributeLength, entry.malformed, `${entry.name}: truncated (${cause.message})`),
    );
    throw err.data.length > 0 ? err : err.withAction(err.action, { data: data() });
  }
  // RFC 7606 4: an attribute length that does not match its content is malformed.
  if (!r.done) {
    throw updateError(
      UPDATE_ERR.attributeLength,
      entry.malformed,
      `${entry.name}: ${r.remaining} extra octets`,
      data(),
    );
  }
  return v;
}

interface Raw {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/** Frame the next attribute (RFC 4271 4.3); undefined, with a problem recorded, when it cannot be. */
function nextAttribute(r: Reader, problems: WireError[]): Raw | undefined {
  const ext = (r.peekU8() & ATTR_FLAG.extendedLength) !== 0;
  // RFC 7606 4: too few octets left for an attribute header is treat-as-withdraw.
  if (r.remaining < (ext ? 4 : 3)) {
    problems.push(
      updateError(UPDATE_ERR.malformedAttributeList, 'treat-as-withdraw', 'truncated attribute header'),
    );
    return undefined;
  }
  const flags = r.u8();
  const code = r.u8();
  const len = ext ? r.u16() : r.u8();
  // RFC 7606 4: an attribute overrunning Total Path Attribute Length is treat-as-withdraw.
  if (len > r.remaining) {
    problems.push(updateError(UPDATE_ERR.attributeLength, 'treat-as-withdraw', `attribute ${code} overruns`));
    return undefined;
  }
  return { flags, code, value: r.bytes(len) };
}

interface Loop {
  readonly out: Mutable;
  readonly unknown: RawAttribute[];
  readonly problems: WireError[];
  readonly seen: Set<number>;
}

/** Check one framed attribute and decode it into `loop.out`, or record why not. */
function take(loop: Loop, { flags, code, value }: Raw, ctx: CodecContext): void {
  const data = (): Uint8Array => attributeData(flags, code, value);
  if (loop.seen.has(code)) {
    // RFC 7606 3(g): a repeated MP_REACH/MP_UNREACH resets; other repeats are discarded.
    const mp = code === ATTR.mpReach || code === ATTR.mpUnreach;
    const action = mp ? 'session-reset' : 'attribute-discard';
    loop.problems.push(
      updateError(UPDATE_ERR.malformedAttributeList, action, `attribute ${code} repeated`, data()),
    );
    return;
  }
  loop.seen.add(code);
  const entry = ATTRIBUTES.get(code);
  if (entry === undefined) {
    const kept = keepUnknown(flags, code, value, data);
    if (kept instanceof WireError) loop.problems.push(kept);
    else if (kept !== undefined) loop.unknown.push(kept);
    return;
  }
  // RFC 7606 3(c): conflicting optional/transitive bits are treat-as-withdraw.
  if ((flags & 0xc0) !== entry.flags) {
    loop.problems.push(
      updateError(UPDATE_ERR.attributeFlags, 'treat-as-withdraw', `${entry.name} flags`, data()),
    );
    // The MP attributes are still read: treat-as-withdraw needs their NLRI.
    if (entry.key !== 'mpReach' && entry.key !== 'mpUnreach') return;
  }
  try {
    (loop.out as Record<WireKey, unknown>)[entry.key] = decodeKnown(entry, value, ctx, data);
  } catch (e) {
    loop.problems.push(
      asWireError(e, () => updateError(UPDATE_ERR.malformedAttributeList, entry.malformed, entry.name)),
    );
  }
}

/** Decode the path attributes field (`r` bounded to Total Path Attribute Length). */
export function decodeAttributes(r: Reader, ctx: CodecContext): DecodedAttributes {
  const loop: Loop = { out: {}, unknown: [], problems: [], seen: new Set() };
  while (!r.done) {
    const raw = nextAttribute(r, loop.problems);
    if (raw === undefined) break;
    take(loop, raw, ctx);
  }
  if (loop.unknown.length > 0) loop.out.unknown = loop.unknown.sort((a, b) => a.code - b.code);
  return { attributes: loop.out, problems: loop.problems };
}

/**
 * RFC 4271 5 and 9: an unrecognized optional transitive attribute is kept with the partial
 * bit set; an optional non-transitive one is ignored; a well-known one is an error.
 */
function keepUnknown(
  flags: number,
  code: number,
  value: Uint8Array,
  data: () => Uint8Array,
): RawAttribute | WireError | undefined {
  if ((flags & ATTR_FLAG.optional) === 0) {
    // RFC 4271 6.3: an unrecognized well-known attribute is Unrecognized Well-known Attribute.
    return updateError(
      UPDATE_ERR.unrecognizedWellKnown,
      'session-reset',
      `unknown well-known ${code}`,
      data(),
    );
  }
  if ((flags & ATTR_FLAG.transitive) === 0) return undefined;
  const kept = (flags | ATTR_FLAG.partial) & ~ATTR_FLAG.extendedLength & 0xf0;
  return { code, flags: kept, data: Uint8Array.prototype.slice.call(value) };
}
