/**
 * Defaults and normalisation (CRDS.md): a valid spec becomes an effective spec where every
 * field is present (`undefined` only where the default belongs to the daemon's configuration
 * or the dataplane driver), route targets, IPs and prefixes are canonical and MACs lowercase.
 * These are the only place the defaults live; the schema descriptions document them.
 */
import type {
  AttractTraffic,
  BgpPeerSpec,
  Fallback,
  LocalPort,
  OvsPort,
  PortAttachmentSpec,
  SecretKeyRef,
  VpnInstanceSpec,
} from '../api/gen/index.js';
import { normalizeMac } from '../lib/ip.js';
import { canonicalAdminAssigned, canonicalIp, canonicalPrefix } from './formats.js';
import type { DeepReadonly } from './readonly.js';

export type AddressFamily = NonNullable<BgpPeerSpec['families']>[number];
export type Encapsulation = NonNullable<VpnInstanceSpec['encapsulations']>[number];

export const bgpPeerDefaults = {
  port: 179,
  passive: false,
  families: ['ipv4-vpn', 'l2vpn-evpn', 'rtc'] as readonly AddressFamily[],
  holdTimeSeconds: 180,
  connectRetrySeconds: 5,
  gracefulRestart: true,
  restartTimeSeconds: 120,
} as const;

export const vpnInstanceDefaults = { advertiseSubnet: false, localPref: 100, protocol: 'tcp' } as const;
export const portAttachmentDefaults = {
  direction: 'both',
  lbConsistentHashOrder: 0,
  ovsPlugged: false,
} as const;

/** What a default may depend on beyond the object itself. */
export interface NormalizeContext {
  /** This node, the default `nodeName` of PortAttachments from files. */
  readonly nodeName?: string | undefined;
}

export interface EffectiveBgpPeer {
  readonly peerAddress: string;
  /** undefined: the local AS (iBGP). */
  readonly peerASN: number | undefined;
  /** undefined: `[BGP] my_as`. */
  readonly localASN: number | undefined;
  readonly port: number;
  /** undefined: `[BGP] local_address`. */
  readonly localAddress: string | undefined;
  readonly passive: boolean;
  readonly routeReflectorClient: boolean;
  readonly families: readonly AddressFamily[];
  readonly timers: {
    readonly holdTimeSeconds: number;
    readonly keepaliveTimeSeconds: number;
    readonly connectRetrySeconds: number;
  };
  readonly gracefulRestart: { readonly enabled: boolean; readonly restartTimeSeconds: number };
  readonly passwordSecretRef: Readonly<SecretKeyRef> | undefined;
  readonly passwordFile: string | undefined;
  /** undefined: 1 for eBGP. */
  readonly ebgpMultihopTTL: number | undefined;
  readonly nodeSelector: DeepReadonly<NonNullable<BgpPeerSpec['nodeSelector']>> | undefined;
  readonly description: string | undefined;
}

export interface EffectiveVpnInstance {
  readonly type: VpnInstanceSpec['type'];
  readonly vpnInstanceId: string;
  readonly importRTs: readonly string[];
  readonly exportRTs: readonly string[];
  /** undefined: automatic, `<local_address>:<n>`. */
  readonly routeDistinguisher: string | undefined;
  /** undefined: allocated. */
  readonly vni: number | undefined;
  readonly gatewayIP: string | undefined;
  readonly advertiseSubnet: boolean;
  readonly localPref: number;
  /** undefined: the dataplane driver's. */
  readonly encapsulations: readonly Encapsulation[] | undefined;
  readonly staticRoutes: readonly { readonly prefix: string; readonly nextHop: string | undefined }[];
  readonly readvertise:
    { readonly fromRTs: readonly string[]; readonly toRTs: readonly string[] } | undefined;
  readonly attractTraffic: EffectiveAttractTraffic | undefined;
  readonly fallback: Readonly<Fallback> | undefined;
  readonly linuxBridge: string | undefined;
  readonly description: string | undefined;
}

export interface EffectiveAttractTraffic {
  readonly redirectRTs: readonly string[];
  readonly classifier: {
    readonly sourcePrefix: string | undefined;
    readonly destinationPrefix: string | undefined;
    readonly sourcePort: string | undefined;
    readonly destinationPort: string | undefined;
    readonly protocol: NonNullable<AttractTraffic['classifier']['protocol']>;
  };
  readonly toRT: string | undefined;
  readonly staticDestinationPrefixes: readonly string[];
}

/** The local port, tagged by which of the three it is; `vlan` is local_port.vlan (E-VPN over OVS). */
export type EffectiveLocalPort = (
  | { readonly type: 'linuxInterface'; readonly linuxInterface: string }
  | {
      readonly type: 'ovs';
      readonly ovs: Readonly<Required<Pick<OvsPort, 'plugged'>> & Omit<OvsPort, 'plugged'>>;
    }
  | { readonly type: 'evpn'; readonly evpnInstance: string }
) & { readonly vlan: number | undefined };

export interface EffectivePortAttachment {
  readonly vpnInstanceName: string;
  /** undefined: this node (files without a node name and no context node). */
  readonly nodeName: string | undefined;
  readonly macAddress: string;
  /** `ip/len`; a bare IP gets the host length. */
  readonly ipAddress: string | undefined;
  readonly localPort: EffectiveLocalPort;
  readonly direction: NonNullable<PortAttachmentSpec['direction']>;
  /** undefined: the VpnInstance localPref. */
  readonly localPref: number | undefined;
  readonly lbConsistentHashOrder: number;
  readonly description: string | undefined;
}

