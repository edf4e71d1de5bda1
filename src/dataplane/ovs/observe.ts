/**
 * Reading the switch through the injected runner, and the pure parsers of `ovs-ofctl` text
 * (OpenFlow 1.5, `--no-stats --no-names`), which unit tests feed with captured output.
 *
 * A flow is identified by table, priority and match (two flows with the same identity cannot
 * coexist in OVS: an add replaces). Flows and groups are compared by their printed text, which
 * the planner writes in the form and order OVS prints (`set_field:0x5->reg0`, `tun_id=0x1388`,
 * ...); `flowKey` sorts the match fields for the rare flow whose print order differs.
 */
import type { CommandRunner } from '../runner.js';
import { dump, parseNeigh } from '../linux/observe.js';
import { OWNED_COOKIES } from './names.js';

export interface OvsPort {
  readonly name: string;
  readonly ofport: number;
  readonly mac: string;
}

export interface ObservedFlow {
  readonly cookie: string;
  readonly table: number;
  readonly priority: number;
  /** Match fields as OVS printed them (comma-separated, no cookie/table/priority). */
  readonly match: string;
  readonly actions: string;
}

export interface OvsObserved {
  /** Bridge ports by name (LOCAL excluded). */
  readonly ports: ReadonlyMap<string, OvsPort>;
  /** Every flow with one of our cookies. */
  readonly flows: readonly ObservedFlow[];
  /** Groups in our id range: id → printed text (`group_id=…,type=…,bucket=…`). */
  readonly groups: ReadonlyMap<number, string>;
  /** IPv4 neighbours (address → MAC), read only when bare MPLS needs next-hop MACs. */
  readonly neigh: ReadonlyMap<string, string>;
}

/** How to reach the switch: the bridge (or `unix:<path>.mgmt`) and ovs-vsctl's database. */
export interface OvsTarget {
  readonly bridge: string;
  /** `ovs-ofctl` target; the bridge name by default. */
  readonly target: string;
  /** `--db=` for ovs-vsctl, or undefined for its default. */
  readonly ovsdb: string | undefined;
}

/** Per-command options: dumps without counters; `add-flows` always as one bundle. */
const FLAGS: Readonly<Record<string, readonly string[]>> = {
  'dump-flows': ['--no-stats'],
  'add-flows': ['--bundle'],
};

export const ofctl = (t: OvsTarget, cmd: string, ...args: string[]): string[] => [
  'ovs-ofctl',
  '-O',
  'OpenFlow15',
  '--no-names',
  ...(FLAGS[cmd] ?? []),
  cmd,
  t.target,
  ...args,
];

export const vsctl = (t: OvsTarget, ...args: string[]): string[] => [
  'ovs-vsctl',
  ...(t.ovsdb === undefined ? [] : [`--db=${t.ovsdb}`]),
  ...args,
];

/**
 * The identity of a flow as the planner writes it: `table|priority|match` with the match in
 * OVS print order. Planned flows are written in that order, so live and wanted keys meet
 * without any normalisation.
 */
export const rawKey = (table: number, priority: number, match: string): string =>
  `${table}|${priority}|${match}`;

/** The same identity with the match fields sorted: the fallback when print order differs. */
export const flowKey = (table: number, priority: number, match: string): string =>
  rawKey(table, priority, match === '' ? '' : match.split(',').sort().join(','));

const PORT_RE = /^\s*(\d+)\(([^)]+)\): addr:([0-9a-fA-F:]{17})/;

/** `ovs-ofctl dump-ports-desc` (or `show`): ` 2(tap1): addr:aa:bb:…`. */
export function parsePorts(text: string): Map<string, OvsPort> {
  const out = new Map<string, OvsPort>();
  for (const line of text.split('\n')) {
    const m = PORT_RE.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined)
      out.set(m[2], { name: m[2], ofport: Number(m[1]), mac: m[3].toLowerCase() });
  }
  return out;
}

/**
 * One `dump-flows --no-stats` line, or undefined for headers and blank lines:
 * ` cookie=0x…, table=2, priority=36768,ip,reg0=0x5,nw_dst=10.0.0.3 actions=…` (`table=` is
 * omitted for table 0, `priority=` for the default 32768).
 */
