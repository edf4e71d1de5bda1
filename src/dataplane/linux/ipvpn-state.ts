/**
 * IP VPN planning, second half: the wanted entries (built by `ipvpn-plan.ts`) and the observed
 * entries this driver owns, both keyed the same way, and their difference as ops. Ownership:
 *   - rules: protocol 19 at priority P or P+1;
 *   - routes: protocol 19 in the owned table range;
 *   - fdb and neighbours on our `bvi-` devices; on VRF ports (desired ones, or ports our rules
 *     still name) permanent neighbours with protocol 19 and addresses with metric 19.
 */
import { OWNER_ADDR_METRIC, OWNER_PROTO, PREFIX } from './names.js';
import type { AddrEntry, FdbEntry, LinkInfo, NeighEntry, RouteEntry, RuleEntry } from './observe.js';
import type { PlanBuilder } from './ops.js';

export interface IpvpnObserved {
  readonly links: readonly LinkInfo[];
  readonly fdb: readonly FdbEntry[];
  readonly neigh: readonly NeighEntry[];
  /** Routes with our protocol, every table. */
  readonly routes: readonly RouteEntry[];
  readonly rules: readonly RuleEntry[];
  readonly addrs: readonly AddrEntry[];
  /** "net/ipv4/conf/<if>/proxy_arp" → value. */
  readonly sysctl: ReadonlyMap<string, string>;
}

interface Line {
  readonly line: string;
  readonly entry: string;
}

export interface Wanted {
  readonly ports: Set<string>;
  readonly rules: Map<string, Line>;
  readonly routes: Map<string, Line & { readonly hops: readonly string[] }>;
  readonly neigh: Map<string, Line & { readonly lladdr: string }>;
  readonly fdb: Map<string, Line & { readonly dst: string; readonly vni: number }>;
  readonly addrs: Map<string, Line>;
  readonly sysctl: Map<string, string>;
}

export interface Owned {
  readonly ports: ReadonlySet<string>;
  readonly rules: ReadonlyMap<string, RuleEntry>;
  readonly routes: ReadonlyMap<string, RouteEntry>;
  readonly neigh: ReadonlyMap<string, NeighEntry>;
  readonly fdb: ReadonlyMap<string, FdbEntry[]>;
  readonly addrs: ReadonlyMap<string, AddrEntry>;
}

export interface OwnedRange {
  readonly tableBase: number;
  readonly tableCount: number;
  readonly rulePriority: number;
}

export function wantedState(): Wanted {
  return {
    ports: new Set(),
    rules: new Map(),
    routes: new Map(),
    neigh: new Map(),
    fdb: new Map(),
    addrs: new Map(),
    sysctl: new Map(),
  };
}

const PROTO = String(OWNER_PROTO);
const isVrfDevice = (name: string | undefined): boolean => name?.startsWith(PREFIX.ipvpnVxlan) === true;
export const hopsKey = (r: RouteEntry): string[] =>
  r.nextHops.map((h) => `${h.gateway ?? '-'}@${h.dev ?? ''}`).sort();
const ruleKey = (r: RuleEntry): string => `${r.priority}|${r.iif ?? ''}|${r.table ?? r.action ?? ''}`;

/** What we own in `observed`; entries on devices being re-created count as absent. */
export function ownedState(
  o: IpvpnObserved,
  c: OwnedRange,
  want: Wanted,
  recreated: ReadonlySet<string>,
): Owned {
  const rules = new Map<string, RuleEntry>();
  const ports = new Set(want.ports);
  for (const r of o.rules) {
    if (r.protocol !== PROTO || (r.priority !== c.rulePriority && r.priority !== c.rulePriority + 1))
      continue;
    rules.set(ruleKey(r), r);
    if (r.iif !== undefined && !isVrfDevice(r.iif)) ports.add(r.iif);
  }
  const routes = new Map<string, RouteEntry>();
  for (const r of o.routes) {
    const inRange = r.table >= c.tableBase && r.table < c.tableBase + c.tableCount;
    if (r.protocol !== PROTO || !inRange || r.nextHops.some((h) => recreated.has(h.dev ?? ''))) continue;
    routes.set(`${r.table}|${r.dst}`, r);
  }
  const neigh = new Map<string, NeighEntry>();
  for (const n of o.neigh) {
    const ours = isVrfDevice(n.dev) ? !recreated.has(n.dev) : ports.has(n.dev) && n.protocol === PROTO;
    if (n.permanent && ours) neigh.set(`${n.dev}|${n.dst}`, n);
  }
  const fdb = new Map<string, FdbEntry[]>();
  for (const e of o.fdb) {
    if (!e.self || !isVrfDevice(e.ifname) || recreated.has(e.ifname)) continue;
    const k = `${e.ifname}|${e.mac}`;
    fdb.set(k, [...(fdb.get(k) ?? []), e]);
  }
  const addrs = new Map<string, AddrEntry>();
  for (const a of o.addrs) {
    if (a.metric === OWNER_ADDR_METRIC && ports.has(a.ifname))
      addrs.set(`${a.ifname}|${a.local}/${a.prefixlen}`, a);
  }
  return { ports, rules, routes, neigh, fdb, addrs };
}

