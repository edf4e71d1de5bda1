/**
 * IP VPN over VXLAN on plain Linux (no VRF device, no kernel MPLS), planning only.
 *
 * Design (proved end to end by test/dataplane/linux-ipvpn.netns.test.ts):
 *   - Each VRF has a routing table `T` (tableBase + a stable index: the one its rules already use,
 *     else the hash of the id, probing to the next free slot) and a VXLAN device `bvi-<h>`
 *     (`id <vni>`, the VNI this node receives the VRF on) whose MAC is `vtepMac(local address)`.
 *   - Policy rules (protocol 19) send everything arriving on a VRF port or on `bvi-<h>` to `T`:
 *     `pref P iif <dev> lookup T`, then `pref P+1 iif <dev> unreachable` so nothing leaks into
 *     the main table.
 *   - Ports get the gateway address (metric 19 marks it ours), `proxy_arp=1` and
 *     `proxy_delay=0` (the VM resolves every address of its subnet to the port), `rp_filter=0`;
 *     each VM address gets `ip/32 dev <port>` in `T` and a permanent neighbour.
 *   - A remote prefix is `<prefix> via <vtep> dev bvi-<h> onlink` in `T` (several next hops:
 *     an ECMP `nexthop ... nexthop ...` route). The VTEP address is the neighbour: a permanent
 *     entry `<vtep> lladdr vtepMac(vtep)` on `bvi-<h>`, and the fdb entry `vtepMac(vtep) dev
 *     bvi-<h> dst <vtep> vni <label> self permanent` sends the frame in the next hop's VNI. The
 *     receiver accepts it because the inner destination MAC is its own device's MAC, and routes
 *     it in its VRF table. Limitation: one VNI per remote VTEP per VRF (the label of the first
 *     next hop seen wins; others are reported).
 *   - Only `vxlan` next hops are programmed; `mpls`/`mpls-gre` (kernel MPLS is not available
 *     here) and next hops on this node are reported as errors, the rest of the route stays.
 */
import type { IpvpnInstanceIntent, LocalPort } from '../intent.js';
import {
  aliasFor,
  badIfname,
  badIp,
  badMac,
  badVni,
  canonicalPrefix4,
  ipvpnVxlanName,
  nameHash,
  OWNER_PROTO,
  PREFIX,
  vtepMac,
} from './names.js';
import type { LinkInfo } from './observe.js';
import { type Plan, PlanBuilder } from './ops.js';
import { diffOwned, type IpvpnObserved, ownedState, type Wanted, wantedState } from './ipvpn-state.js';
import { selectInstances } from './select.js';
import { type VxlanConfig, vxlanAddLine, vxlanMatches } from './vxlan.js';

export interface IpvpnConfig extends VxlanConfig {
  /** First routing table id of the range this driver owns. */
  readonly tableBase: number;
  readonly tableCount: number;
  /** Policy rule priority P (lookup); P+1 is the unreachable guard. */
  readonly rulePriority: number;
}

export type { IpvpnObserved } from './ipvpn-state.js';

const isVrfDevice = (name: string): boolean => name.startsWith(PREFIX.ipvpnVxlan);

/** Table per VRF device: kept from the observed rules, else hash-preferred and free. */
export function allocateTables(
  names: readonly string[],
  observed: IpvpnObserved,
  c: IpvpnConfig,
): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const r of observed.rules) {
    if (r.protocol !== String(OWNER_PROTO) || r.priority !== c.rulePriority || r.table === undefined)
      continue;
    if (r.iif !== undefined && names.includes(r.iif) && !out.has(r.iif)) out.set(r.iif, r.table);
    used.add(r.table);
  }
  for (const n of names) {
    if (out.has(n)) continue;
    let slot = parseInt(nameHash(n), 16) % c.tableCount;
    while (used.has(c.tableBase + slot)) slot = (slot + 1) % c.tableCount;
    out.set(n, c.tableBase + slot);
    used.add(c.tableBase + slot);
  }
  return out;
}

