/**
 * The routes a VPN instance originates, as pure functions of its identifiers and ports
 * (bagpipe §4.1-§4.3, §4.5):
 *   - IP VPN (RFC 4364, AFI 1/2 SAFI 128): one route per advertising endpoint, the instance RD
 *     for a host route and the endpoint RD for a subnet (advertiseSubnet); one label, the port
 *     label (the instance VNI when the only encapsulation is VXLAN); static routes with the
 *     instance RD and label; re-advertised routes (readvertise) with the endpoint RD.
 *   - E-VPN (RFC 7432, AFI 25 SAFI 70): one Inclusive Multicast route (type 3) per instance
 *     with a PMSI ingress-replication tunnel (RFC 6514 5), one MAC/IP route (type 2) per
 *     endpoint (MAC Mobility, RFC 7432 15, once the MAC moved here), one IP Prefix route
 *     (type 5, RFC 9136) per static route. The label fields carry the VNI raw (RFC 8365 5.1.3).
 *   - plain unicast (RFC 4271 / RFC 4760, AFI 1/2 SAFI 1) for `unicast` instances.
 * Every route has ORIGIN IGP and an empty AS_PATH (RFC 4271 5.1.2: originated in our AS).
 */
import {
  canonicalPrefix,
  evpnIpPrefix,
  evpnMacIp,
  evpnMulticast,
  FAMILY,
  ORIGIN,
  PMSI_TUNNEL,
  prefixNlri,
  rawFromLabel,
  vpnNlri,
  type ExtCommunity,
  type FamilyKey,
  type PathAttributes,
} from '../bgp/codec/index.js';
import type { Encap } from '../dataplane/intent.js';
import { ipFamily, parsePrefix } from '../lib/ip.js';
import type { LocalSource, Route } from '../rib/types.js';
import {
  chsoCommunity,
  encapCommunities,
  macMobilityCommunity,
  rtCommunities,
  rtRecordCommunities,
  rtRecordsOf,
} from './communities.js';
import { attributeRouteTargets } from '../rib/route-targets.js';
import type { Endpoint, VpnType } from './types.js';

/** What every originated route of one instance shares. */
export interface OriginContext {
  /** The instance id: the RIB owner. */
  readonly owner: string;
  readonly rd: string;
  readonly vni: number;
  readonly exportRTs: readonly string[];
  /** Ours, in preference order (the instance's, within the driver's). */
  readonly encaps: readonly Encap[];
  /** The instance LOCAL_PREF (an endpoint's own one wins). */
  readonly localPref: number;
  readonly advertiseSubnet: boolean;
  /** Next hop of the traffic: the dataplane (VTEP) address. */
  readonly dataplaneAddress: string;
  /** The BGP local address (E-VPN originator, unicast next hop). */
  readonly bgpAddress: string;
}

/** The per-endpoint numbers a route may need (see `needsPortLabel`, `needsEndpointRd`). */
export interface EndpointIds {
  readonly portLabel?: number | undefined;
  readonly endpointRd?: string | undefined;
}

export const localSource = (owner: string): LocalSource => ({ kind: 'local', owner });

export const vxlanOnly = (encaps: readonly Encap[]): boolean =>
  encaps.length > 0 && encaps.every((e) => e === 'vxlan');

const hostLength = (ip: string): number => (ipFamily(ip) === 6 ? 128 : 32);
const isHost = (prefix: string): boolean => {
  const p = parsePrefix(prefix);
  return p.length === hostLength(p.ip);
};

/** bagpipe 1.2 advertise_subnet: the port's subnet, else the host route. */
export function advertisedPrefix(
  ctx: Pick<OriginContext, 'advertiseSubnet'>,
  ep: Endpoint,
): string | undefined {
  if (ep.ip === undefined || ep.prefix === undefined) return undefined;
  return ctx.advertiseSubnet ? canonicalPrefix(ep.prefix) : `${ep.ip}/${hostLength(ep.ip)}`;
}

/** IP VPN over MPLS needs a label per MAC; over VXLAN only, the instance VNI is the label. */
export const needsPortLabel = (type: VpnType, encaps: readonly Encap[]): boolean =>
  type === 'ipvpn' && !vxlanOnly(encaps);

/**
 * bagpipe §4.1: non-host routes, IP-less MAC routes and re-advertised routes use an endpoint
 * RD; only endpoints that advertise need one (allocated lazily: the RD pool has 65,536 values).
 */
