/**
 * The looking glass `bgp` subtree (bagpipe `engine/bgp_manager.py`, `bgp_peer_worker.py`):
 * `peers` (a collection by address), `routes` (the RIB per family, keyed as bagpipe's RT
 * tracker prints its matches, "IPv4/mpls-vpn,*"), `route_counts` and `adv_routes` (the RTC
 * routes we originate). A peer adds to bagpipe's fields what our session knows: the negotiated
 * capabilities, the last error, flaps, messages per type and routes per family.
 */
import { FAMILY, familyOf, formatAttributes, formatExtCommunity, formatNlri } from '../../bgp/codec/index.js';
import type { FamilyKey } from '../../bgp/codec/index.js';
import type { Negotiated, PeerStatus, RibRoute } from '../../daemon/status-types.js';
import {
  branch,
  collection,
  leaf,
  localTime,
  sortedBy,
  type LgContext,
  type LgNode,
  type LookingGlassSource,
} from './looking-glass-tree.js';

const AFI_NAMES: Readonly<Record<number, string>> = { 1: 'IPv4', 2: 'IPv6', 25: 'L2VPN' };
const SAFI_NAMES: Readonly<Record<number, string>> = {
  1: 'unicast',
  70: 'evpn',
  128: 'mpls-vpn',
  132: 'rtc',
  134: 'flow-vpn',
};

/** The families of bagpipe's `bgp/routes`, in its order. */
export const ROUTE_FAMILIES: readonly FamilyKey[] = [
  FAMILY.ipv4Vpn,
  FAMILY.evpn,
  FAMILY.rtc,
  FAMILY.ipv4FlowspecVpn,
];

/** "IPv4/mpls-vpn", "L2VPN/evpn" (exabgp's names, as bagpipe prints them). */
export function familyLabel(f: FamilyKey): string {
  const { afi, safi } = familyOf(f);
  return `${AFI_NAMES[afi] ?? String(afi)}/${SAFI_NAMES[safi] ?? String(safi)}`;
}

const perFamily = (m: ReadonlyMap<FamilyKey, number>): Record<string, number> =>
  Object.fromEntries(sortedBy(m, ([f]) => familyLabel(f)).map(([f, n]) => [familyLabel(f), n]));

/** bagpipe's worker name of an instance: "VRF-<n>"/"EVI-<n>" (n: its label or VNI). */
export function instanceName(type: string, vni: number | undefined): string {
  const prefix = type === 'evpn' ? 'EVI' : type === 'ipvpn' ? 'VRF' : 'UNICAST';
  return `${prefix}-${vni === undefined ? '?' : String(vni)}`;
}

/** Where a route comes from: `{id, href}` to the peer, the instance, or the BGP manager (RTC). */
function routeSource(r: RibRoute, ctx: LgContext): Record<string, unknown> {
  if (r.source.kind === 'peer')
    return { id: `BGP-${r.source.address}`, ...ctx.rootLink('bgp', 'peers', r.source.address) };
  const owner = r.source.owner;
  if (owner === 'rtc') return { id: 'BGPManager', ...ctx.rootLink('bgp') };
  const inst = ctx.status().instances.find((i) => i.id === owner);
  const id = inst === undefined ? owner : instanceName(inst.type, inst.vni);
  return { id, ...ctx.rootLink('vpns', 'instances', owner) };
}

/** Attributes as `{name: text}` (formatAttributes' "name value" lines). */
function attributeMap(r: RibRoute): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of formatAttributes(r.attributes)) {
    const space = line.indexOf(' ');
    if (space < 0) out[line] = '';
    else out[line.slice(0, space)] = line.slice(space + 1);
  }
  return out;
}

/** One route as bagpipe shows it: `{<nlri>: {afi-safi, attributes, next_hop, source, route_targets}}`. */
export function routeEntry(r: RibRoute, ctx: LgContext): Record<string, unknown> {
  const rts = (r.attributes.extCommunities ?? [])
    .filter((c) => c.type === 'route-target')
    .map(formatExtCommunity);
  return {
    [formatNlri(r.nlri)]: {
      'afi-safi': familyLabel(r.family),
      attributes: attributeMap(r),
      next_hop: r.nextHop,
      source: routeSource(r, ctx),
      route_targets: rts,
      ...(r.stale === true ? { stale: true } : {}),
    },
  };
}