export function planIpvpn(
  desired: readonly IpvpnInstanceIntent[],
  observed: IpvpnObserved,
  c: IpvpnConfig,
): Plan {
  const b = new PlanBuilder();
  const { ok, keep } = selectInstances(desired, (id) => [ipvpnVxlanName(id)], b);
  const links = new Map(observed.links.map((l) => [l.ifname, l]));
  const tables = allocateTables([...ok.keys()], observed, c);
  const recreated = new Set<string>();
  const gone = new Set<string>();
  for (const l of observed.links) {
    if (isVrfDevice(l.ifname) && !keep.has(l.ifname)) {
      b.op(0, 'ip', `link del dev ${l.ifname}`, `ipvpn device ${l.ifname}`);
      gone.add(l.ifname);
    }
  }
  const want = wantedState();
  if (ok.size > 0) want.sysctl.set('net/ipv4/ip_forward', '1');
  for (const [dev, inst] of ok) {
    const table = tables.get(dev) ?? c.tableBase;
    if (planDevice(inst, dev, links.get(dev), c, b)) recreated.add(dev);
    addVrf(inst, dev, table, links, c, want, b);
  }
  const owned = ownedState(observed, c, want, recreated);
  diffOwned(want, owned, observed, { gone, recreated, links }, b);
  return b.build();
}

/** The VRF's VXLAN device; true when it is (re)created (it then has no entries). */
function planDevice(
  inst: IpvpnInstanceIntent,
  dev: string,
  link: LinkInfo | undefined,
  c: IpvpnConfig,
  b: PlanBuilder,
): boolean {
  const entry = `ipvpn ${inst.id} vxlan ${dev}`;
  const v = link?.vxlan;
  const mac = vtepMac(c.localAddress);
  const same = vxlanMatches(v, inst.vni, c);
  if (link === undefined || !same) {
    if (link !== undefined) b.op(0, 'ip', `link del dev ${dev}`, entry);
    b.op(1, 'ip', vxlanAddLine(dev, inst.vni, c, mac), entry);
    b.op(1, 'ip', `link set dev ${dev} alias "${aliasFor('ipvpn', inst.id)}" up`, entry);
    return true;
  }
  if (link.address !== mac) b.op(1, 'ip', `link set dev ${dev} address ${mac}`, entry);
  if (!link.up) b.op(1, 'ip', `link set dev ${dev} up`, entry);
  if (link.alias !== aliasFor('ipvpn', inst.id))
    b.op(1, 'ip', `link set dev ${dev} alias "${aliasFor('ipvpn', inst.id)}"`, entry);
  return false;
}

function addRules(want: Wanted, dev: string, table: number, c: IpvpnConfig, entry: string): void {
  const p = c.rulePriority;
  want.rules.set(`${p}|${dev}|${table}`, {
    line: `rule add pref ${p} iif ${dev} lookup ${table} proto ${OWNER_PROTO}`,
    entry,
  });
  want.rules.set(`${p + 1}|${dev}|unreachable`, {
    line: `rule add pref ${p + 1} iif ${dev} unreachable proto ${OWNER_PROTO}`,
    entry,
  });
}

function addVrf(
  inst: IpvpnInstanceIntent,
  dev: string,
  table: number,
  links: ReadonlyMap<string, LinkInfo>,
  c: IpvpnConfig,
  want: Wanted,
  b: PlanBuilder,
): void {
  addRules(want, dev, table, c, `ipvpn ${inst.id} vxlan ${dev}`);
  want.sysctl.set(`net/ipv4/conf/${dev}/rp_filter`, '0');
  const local = new Set<string>();
  for (const p of inst.localPorts) {
    if (addPort(inst, p, table, links, c, want, b) && p.ip !== undefined) local.add(`${p.ip}/32`);
  }
  addRemotePrefixes(inst, dev, table, local, c, want, b);
}

