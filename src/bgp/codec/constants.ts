/**
 * Protocol numbers as `as const` objects (no TS `enum`, STYLE tooling). Names follow the
 * IANA registries; each group cites the RFC that defines it.
 */

/** RFC 4271 4.1: the 16-octet marker, header size and the default maximum message size. */
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 3: maximum message size once the extended message capability is negotiated. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** RFC 4271 4.1 and RFC 2918 3: message types. */
export const MSG = { open: 1, update: 2, notification: 3, keepalive: 4, routeRefresh: 5 } as const;
export type MessageTypeCode = (typeof MSG)[keyof typeof MSG];

/** RFC 4271 5 and later: path attribute type codes. */
export const ATTR = {
  origin: 1,
  asPath: 2,
  nextHop: 3,
  med: 4,
  localPref: 5,
  atomicAggregate: 6,
  aggregator: 7,
  communities: 8,
  originatorId: 9,
  clusterList: 10,
  mpReach: 14,
  mpUnreach: 15,
  extCommunities: 16,
  as4Path: 17,
  as4Aggregator: 18,
  pmsiTunnel: 22,
  largeCommunities: 32,
} as const;

/** RFC 4271 4.3: attribute flag bits. */
export const ATTR_FLAG = { optional: 0x80, transitive: 0x40, partial: 0x20, extendedLength: 0x10 } as const;

/** RFC 4271 5.1.1: ORIGIN values. */
export const ORIGIN = { igp: 0, egp: 1, incomplete: 2 } as const;
export type Origin = (typeof ORIGIN)[keyof typeof ORIGIN];

/** RFC 6793 9: the 2-octet placeholder for a 4-octet AS number. */
export const AS_TRANS = 23456;

/** IANA Address Family Numbers and SAFI values used here (RFC 4760, 4364, 4659, 7432, 4684, 8955). */
export const AFI = { ipv4: 1, ipv6: 2, l2vpn: 25 } as const;
export const SAFI = { unicast: 1, evpn: 70, mplsVpn: 128, rtc: 132, flowspecVpn: 134 } as const;

/** RFC 5492 and the IANA capability registry. */
export const CAP = {
  multiprotocol: 1,
  routeRefresh: 2,
  extendedNextHop: 5,
  extendedMessage: 6,
  gracefulRestart: 64,
  as4: 65,
  addPath: 69,
  enhancedRouteRefresh: 70,
  fqdn: 73,
} as const;

/** RFC 7911 4: ADD-PATH Send/Receive field. */
export const ADD_PATH = { receive: 1, send: 2, both: 3 } as const;

/** RFC 4724 3: graceful restart flag bits (restart flags nibble, per-family flags). */
export const GR_FLAG = { restart: 0x8, notification: 0x4 } as const;
export const GR_FAMILY_FLAG = { forwarding: 0x80 } as const;

/** RFC 7313 3: ROUTE-REFRESH message subtypes. */
export const REFRESH = { normal: 0, borr: 1, eorr: 2 } as const;

/** RFC 7432 7: EVPN route types. */
export const EVPN_ROUTE = { ethernetAd: 1, macIp: 2, multicast: 3, ethernetSegment: 4, ipPrefix: 5 } as const;

/** RFC 9012 / IANA BGP Tunnel Encapsulation types carried in the encapsulation ext-community. */
export const TUNNEL = { gre: 2, vxlan: 8, nvgre: 9, mpls: 10, mplsInGre: 11, mplsInUdp: 13 } as const;

/** RFC 6514 5: PMSI tunnel types (6 = ingress replication). */
export const PMSI_TUNNEL = { noInfo: 0, ingressReplication: 6 } as const;

/** RFC 8955 4.2.2: FlowSpec component types. */
export const FLOW = {
  destination: 1,
  source: 2,
  protocol: 3,
  port: 4,
  destinationPort: 5,
  sourcePort: 6,
  icmpType: 7,
  icmpCode: 8,
  tcpFlags: 9,
  packetLength: 10,
  dscp: 11,
  fragment: 12,
} as const;
