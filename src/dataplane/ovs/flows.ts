/**
 * The flows an IP VPN instance wants, in the text `ovs-ofctl dump-flows` prints, so that what
 * is live compares equal to what is wanted (adoption = zero changes). Table layout (bagpipe,
 * BAGPIPE-REFERENCE §6.3):
 *
 *   input (T0)   `ip|arp,in_port=<port>` → clear in_port, reg1=<port>, reg0=<vrf>, resubmit(,VRF);
 *                driver-wide: `in_port=<vxlan>` and `mpls,in_port=<gre|mpls if>` → resubmit(,ENCAP)
 *   encap-in (T1) `tun_id=<vni>,in_port=<vxlan>` → reg0=<vrf>, resubmit(,VRF);
 *                `mpls,mpls_label=<vni>,mpls_bos=1` → pop_mpls, reg0=<vrf>, resubmit(,VRF);
 *                a port's own label (`LocalPort.label`), as VNI or MPLS label → (pop_mpls,)
 *                gateway MAC, VM MAC, output port
 *   VRF (T2)     ARP responder for the gateway (every address with `proxyArp`), answering out of
 *                the port in reg1; `ip,reg0,nw_dst=<vm>` → gateway MAC, VM MAC, output port;
 *                `ip,reg0,nw_dst=<prefix>` (priority by length) → the next hop's actions, or
 *                `group:<id>` (select group, one bucket per next hop) for ECMP;
 *                fallback `reg0` at the lowest priority → rewrite MACs, output the fallback port.
 *
 * The instance's `vni` is the label this node receives it on, both as VXLAN VNI and as MPLS
 * label. Towards a VXLAN next hop the inner MACs are `vtepMac(local)` → `vtepMac(remote)`, the
 * convention of the Linux IP VPN driver, so the two drivers interoperate.
 */
import type { IpvpnInstanceIntent, LocalPort, NextHop } from '../intent.js';
import { badIfname, badIp, badMac, badVni, canonicalPrefix4, vtepMac } from '../linux/names.js';
import {
  DEFAULT_PRIORITY,
  DRIVER_COOKIE,
  FALLBACK_PRIORITY,
  GATEWAY_MAC,
  type InstanceIds,
  type OvsConfig,
  PORT_REG,
  prefixPriority,
  VRF_REG,
} from './names.js';
import type { OvsPort } from './observe.js';
import type { Flow, Wanted } from './wanted.js';

/**
 * Where the fallback sends what no VRF route matched (bagpipe's attach `fallback`; the shape of
 * the VpnInstance schema's `fallback`).
 */
export interface OvsFallback {
  readonly srcMac: string;
  readonly dstMac: string;
  /** OpenFlow port number to output to. */
  readonly ovsPortNumber: number;
}

/** An IP VPN instance as this driver reads it: `fallback` is honoured when the intent has one. */
export type OvsIpvpnInstance = IpvpnInstanceIntent & { readonly fallback?: OvsFallback };