export const routeList = (routes: Iterable<RibRoute>, ctx: LgContext): Record<string, unknown>[] =>
  sortedBy(routes, (r) => formatNlri(r.nlri)).map((r) => routeEntry(r, ctx));

function routesNode(source: LookingGlassSource): LgNode {
  return leaf((ctx) =>
    Object.fromEntries(
      ROUTE_FAMILIES.map((f) => [`${familyLabel(f)},*`, routeList(source.routes?.(f) ?? [], ctx)]),
    ),
  );
}

function capabilities(n: Negotiated | undefined): Record<string, unknown> | null {
  if (n === undefined) return null;
  const gr = n.peerGracefulRestart;
  return {
    four_octet_as: n.rx.asn4,
    route_refresh: n.routeRefresh,
    enhanced_route_refresh: n.enhancedRouteRefresh,
    extended_message: n.rx.extendedMessage,
    add_path_receive: [...n.rx.addPath].map(familyLabel),
    add_path_send: [...n.tx.addPath].map(familyLabel),
    graceful_restart:
      gr === undefined
        ? null
        : {
            restart_time: gr.restartTime,
            restarting: gr.restarting,
            notification: gr.notification,
            families: gr.families.map((f) => ({ family: familyLabel(f.family), forwarding: f.forwarding })),
          },
    hostname: n.peerHostname ?? null,
    keepalive_time: n.keepaliveTime,
  };
}

/** One peer: bagpipe's fields, then ours. */
export function peerInfo(p: PeerStatus): Record<string, unknown> {
  const n = p.negotiated;
  const c = p.config;
  return {
    name: `BGP-${p.address}`,
    peeringAddresses: { peer_address: p.address, local_address: c.localAddress ?? null },
    as_info: { local: c.localAs, peer: c.peerAs },
    rtc: { active: n?.families.includes(FAMILY.rtc) ?? false, enabled: c.families.includes(FAMILY.rtc) },
    active_families: (n?.families ?? []).map(familyLabel),
    protocol: {
      state: p.state,
      previous_state: p.previousState,
      hold_time: n?.holdTime ?? c.holdTime,
      last_transition_time: localTime(p.lastTransitionTime),
    },
    capabilities: capabilities(n),
    last_error: p.lastError ?? null,
    flaps: p.flaps,
    messages: { in: { ...p.counters.messagesIn }, out: { ...p.counters.messagesOut } },
    routes: {
      received: perFamily(p.received),
      advertised: perFamily(p.advertised),
      stale: p.stale,
      announced: perFamily(p.counters.announced),
      withdrawn: perFamily(p.counters.withdrawn),
      stale_swept: p.counters.staleSwept,
    },
  };
}

const peers = collection<PeerStatus>({
  items: (ctx) => sortedBy(ctx.status().peers, (p) => p.address),
  id: (p) => p.address,
  summary: (p) => ({ state: p.state }),
  node: (p) => leaf(() => peerInfo(p)),
});

/** Routes per family label over every peer (received) and instance (advertised); RTC apart. */
function routeCounts(ctx: LgContext): Record<string, unknown> {
  const s = ctx.status();
  const received = new Map<FamilyKey, number>();
  for (const p of s.peers) for (const [f, n] of p.received) received.set(f, (received.get(f) ?? 0) + n);
  const local = new Map<FamilyKey, number>();
  for (const i of s.instances)
    for (const r of i.advertisedRoutes) local.set(r.family, (local.get(r.family) ?? 0) + 1);
  return { received: perFamily(received), local: perFamily(local), rib_size: s.ribSize };
}

/** The RTC routes we originate: one per route target some instance imports. */
const advRoutes = leaf((ctx) => ctx.status().routeTargets.map((rt) => `rtc target:${rt}`));

export function bgpNode(source: LookingGlassSource): LgNode {
  return branch({
    peers,
    ...(source.routes === undefined ? {} : { routes: routesNode(source) }),
    route_counts: leaf(routeCounts),
    adv_routes: advRoutes,
  });
}
