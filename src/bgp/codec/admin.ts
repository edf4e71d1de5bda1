/**
 * The "administrator:assigned" 6-octet value shared by route distinguishers (RFC 4364 4.2),
 * route targets and other AS-specific extended communities (RFC 4360 3, RFC 5668), and
 * redirect-to-VRF (RFC 8955 7.4). Three kinds, and their canonical strings:
 *   0: 2-octet AS + 4-octet number  "64512:1"
 *   1: IPv4 address + 2-octet number "10.0.0.1:5"
 *   2: 4-octet AS + 2-octet number   "4200000000:7", or "64512L:7" when the AS fits in 2 octets
 */
import type { Reader } from '../../lib/reader.js';
import type { Writer } from '../../lib/writer.js';
import { EncodeError } from './errors.js';
import { formatIpv4, parseDecimal, parseIpv4 } from './ipv4.js';

export type AdminKind = 0 | 1 | 2;

export interface AdminValue {
  readonly kind: AdminKind;
  /** The administrator: an AS number or an IPv4 address as a 32-bit number. */
  readonly admin: number;
  readonly assigned: number;
}

/** Parse a canonical string; `undefined` when it is not one of the three forms. */
export function parseAdmin(text: string): AdminValue | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const assigned = parseDecimal(text, colon + 1, text.length);
  if (assigned < 0) return undefined;
  const ip = parseIpv4(text, colon);
  if (ip >= 0) return assigned <= 0xffff ? { kind: 1, admin: ip, assigned } : undefined;
  const last = text.charCodeAt(colon - 1);
  const long = last === 76 || last === 108; // "L" or "l": 4-octet AS form
  const admin = parseDecimal(text, 0, long ? colon - 1 : colon);
  if (admin < 0) return undefined;
  if (!long && admin <= 0xffff) return { kind: 0, admin, assigned };
  return assigned <= 0xffff ? { kind: 2, admin, assigned } : undefined;
}

export function formatAdmin(kind: AdminKind, admin: number, assigned: number): string {
  if (kind === 0) return `${admin}:${assigned}`;
  if (kind === 1) return `${formatIpv4(admin)}:${assigned}`;
  return admin <= 0xffff ? `${admin}L:${assigned}` : `${admin}:${assigned}`;
}

/** Read the 6-octet value of the given kind. */
export function readAdmin(r: Reader, kind: AdminKind): string {
  if (kind === 0) {
    const admin = r.u16();
    return formatAdmin(0, admin, r.u32());
  }
  const admin = r.u32();
  return formatAdmin(kind, admin, r.u16());
}

/** Parse or throw `EncodeError` naming what was expected. */
export function requireAdmin(text: string, what: string): AdminValue {
  const v = parseAdmin(text);
  if (v === undefined)
    throw new EncodeError(`${what}: not ASN:NN, IP:NN or ASN4:NN: ${JSON.stringify(text)}`);
  return v;
}

/** Write the 6-octet value (without any type octets). */
export function writeAdmin(w: Writer, v: AdminValue): void {
  if (v.kind === 0) w.u16(v.admin).u32(v.assigned);
  else w.u32(v.admin).u16(v.assigned);
}

/**
 * The canonical form of an RD or route target string ("64512L:1" stays, "64512:1" too), or undefined
 * when it is not one: for validating config and desired objects.
 */
export function normalizeAdmin(text: string): string | undefined {
  const v = parseAdmin(text);
  return v === undefined ? undefined : formatAdmin(v.kind, v.admin, v.assigned);
}
