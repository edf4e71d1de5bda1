/**
 * Route distinguishers (RFC 4364 4.2): a 2-octet type (0, 1 or 2) then an admin:assigned value
 * (see `admin.ts`). An RD of another type is kept as "0x" + 16 hex digits.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { formatAdmin, parseAdmin, writeAdmin } from '../admin.js';
import { EncodeError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';

/**
 * Format an RD from its three big-endian fields (type u16, then u16 and u32): the shape the
 * decoder reads them in, so it can compare them with the previous RD without allocating.
 */
export function formatRd(type: number, hi: number, lo: number): string {
  if (type === 0) return formatAdmin(0, hi, lo);
  if (type === 1 || type === 2) return formatAdmin(type, hi * 0x10000 + (lo >>> 16), lo & 0xffff);
  const raw = new Uint8Array(8);
  const dv = new DataView(raw.buffer);
  dv.setUint16(0, type);
  dv.setUint16(2, hi);
  dv.setUint32(4, lo);
  return `0x${toHex(raw)}`;
}

export function readRd(r: Reader): string {
  const type = r.u16();
  const hi = r.u16();
  return formatRd(type, hi, r.u32());
}

/** Write an RD string; throws `EncodeError` when it is not one. */
export function writeRd(w: Writer, rd: string): void {
  if (rd.startsWith('0x') && rd.length === 18) {
    const raw = fromHex(rd.slice(2));
    if (raw !== undefined) {
      w.bytes(raw);
      return;
    }
  }
  const v = parseAdmin(rd);
  if (v === undefined) throw new EncodeError(`not a route distinguisher: ${JSON.stringify(rd)}`);
  w.u16(v.kind);
  writeAdmin(w, v);
}
