/**
 * Planning (pure): desired IP VPN instances + what the switch holds → the minimal list of
 * OpenFlow mods, in the order one bundle needs them:
 *   0 flow deletes (ours, no longer wanted; `delete_strict` with the exact cookie),
 *   1 group adds and modifies (before a flow points at them),
 *   2 flow adds (new flows and flows whose actions or cookie changed: an add replaces),
 *   3 group deletes (after no flow points at them; OVS would delete the flows too).
 *
 * An instance that cannot be programmed (duplicate id, VRF number collision) is reported and
 * its flows and groups are kept as they are. ECMP groups keep the id their live flow points
 * at (adoption); new ones take the lowest free id of the driver's range.
 */
import type { EntryError } from '../driver.js';
import { addDriverFlows, addInstance, type OvsIpvpnInstance, type SwitchView } from './flows.js';
import { instanceIds, type InstanceIds, type OvsConfig } from './names.js';
import { flowKey, type ObservedFlow, type OvsObserved, rawKey } from './observe.js';
import { entryOf, type Flow, FlowIndex, flowText, Wanted } from './wanted.js';

export interface Mod {
  readonly kind: 'flow' | 'group';
  /** The mod without its kind: `add cookie=…`, `delete_strict …`, `delete group_id=…`. */
  readonly line: string;
  /** The entry it serves: its text, or the wanted flow (whose text is built only when needed). */
  readonly source: string | Flow;
}

/** The mod as a line of an `ovs-ofctl bundle` file (and as `ApplyResult.ops` shows it). */
export const modText = (m: Mod): string => `${m.kind} ${m.line}`;

export const modEntry = (m: Mod): string => (typeof m.source === 'string' ? m.source : entryOf(m.source));

export interface OvsPlan {
  readonly mods: readonly Mod[];
  /** Entries refused while planning (invalid values, conflicts, missing ports). */
  readonly errors: readonly EntryError[];
}

/** Hash on the 5-tuple so a flow sticks to one next hop. */
const SELECT =
  'type=select,selection_method=hash,fields(ip_src,ip_dst,nw_proto,tcp_src,tcp_dst,udp_src,udp_dst)';

export const groupText = (id: number, buckets: readonly string[]): string =>
  `group_id=${id},${SELECT},${buckets.map((b, i) => `bucket=bucket_id:${i},actions=${b}`).join(',')}`;

interface Selected {
  readonly ok: [OvsIpvpnInstance, InstanceIds][];
  /** Cookies of refused instances: their live flows stay. */
  readonly keep: Set<string>;
}

function selectInstances(desired: readonly OvsIpvpnInstance[], w: Wanted): Selected {
  const ok: [OvsIpvpnInstance, InstanceIds][] = [];
  const keep = new Set<string>();
  const seen = new Set<string>();
  const byVrf = new Map<number, string>();
  for (const inst of desired) {
    const ids = instanceIds(inst.id);
    const other = byVrf.get(ids.vrf);
    if (seen.has(inst.id)) w.error(`ipvpn ${inst.id}`, 'duplicate instance id');
    else if (other !== undefined) w.error(`ipvpn ${inst.id}`, `VRF number collides with instance ${other}`);
    else {
      ok.push([inst, ids]);
      byVrf.set(ids.vrf, inst.id);
    }
    if (seen.has(inst.id) || other !== undefined) keep.add(ids.cookie);
    seen.add(inst.id);
  }
  for (const [, ids] of ok) keep.delete(ids.cookie);
  return { ok, keep };
}

const GROUP_ACTION = /^group:(\d+)$/;

interface WantedGroup {
  readonly text: string;
  /** The flow that points at the group. */
  readonly flow: Flow;
}

/** Numbers the ECMP groups and points their flows at them. */
function numberGroups(
  w: Wanted,
  observed: Pick<OvsObserved, 'groups'>,
  live: FlowIndex<ObservedFlow>,
  c: OvsConfig,
): Map<number, WantedGroup> {
  const groups = new Map<number, WantedGroup>();
  const assign = (f: Flow, id: number, buckets: readonly string[]): void => {
    const flow = { ...f, actions: `group:${id}` };
    w.flows.set(f.table, f.priority, f.match, flow);
    groups.set(id, { text: groupText(id, buckets), flow });
  };
  const pending: [Flow, readonly string[]][] = [];
  for (const [f, buckets] of w.ecmp) {
    const m = GROUP_ACTION.exec(live.get(f.table, f.priority, f.match)?.actions ?? '');
    const id = m === null ? undefined : Number(m[1]);
    if (id !== undefined && observed.groups.has(id) && !groups.has(id)) assign(f, id, buckets);
    else pending.push([f, buckets]);
  }
  let next = c.groupBase;
  for (const [f, buckets] of pending) {
    while (observed.groups.has(next) || groups.has(next)) next++;
    if (next < c.groupBase + c.groupCount) assign(f, next, buckets);
    else {
      w.error(entryOf(f), 'no free group id in the driver range');
      w.flows.delete(f.table, f.priority, f.match);
    }
  }
  return groups;
}

