/**
 * NLRI value shapes. Every NLRI has `kind` and a `key`: a string unique within its family,
 * usable as a map key (RFC 4271 9.1 / RFC 7432 7 route identity: labels, ESI in type 2 and
 * the gateway of type 5 are attributes of the route, not part of the key). With ADD-PATH
 * (RFC 7911) `pathId` is set and the key ends in `#<pathId>`. Labels are the raw 24-bit
 * label fields (see `label.ts`).
 */

interface Keyed {
  readonly key: string;
  readonly pathId?: number;
}

/** IPv4/IPv6 unicast (1/1, 2/1). key = prefix. */
export interface PrefixNlri extends Keyed {
  readonly kind: 'prefix';
  readonly prefix: string;
}

/** Labeled VPN (1/128, 2/128; RFC 4364, 4659, 8277). key = "rd:prefix". */
export interface VpnNlri extends Keyed {
  readonly kind: 'vpn';
  readonly rd: string;
  readonly prefix: string;
  readonly labels: readonly number[];
}

interface EvpnBase extends Keyed {
  readonly kind: 'evpn';
  readonly rd: string;
}

/** RFC 7432 7.1. key = "1|rd|esi|etag". */
export interface EvpnEthernetAd extends EvpnBase {
  readonly route: 'ethernet-ad';
  readonly esi: string;
  readonly etag: number;
  readonly label: number;
}

/** RFC 7432 7.2. key = "2|rd|etag|mac|ip" (ip empty when absent). */
export interface EvpnMacIp extends EvpnBase {
  readonly route: 'mac-ip';
  readonly esi: string;
  readonly etag: number;
  readonly mac: string;
  readonly ip?: string;
  /** One or two label fields (RFC 7432 7.2; the VNI raw for VXLAN, RFC 8365 5.1.3). */
  readonly labels: readonly number[];
}

/** RFC 7432 7.3. key = "3|rd|etag|originator". */
export interface EvpnMulticast extends EvpnBase {
  readonly route: 'multicast';
  readonly etag: number;
  readonly originator: string;
}

/** RFC 7432 7.4. key = "4|rd|esi|originator". */
export interface EvpnEthernetSegment extends EvpnBase {
  readonly route: 'ethernet-segment';
  readonly esi: string;
  readonly originator: string;
}

/** RFC 9136 3. key = "5|rd|etag|prefix". */
export interface EvpnIpPrefix extends EvpnBase {
  readonly route: 'ip-prefix';
  readonly esi: string;
  readonly etag: number;
  readonly prefix: string;
  readonly gateway: string;
  readonly label: number;
}

/** A route type this codec does not know, kept as raw bytes (RFC 7606 5.4 lets the RIB drop it). */
export interface EvpnUnknown extends Keyed {
  readonly kind: 'evpn';
  readonly route: 'unknown';
  readonly routeType: number;
  readonly raw: Uint8Array;
}

export type EvpnNlri =
  EvpnEthernetAd | EvpnMacIp | EvpnMulticast | EvpnEthernetSegment | EvpnIpPrefix | EvpnUnknown;

/**
 * RT constraint (1/132, RFC 4684 4). `prefixLength` 0 is the default route; 32 carries only
 * the origin AS; 33-96 add a (partial) route target, zero-padded to 8 octets and written as an
 * RT string ("64512:1") or, when the octets are not a route target, "0x" + 16 hex digits.
 * key = "originAs:routeTarget" for /96, "originAs:routeTarget/len" otherwise, "default" for /0.
 */
export interface RtcNlri extends Keyed {
  readonly kind: 'rtc';
  readonly prefixLength: number;
  readonly originAs?: number;
  readonly routeTarget?: string;
}

/** One FlowSpec numeric or bitmask operator (RFC 8955 4.2.1); `op` excludes the end-of-list bit. */
export interface FlowOp {
  readonly op: number;
  readonly value: number;
}

/** Destination (1) or source (2) prefix component. */
export interface FlowPrefixRule {
  readonly type: 1 | 2;
  readonly prefix: string;
}

/** Components 3-12: a list of operator/value pairs. */
export interface FlowOpsRule {
  readonly type: 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
  readonly ops: readonly FlowOp[];
}

export type FlowRule = FlowPrefixRule | FlowOpsRule;

/** FlowSpec VPN (1/134, RFC 8955 8). key = "rd|rules as text". */
export interface FlowspecNlri extends Keyed {
  readonly kind: 'flowspec';
  readonly rd: string;
  readonly rules: readonly FlowRule[];
}

export type Nlri = PrefixNlri | VpnNlri | EvpnNlri | RtcNlri | FlowspecNlri;

/** The next hop of an MP_REACH_NLRI (RFC 4760 3): "" when the family has none (FlowSpec). */
export interface NextHop {
  readonly nextHop: string;
  /** RFC 2545 3: the IPv6 link-local address sent after the global one. */
  readonly linkLocal?: string;
}

/** The key with the ADD-PATH identifier appended when present. */
export function withPathId(key: string, pathId: number | undefined): string {
  return pathId === undefined ? key : `${key}#${pathId}`;
}
