/**
 * Packing many NLRI into as few UPDATEs as fit the negotiated size (RFC 4271 4.3, RFC 8654):
 * the attributes are encoded once, each NLRI once, and messages are cut from the NLRI bytes.
 * One family per call; the attributes must not carry MP_REACH/MP_UNREACH themselves.
 */
import { Writer } from '../../lib/writer.js';
import { toWire } from './attributes/as4.js';
import { encodeAttributes, writeAttribute } from './attributes/encode.js';
import type { PathAttributes } from './attributes/types.js';
import { ATTR, HEADER_LENGTH } from './constants.js';
import { familyKey, maxMessageLength, type CodecContext } from './context.js';
import { EncodeError } from './errors.js';
import { encodeNextHop } from './nlri/next-hop.js';
import { FAMILIES } from './nlri/registry.js';
import type { NextHop, Nlri } from './nlri/types.js';
import type { FamilyDescriptor } from './nlri/common.js';

const OPTIONAL = 0x80;

export interface Reach extends NextHop {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: readonly Nlri[];
}

function family(afi: number, safi: number): FamilyDescriptor {
  const fam = FAMILIES.get(familyKey(afi, safi));
  if (fam === undefined) throw new EncodeError(`unsupported family ${afi}/${safi}`);
  return fam;
}

/** Encode each NLRI once; returns the bytes and the end offset of each NLRI. */
function encodeAll(
  fam: FamilyDescriptor,
  nlri: readonly Nlri[],
  ctx: CodecContext,
): { bytes: Uint8Array; ends: number[] } {
  const w = new Writer(nlri.length * 16 + 16);
  const ends: number[] = [];
  for (const n of nlri) {
    fam.encode(w, n, ctx);
    ends.push(w.length);
  }
  return { bytes: w.view(), ends };
}

/** Cut `ends` into runs whose byte size is at most `room`; yields [start, end) offsets. */
function* runs(ends: readonly number[], room: number): Generator<readonly [number, number]> {
  let start = 0;
  let last = 0;
  let count = 0;
  for (const end of ends) {
    if (end - start > room && last > start) {
      yield [start, last];
      count++;
      start = last;
    }
    if (end - start > room) throw new EncodeError(`an NLRI of ${end - start} octets does not fit a message`);
    last = end;
  }
  if (last > start || count === 0) yield [start, last];
}

function message(attrs: Uint8Array, mp: Uint8Array): Uint8Array {
  const w = new Writer(HEADER_LENGTH + 4 + attrs.length + mp.length + 4);
  for (let i = 0; i < 4; i++) w.u32(0xffffffff);
  w.u16(HEADER_LENGTH + 4 + mp.length + attrs.length).u8(2);
  w.u16(0)
    .u16(mp.length + attrs.length)
    .bytes(mp)
    .bytes(attrs);
  return w.finish();
}

function mpAttribute(code: number, prefix: Uint8Array, nlri: Uint8Array): Uint8Array {
  const w = new Writer(prefix.length + nlri.length + 4);
  const value = new Writer(prefix.length + nlri.length).bytes(prefix).bytes(nlri).view();
  writeAttribute(w, OPTIONAL, code, value);
  return w.finish();
}

/**
 * UPDATEs announcing `reach` with `attributes`, MP_REACH_NLRI first (RFC 7606 5.1). For IPv4
 * unicast too the NLRI go in MP_REACH_NLRI (RFC 4760 3); use `encodeUpdate` for the classic form.
 */
export function packReach(attributes: PathAttributes, reach: Reach, ctx: CodecContext): Uint8Array[] {
  const fam = family(reach.afi, reach.safi);
  const aw = new Writer(256);
  encodeAttributes(aw, toWire(attributes, ctx), ctx);
  const attrs = aw.view();
  const head = new Writer(64).u16(reach.afi).u8(reach.safi);
  encodeNextHop(head, reach, fam.nextHop);
  head.u8(0);
  const prefix = head.view();
  const { bytes, ends } = encodeAll(fam, reach.nlri, ctx);
  const room = maxMessageLength(ctx) - HEADER_LENGTH - 4 - attrs.length - 4 - prefix.length;
  return [...runs(ends, room)].map(([s, e]) =>
    message(attrs, mpAttribute(ATTR.mpReach, prefix, bytes.subarray(s, e))),
  );
}

/** UPDATEs withdrawing `nlri` of one family with MP_UNREACH_NLRI. */
export function packUnreach(
  afi: number,
  safi: number,
  nlri: readonly Nlri[],
  ctx: CodecContext,
): Uint8Array[] {
  const fam = family(afi, safi);
  const prefix = new Writer(4).u16(afi).u8(safi).view();
  const { bytes, ends } = encodeAll(fam, nlri, ctx);
  const room = maxMessageLength(ctx) - HEADER_LENGTH - 4 - 4 - prefix.length;
  const empty = new Uint8Array(0);
  return [...runs(ends, room)].map(([s, e]) =>
    message(empty, mpAttribute(ATTR.mpUnreach, prefix, bytes.subarray(s, e))),
  );
}