export function parseFlowLine(line: string): ObservedFlow | undefined {
  const at = line.indexOf(' actions=');
  if (at < 0) return undefined;
  let cookie = '0x0';
  let table = 0;
  let priority = 32768;
  let match = '';
  const segs = line.slice(0, at).trim().split(', ');
  for (const seg of segs) {
    if (seg.startsWith('cookie=')) cookie = seg.slice(7);
    else if (seg.startsWith('table=')) table = Number(seg.slice(6));
    else if (seg.startsWith('priority=')) {
      const comma = seg.indexOf(',');
      priority = Number(comma < 0 ? seg.slice(9) : seg.slice(9, comma));
      match = comma < 0 ? '' : seg.slice(comma + 1);
    } else if (seg === segs[segs.length - 1]) match = seg; // default priority: only the match
  }
  return { cookie, table, priority, match, actions: line.slice(at + 9).trim() };
}

export function parseFlows(text: string): ObservedFlow[] {
  const out: ObservedFlow[] = [];
  for (const line of text.split('\n')) {
    const f = parseFlowLine(line);
    if (f !== undefined) out.push(f);
  }
  return out;
}

const GROUP_RE = /^group_id=(\d+),/;

/** `dump-groups`: the groups whose id is in `[base, base + count)`. */
export function parseGroups(text: string, base: number, count: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const id = Number(GROUP_RE.exec(line)?.[1] ?? -1);
    if (id >= base && id < base + count) out.set(id, line);
  }
  return out;
}

/** IPv4 neighbours with a MAC (any state but FAILED/INCOMPLETE, which carry none). */
export function neighMap(json: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of parseNeigh(json)) if (n.lladdr !== undefined) out.set(n.dst, n.lladdr);
  return out;
}

export interface ObserveOptions {
  readonly groupBase: number;
  readonly groupCount: number;
  readonly withNeigh: boolean;
}

/** The part of the switch the wanted state depends on. */
export type SwitchState = Pick<OvsObserved, 'ports' | 'neigh'>;

export function sameView(a: SwitchState, b: SwitchState): boolean {
  if (a.ports.size !== b.ports.size || a.neigh.size !== b.neigh.size) return false;
  for (const [name, p] of a.ports) {
    const q = b.ports.get(name);
    if (q?.ofport !== p.ofport || q.mac !== p.mac) return false;
  }
  for (const [ip, mac] of a.neigh) if (b.neigh.get(ip) !== mac) return false;
  return true;
}

/**
 * The dumps, started side by side. The switch view (ports, neighbours) comes first so the
 * caller can build the wanted state while the flow and group dumps are still running.
 */
export interface PendingObservation {
  readonly view: Promise<SwitchState>;
  readonly tables: Promise<Pick<OvsObserved, 'flows' | 'groups'>>;
}

export function startObservation(runner: CommandRunner, t: OvsTarget, o: ObserveOptions): PendingObservation {
  const view = Promise.all([
    dump(runner, ofctl(t, 'dump-ports-desc')),
    o.withNeigh ? dump(runner, ['ip', '-j', '-4', 'neigh', 'show']) : Promise.resolve(''),
  ]).then(([ports, neigh]) => ({ ports: parsePorts(ports), neigh: neighMap(neigh) }));
  const tables = Promise.all([
    dump(runner, ofctl(t, 'dump-flows', `cookie=${OWNED_COOKIES}`)),
    dump(runner, ofctl(t, 'dump-groups')),
  ]).then(([flows, groups]) => ({
    flows: parseFlows(flows),
    groups: parseGroups(groups, o.groupBase, o.groupCount),
  }));
  // Awaited later, possibly after the other one failed: no unhandled rejection meanwhile.
  view.catch(() => undefined);
  tables.catch(() => undefined);
  return { view, tables };
}

/** Ports, our flows, our groups (and neighbours when asked), read side by side. */
export async function observeOvs(
  runner: CommandRunner,
  t: OvsTarget,
  o: ObserveOptions,
): Promise<OvsObserved> {
  const p = startObservation(runner, t, o);
  const [view, tables] = await Promise.all([p.view, p.tables]);
  return { ...view, ...tables };
}
