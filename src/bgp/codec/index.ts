/**
 * The BGP-4 wire codec (layer 1): pure, bytes in and values out, and back. Imports only
 * src/lib and node builtins.
 *
 * Flow: `Framer.push(chunk)` / `framer.next()` -> complete frame -> `decodeMessage(frame, rx)`
 * -> `Message` (`type`: 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh').
 * Sending: `encodeMessage(msg, tx)`, `encodeUpdate(update, tx)`, or `packReach`/`packUnreach`
 * to fill UPDATEs up to the negotiated size. `negotiate(localOpen, remoteOpen)` gives the
 * `rx`/`tx` `CodecContext`s ({asn4, addPath: Set<familyKey>, extendedMessage}).
 *
 * Value shapes (all readonly, JSON-friendly except `Uint8Array` for raw bytes):
 *   Update      { withdrawn: PrefixNlri[], attributes: PathAttributes, nlri: PrefixNlri[],
 *                 mpReach?: {afi, safi, nextHop, linkLocal?, nlri: Nlri[]},
 *                 mpUnreach?: {afi, safi, nlri: Nlri[]} }
 *   UPDATE decode result { update, action?: WireAction, problems: WireError[] }: under
 *                 'treat-as-withdraw' the reachable NLRI are already moved to the withdrawals;
 *                 'session-reset' errors are thrown instead.
 *   PathAttributes { origin?, asPath?: [{type, asns}], nextHop?, med?, localPref?,
 *                 atomicAggregate?, aggregator?: {asn, address}, communities?: ["a:b"],
 *                 originatorId?, clusterList?, extCommunities?: ExtCommunity[],
 *                 pmsiTunnel?: {flags, tunnelType, label, tunnelId}, largeCommunities?: ["a:b:c"],
 *                 unknown?: [{code, flags, data}] }   (ASNs always 4-octet values)
 *   Nlri        every NLRI has `kind` and `key` (unique within its family, a map key) and
 *                 `pathId` with ADD-PATH (then the key ends in "#id"):
 *     prefix    {prefix: "10.0.0.0/24"}                                  key = prefix
 *     vpn       {rd: "65000:1", prefix, labels: [raw 24-bit]}             key = "rd:prefix"
 *     evpn      {route: 'ethernet-ad'|'mac-ip'|'multicast'|'ethernet-segment'|'ip-prefix'|'unknown',
 *                rd, esi, etag, mac, ip?, labels|label, originator, prefix, gateway ...}
 *                                                          key = "2|rd|etag|mac|ip" etc.
 *     rtc       {prefixLength, originAs?, routeTarget?: "65000:100"}      key = "65000:65000:100"
 *     flowspec  {rd, rules: [{type, prefix} | {type, ops: [{op, value}]}]} key = "rd|dst ..."
 *   ExtCommunity {type: 'route-target', value: "64512:1"} | {type: 'encapsulation', tunnelType}
 *                 | ... | {type: 'opaque', hex}
 *   Labels are raw 24-bit label fields (`labelFromRaw`, `rawFromLabel`); for EVPN over VXLAN
 *   the field is the VNI itself (RFC 8365). RD/RT strings: "64512:1", "10.0.0.1:5",
 *   "4200000000:7" ("64512L:7" for a 4-octet-AS form with a small AS).
 *
 * Originating routes: build NLRI with `prefixNlri`, `vpnNlri`, `evpnMacIp`, `evpnMulticast`,
 * `rtcNlri`, `flowspecNlri`... (canonical fields, the decoder's keys). Receiving: after
 * `decodeMessage`, `validateUpdate(decoded, peerFacts)` applies session semantics (mandatory
 * attributes, eBGP rules, loops, next hops) the same way. Logs and looking glass:
 * `formatUpdate`, `formatNlri`, `formatExtCommunity`, `jsonAttributes`, `toJson`.
 */
export * from './constants.js';
export * from './notify.js';
export {
  WIRE_ACTIONS,
  stronger,
  WireError,
  EncodeError,
  type WireAction,
  type WireErrorInit,
} from './errors.js';
export {
  DEFAULT_CONTEXT,
  FAMILY,
  familyKey,
  familyOf,
  maxMessageLength,
  type CodecContext,
  type FamilyKey,
} from './context.js';
export { Framer } from './framer.js';
export {
  decodeMessage,
  encodeMessage,
  encodeUpdate,
  encodeKeepalive,
  readHeader,
  type Message,
  type OutMessage,
  type OpenMessage,
  type UpdateMessage,
  type NotificationMessage,
  type KeepaliveMessage,
  type RouteRefreshMessage,
} from './message.js';
export { decodeOpen, type Open } from './open.js';
export {
  decodeNotification,
  notification,
  notificationFor,
  shutdownNotification,
  type Notification,
} from './notification.js';
export { decodeRouteRefresh, type RouteRefresh } from './route-refresh.js';
export { decodeUpdate, endOfRib, isEndOfRib, type DecodedUpdate, type Update } from './update.js';
export { packReach, packUnreach, type Reach } from './pack.js';
export { negotiate, commonFamilies, type Contexts } from './negotiate.js';
export { validateUpdate, validateOpen, peerAsOf, type PeerFacts, type OpenFacts } from './validate.js';
export type { Capability, CapabilityType } from './capabilities/types.js';
export { CAPABILITIES } from './capabilities/registry.js';
export type * from './attributes/types.js';
export { ATTRIBUTES } from './attributes/registry.js';
export type { ExtCommunity, ExtCommunityType } from './extcomm/types.js';
export { EXT_COMMUNITIES, decodeExtCommunity, encodeExtCommunity } from './extcomm/registry.js';
export type * from './nlri/types.js';
export { withPathId } from './nlri/types.js';
export { FAMILIES } from './nlri/registry.js';
export { labelFromRaw, rawFromLabel, WITHDRAW_LABEL } from './nlri/label.js';
export { numericOp, formatRules, FLOW_OP, type Comparison } from './nlri/flowspec-rules.js';
export { rtcKey } from './nlri/rtc.js';
export {
  prefixNlri,
  vpnNlri,
  evpnMacIp,
  evpnMulticast,
  evpnEthernetAd,
  evpnEthernetSegment,
  evpnIpPrefix,
  rtcNlri,
  flowspecNlri,
} from './nlri/build.js';
export { canonicalPrefix } from './nlri/prefix.js';
export { parseAdmin, formatAdmin, normalizeAdmin, type AdminValue, type AdminKind } from './admin.js';
export {
  normalizeAdmin as normalizeRouteTarget,
  normalizeAdmin as normalizeRd,
  parseAdmin as parseRouteTarget,
} from './admin.js';
export { toHex, fromHex } from './hex.js';
export * from './format.js';
