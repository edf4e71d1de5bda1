/**
 * What a VPN instance makes of a received route (bagpipe §4.2, §4.3, §4.5), as pure functions:
 *   - the import rule: an RT in the import RTs, a compatible encapsulation, and for IP VPN
 *     exactly one label (RFC 4364 4.3.4: one label per VPN route);
 *   - the dataplane view of a route: an IP VPN next hop, an E-VPN remote MAC or flood entry;
 *   - the choice of the one route programmed per MAC (RFC 7432 15: sticky, then the highest
 *     MAC Mobility sequence number, then the BGP decision process);
 *   - the readvertise loop guard (a route already re-advertised towards one of our toRTs).
 */
import { labelFromRaw, PMSI_TUNNEL, type PathAttributes } from '../bgp/codec/index.js';
import type { Encap, FloodEntry, NextHop, RemoteMac } from '../dataplane/intent.js';
import { selectBest } from '../rib/best-path.js';
import { attributeRouteTargets } from '../rib/route-targets.js';
import type { Route } from '../rib/types.js';
import { chooseEncap, chsoOf, encapsOf, macMobilityOf, rtRecordsOf } from './communities.js';

/** bagpipe §4.2: one of the route's RTs is in `rts`. */
export function carriesRt(a: PathAttributes, rts: ReadonlySet<string>): boolean {
  return attributeRouteTargets(a).some((rt) => rts.has(rt));
}

/**
 * The label field as a VNI or an MPLS label. VXLAN carries the VNI raw (RFC 8365 5.1.3) unless
 * the route also offers an MPLS encapsulation: then the field is an MPLS label (RFC 3032),
 * which bagpipe's OVS driver uses as the VNI.
 */
function labelValue(raw: number, encap: Encap, a: PathAttributes): number {
  if (encap !== 'vxlan') return labelFromRaw(raw);
  const theirs = encapsOf(a);
  return theirs !== undefined && theirs.some((e) => e !== 'vxlan') ? labelFromRaw(raw) : raw;
}

/** bagpipe §4.2: the next hop an IP VPN route gives, or undefined when it is not importable. */
export function ipvpnNextHop(route: Route, ours: readonly Encap[]): NextHop | undefined {
  if (route.nlri.kind !== 'vpn') return undefined;
  const [raw, ...more] = route.nlri.labels;
  if (raw === undefined || more.length > 0) return undefined;
  const encap = chooseEncap(route.attributes, ours);
  if (encap === undefined) return undefined;
  const lbOrder = chsoOf(route.attributes);
  // RFC 4364 4.3.4: a VPN NLRI carries an MPLS label stack; over VXLAN its value is the VNI.
  const base = { vtep: route.nextHop, label: labelFromRaw(raw), encap };
  return lbOrder === undefined ? base : { ...base, lbOrder };
}

/** bagpipe §4.3: a MAC/IP route as a remote MAC (the first label field is the L2 VNI). */
export function remoteMac(route: Route, ours: readonly Encap[]): RemoteMac | undefined {
  const n = route.nlri;
  if (n.kind !== 'evpn' || n.route !== 'mac-ip') return undefined;
  const raw = n.labels[0];
  const encap = chooseEncap(route.attributes, ours);
  if (raw === undefined || encap === undefined) return undefined;
  const base = { mac: n.mac, vtep: route.nextHop, vni: labelValue(raw, encap, route.attributes) };
  return n.ip === undefined ? base : { ...base, ip: n.ip };
}

/** bagpipe §4.3: an Inclusive Multicast route as a flood entry (ingress replication only). */
export function floodEntry(route: Route, ours: readonly Encap[]): FloodEntry | undefined {
  const n = route.nlri;
  const pmsi = route.attributes.pmsiTunnel;
  if (n.kind !== 'evpn' || n.route !== 'multicast' || pmsi?.tunnelType !== PMSI_TUNNEL.ingressReplication) {
    return undefined;
  }
  const encap = chooseEncap(route.attributes, ours);
  if (encap === undefined) return undefined;
  return { vtep: pmsi.tunnelId, vni: labelValue(pmsi.label, encap, route.attributes) };
}

/**
 * RFC 7432 15.2 and 15.1: among the routes for one MAC, a sticky (static) one wins; then the
 * highest sequence number; then the BGP decision process (which ends with the lowest address).
 */
export function selectMacRoute(routes: readonly Route[]): Route | undefined {
  if (routes.length <= 1) return routes[0];
  const seen = routes.map((r) => ({ r, m: macMobilityOf(r.attributes) }));
  const sticky = seen.filter((x) => x.m.sticky);
  const pool = sticky.length > 0 ? sticky : seen;
  const top = Math.max(...pool.map((x) => x.m.sequence));
  return selectBest(pool.filter((x) => x.m.sequence === top).map((x) => x.r))[0];
}

/** The highest MAC Mobility sequence number among `routes` (0 without the community). */
export function highestSequence(routes: Iterable<Route>): number {
  let top = 0;
  for (const r of routes) top = Math.max(top, macMobilityOf(r.attributes).sequence);
  return top;
}

/** bagpipe §4.5 loop guard: the route was already re-advertised towards one of `guard`. */
export function readvertiseLooped(a: PathAttributes, guard: ReadonlySet<string>): boolean {
  return rtRecordsOf(a).some((rt) => guard.has(rt));
}
