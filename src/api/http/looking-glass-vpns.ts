/**
 * The looking glass `vpns` subtree (bagpipe `vpn/manager.py`, `vpn/vpn_instance.py`):
 * `instances` by external id, each with its ports, dataplane intent and route lists, and
 * `dataplane` (`drivers`, `ids`, `instances_per_vni`). What the instance status does not carry
 * (description, gateway, readvertise, attract_traffic, fallback) comes from its desired object.
 */
import { release } from 'node:os';
import { FAMILY, labelFromRaw } from '../../bgp/codec/index.js';
import { driverEncapsulations } from '../../daemon/daemon.js';
import type { DriverStatus, Endpoint, InstanceStatus, RibRoute } from '../../daemon/status-types.js';
import type { DesiredEntry } from '../../desired/types.js';
import { instanceName, routeList } from './looking-glass-bgp.js';
import {
  branch,
  collection,
  leaf,
  sortedBy,
  type LgContext,
  type LgNode,
  type LookingGlassSource,
} from './looking-glass-tree.js';

type VpnEntry = DesiredEntry<'VpnInstance'>;

/** The desired VpnInstance behind an instance (first by key when several share the id). */
export function desiredInstance(ctx: LgContext, id: string): VpnEntry | undefined {
  const all = sortedBy(ctx.desired().vpnInstances.values(), (e) => e.key);
  return all.find((e) => e.spec.vpnInstanceId === id);
}

const instanceType = (i: InstanceStatus): string => (i.type === 'evpn' ? 'EVI' : 'VRF');

const driverOf = (ctx: LgContext, i: InstanceStatus): DriverStatus | undefined =>
  ctx.status().drivers.find((d) => d.type === i.type);

const intentOf = (ctx: LgContext, i: InstanceStatus) =>
  driverOf(ctx, i)?.desired?.instances.find((x) => x.id === i.id);

/** The route advertised for an endpoint: its RD and label. */
function endpointIds(
  e: Endpoint,
  advertised: readonly RibRoute[],
): { label: number | null; rd: string | null } {
  for (const r of advertised) {
    const n = r.nlri;
    if (n.kind === 'vpn' && e.ip !== undefined && (n.prefix === e.prefix || n.prefix === `${e.ip}/32`)) {
      return { label: n.labels[0] === undefined ? null : labelFromRaw(n.labels[0]), rd: n.rd };
    }
    if (n.kind === 'evpn' && n.route === 'mac-ip' && n.mac === e.mac)
      return { label: n.labels[0] ?? null, rd: n.rd };
  }
  return { label: null, rd: null };
}

/** bagpipe's ports: `{<linuxif>: {endpoints: [{label, mac_address, ip_address, …}]}}`. */
function ports(i: InstanceStatus, ctx: LgContext): Record<string, unknown> {
  const out: Record<string, { endpoints: unknown[] }> = {};
  const attachments = ctx.desired().portAttachments;
  for (const e of sortedBy(i.ports, (p) => `${p.ifname}|${p.mac}|${p.ip ?? ''}`)) {
    const port = (out[e.ifname] ??= { endpoints: [] });
    port.endpoints.push({
      ...endpointIds(e, i.advertisedRoutes),
      mac_address: e.mac,
      ip_address: e.prefix ?? null,
      local_pref: e.localPref ?? null,
      description: attachments.get(e.name)?.spec.description ?? null,
      direction: e.direction,
      lb_consistent_hash_order: e.lbOrder,
      attachment: { id: e.name, ...ctx.rootLink('desired', 'objects', `PortAttachment/${e.name}`) },
    });
  }
  return out;
}

/** The fields of the desired object, with bagpipe's names. */
function desiredFields(d: VpnEntry | undefined): Record<string, unknown> {
  const s = d?.spec;
  const a = s?.attractTraffic;
  const f = s?.fallback;
  return {
    description: s?.description ?? null,
    gateway_ip: s?.gatewayIP ?? null,
    readvertise:
      s?.readvertise === undefined ? null : { from: s.readvertise.fromRTs, to: s.readvertise.toRTs },
    attract_traffic:
      a === undefined
        ? {}
        : {
            redirect_rts: a.redirectRTs,
            classifier: {
              source_prefix: a.classifier.sourcePrefix ?? null,
              destination_prefix: a.classifier.destinationPrefix ?? null,
              source_port: a.classifier.sourcePort ?? null,
              destination_port: a.classifier.destinationPort ?? null,
              protocol: a.classifier.protocol,
            },
            to: a.toRT ?? null,
            static_destination_prefixes: a.staticDestinationPrefixes,
          },
    fallback:
      f === undefined ? null : { src_mac: f.srcMac, dst_mac: f.dstMac, ovs_port_number: f.ovsPortNumber },
  };
}

