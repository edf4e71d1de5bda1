/**
 * MPLS label fields (RFC 8277 2): 3 octets, label << 4 | TC << 1 | BoS. The codec keeps the
 * raw 24-bit value, because EVPN over VXLAN carries the VNI raw in the same field (RFC 8365
 * 5.1.3); these helpers convert.
 */

/** RFC 8277 2.4 / RFC 3107 3: the label field of a withdrawal (0x000000 is accepted too). */
export const WITHDRAW_LABEL = 0x800000;

/** The 20-bit MPLS label in a raw label field. */
export function labelFromRaw(raw: number): number {
  return raw >>> 4;
}

/** The raw field for an MPLS label; bottom of stack set unless told otherwise. */
export function rawFromLabel(label: number, bottomOfStack = true): number {
  return ((label & 0xfffff) << 4) | (bottomOfStack ? 1 : 0);
}

/** RFC 3107 3: a label stack ends at the bottom-of-stack bit, or at a withdrawal value. */
export function endsStack(raw: number): boolean {
  return (raw & 1) === 1 || raw === WITHDRAW_LABEL || raw === 0;
}
