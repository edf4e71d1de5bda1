/**
 * Builders shared by the VPN tests: desired specs through the real normalisers of src/desired
 * (so the tests feed exactly what the daemon feeds), routes as a BGP peer would send them, and
 * an instance context around a real RIB.
 */
import {
  evpnMacIp,
  evpnMulticast,
  ORIGIN,
  FAMILY,
  PMSI_TUNNEL,
  rawFromLabel,
  TUNNEL,
  vpnNlri,
  type ExtCommunity,
} from '../../src/bgp/codec/index.js';
import type { PortAttachmentSpec, VpnInstanceSpec } from '../../src/api/gen/index.js';
import type { Encap } from '../../src/dataplane/intent.js';
import { portAttachmentSpec, vpnInstanceSpec } from '../../src/desired/defaults.js';
import { silentLogger } from '../../src/lib/log.js';
import { Rib } from '../../src/rib/rib.js';
import type { PeerSource, Route } from '../../src/rib/types.js';
import { Allocator } from '../../src/vpn/allocator.js';
import type { InstanceContext } from '../../src/vpn/instance.js';
import type { AttachmentSpec, InstanceSpec } from '../../src/vpn/types.js';

export const BGP_ADDRESS = '192.0.2.1';
export const DATAPLANE_ADDRESS = '198.51.100.1';

export function instanceSpec(
  spec: Partial<VpnInstanceSpec> & { type: VpnInstanceSpec['type'] },
  name = 'vpn-a',
): InstanceSpec {
  const rts = spec.type === 'unicast' ? {} : { importRTs: ['64512:1'], exportRTs: ['64512:1'] };
  return vpnInstanceSpec({ ...rts, ...spec }, name);
}

export function attachment(
  spec: Partial<PortAttachmentSpec> & { mac: string; ifname?: string },
  instance = 'vpn-a',
): AttachmentSpec {
  const { mac, ifname, ...rest } = spec;
  return portAttachmentSpec({
    vpnInstanceRef: { name: instance },
    macAddress: mac,
    localPort: { linuxInterface: ifname ?? `tap-${mac.slice(-2)}` },
    ...rest,
  });
}

export function peer(address: string): PeerSource {
  return { kind: 'peer', address, peerAs: 64512, localAs: 64512, bgpId: address, rrClient: false };
}

const rtEcs = (rts: readonly string[]): ExtCommunity[] =>
  rts.map((value) => ({ type: 'route-target', value }));
const encapEcs = (encaps: readonly number[]): ExtCommunity[] =>
  encaps.map((tunnelType) => ({ type: 'encapsulation', tunnelType }));

export interface VpnRouteInit {
  readonly from: string;
  readonly rd?: string;
  readonly prefix: string;
  /** MPLS label (shifted) unless `raw` is given. */
  readonly label?: number;
  readonly labels?: readonly number[];
  readonly rts?: readonly string[];
  readonly tunnels?: readonly number[];
  readonly nextHop?: string;
  readonly localPref?: number;
  readonly extra?: readonly ExtCommunity[];
}

/** A VPNv4 route from peer `from` (MPLS encapsulation, RT 64512:1 unless told). */
export function vpnRoute(i: VpnRouteInit): Route {
  const labels = i.labels ?? [rawFromLabel(i.label ?? 100)];
  return {
    family: FAMILY.ipv4Vpn,
    nlri: vpnNlri(i.rd ?? `${i.from}:1`, i.prefix, labels),
    attributes: {
      origin: ORIGIN.igp,
      asPath: [],
      ...(i.localPref === undefined ? {} : { localPref: i.localPref }),
      extCommunities: [
        ...encapEcs(i.tunnels ?? [TUNNEL.mpls]),
        ...rtEcs(i.rts ?? ['64512:1']),
        ...(i.extra ?? []),
      ],
    },
    nextHop: i.nextHop ?? i.from,
    source: peer(i.from),
  };
}