/** What the desired instances want; built from the switch view alone (ports, neighbours). */
export interface Intended {
  readonly w: Wanted;
  /** Cookies of refused instances: their live flows (and the groups those use) stay. */
  readonly keep: ReadonlySet<string>;
}

export function intendedState(desired: readonly OvsIpvpnInstance[], sw: SwitchView): Intended {
  const w = new Wanted();
  const { ok, keep } = selectInstances(desired, w);
  if (ok.length > 0) addDriverFlows(w, sw);
  for (const [inst, ids] of ok) addInstance(w, inst, ids, sw);
  return { w, keep };
}

/**
 * Live flows indexed like the wanted flow they are, and the live flows nothing wants. They
 * meet by their text as written (the planner writes matches in OVS print order); only the
 * leftovers on both sides are compared with match fields sorted, so a different print order
 * costs a re-keying of the leftovers, never a churn.
 */
function matchLive(
  w: Wanted,
  flows: readonly ObservedFlow[],
): { live: FlowIndex<ObservedFlow>; unwanted: ObservedFlow[] } {
  const live = new FlowIndex<ObservedFlow>();
  let unwanted: ObservedFlow[] = [];
  for (const o of flows) {
    const seen = live.get(o.table, o.priority, o.match) !== undefined;
    if (!seen && w.flows.get(o.table, o.priority, o.match) !== undefined)
      live.set(o.table, o.priority, o.match, o);
    else unwanted.push(o);
  }
  if (unwanted.length === 0 || live.size === w.flows.size) return { live, unwanted };
  const leftover = new Map<string, Flow>();
  for (const f of w.flows.values())
    if (live.get(f.table, f.priority, f.match) === undefined)
      leftover.set(flowKey(f.table, f.priority, f.match), f);
  unwanted = unwanted.filter((o) => {
    const f = leftover.get(flowKey(o.table, o.priority, o.match));
    if (f === undefined || live.get(f.table, f.priority, f.match) !== undefined) return true;
    live.set(f.table, f.priority, f.match, o);
    return false;
  });
  return { live, unwanted };
}

const deleteLine = (o: ObservedFlow): string =>
  `delete_strict cookie=${o.cookie}/-1,table=${o.table},priority=${o.priority}${o.match === '' ? '' : `,${o.match}`}`;

/** The mods that turn the live tables into the intended state (numbers its ECMP groups). */
export function diffState(
  { w, keep }: Intended,
  observed: Pick<OvsObserved, 'flows' | 'groups'>,
  c: OvsConfig,
): OvsPlan {
  const { live, unwanted } = matchLive(w, observed.flows);
  const groups = numberGroups(w, observed, live, c);
  const byOrder: [Mod[], Mod[], Mod[], Mod[]] = [[], [], [], []];
  const keptGroups = new Set<number>();
  for (const o of unwanted) {
    if (keep.has(o.cookie)) {
      const m = GROUP_ACTION.exec(o.actions);
      if (m !== null) keptGroups.add(Number(m[1]));
    } else {
      const source = `ovs flow ${rawKey(o.table, o.priority, o.match)}`;
      byOrder[0].push({ kind: 'flow', line: deleteLine(o), source });
    }
  }
  for (const [id, g] of groups) {
    const have = observed.groups.get(id);
    if (have !== g.text)
      byOrder[1].push({
        kind: 'group',
        line: `${have === undefined ? 'add' : 'modify'} ${g.text}`,
        source: g.flow,
      });
  }
  for (const f of w.flows.values()) {
    const o = live.get(f.table, f.priority, f.match);
    if (o?.cookie !== f.cookie || o.actions !== f.actions)
      byOrder[2].push({ kind: 'flow', line: `add ${flowText(f)}`, source: f });
  }
  for (const id of observed.groups.keys()) {
    if (!groups.has(id) && !keptGroups.has(id))
      byOrder[3].push({ kind: 'group', line: `delete group_id=${id}`, source: `ovs group ${id}` });
  }
  return { mods: byOrder.flat(), errors: w.errors };
}

export function planOvsIpvpn(
  desired: readonly OvsIpvpnInstance[],
  observed: OvsObserved,
  c: OvsConfig,
): OvsPlan {
  return diffState(intendedState(desired, { c, ports: observed.ports, neigh: observed.neigh }), observed, c);
}