const rts = (list: readonly string[] | undefined): readonly string[] =>
  (list ?? []).map(canonicalAdminAssigned);
const opt = <T, U>(v: T | undefined, f: (v: T) => U): U | undefined => (v === undefined ? undefined : f(v));

export function bgpPeerSpec(spec: DeepReadonly<BgpPeerSpec>): EffectiveBgpPeer {
  const d = bgpPeerDefaults;
  const hold = spec.timers?.holdTimeSeconds ?? d.holdTimeSeconds;
  return {
    peerAddress: canonicalIp(spec.peerAddress),
    peerASN: spec.peerASN,
    localASN: spec.localASN,
    port: spec.port ?? d.port,
    localAddress: opt(spec.localAddress, (a) => canonicalIp(a)),
    passive: spec.passive ?? d.passive,
    routeReflectorClient: spec.routeReflectorClient ?? false,
    families: spec.families ?? d.families,
    timers: {
      holdTimeSeconds: hold,
      keepaliveTimeSeconds: spec.timers?.keepaliveTimeSeconds ?? Math.floor(hold / 3),
      connectRetrySeconds: spec.timers?.connectRetrySeconds ?? d.connectRetrySeconds,
    },
    gracefulRestart: {
      enabled: spec.gracefulRestart?.enabled ?? d.gracefulRestart,
      restartTimeSeconds: spec.gracefulRestart?.restartTimeSeconds ?? d.restartTimeSeconds,
    },
    passwordSecretRef: spec.passwordSecretRef,
    passwordFile: spec.passwordFile,
    ebgpMultihopTTL: spec.ebgpMultihopTTL,
    nodeSelector: spec.nodeSelector,
    description: spec.description,
  };
}

function attractTraffic(a: DeepReadonly<AttractTraffic>): EffectiveAttractTraffic {
  const c = a.classifier;
  return {
    redirectRTs: rts(a.redirectRTs),
    classifier: {
      sourcePrefix: opt(c.sourcePrefix, canonicalPrefix),
      destinationPrefix: opt(c.destinationPrefix, canonicalPrefix),
      sourcePort: c.sourcePort,
      destinationPort: c.destinationPort,
      protocol: c.protocol ?? vpnInstanceDefaults.protocol,
    },
    toRT: opt(a.toRT, canonicalAdminAssigned),
    staticDestinationPrefixes: (a.staticDestinationPrefixes ?? []).map(canonicalPrefix),
  };
}

export function vpnInstanceSpec(spec: DeepReadonly<VpnInstanceSpec>, name: string): EffectiveVpnInstance {
  return {
    type: spec.type,
    vpnInstanceId: spec.vpnInstanceId ?? name,
    importRTs: rts(spec.importRTs),
    exportRTs: rts(spec.exportRTs),
    routeDistinguisher: opt(spec.routeDistinguisher, canonicalAdminAssigned),
    vni: spec.vni,
    gatewayIP: opt(spec.gatewayIP, canonicalIp),
    advertiseSubnet: spec.advertiseSubnet ?? vpnInstanceDefaults.advertiseSubnet,
    localPref: spec.localPref ?? vpnInstanceDefaults.localPref,
    encapsulations: spec.encapsulations,
    staticRoutes: (spec.staticRoutes ?? []).map((r) => ({
      prefix: canonicalPrefix(r.prefix),
      nextHop: opt(r.nextHop, canonicalIp),
    })),
    readvertise: opt(spec.readvertise, (r) => ({ fromRTs: rts(r.fromRTs), toRTs: rts(r.toRTs) })),
    attractTraffic: opt(spec.attractTraffic, attractTraffic),
    fallback: opt(spec.fallback, (f) => ({
      ...f,
      srcMac: normalizeMac(f.srcMac),
      dstMac: normalizeMac(f.dstMac),
    })),
    linuxBridge: spec.linuxBridge,
    description: spec.description,
  };
}

/** The local port as a tagged union; the spec must hold exactly one of the three (semantic check). */
function localPort(p: DeepReadonly<LocalPort>): EffectiveLocalPort {
  const vlan = p.vlan;
  if (p.ovs !== undefined) {
    return {
      type: 'ovs',
      ovs: { ...p.ovs, plugged: p.ovs.plugged ?? portAttachmentDefaults.ovsPlugged },
      vlan,
    };
  }
  if (p.evpn !== undefined) return { type: 'evpn', evpnInstance: p.evpn.vpnInstanceRef.name, vlan };
  return { type: 'linuxInterface', linuxInterface: p.linuxInterface ?? '', vlan };
}

export function portAttachmentSpec(
  spec: DeepReadonly<PortAttachmentSpec>,
  ctx: NormalizeContext = {},
): EffectivePortAttachment {
  return {
    vpnInstanceName: spec.vpnInstanceRef.name,
    nodeName: spec.nodeName ?? ctx.nodeName,
    macAddress: normalizeMac(spec.macAddress),
    ipAddress: opt(spec.ipAddress, canonicalPrefix),
    localPort: localPort(spec.localPort),
    direction: spec.direction ?? portAttachmentDefaults.direction,
    localPref: spec.localPref,
    lbConsistentHashOrder: spec.lbConsistentHashOrder ?? portAttachmentDefaults.lbConsistentHashOrder,
    description: spec.description,
  };
}