export interface MacRouteInit {
  readonly from: string;
  readonly rd?: string;
  readonly mac: string;
  readonly ip?: string;
  readonly vni?: number;
  readonly rts?: readonly string[];
  readonly tunnels?: readonly number[];
  readonly mobility?: { readonly sequence: number; readonly sticky?: boolean };
  readonly localPref?: number;
}

/** An E-VPN MAC/IP route from peer `from` (VXLAN, VNI raw). */
export function macRoute(i: MacRouteInit): Route {
  const mobility: ExtCommunity[] =
    i.mobility === undefined
      ? []
      : [{ type: 'mac-mobility', sticky: i.mobility.sticky ?? false, sequence: i.mobility.sequence }];
  return {
    family: FAMILY.evpn,
    nlri: evpnMacIp({
      rd: i.rd ?? `${i.from}:1`,
      mac: i.mac,
      ...(i.ip === undefined ? {} : { ip: i.ip }),
      labels: [i.vni ?? 5000],
    }),
    attributes: {
      origin: ORIGIN.igp,
      asPath: [],
      ...(i.localPref === undefined ? {} : { localPref: i.localPref }),
      extCommunities: [...encapEcs(i.tunnels ?? [TUNNEL.vxlan]), ...rtEcs(i.rts ?? ['64512:1']), ...mobility],
    },
    nextHop: i.from,
    source: peer(i.from),
  };
}

/** An E-VPN Inclusive Multicast route with an ingress-replication PMSI tunnel. */
export function multicastRoute(i: {
  from: string;
  rd?: string;
  vni?: number;
  tunnel?: string;
  rts?: readonly string[];
  pmsiType?: number;
}): Route {
  return {
    family: FAMILY.evpn,
    nlri: evpnMulticast({ rd: i.rd ?? `${i.from}:1`, originator: i.from }),
    attributes: {
      origin: ORIGIN.igp,
      asPath: [],
      extCommunities: [...encapEcs([TUNNEL.vxlan]), ...rtEcs(i.rts ?? ['64512:1'])],
      pmsiTunnel: {
        flags: 0,
        tunnelType: i.pmsiType ?? PMSI_TUNNEL.ingressReplication,
        label: i.vni ?? 5000,
        tunnelId: i.tunnel ?? i.from,
      },
    },
    nextHop: i.from,
    source: peer(i.from),
  };
}

export interface Harness {
  readonly rib: Rib;
  readonly allocator: Allocator;
  readonly ctx: InstanceContext;
  /** How many times the instance said it is dirty. */
  readonly dirty: { count: number };
}

export function harness(
  driverEncaps: readonly Encap[] = ['mpls'],
  rib = new Rib(),
  allocator?: Allocator,
): Harness {
  const dirty = { count: 0 };
  const alloc = allocator ?? new Allocator({ localAddress: BGP_ADDRESS });
  return {
    rib,
    allocator: alloc,
    dirty,
    ctx: {
      rib,
      allocator: alloc,
      bgpAddress: BGP_ADDRESS,
      dataplaneAddress: DATAPLANE_ADDRESS,
      driverEncaps,
      logger: silentLogger,
      onDirty: () => {
        dirty.count++;
      },
    },
  };
}

/** The routes `owner` has in the RIB. */
export const published = (rib: Rib, owner: string): Route[] => rib.routesOf({ kind: 'local', owner });

/** A real RIB whose subscriptions record their add/remove calls ("+family|rt", "-family|rt"). */
export function spyRib(): { rib: Rib; calls: string[] } {
  const rib = new Rib();
  const calls: string[] = [];
  const subscribe = rib.subscribe.bind(rib);
  rib.subscribe = (listener) => {
    const sub = subscribe(listener);
    return {
      add: (family, rt) => {
        calls.push(`+${family}|${rt}`);
        sub.add(family, rt);
      },
      remove: (family, rt) => {
        calls.push(`-${family}|${rt}`);
        sub.remove(family, rt);
      },
      close: () => {
        calls.push('close');
        sub.close();
      },
    };
  };
  return { rib, calls };
}