/** What the flow builders read about the switch. */
export interface SwitchView {
  readonly c: OvsConfig;
  readonly ports: ReadonlyMap<string, OvsPort>;
  readonly neigh: ReadonlyMap<string, string>;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const setField = (v: string | number, field: string): string =>
  `set_field:${typeof v === 'number' ? hex(v) : v}->${field}`;

/** Tunnel ports to the encap-in table (cookie `DRIVER_COOKIE`), wanted while any instance is. */
export function addDriverFlows(w: Wanted, sw: SwitchView): void {
  const { c } = sw;
  const toEncap = `resubmit(,${c.encapTable})`;
  const entry = 'ovs tunnel input';
  const vx = c.vxlanPort === undefined ? undefined : sw.ports.get(c.vxlanPort);
  const base = { table: c.inputTable, priority: DEFAULT_PRIORITY, cookie: DRIVER_COOKIE, actions: toEncap };
  if (vx !== undefined) w.add({ ...base, match: `in_port=${vx.ofport}`, entry });
  for (const name of [c.greTunnel, c.mplsInterface]) {
    const p = name === undefined ? undefined : sw.ports.get(name);
    if (p !== undefined) w.add({ ...base, match: `mpls,in_port=${p.ofport}`, entry });
    else if (name !== undefined) w.error(entry, `port ${name} is not on the bridge`);
  }
}

interface InstanceCtx {
  readonly w: Wanted;
  readonly sw: SwitchView;
  readonly inst: OvsIpvpnInstance;
  readonly cookie: string;
  /** `reg0=0x…` */
  readonly reg: string;
  readonly vrf: number;
  /** The gateway's subnet, inside which routed packets keep their TTL. */
  readonly subnet: Prefix4 | undefined;
  /** `ipvpn <id> prefix`, shared by the instance's prefix flows. */
  readonly prefixEntry: string;
}

export function addInstance(w: Wanted, inst: OvsIpvpnInstance, ids: InstanceIds, sw: SwitchView): void {
  const gw =
    inst.gateway === undefined ? undefined : prefix4(`${inst.gateway.ip}/${inst.gateway.prefixLength}`);
  const x: InstanceCtx = {
    w,
    sw,
    inst,
    cookie: ids.cookie,
    vrf: ids.vrf,
    reg: `${VRF_REG}=${hex(ids.vrf)}`,
    subnet: gw === undefined || 'error' in gw ? undefined : gw,
    prefixEntry: `ipvpn ${inst.id} prefix`,
  };
  addReceive(x);
  const hosts = new Set<string>();
  for (const p of inst.localPorts) {
    const host = addPort(x, p);
    if (host !== undefined) hosts.add(host);
  }
  if (inst.localPorts.length > 0) addArpResponder(x);
  for (const r of inst.remotePrefixes) addPrefix(x, r.prefix, r.nextHops, hosts);
  if (inst.fallback !== undefined) addFallback(x, inst.fallback);
}

/** Encap-in flows: the instance's VNI over VXLAN, its label over MPLS / MPLS-over-GRE. */
function addReceive(x: InstanceCtx): void {
  const { c, ports } = x.sw;
  const entry = `ipvpn ${x.inst.id} receive`;
  const bad = badVni(x.inst.vni);
  if (bad !== undefined) {
    x.w.error(entry, bad);
    return;
  }
  const toVrf = `${setField(x.vrf, VRF_REG)},resubmit(,${c.vrfTable})`;
  const base = { table: c.encapTable, priority: DEFAULT_PRIORITY, cookie: x.cookie, entry };
  const vx = c.vxlanPort === undefined ? undefined : ports.get(c.vxlanPort);
  if (vx !== undefined)
    x.w.add({ ...base, match: `tun_id=${hex(x.inst.vni)},in_port=${vx.ofport}`, actions: toVrf });
  else if (c.vxlanPort !== undefined) x.w.error(entry, `tunnel port ${c.vxlanPort} is not on the bridge`);
  if (c.greTunnel !== undefined || c.mplsInterface !== undefined) {
    const why = mplsLabelProblem(x.inst.vni);
    const match = `mpls,mpls_label=${x.inst.vni},mpls_bos=1`;
    if (why !== undefined) x.w.error(entry, why);
    else x.w.add({ ...base, match, actions: `pop_mpls:0x0800,${toVrf}` });
  }
}

/** Input flows from the port and the VM's host flow; returns "ip/32" when it has one. */
function addPort(x: InstanceCtx, p: LocalPort): string | undefined {
  const { c, ports } = x.sw;
  const entry = `ipvpn ${x.inst.id} port ${p.ifname}`;
  const mac = p.mac.toLowerCase();
  const bad = badIfname(p.ifname) ?? badMac(mac) ?? (p.ip === undefined ? undefined : badIp(p.ip));
  const port = ports.get(p.ifname);
  if (bad !== undefined || port === undefined) {
    x.w.error(entry, bad ?? `port ${p.ifname} is not on the bridge`);
    return undefined;
  }
  const n = port.ofport;
  const actions = `set_field:0->in_port,${setField(n, PORT_REG)},${setField(x.vrf, VRF_REG)},resubmit(,${c.vrfTable})`;
  const base = { table: c.inputTable, priority: DEFAULT_PRIORITY, cookie: x.cookie, actions, entry };
  x.w.add({ ...base, match: `ip,in_port=${n}` });
  x.w.add({ ...base, match: `arp,in_port=${n}` });
  if (p.label !== undefined && p.label !== x.inst.vni) addPortLabel(x, p.label, mac, n, entry);
  if (p.ip === undefined || p.ip.includes(':')) return undefined;
  const added = x.w.add({
    table: c.vrfTable,
    priority: prefixPriority(32),
    match: `ip,${x.reg},nw_dst=${p.ip}`,
    cookie: x.cookie,
    actions: `${setField(GATEWAY_MAC, 'eth_src')},${setField(mac, 'eth_dst')},output:${n}`,
    entry,
  });
  return added ? `${p.ip}/32` : undefined;
}

/**
 * bagpipe's to-port flows: what arrives with the port's own label (advertised when MPLS is among
 * the encapsulations; a VXLAN peer sends it as the VNI) goes straight out of the port.
 */
function addPortLabel(x: InstanceCtx, label: number, mac: string, ofport: number, entry: string): void {
  const { c, ports } = x.sw;
  const why = mplsLabelProblem(label);
  if (why !== undefined) {
    x.w.error(entry, why);
    return;
  }
  const out = `${setField(GATEWAY_MAC, 'eth_src')},${setField(mac, 'eth_dst')},output:${ofport}`;
  const base = { table: c.encapTable, priority: DEFAULT_PRIORITY, cookie: x.cookie, entry };
  const vx = c.vxlanPort === undefined ? undefined : ports.get(c.vxlanPort);
  if (vx !== undefined)
    x.w.add({ ...base, match: `tun_id=${hex(label)},in_port=${vx.ofport}`, actions: out });
  if (c.greTunnel !== undefined || c.mplsInterface !== undefined)
    x.w.add({ ...base, match: `mpls,mpls_label=${label},mpls_bos=1`, actions: `pop_mpls:0x0800,${out}` });
}

const ARP_REPLY = [
  'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
  setField(GATEWAY_MAC, 'eth_src'),
  'set_field:2->arp_op',
  'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
  'push:NXM_OF_ARP_TPA[]',
  'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
  setField(GATEWAY_MAC, 'arp_sha'),
  'pop:NXM_OF_ARP_SPA[]',
  'output:NXM_NX_REG1[0..15]',
].join(',');

/** Broadcast ARP requests for the gateway (any address with proxyArp) answered as GATEWAY_MAC. */
function addArpResponder(x: InstanceCtx): void {
  const gw = x.inst.gateway;
  const entry = `ipvpn ${x.inst.id} arp responder`;
  if (gw === undefined) return;
  const bad = badIp(gw.ip);
  if (bad !== undefined) {
    x.w.error(entry, bad);
    return;
  }
  const tpa = x.sw.c.proxyArp ? '' : `,arp_tpa=${gw.ip}`;
  x.w.add({
    table: x.sw.c.vrfTable,
    priority: DEFAULT_PRIORITY,
    match: `arp,${x.reg},dl_dst=ff:ff:ff:ff:ff:ff${tpa},arp_op=1`,
    cookie: x.cookie,
    actions: ARP_REPLY,
    entry,
  });
}

interface Prefix4 {
  /** Canonical "a.b.c.d/len". */
  readonly text: string;
  readonly net: number;
  readonly len: number;
}

const maskOf = (len: number): number => (len === 0 ? 0 : (~0 << (32 - len)) >>> 0);

/**
 * "a.b.c.d/len" in canonical form (no leading zeros, host bits clear) as numbers, read without
 * allocating (the hot path at 100k routes); undefined for anything else.
 */
function canonical4(s: string): Prefix4 | undefined {
  let net = 0;
  let part = 0;
  let digits = 0;
  let field = 0; // 0..3 octets, 4 the length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const sep = field < 3 ? 46 : 47; // '.' then '/'
    if (c >= 48 && c <= 57 && !(digits === 1 && part === 0) && digits < 3) {
      part = part * 10 + c - 48;
      digits++;
    } else if (c === sep && digits > 0 && part <= 255 && field < 4) {
      net = net * 256 + part;
      part = 0;
      digits = 0;
      field++;
    } else return undefined;
  }
  if (field !== 4 || digits === 0 || part > 32 || (net & maskOf(part)) >>> 0 !== net) return undefined;
  return { text: s, net, len: part };
}