export interface DiffContext {
  /** Devices deleted in this pass (their routes and entries go with them). */
  readonly gone: ReadonlySet<string>;
  readonly recreated: ReadonlySet<string>;
  readonly links: ReadonlyMap<string, LinkInfo>;
}

/** Removals first, then additions; every op in phase 2. */
export function diffOwned(
  want: Wanted,
  owned: Owned,
  o: IpvpnObserved,
  ctx: DiffContext,
  b: PlanBuilder,
): void {
  const vanishing = (dev: string | undefined): boolean =>
    dev !== undefined && (ctx.gone.has(dev) || ctx.recreated.has(dev));
  for (const [k, r] of owned.routes) {
    if (!want.routes.has(k) && !r.nextHops.every((h) => vanishing(h.dev))) {
      b.op(
        2,
        'ip',
        `route del ${r.dst} table ${r.table} proto ${PROTO}`,
        `ipvpn route ${r.dst} table ${r.table}`,
      );
    }
  }
  for (const [k, r] of owned.rules) {
    if (want.rules.has(k)) continue;
    const action = r.table !== undefined ? `lookup ${r.table}` : (r.action ?? '');
    const iif = r.iif === undefined ? '' : ` iif ${r.iif}`;
    b.op(
      2,
      'ip',
      `rule del pref ${r.priority}${iif} ${action} proto ${PROTO}`,
      `ipvpn rule ${r.priority}${iif}`,
    );
  }
  for (const [k, n] of owned.neigh) {
    if (!want.neigh.has(k) && !vanishing(n.dev))
      b.op(2, 'ip', `neigh del ${n.dst} dev ${n.dev}`, `ipvpn neigh ${n.dst} dev ${n.dev}`);
  }
  for (const [k, list] of owned.fdb) {
    const e = list[0];
    if (e !== undefined && !want.fdb.has(k) && !vanishing(e.ifname)) {
      b.op(2, 'bridge', `fdb del ${e.mac} dev ${e.ifname} self`, `ipvpn fdb ${e.mac} dev ${e.ifname}`);
    }
  }
  addMissing(want, owned, ctx, b);
  // Addresses go last: removing a port's last address flushes its routes.
  for (const [k, a] of owned.addrs) {
    if (!want.addrs.has(k))
      b.op(
        2,
        'ip',
        `addr del ${a.local}/${a.prefixlen} dev ${a.ifname}`,
        `ipvpn address ${a.local} dev ${a.ifname}`,
      );
  }
  planSysctls(want, owned, o, ctx, b);
}

function addMissing(want: Wanted, owned: Owned, ctx: DiffContext, b: PlanBuilder): void {
  for (const [k, w] of want.rules) if (!owned.rules.has(k)) b.op(2, 'ip', w.line, w.entry);
  for (const [k, w] of want.addrs) if (!owned.addrs.has(k)) b.op(2, 'ip', w.line, w.entry);
  for (const [k, w] of want.neigh) {
    const n = owned.neigh.get(k);
    if (n?.lladdr !== w.lladdr || n.protocol !== PROTO) b.op(2, 'ip', w.line, w.entry);
  }
  for (const [k, w] of want.fdb) {
    const list = owned.fdb.get(k) ?? [];
    const e = list[0];
    const devVni = ctx.links.get(e?.ifname ?? '')?.vxlan?.id;
    const same = list.length === 1 && e?.dst === w.dst && (e.vni ?? devVni) === w.vni;
    if (list.length > 1) b.op(2, 'bridge', `fdb del ${e?.mac ?? ''} dev ${e?.ifname ?? ''} self`, w.entry);
    if (!same) b.op(2, 'bridge', w.line, w.entry);
  }
  for (const [k, w] of want.routes) {
    const r = owned.routes.get(k);
    if (r === undefined || hopsKey(r).join(' ') !== w.hops.join(' ')) b.op(2, 'ip', w.line, w.entry);
  }
}

function planSysctls(want: Wanted, owned: Owned, o: IpvpnObserved, ctx: DiffContext, b: PlanBuilder): void {
  for (const [key, value] of want.sysctl) {
    const have = o.sysctl.get(key);
    const dev = key.split('/')[3];
    // A device created in this pass has its defaults: set it without reading.
    if (have !== value && (have !== undefined || ctx.recreated.has(dev ?? ''))) {
      b.op(2, 'sysctl', `${key}=${value}`, `ipvpn sysctl ${key}`);
    }
  }
  for (const port of owned.ports) {
    const key = `net/ipv4/conf/${port}/proxy_arp`;
    if (!want.ports.has(port) && o.sysctl.get(key) === '1')
      b.op(2, 'sysctl', `${key}=0`, `ipvpn port ${port}`);
  }
}
