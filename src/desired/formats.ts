/**
 * The custom string formats of our schemas (`"format": "route-target"` …): checkers for ajv and
 * the canonical forms the normalised specs carry. Standard formats (ipv4, ipv6, date-time) come
 * from ajv-formats.
 */
import { isIPv4 } from 'node:net';
import { formatPrefix, ipFamily, ipv6FromBytes, ipv6ToBytes, normalizeMac, parsePrefix } from '../lib/ip.js';

/** Formats we define; the CRD generator removes them (the API server does not know them). */
export const customFormats: readonly string[] = [
  'ip',
  'cidr',
  'mac',
  'route-target',
  'route-distinguisher',
  'port-range',
];

const U16 = 0xffff;
const U32 = 0xffffffff;

/** A route target or route distinguisher, by RFC 4360 / RFC 4364 type: 0 ASN:NN, 1 IP:NN, 2 ASN4:NN. */
export interface AdminAssigned {
  readonly type: 0 | 1 | 2;
  readonly admin: string;
  readonly assigned: number;
}

/** Parses `ASN:NN` (ASN ≤ 65535, NN ≤ 2^32-1), `IP:NN` or `ASN4:NN` (ASN > 65535, NN ≤ 65535). */
export function parseAdminAssigned(text: string): AdminAssigned | undefined {
  const m = /^([0-9]{1,10}|[0-9.]{7,15}):([0-9]{1,10})$/.exec(text);
  if (!m) return undefined;
  const [, admin = '', nnText = ''] = m;
  const assigned = Number(nnText);
  if (admin.includes('.')) {
    return isIPv4(admin) && assigned <= U16 ? { type: 1, admin, assigned } : undefined;
  }
  const asn = Number(admin);
  if (asn <= U16) return assigned <= U32 ? { type: 0, admin: String(asn), assigned } : undefined;
  return asn <= U32 && assigned <= U16 ? { type: 2, admin: String(asn), assigned } : undefined;
}

/** `ASN:NN` without leading zeros; the input must be valid. */
export function canonicalAdminAssigned(text: string): string {
  const v = parseAdminAssigned(text);
  return v === undefined ? text : `${v.admin}:${v.assigned}`;
}

/** RFC 5952 text for IPv6 (zone ids kept as written); IPv4 unchanged. */
export function canonicalIp(ip: string): string {
  return ipFamily(ip) === 6 && !ip.includes('%') ? ipv6FromBytes(ipv6ToBytes(ip)) : ip;
}

/** `ip/len`, with the host length when none is given. */
export function canonicalPrefix(text: string): string {
  const p = parsePrefix(text);
  return formatPrefix({ ip: canonicalIp(p.ip), length: p.length });
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

function isPortRange(text: string): boolean {
  const m = /^([0-9]{1,5})(?::([0-9]{1,5}))?$/.exec(text);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= U16 && hi <= U16 && lo <= hi;
}

/** Checker per custom format, for `ajv.addFormat`. */
export const formatCheckers: Readonly<Record<string, (text: string) => boolean>> = {
  ip: (t) => ipFamily(t) !== undefined,
  cidr: (t) => succeeds(() => parsePrefix(t)),
  mac: (t) => succeeds(() => normalizeMac(t)),
  'route-target': (t) => parseAdminAssigned(t) !== undefined,
  'route-distinguisher': (t) => parseAdminAssigned(t) !== undefined,
  'port-range': isPortRange,
};
