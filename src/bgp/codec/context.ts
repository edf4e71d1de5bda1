/**
 * Session facts the codec needs, passed explicitly (STYLE rule 3). A session builds one
 * context per direction: `addPath` lists the families whose NLRI carry a path identifier *in
 * that direction* (RFC 7911 4), so the receive and send contexts may differ.
 */

/** A family as one number, `afi << 8 | safi`, usable as a map or set key. */
export type FamilyKey = number;

export function familyKey(afi: number, safi: number): FamilyKey {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}

export function familyOf(key: FamilyKey): { readonly afi: number; readonly safi: number } {
  return { afi: key >>> 8, safi: key & 0xff };
}

/** The families this codec knows, by name. */
export const FAMILY = {
  ipv4Unicast: familyKey(1, 1),
  ipv6Unicast: familyKey(2, 1),
  ipv4Vpn: familyKey(1, 128),
  ipv6Vpn: familyKey(2, 128),
  evpn: familyKey(25, 70),
  rtc: familyKey(1, 132),
  ipv4FlowspecVpn: familyKey(1, 134),
} as const;

export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability. */
  readonly asn4: boolean;
  /** RFC 7911: families with path identifiers in this direction. */
  readonly addPath: ReadonlySet<FamilyKey>;
  /** RFC 8654: both sides advertised the extended message capability. */
  readonly extendedMessage: boolean;
}

/** What a modern peer negotiates by default: 4-octet AS, no ADD-PATH, 4,096-byte messages. */
export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  asn4: true,
  addPath: new Set<FamilyKey>(),
  extendedMessage: false,
});

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? 65535 : 4096;
}
