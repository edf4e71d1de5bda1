/**
 * The forwarding-intent model: what a VPN instance wants the dataplane to do, as immutable plain
 * values. The VPN layer produces one `DataplaneIntent` per driver (the whole set, STYLE rule 12);
 * drivers compare it with what is live and apply the difference.
 *
 * Values are compared structurally and order-insensitively: `canonicalIntent` sorts every list
 * and lower-cases MACs, so two intents that program the same state are `intentEquals`.
 */

export type InstanceType = 'evpn' | 'ipvpn';
export type Encap = 'vxlan' | 'mpls' | 'mpls-gre';

/** A local port (VM tap or veth) attached to the instance. */
export interface LocalPort {
  readonly ifname: string;
  readonly mac: string;
  /** The VM address (IP VPN: host route and permanent neighbour towards the port). */
  readonly ip?: string;
  /**
   * IP VPN with MPLS among the encapsulations: the label this node advertised for the port
   * (bagpipe's per-port label, also received as a VXLAN VNI); absent when the instance's `vni`
   * is the only label (VXLAN only).
   */
  readonly label?: number;
}

/** The gateway address put on the ports (IP VPN). */
export interface Gateway {
  readonly ip: string;
  readonly prefixLength: number;
}

/** E-VPN type 2 (MAC/IP advertisement) as the dataplane needs it. */
export interface RemoteMac {
  readonly mac: string;
  readonly vtep: string;
  readonly vni: number;
  /** With an IP, a permanent neighbour entry answers ARP locally (ARP suppression). */
  readonly ip?: string;
}

/** E-VPN type 3 (inclusive multicast, ingress replication): one flood destination. */
export interface FloodEntry {
  readonly vtep: string;
  readonly vni: number;
}

export interface NextHop {
  readonly vtep: string;
  /** The MPLS label, or the VNI when `encap` is `vxlan`. */
  readonly label: number;
  readonly encap: Encap;
  /** The peer's consistent-hash sort order, when advertised. */
  readonly lbOrder?: number;
}

export interface RemotePrefix {
  /** "a.b.c.d/len". */
  readonly prefix: string;
  /** Several next hops mean ECMP. */
  readonly nextHops: readonly NextHop[];
}

interface InstanceBase {
  /** Stable instance key (the VPN instance id); device names derive from it. */
  readonly id: string;
  /** The VNI this node receives the instance's traffic on. */
  readonly vni: number;
  readonly localPorts: readonly LocalPort[];
  readonly gateway?: Gateway;
}

export interface EvpnInstanceIntent extends InstanceBase {
  readonly type: 'evpn';
  readonly remoteMacs: readonly RemoteMac[];
  readonly floodList: readonly FloodEntry[];
}

export interface IpvpnInstanceIntent extends InstanceBase {
  readonly type: 'ipvpn';
  readonly remotePrefixes: readonly RemotePrefix[];
}

export type InstanceIntent = EvpnInstanceIntent | IpvpnInstanceIntent;

/** Every instance one driver must program. `instances: []` means "remove everything we own". */
export interface DataplaneIntent {
  readonly instances: readonly InstanceIntent[];
}

export const emptyIntent: DataplaneIntent = Object.freeze({ instances: Object.freeze([]) });

const byKey =
  <T>(key: (v: T) => string) =>
  (a: T, b: T): number => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

const lower = (s: string): string => s.toLowerCase();

function canonicalPort(p: LocalPort): LocalPort {
  const base =
    p.ip === undefined
      ? { ifname: p.ifname, mac: lower(p.mac) }
      : { ifname: p.ifname, mac: lower(p.mac), ip: p.ip };
  return p.label === undefined ? base : { ...base, label: p.label };
}

function canonicalRemoteMac(m: RemoteMac): RemoteMac {
  const base = { mac: lower(m.mac), vtep: m.vtep, vni: m.vni };
  return m.ip === undefined ? base : { ...base, ip: m.ip };
}

function canonicalNextHop(n: NextHop): NextHop {
  const base = { vtep: n.vtep, label: n.label, encap: n.encap };
  return n.lbOrder === undefined ? base : { ...base, lbOrder: n.lbOrder };
}

const nextHopKey = (n: NextHop): string => `${n.vtep}|${n.label}|${n.encap}|${n.lbOrder ?? ''}`;

function canonicalInstance(i: InstanceIntent): InstanceIntent {
  const base = {
    id: i.id,
    vni: i.vni,
    localPorts: i.localPorts.map(canonicalPort).sort(byKey((p) => p.ifname)),
    ...(i.gateway === undefined
      ? {}
      : { gateway: { ip: i.gateway.ip, prefixLength: i.gateway.prefixLength } }),
  };
  if (i.type === 'evpn') {
    return {
      type: 'evpn',
      ...base,
      remoteMacs: i.remoteMacs
        .map(canonicalRemoteMac)
        .sort(byKey((m) => `${m.mac}|${m.vtep}|${m.vni}|${m.ip ?? ''}`)),
      floodList: i.floodList
        .map((f) => ({ vtep: f.vtep, vni: f.vni }))
        .sort(byKey((f) => `${f.vtep}|${f.vni}`)),
    };
  }
  return {
    type: 'ipvpn',
    ...base,
    remotePrefixes: i.remotePrefixes
      .map((r) => ({ prefix: r.prefix, nextHops: r.nextHops.map(canonicalNextHop).sort(byKey(nextHopKey)) }))
      .sort(byKey((r) => r.prefix)),
  };
}

/** The same intent with every list sorted and MACs lower-cased; key order is fixed. */
export function canonicalIntent(intent: DataplaneIntent): DataplaneIntent {
  return { instances: intent.instances.map(canonicalInstance).sort(byKey((i) => `${i.type}|${i.id}`)) };
}

export function instanceEquals(a: InstanceIntent, b: InstanceIntent): boolean {
  return JSON.stringify(canonicalInstance(a)) === JSON.stringify(canonicalInstance(b));
}

/** Structural, order-insensitive equality. */
export function intentEquals(a: DataplaneIntent, b: DataplaneIntent): boolean {
  return JSON.stringify(canonicalIntent(a)) === JSON.stringify(canonicalIntent(b));
}

/** The instances of one type (a driver handles one type). */
export function instancesOf<T extends InstanceType>(
  intent: DataplaneIntent,
  type: T,
): Extract<InstanceIntent, { type: T }>[] {
  return intent.instances.filter((i): i is Extract<InstanceIntent, { type: T }> => i.type === type);
}