/** A prefix as text and numbers; non-canonical input goes through `canonicalPrefix4`. */
function prefix4(prefix: string): Prefix4 | { error: string } {
  const fast = canonical4(prefix);
  if (fast !== undefined) return fast;
  const cp = canonicalPrefix4(prefix);
  return 'error' in cp ? cp : (canonical4(cp.prefix) ?? { error: `not an IPv4 prefix: ${prefix}` });
}

/** No TTL decrement inside the gateway's subnet (bagpipe); always without a gateway. */
const insideSubnet = (p: Prefix4, subnet: Prefix4 | undefined): boolean =>
  subnet !== undefined && p.len >= subnet.len && (p.net & maskOf(subnet.len)) >>> 0 === subnet.net;

/** Next hops by consistent-hash order (then address, label): the bucket order of a group. */
export const lbSorted = (hops: readonly NextHop[]): readonly NextHop[] =>
  hops.length < 2
    ? hops
    : [...hops].sort(
        (a, b) =>
          (a.lbOrder ?? 0) - (b.lbOrder ?? 0) ||
          (a.vtep < b.vtep ? -1 : a.vtep > b.vtep ? 1 : 0) ||
          a.label - b.label,
      );

const ENCAP_CODE = { vxlan: 0, mpls: 1, 'mpls-gre': 2 } as const;