export function needsEndpointRd(
  type: VpnType,
  ctx: Pick<OriginContext, 'advertiseSubnet'>,
  ep: Endpoint,
  readvertise: boolean,
): boolean {
  if (ep.direction === 'from-port') return false;
  if (type === 'evpn') return ep.ip === undefined;
  if (type !== 'ipvpn') return false;
  const p = advertisedPrefix(ctx, ep);
  return readvertise || (p !== undefined && !isHost(p));
}

/**
 * The IP VPN label field, always an MPLS label with the bottom-of-stack bit (RFC 3032, RFC
 * 4364 4.3.4: a VPNv4 NLRI's label stack ends at that bit, so a raw VNI, whose low bit is
 * arbitrary, would be misread by every peer): the port label (the instance label for static
 * routes), or the VNI as the label value when VXLAN is the only encapsulation (as bagpipe).
 */
export function ipvpnLabelField(ctx: OriginContext, portLabel: number | undefined): number {
  return rawFromLabel(vxlanOnly(ctx.encaps) ? ctx.vni : (portLabel ?? ctx.vni));
}

/** The E-VPN label field: the VNI raw over VXLAN (RFC 8365 5.1.3), an MPLS label otherwise. */
export const evpnLabelField = (ctx: OriginContext): number =>
  ctx.encaps.includes('vxlan') || ctx.encaps.length === 0 ? ctx.vni : rawFromLabel(ctx.vni);

const vpnFamily = (prefix: string): FamilyKey => (prefix.includes(':') ? FAMILY.ipv6Vpn : FAMILY.ipv4Vpn);

function baseAttributes(localPref: number | undefined, extCommunities: ExtCommunity[]): PathAttributes {
  return {
    origin: ORIGIN.igp,
    asPath: [],
    ...(localPref === undefined ? {} : { localPref }),
    extCommunities,
  };
}

/** Encapsulations, export RTs and the Consistent Hash Sort Order (always present, bagpipe §4.2). */
function endpointCommunities(ctx: OriginContext, ep: Endpoint, rts = ctx.exportRTs): ExtCommunity[] {
  return [...encapCommunities(ctx.encaps), ...rtCommunities(rts), chsoCommunity(ep.lbOrder)];
}

const endpointPref = (ctx: OriginContext, ep: Endpoint): number => ep.localPref ?? ctx.localPref;

/** bagpipe §4.2: the route of one IP VPN endpoint; undefined for from-port or IP-less ones. */
export function ipvpnEndpointRoute(ctx: OriginContext, ep: Endpoint, ids: EndpointIds): Route | undefined {
  const prefix = advertisedPrefix(ctx, ep);
  if (ep.direction === 'from-port' || prefix === undefined) return undefined;
  const rd = isHost(prefix) ? ctx.rd : ids.endpointRd;
  if (rd === undefined) return undefined;
  return {
    family: vpnFamily(prefix),
    nlri: vpnNlri(rd, prefix, [ipvpnLabelField(ctx, ids.portLabel)]),
    attributes: baseAttributes(endpointPref(ctx, ep), endpointCommunities(ctx, ep)),
    nextHop: ctx.dataplaneAddress,
    source: localSource(ctx.owner),
  };
}

/** A static route of an IP VPN: instance RD and label, the given next hop or ours. */
export function ipvpnStaticRoute(
  ctx: OriginContext,
  sr: { readonly prefix: string; readonly nextHop: string | undefined },
): Route {
  return {
    family: vpnFamily(sr.prefix),
    nlri: vpnNlri(ctx.rd, sr.prefix, [ipvpnLabelField(ctx, undefined)]),
    attributes: baseAttributes(ctx.localPref, [
      ...encapCommunities(ctx.encaps),
      ...rtCommunities(ctx.exportRTs),
    ]),
    nextHop: sr.nextHop ?? ctx.dataplaneAddress,
    source: localSource(ctx.owner),
  };
}

/**
 * bagpipe §4.5: the copy of a best route carrying a readvertise fromRT, once per advertising
 * endpoint: endpoint RD and label, our next hop, RTs = toRTs, and RT-Records = the source
 * routes' RT-Records plus their RTs (the loop guard of the next instance).
 */
