/**
 * E-VPN over VXLAN, planning only (pure: desired + observed → ops). Per instance:
 *   - bridge `bgb-<h>` (STP off, forward delay 0) and VXLAN `bvx-<h>` (`id <vni> local <addr>
 *     dstport <port> nolearning [noudpcsum]`) enslaved to it, bridge port `learning off
 *     neigh_suppress on`;
 *   - local ports enslaved and up, with a `master static` fdb entry for their MAC;
 *   - per remote MAC: `<mac> dev bvx dst <vtep> vni <vni> self static` plus the bridge entry
 *     `<mac> dev bvx master static`, and with an IP a permanent neighbour on the bridge (answered
 *     locally thanks to `neigh_suppress`);
 *   - per flood destination: `00:00:00:00:00:00 dev bvx dst <vtep> vni <vni> self permanent`.
 * Only devices with our prefixes, entries on them and ports enslaved to our bridges are read or
 * touched; everything we own that the intent no longer wants is removed (a removed instance
 * loses both devices, which fixes the original's never-deleted VXLAN device).
 * The instance `gateway` is not used by E-VPN (no address on the bridge), as in the original.
 */
import type { EvpnInstanceIntent, RemoteMac } from '../intent.js';
import {
  aliasFor,
  badIfname,
  badIp,
  badMac,
  badVni,
  evpnBridgeName,
  evpnVxlanName,
  OWNER_PROTO,
  PREFIX,
} from './names.js';
import type { FdbEntry, LinkInfo, NeighEntry } from './observe.js';
import { type Plan, PlanBuilder } from './ops.js';
import { selectInstances } from './select.js';
import { type VxlanConfig, vxlanAddLine, vxlanMatches } from './vxlan.js';

export type EvpnConfig = VxlanConfig;

export interface EvpnObserved {
  readonly links: readonly LinkInfo[];
  readonly fdb: readonly FdbEntry[];
  readonly neigh: readonly NeighEntry[];
}

const ZERO_MAC = '00:00:00:00:00:00';
const ownedDevice = (name: string): boolean =>
  name.startsWith(PREFIX.evpnBridge) || name.startsWith(PREFIX.evpnVxlan);