function cachedHop(x: InstanceCtx, nh: NextHop, decTtl: boolean): string | { readonly error: string } {
  let byVtep = x.w.hops.get(nh.vtep);
  if (byVtep === undefined)
    x.w.hops.set(nh.vtep, (byVtep = new Map<number, string | { readonly error: string }>()));
  const code = nh.label * 8 + ENCAP_CODE[nh.encap] * 2 + (decTtl ? 1 : 0);
  let a = byVtep.get(code);
  if (a === undefined || !Number.isSafeInteger(code)) {
    a = hopActions(x.sw, nh, decTtl);
    byVtep.set(code, a);
  }
  return a;
}

function addPrefix(x: InstanceCtx, prefix: string, hops: readonly NextHop[], hosts: Set<string>): void {
  const p = prefix4(prefix);
  const problem =
    'error' in p ? p.error : hosts.has(p.text) ? 'prefix already routed to a local port' : undefined;
  if ('error' in p || problem !== undefined) {
    x.w.error(`${x.prefixEntry} ${prefix}`, problem ?? '');
    return;
  }
  const decTtl = !insideSubnet(p, x.subnet);
  const buckets: string[] = [];
  for (const nh of lbSorted(hops)) {
    const a = cachedHop(x, nh, decTtl);
    if (typeof a === 'string') buckets.push(a);
    else x.w.error(`${x.prefixEntry} ${prefix} via ${nh.vtep}`, a.error);
  }
  const first = buckets[0];
  if (first === undefined) return;
  const match =
    p.len === 0 ? `ip,${x.reg}` : `ip,${x.reg},nw_dst=${p.len === 32 ? p.text.slice(0, -3) : p.text}`;
  const f: Flow = {
    table: x.sw.c.vrfTable,
    priority: prefixPriority(p.len),
    match,
    cookie: x.cookie,
    actions: first,
    entry: x.prefixEntry,
    detail: prefix,
  };
  if (x.w.add(f) && buckets.length > 1) x.w.ecmp.set(f, buckets);
}