export function readvertisedRoute(
  ctx: OriginContext,
  ep: Endpoint,
  ids: EndpointIds,
  prefix: string,
  best: readonly Route[],
  toRTs: readonly string[],
): Route | undefined {
  if (ep.direction === 'from-port' || ids.endpointRd === undefined) return undefined;
  const records = new Set<string>();
  for (const r of best) {
    for (const rt of rtRecordsOf(r.attributes)) records.add(rt);
    for (const rt of attributeRouteTargets(r.attributes)) records.add(rt);
  }
  return {
    family: vpnFamily(prefix),
    nlri: vpnNlri(ids.endpointRd, prefix, [ipvpnLabelField(ctx, ids.portLabel)]),
    attributes: baseAttributes(endpointPref(ctx, ep), [
      ...endpointCommunities(ctx, ep, toRTs),
      ...rtRecordCommunities(records),
    ]),
    nextHop: ctx.dataplaneAddress,
    source: localSource(ctx.owner),
  };
}

/**
 * bagpipe §4.3: the Inclusive Multicast Ethernet Tag route (RFC 7432 7.3): instance RD,
 * Ethernet Tag 0, originator and next hop the BGP address; PMSI ingress replication (RFC 6514
 * 5) towards the dataplane address with the VNI in the label field; no LOCAL_PREF, no CHSO.
 */
export function evpnMulticastRoute(ctx: OriginContext): Route {
  return {
    family: FAMILY.evpn,
    nlri: evpnMulticast({ rd: ctx.rd, etag: 0, originator: ctx.bgpAddress }),
    attributes: {
      origin: ORIGIN.igp,
      asPath: [],
      extCommunities: [...encapCommunities(ctx.encaps), ...rtCommunities(ctx.exportRTs)],
      pmsiTunnel: {
        flags: 0,
        tunnelType: PMSI_TUNNEL.ingressReplication,
        label: evpnLabelField(ctx),
        tunnelId: ctx.dataplaneAddress,
      },
    },
    nextHop: ctx.bgpAddress,
    source: localSource(ctx.owner),
  };
}

/**
 * bagpipe §4.3: the MAC/IP route (RFC 7432 7.2) of one endpoint: instance RD with an IP, the
 * endpoint RD without; ESI 0, Ethernet Tag 0; MAC Mobility (RFC 7432 15) when `sequence` > 0.
 */
export function evpnMacIpRoute(
  ctx: OriginContext,
  ep: Endpoint,
  ids: EndpointIds,
  sequence: number,
): Route | undefined {
  if (ep.direction === 'from-port') return undefined;
  const rd = ep.ip === undefined ? ids.endpointRd : ctx.rd;
  if (rd === undefined) return undefined;
  const communities = endpointCommunities(ctx, ep);
  if (sequence > 0) communities.push(macMobilityCommunity(sequence));
  return {
    family: FAMILY.evpn,
    nlri: evpnMacIp({
      rd,
      etag: 0,
      mac: ep.mac,
      ...(ep.ip === undefined ? {} : { ip: ep.ip }),
      labels: [evpnLabelField(ctx)],
    }),
    attributes: baseAttributes(endpointPref(ctx, ep), communities),
    nextHop: ctx.dataplaneAddress,
    source: localSource(ctx.owner),
  };
}

/** RFC 9136 3.1: an IP Prefix route for a static route: instance RD, gateway 0, the VNI. */
export function evpnIpPrefixRoute(
  ctx: OriginContext,
  sr: { readonly prefix: string; readonly nextHop: string | undefined },
): Route {
  return {
    family: FAMILY.evpn,
    nlri: evpnIpPrefix({ rd: ctx.rd, etag: 0, prefix: sr.prefix, label: evpnLabelField(ctx) }),
    attributes: baseAttributes(ctx.localPref, [
      ...encapCommunities(ctx.encaps),
      ...rtCommunities(ctx.exportRTs),
    ]),
    nextHop: sr.nextHop ?? ctx.dataplaneAddress,
    source: localSource(ctx.owner),
  };
}

/** A plain unicast route (CRDS.md `type: unicast`): the given next hop, else the BGP address. */
export function unicastRoute(
  owner: string,
  sr: { readonly prefix: string; readonly nextHop: string | undefined },
  bgpAddress: string,
  localPref: number,
): Route {
  const nlri = prefixNlri(sr.prefix);
  return {
    family: nlri.prefix.includes(':') ? FAMILY.ipv6Unicast : FAMILY.ipv4Unicast,
    nlri,
    attributes: { origin: ORIGIN.igp, asPath: [], localPref },
    nextHop: sr.nextHop ?? bgpAddress,
    source: localSource(owner),
  };
}