function instanceInfo(i: InstanceStatus, ctx: LgContext): Record<string, unknown> {
  const d = desiredInstance(ctx, i.id);
  const first = i.ports.find((p) => p.prefix !== undefined)?.prefix;
  const length =
    intentOf(ctx, i)?.gateway?.prefixLength ?? (first === undefined ? null : Number(first.split('/')[1]));
  return {
    name: instanceName(i.type, i.vni),
    instance_type: instanceType(i),
    external_instance_id: i.id,
    route_targets: { import: i.importRTs, export: i.exportRTs },
    instance_dataplane_id: i.vni ?? null,
    ...desiredFields(d),
    subnet_prefix_length: length,
    rd: i.rd ?? null,
    encapsulations: i.encapsulations,
    received_routes_count: i.receivedRoutes,
    desired: d === undefined ? null : { id: d.key, ...ctx.rootLink('desired', 'objects', d.key) },
  };
}

/** Routes of the instance's family that carry one of its import RTs, not its own. */
function received(source: LookingGlassSource, i: InstanceStatus): RibRoute[] {
  const family = i.type === 'evpn' ? FAMILY.evpn : FAMILY.ipv4Vpn;
  const rts = new Set(i.importRTs);
  return [...(source.routes?.(family) ?? [])].filter(
    (r) =>
      !(r.source.kind === 'local' && r.source.owner === i.id) &&
      (r.attributes.extCommunities ?? []).some((c) => c.type === 'route-target' && rts.has(c.value)),
  );
}

function instanceNode(source: LookingGlassSource, i: InstanceStatus): LgNode {
  const children: Record<string, LgNode> = {
    ports: leaf((ctx) => ports(i, ctx)),
    dataplane: leaf((ctx) => ({
      driver: driverOf(ctx, i)?.driver ?? null,
      intent: intentOf(ctx, i) ?? null,
    })),
    ...(source.routes === undefined
      ? {}
      : { received_routes: leaf((ctx) => routeList(received(source, i), ctx)) }),
    best_routes: leaf((ctx) => routeList(i.bestRoutes, ctx)),
    adv_routes: leaf((ctx) => routeList(i.advertisedRoutes, ctx)),
  };
  return branch(children, (ctx) => instanceInfo(i, ctx));
}

function instances(source: LookingGlassSource): LgNode {
  return collection<InstanceStatus>({
    items: (ctx) => sortedBy(ctx.status().instances, (i) => i.id),
    id: (i) => i.id,
    summary: (i, ctx) => {
      const description = desiredInstance(ctx, i.id)?.spec.description;
      return { name: instanceName(i.type, i.vni), ...(description === undefined ? {} : { description }) };
    },
    node: (i) => instanceNode(source, i),
  });
}

const SECTIONS: Readonly<Record<string, string>> = {
  ipvpn: 'DATAPLANE_DRIVER_IPVPN',
  evpn: 'DATAPLANE_DRIVER_EVPN',
};

function driverInfo(d: DriverStatus, ctx: LgContext): Record<string, unknown> {
  const config = ctx.source.config();
  const section = config[SECTIONS[d.type] ?? ''] ?? {};
  return {
    name: d.driver,
    local_address: section['dataplane_local_address'] ?? config['BGP']?.['local_address'] ?? null,
    supported_encaps: driverEncapsulations({ name: d.driver, type: d.type }),
    config: section,
    kernel_release: release(),
    state: ctx.rootLink('dataplane', d.type),
  };
}

const drivers = collection<DriverStatus>({
  items: (ctx) => sortedBy(ctx.status().drivers, (d) => d.type),
  id: (d) => d.type,
  node: (d) => leaf((ctx) => driverInfo(d, ctx)),
});

const vpnDataplane = branch({
  drivers,
  ids: leaf((ctx) =>
    Object.fromEntries(
      sortedBy(ctx.status().instances, (i) => i.id).flatMap((i) =>
        i.vni === undefined ? [] : [[String(i.vni), `${instanceName(i.type, i.vni)} (${i.id})`]],
      ),
    ),
  ),
  instances_per_vni: leaf((ctx) =>
    Object.fromEntries(
      ctx
        .status()
        .instances.filter((i) => i.type === 'evpn' && i.vni !== undefined)
        .map((i) => [String(i.vni), { name: instanceName(i.type, i.vni), external_instance_id: i.id }]),
    ),
  ),
});

export function vpnsNode(source: LookingGlassSource): LgNode {
  return branch({ instances: instances(source), dataplane: vpnDataplane });
}