const mplsLabelProblem = (label: number): string | undefined =>
  Number.isInteger(label) && label >= 16 && label < 1 << 20
    ? undefined
    : `MPLS label out of range 16..1048575: ${label}`;

const labelProblem = (nh: NextHop): string | undefined =>
  nh.encap === 'vxlan' ? badVni(nh.label) : mplsLabelProblem(nh.label);

/** The actions that send a packet to one next hop, or why it cannot be programmed. */
export function hopActions(sw: SwitchView, nh: NextHop, decTtl: boolean): string | { error: string } {
  const { c, ports } = sw;
  const bad =
    (nh.vtep.includes(':') ? `not an IPv4 next hop: ${nh.vtep}` : badIp(nh.vtep)) ?? labelProblem(nh);
  if (bad !== undefined) return { error: bad };
  const ttl = decTtl ? 'dec_ttl,' : '';
  const local = nh.vtep === c.localAddress;
  if (nh.encap === 'vxlan') {
    const vx = c.vxlanPort === undefined ? undefined : ports.get(c.vxlanPort);
    if (vx === undefined) return { error: `VXLAN is off or its tunnel port is missing` };
    const label = setField(nh.label, 'tun_id');
    if (local) return `${ttl}${label},resubmit(${vx.ofport},${c.encapTable})`;
    const macs = `${setField(vtepMac(c.localAddress), 'eth_src')},${setField(vtepMac(nh.vtep), 'eth_dst')}`;
    return `${ttl}${label},${setField(nh.vtep, 'tun_dst')},${macs},output:${vx.ofport}`;
  }
  const push = `${ttl}push_mpls:0x8847,set_field:${nh.label}->mpls_label`;
  if (local) return `${push},resubmit(,${c.encapTable})`;
  if (nh.encap === 'mpls-gre') {
    const gre = c.greTunnel === undefined ? undefined : ports.get(c.greTunnel);
    if (gre === undefined) return { error: 'MPLS-over-GRE is off or its tunnel port is missing' };
    return `${push},${setField(nh.vtep, 'tun_dst')},output:${gre.ofport}`;
  }
  const mif = c.mplsInterface === undefined ? undefined : ports.get(c.mplsInterface);
  if (mif === undefined) return { error: 'bare MPLS is off or its interface is not on the bridge' };
  const mac = sw.neigh.get(nh.vtep);
  if (mac === undefined) return { error: `no neighbour entry (MAC) for MPLS next hop ${nh.vtep}` };
  return `${push},${setField(mif.mac, 'eth_src')},${setField(mac, 'eth_dst')},output:${mif.ofport}`;
}

function addFallback(x: InstanceCtx, f: OvsFallback): void {
  const entry = `ipvpn ${x.inst.id} fallback`;
  const n = f.ovsPortNumber;
  const badPort = Number.isInteger(n) && n >= 1 && n <= 0xfeff ? undefined : `not an OpenFlow port: ${n}`;
  const bad = badMac(f.srcMac.toLowerCase()) ?? badMac(f.dstMac.toLowerCase()) ?? badPort;
  if (bad !== undefined) {
    x.w.error(entry, bad);
    return;
  }
  const macs = `${setField(f.srcMac.toLowerCase(), 'eth_src')},${setField(f.dstMac.toLowerCase(), 'eth_dst')}`;
  x.w.add({
    table: x.sw.c.vrfTable,
    priority: FALLBACK_PRIORITY,
    match: x.reg,
    cookie: x.cookie,
    actions: `${macs},output:${n}`,
    entry,
  });
}
