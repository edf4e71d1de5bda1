/**
 * What the VPN layer takes and reports. The inputs are the normalised desired objects of
 * src/desired (`EffectiveVpnInstance`, `EffectivePortAttachment`), described here by the fields
 * this layer reads: the layering (ARCHITECTURE.md) keeps src/vpn from importing src/desired, and
 * the effective types satisfy these interfaces structurally (test/vpn/types.test.ts checks it).
 */
import type { Encap } from '../dataplane/intent.js';
import { BgpdError } from '../lib/errors.js';
import { parsePrefix } from '../lib/ip.js';

export type VpnType = 'ipvpn' | 'evpn' | 'unicast';
export type Direction = 'both' | 'to-port' | 'from-port';

/** A desired VpnInstance (CRDS.md), defaults applied. */
export interface InstanceSpec {
  readonly type: VpnType;
  /** The external id (bagpipe vpn_instance_id): the RIB owner, allocation key and intent id. */
  readonly vpnInstanceId: string;
  readonly importRTs: readonly string[];
  readonly exportRTs: readonly string[];
  readonly routeDistinguisher: string | undefined;
  readonly vni: number | undefined;
  readonly gatewayIP: string | undefined;
  readonly advertiseSubnet: boolean;
  readonly localPref: number;
  readonly encapsulations: readonly Encap[] | undefined;
  readonly staticRoutes: readonly { readonly prefix: string; readonly nextHop: string | undefined }[];
  readonly readvertise:
    { readonly fromRTs: readonly string[]; readonly toRTs: readonly string[] } | undefined;
  /** Only checked for presence: FlowSpec traffic redirection is not implemented here. */
  readonly attractTraffic?: object | undefined;
}

/** The local port of an attachment, tagged by which of the three it is. */
export type AttachmentPort =
  | { readonly type: 'linuxInterface'; readonly linuxInterface: string }
  | {
      readonly type: 'ovs';
      readonly ovs: { readonly portName?: string | undefined; readonly portNumber?: number | undefined };
    }
  | { readonly type: 'evpn'; readonly evpnInstance: string };

/** A desired PortAttachment (CRDS.md), defaults applied; MAC lowercase, IP as `ip/len`. */
export interface AttachmentSpec {
  /** A VpnInstance in the attachment's namespace. */
  readonly vpnInstanceName: string;
  readonly nodeName: string | undefined;
  readonly macAddress: string;
  readonly ipAddress: string | undefined;
  readonly localPort: AttachmentPort;
  readonly direction: Direction;
  readonly localPref: number | undefined;
  readonly lbConsistentHashOrder: number;
}

export const VPN_ERR = {
  typeChange: 'BGPD_ERR_VPN_TYPE_CHANGE',
  encapsulation: 'BGPD_ERR_VPN_ENCAPSULATION',
  instanceNotFound: 'BGPD_ERR_VPN_INSTANCE_NOT_FOUND',
  instanceFailed: 'BGPD_ERR_VPN_INSTANCE_FAILED',
  duplicateId: 'BGPD_ERR_VPN_DUPLICATE_ID',
  portConflict: 'BGPD_ERR_VPN_PORT_CONFLICT',
  endpointConflict: 'BGPD_ERR_VPN_ENDPOINT_CONFLICT',
  invalidPort: 'BGPD_ERR_VPN_INVALID_PORT',
  unsupported: 'BGPD_ERR_VPN_UNSUPPORTED',
} as const;
export type VpnErrorCode = (typeof VPN_ERR)[keyof typeof VPN_ERR];

/** A VPN-layer error; its code is one of `VPN_ERR`. */
export class VpnError extends BgpdError {
  declare readonly code: VpnErrorCode;
}

/** One desired object the VPN layer could not realise (status.failedResources shape). */
export interface Problem {
  readonly kind: 'VpnInstance' | 'PortAttachment';
  /** The desired map key (`namespace/name`). */
  readonly name: string;
  /** CamelCase, for a status condition. */
  readonly reason: string;
  /** The BgpdError code behind it. */
  readonly code: string;
  readonly message: string;
}

/** A problem of one attachment, as an instance reports it (the manager adds the kind). */
export type PortProblem = Omit<Problem, 'kind'>;

/** A port as an instance keeps it: one endpoint (MAC, optional IP) on one interface. */
export interface Endpoint {
  /** The attachment's desired key. */
  readonly name: string;
  readonly mac: string;
  /** `ip/len` as desired (the length is the subnet's), or undefined. */
  readonly prefix: string | undefined;
  /** The address alone. */
  readonly ip: string | undefined;
  readonly ifname: string;
  readonly direction: Direction;
  readonly localPref: number | undefined;
  readonly lbOrder: number;
}

/**
 * The interface name of a local port: linuxInterface, or the OVS port name, or for an OVS port
 * given only by number (what the Neutron OVS agent sends: `ovs.port_number` with a `linuxif`
 * such as "patch2tun:3" that names no interface) "ofport-<n>", a stable key for the port.
 */
export function portIfname(p: AttachmentPort): string | undefined {
  if (p.type === 'linuxInterface') return p.linuxInterface === '' ? undefined : p.linuxInterface;
  if (p.type !== 'ovs') return undefined;
  if (p.ovs.portName !== undefined && p.ovs.portName !== '') return p.ovs.portName;
  return p.ovs.portNumber === undefined ? undefined : `ofport-${String(p.ovs.portNumber)}`;
}

export function endpointOf(name: string, a: AttachmentSpec, ifname: string): Endpoint {
  return {
    name,
    mac: a.macAddress,
    prefix: a.ipAddress,
    ip: a.ipAddress === undefined ? undefined : parsePrefix(a.ipAddress).ip,
    ifname,
    direction: a.direction,
    localPref: a.localPref,
    lbOrder: a.lbConsistentHashOrder,
  };
}

/** The allocator key of an endpoint's RD: stable whatever the attachment is called. */
export const endpointKey = (e: Endpoint): string => `${e.mac}|${e.prefix ?? ''}`;

/** bagpipe 1.2: `from-port` endpoints only send, so nothing is advertised for them. */
export const advertises = (e: Endpoint): boolean => e.direction !== 'from-port';

/** The namespace part of a desired key (`namespace/name`); '' for cluster-less file objects. */
export function namespaceOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/** The desired key of `name` in `namespace` (src/desired objectName). */
export const keyIn = (namespace: string, name: string): string =>
  namespace === '' ? name : `${namespace}/${name}`;