function addPort(
  inst: IpvpnInstanceIntent,
  p: LocalPort,
  table: number,
  links: ReadonlyMap<string, LinkInfo>,
  c: IpvpnConfig,
  want: Wanted,
  b: PlanBuilder,
): boolean {
  const entry = `ipvpn ${inst.id} port ${p.ifname}`;
  const mac = p.mac.toLowerCase();
  const bad = badIfname(p.ifname) ?? badMac(mac) ?? (p.ip === undefined ? undefined : badIp(p.ip));
  const link = links.get(p.ifname);
  if (bad !== undefined || link === undefined) {
    b.error(entry, bad ?? `port ${p.ifname} does not exist`);
    return false;
  }
  want.ports.add(p.ifname);
  if (!link.up) b.op(1, 'ip', `link set dev ${p.ifname} up`, entry);
  addRules(want, p.ifname, table, c, entry);
  want.sysctl.set(`net/ipv4/conf/${p.ifname}/proxy_arp`, '1');
  want.sysctl.set(`net/ipv4/neigh/${p.ifname}/proxy_delay`, '0');
  want.sysctl.set(`net/ipv4/conf/${p.ifname}/rp_filter`, '0');
  const g = inst.gateway;
  if (g !== undefined) {
    want.addrs.set(`${p.ifname}|${g.ip}/${g.prefixLength}`, {
      line: `addr replace ${g.ip}/${g.prefixLength} dev ${p.ifname} metric ${OWNER_PROTO}`,
      entry,
    });
  }
  if (p.ip !== undefined) {
    want.routes.set(`${table}|${p.ip}/32`, {
      hops: [`-@${p.ifname}`],
      line: `route replace ${p.ip}/32 dev ${p.ifname} table ${table} proto ${OWNER_PROTO} scope link`,
      entry,
    });
    want.neigh.set(`${p.ifname}|${p.ip}`, {
      lladdr: mac,
      line: `neigh replace ${p.ip} lladdr ${mac} dev ${p.ifname} nud permanent proto ${OWNER_PROTO}`,
      entry,
    });
  }
  return true;
}

function addRemotePrefixes(
  inst: IpvpnInstanceIntent,
  dev: string,
  table: number,
  local: ReadonlySet<string>,
  c: IpvpnConfig,
  want: Wanted,
  b: PlanBuilder,
): void {
  const vniOf = new Map<string, number>();
  for (const r of inst.remotePrefixes) {
    const cp = canonicalPrefix4(r.prefix);
    const entry = `ipvpn ${inst.id} prefix ${r.prefix}`;
    if ('error' in cp) {
      b.error(entry, cp.error);
      continue;
    }
    if (local.has(cp.prefix) || want.routes.has(`${table}|${cp.prefix}`)) {
      b.error(entry, 'prefix already routed (local port or duplicate)');
      continue;
    }
    const vteps = new Set<string>();
    for (const nh of r.nextHops) {
      const why = nextHopProblem(nh.vtep, nh.label, nh.encap, c) ?? vniConflict(vniOf, nh.vtep, nh.label);
      if (why !== undefined) b.error(`${entry} via ${nh.vtep}`, why);
      else vteps.add(nh.vtep);
    }
    if (vteps.size === 0) continue;
    const sorted = [...vteps].sort();
    const via =
      sorted.length === 1
        ? `via ${sorted[0] ?? ''} dev ${dev} onlink`
        : sorted.map((v) => `nexthop via ${v} dev ${dev} onlink`).join(' ');
    want.routes.set(`${table}|${cp.prefix}`, {
      hops: sorted.map((v) => `${v}@${dev}`),
      line: `route replace ${cp.prefix} table ${table} proto ${OWNER_PROTO} ${via}`,
      entry,
    });
  }
  for (const [vtep, vni] of vniOf) {
    const mac = vtepMac(vtep);
    const entry = `ipvpn ${inst.id} vtep ${vtep}`;
    want.neigh.set(`${dev}|${vtep}`, {
      lladdr: mac,
      line: `neigh replace ${vtep} lladdr ${mac} dev ${dev} nud permanent proto ${OWNER_PROTO}`,
      entry,
    });
    want.fdb.set(`${dev}|${mac}`, {
      dst: vtep,
      vni,
      line: `fdb replace ${mac} dev ${dev} dst ${vtep} vni ${vni} self permanent`,
      entry,
    });
  }
}

function nextHopProblem(vtep: string, label: number, encap: string, c: IpvpnConfig): string | undefined {
  if (encap !== 'vxlan')
    return `encapsulation ${encap} is not supported by the linux IP VPN driver (vxlan only)`;
  if (vtep === c.localAddress) return 'next hop on this node (local VRF leaking) is not supported';
  return badIp(vtep) ?? badVni(label);
}

function vniConflict(vniOf: Map<string, number>, vtep: string, label: number): string | undefined {
  const had = vniOf.get(vtep);
  if (had === undefined) vniOf.set(vtep, label);
  else if (had !== label) return `VTEP ${vtep} already uses VNI ${had} in this VRF (one VNI per remote VTEP)`;
  return undefined;
}
