/**
 * IPv4 text without regular expressions or intermediate arrays: the hot path of VPNv4 decoding
 * and encoding runs through here once per route.
 */

const OCTETS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** Decimal text of 0..255 from a table. */
export function octet(i: number): string {
  return OCTETS[i] ?? String(i);
}

export function formatIpv4(n: number): string {
  return (
    octet(n >>> 24) + '.' + octet((n >>> 16) & 255) + '.' + octet((n >>> 8) & 255) + '.' + octet(n & 255)
  );
}

/** The dotted quad in `text[from, to)` as a 32-bit number, or -1 when it is not one. */
export function parseIpv4(text: string, to = text.length, from = 0): number {
  let value = 0;
  let part = -1;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (part < 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = -1;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part < 0 ? c - 48 : part * 10 + c - 48;
      if (part > 255) return -1;
    } else return -1;
  }
  if (part < 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** Unsigned decimal in `text[from, to)` (no sign, no leading zero, at most 2^32-1), or -1. */
export function parseDecimal(text: string, from: number, to: number): number {
  const n = to - from;
  if (n < 1 || n > 10 || (n > 1 && text.charCodeAt(from) === 48)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + c - 48;
  }
  return v <= 0xffffffff ? v : -1;
}