/** Observed entries indexed per owned device. */
interface Index {
  readonly links: ReadonlyMap<string, LinkInfo>;
  /** vxlan name → `self` entries. */
  readonly self: ReadonlyMap<string, FdbEntry[]>;
  /** bridge name → `master` static entries. */
  readonly master: ReadonlyMap<string, FdbEntry[]>;
  /** bridge name → permanent neighbours. */
  readonly neigh: ReadonlyMap<string, NeighEntry[]>;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function index(o: EvpnObserved): Index {
  const self = new Map<string, FdbEntry[]>();
  const master = new Map<string, FdbEntry[]>();
  const neigh = new Map<string, NeighEntry[]>();
  for (const e of o.fdb) {
    if (e.self && e.ifname.startsWith(PREFIX.evpnVxlan)) push(self, e.ifname, e);
    else if (!e.self && e.master?.startsWith(PREFIX.evpnBridge) === true && e.state === 'static') {
      push(master, e.master, e);
    }
  }
  for (const n of o.neigh) if (n.permanent && ownedDevice(n.dev)) push(neigh, n.dev, n);
  return { links: new Map(o.links.map((l) => [l.ifname, l])), self, master, neigh };
}

interface Names {
  readonly bridge: string;
  readonly vxlan: string;
}

export function planEvpn(
  desired: readonly EvpnInstanceIntent[],
  observed: EvpnObserved,
  config: EvpnConfig,
): Plan {
  const b = new PlanBuilder();
  const ix = index(observed);
  const { ok, keep } = selectInstances(desired, (id) => [evpnBridgeName(id), evpnVxlanName(id)], b);
  const wantedPorts = new Set(desired.flatMap((i) => i.localPorts.map((p) => p.ifname)));
  for (const l of ix.links.values()) {
    if (ownedDevice(l.ifname) && !keep.has(l.ifname))
      b.op(0, 'ip', `link del dev ${l.ifname}`, `evpn device ${l.ifname}`);
    const m = l.master;
    if (
      m !== undefined &&
      m.startsWith(PREFIX.evpnBridge) &&
      keep.has(m) &&
      !ownedDevice(l.ifname) &&
      !wantedPorts.has(l.ifname)
    ) {
      b.op(0, 'ip', `link set dev ${l.ifname} nomaster`, `evpn port ${l.ifname}`);
    }
  }
  for (const [bridge, inst] of ok)
    planInstance(inst, { bridge, vxlan: evpnVxlanName(inst.id) }, ix, config, b);
  return b.build();
}

function planInstance(
  inst: EvpnInstanceIntent,
  names: Names,
  ix: Index,
  config: EvpnConfig,
  b: PlanBuilder,
): void {
  planBridge(inst, names, ix, b);
  const fresh = planVxlan(inst, names, ix, config, b);
  const ports = planPorts(inst, names, ix, b);
  const accepted = planRemoteMacs(inst, names, ix, fresh, ports, b);
  planFlood(inst, names, ix, fresh, b);
  planMasterRemovals(names, ix, ports, new Set(inst.localPorts.map((p) => p.ifname)), fresh, b);
  planNeighbours(inst.id, accepted, names, ix, b);
}

function planBridge(inst: EvpnInstanceIntent, names: Names, ix: Index, b: PlanBuilder): void {
  const entry = `evpn ${inst.id} bridge ${names.bridge}`;
  const alias = aliasFor('evpn', inst.id);
  const br = ix.links.get(names.bridge);
  if (br !== undefined && br.kind !== 'bridge') b.op(0, 'ip', `link del dev ${names.bridge}`, entry);
  if (br?.kind !== 'bridge') {
    b.op(1, 'ip', `link add name ${names.bridge} type bridge stp_state 0 forward_delay 0`, entry);
    b.op(1, 'ip', `link set dev ${names.bridge} alias "${alias}" up`, entry);
    return;
  }
  if (!br.up) b.op(1, 'ip', `link set dev ${names.bridge} up`, entry);
  if (br.alias !== alias) b.op(1, 'ip', `link set dev ${names.bridge} alias "${alias}"`, entry);
}

/** Returns true when the VXLAN device is (re)created, so it has no fdb entries yet. */
function planVxlan(
  inst: EvpnInstanceIntent,
  names: Names,
  ix: Index,
  c: EvpnConfig,
  b: PlanBuilder,
): boolean {
  const entry = `evpn ${inst.id} vxlan ${names.vxlan}`;
  const vx = ix.links.get(names.vxlan);
  const v = vx?.vxlan;
  const same = vxlanMatches(v, inst.vni, c);
  const portFlags = `link set dev ${names.vxlan} learning off neigh_suppress on`;
  if (vx === undefined || !same) {
    if (vx !== undefined) b.op(0, 'ip', `link del dev ${names.vxlan}`, entry);
    b.op(1, 'ip', vxlanAddLine(names.vxlan, inst.vni, c), entry);
    b.op(
      1,
      'ip',
      `link set dev ${names.vxlan} master ${names.bridge} alias "${aliasFor('evpn', inst.id)}" up`,
      entry,
    );
    b.op(2, 'bridge', portFlags, entry);
    return true;
  }
  if (vx.master !== names.bridge || !vx.up)
    b.op(1, 'ip', `link set dev ${names.vxlan} master ${names.bridge} up`, entry);
  if (vx.port?.learning !== false || !vx.port.neighSuppress) b.op(2, 'bridge', portFlags, entry);
  return false;
}

/** Enslaves the ports; returns MAC → port name for the bridge entries we want. */
function planPorts(inst: EvpnInstanceIntent, names: Names, ix: Index, b: PlanBuilder): Map<string, string> {
  const wanted = new Map<string, string>();
  const present = new Set((ix.master.get(names.bridge) ?? []).map((e) => `${e.mac}|${e.ifname}`));
  for (const p of inst.localPorts) {
    const entry = `evpn ${inst.id} port ${p.ifname}`;
    const mac = p.mac.toLowerCase();
    const bad = badIfname(p.ifname) ?? badMac(mac);
    const link = bad === undefined ? ix.links.get(p.ifname) : undefined;
    if (bad !== undefined || link === undefined) {
      b.error(entry, bad ?? `port ${p.ifname} does not exist`);
      continue;
    }
    if (link.master !== names.bridge || !link.up)
      b.op(1, 'ip', `link set dev ${p.ifname} master ${names.bridge} up`, entry);
    wanted.set(mac, p.ifname);
    if (!present.has(`${mac}|${p.ifname}`) || link.master !== names.bridge) {
      b.op(2, 'bridge', `fdb replace ${mac} dev ${p.ifname} master static`, entry);
    }
  }
  return wanted;
}

function selfMatches(
  list: readonly FdbEntry[] | undefined,
  vtep: string,
  vni: number,
  devVni: number,
): boolean {
  if (list?.length !== 1) return false;
  const e = list[0];
  return e !== undefined && e.dst === vtep && (e.vni ?? devVni) === vni && e.state === 'static';
}

/**
 * Remote MAC entries. Adds the remote MACs to `wanted` (MAC → ifname in the bridge) and returns
 * the accepted ones (the first of duplicates).
 */
function planRemoteMacs(
  inst: EvpnInstanceIntent,
  names: Names,
  ix: Index,
  fresh: boolean,
  wanted: Map<string, string>,
  b: PlanBuilder,
): RemoteMac[] {
  const self = new Map<string, FdbEntry[]>();
  if (!fresh) for (const e of ix.self.get(names.vxlan) ?? []) if (e.mac !== ZERO_MAC) push(self, e.mac, e);
  const master = new Set(
    (ix.master.get(names.bridge) ?? []).filter((e) => e.ifname === names.vxlan).map((e) => e.mac),
  );
  const local = new Set(wanted.keys());
  const seen = new Set<string>();
  const accepted: RemoteMac[] = [];
  for (const m of inst.remoteMacs) {
    const mac = m.mac.toLowerCase();
    const entry = `evpn ${inst.id} mac ${mac}`;
    const bad =
      badMac(mac) ?? badIp(m.vtep) ?? badVni(m.vni) ?? (m.ip === undefined ? undefined : badIp(m.ip));
    const why =
      bad ?? (local.has(mac) ? 'MAC of a local port' : seen.has(mac) ? 'duplicate remote MAC' : undefined);
    if (why !== undefined) {
      b.error(entry, why);
      continue;
    }
    seen.add(mac);
    accepted.push(m);
    wanted.set(mac, names.vxlan);
    const have = self.get(mac);
    if ((have?.length ?? 0) > 1) b.op(2, 'bridge', `fdb del ${mac} dev ${names.vxlan} self`, entry);
    if (!selfMatches(have, m.vtep, m.vni, inst.vni)) {
      b.op(
        2,
        'bridge',
        `fdb replace ${mac} dev ${names.vxlan} dst ${m.vtep} vni ${m.vni} self static`,
        entry,
      );
    }
    if (!master.has(mac) || fresh)
      b.op(2, 'bridge', `fdb replace ${mac} dev ${names.vxlan} master static`, entry);
  }
  for (const mac of self.keys()) {
    if (!seen.has(mac))
      b.op(2, 'bridge', `fdb del ${mac} dev ${names.vxlan} self`, `evpn ${inst.id} mac ${mac}`);
  }
  return accepted;
}

function planFlood(inst: EvpnInstanceIntent, names: Names, ix: Index, fresh: boolean, b: PlanBuilder): void {
  const have = new Set<string>();
  if (!fresh) {
    for (const e of ix.self.get(names.vxlan) ?? []) {
      if (e.mac === ZERO_MAC && e.dst !== undefined) have.add(`${e.dst} ${e.vni ?? inst.vni}`);
    }
  }
  const want = new Set<string>();
  for (const f of inst.floodList) {
    const entry = `evpn ${inst.id} flood ${f.vtep} vni ${f.vni}`;
    const bad = badIp(f.vtep) ?? badVni(f.vni);
    if (bad !== undefined) {
      b.error(entry, bad);
      continue;
    }
    const key = `${f.vtep} ${f.vni}`;
    if (!have.has(key) && !want.has(key)) {
      b.op(
        2,
        'bridge',
        `fdb append ${ZERO_MAC} dev ${names.vxlan} dst ${f.vtep} vni ${f.vni} self permanent`,
        entry,
      );
    }
    want.add(key);
  }
  for (const key of have) {
    if (want.has(key)) continue;
    const [dst = '', vni = ''] = key.split(' ');
    b.op(
      2,
      'bridge',
      `fdb del ${ZERO_MAC} dev ${names.vxlan} dst ${dst} vni ${vni} self`,
      `evpn ${inst.id} flood ${dst} vni ${vni}`,
    );
  }
}

/** Bridge `master static` entries nobody wants any more (on ports that stay enslaved). */
function planMasterRemovals(
  names: Names,
  ix: Index,
  wanted: ReadonlyMap<string, string>,
  ports: ReadonlySet<string>,
  fresh: boolean,
  b: PlanBuilder,
): void {
  for (const e of ix.master.get(names.bridge) ?? []) {
    if (wanted.has(e.mac) || (fresh && e.ifname === names.vxlan)) continue;
    // Entries of a port that leaves the bridge go with it.
    const stays = e.ifname === names.vxlan || ports.has(e.ifname);
    if (!stays || ix.links.get(e.ifname)?.master !== names.bridge) continue;
    b.op(2, 'bridge', `fdb del ${e.mac} dev ${e.ifname} master`, `evpn bridge ${names.bridge} mac ${e.mac}`);
  }
}

function planNeighbours(
  id: string,
  accepted: readonly RemoteMac[],
  names: Names,
  ix: Index,
  b: PlanBuilder,
): void {
  const have = new Map((ix.neigh.get(names.bridge) ?? []).map((n) => [n.dst, n]));
  const want = new Set<string>();
  for (const m of accepted) {
    const mac = m.mac.toLowerCase();
    if (m.ip === undefined || want.has(m.ip)) continue;
    want.add(m.ip);
    const n = have.get(m.ip);
    if (n?.lladdr !== mac || n.protocol !== String(OWNER_PROTO)) {
      b.op(
        2,
        'ip',
        `neigh replace ${m.ip} lladdr ${mac} dev ${names.bridge} nud permanent proto ${OWNER_PROTO}`,
        `evpn ${id} neigh ${m.ip}`,
      );
    }
  }
  for (const dev of [names.bridge, names.vxlan]) {
    for (const n of ix.neigh.get(dev) ?? []) {
      if (dev === names.vxlan || !want.has(n.dst))
        b.op(2, 'ip', `neigh del ${n.dst} dev ${dev}`, `evpn ${id} neigh ${n.dst}`);
    }
  }
}
