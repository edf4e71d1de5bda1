/**
 * Our additions to bagpipe's looking glass: `desired` (every desired object, valid or not, with
 * its source, origin, validation issues and the problems the daemon had realising it) and
 * `dataplane` (per driver: the desired intent against the last pass, its diff, errors and
 * counters).
 */
import type { DriverStatus } from '../../daemon/status-types.js';
import type { ObjectProblem } from '../../daemon/control.js';
import type { AnyDesiredEntry, InvalidReport } from '../../desired/types.js';
import { keyOf, objectName } from '../../desired/types.js';
import {
  branch,
  collection,
  leaf,
  localTime,
  sortedBy,
  type LgContext,
  type LgNode,
} from './looking-glass-tree.js';

/** One desired object as the looking glass lists it. */
export interface DesiredRow {
  /** keyOf(): "Kind/namespace/name", or "invalid:<source>:<origin>[#index]" for unidentified input. */
  readonly id: string;
  readonly kind: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly source: string;
  readonly origin: string;
  readonly entry: AnyDesiredEntry | undefined;
  readonly report: InvalidReport | undefined;
  readonly problems: readonly ObjectProblem[];
}

function reportId(r: InvalidReport): string {
  if (r.kind !== undefined && r.name !== undefined)
    return `${r.kind}/${objectName(r.namespace ?? '', r.name)}`;
  return `invalid:${r.source}:${r.origin}${r.index === undefined ? '' : `#${String(r.index)}`}`;
}

/** Every desired object (in force or rejected), each with its problems, sorted by id. */
export function desiredRows(ctx: LgContext): DesiredRow[] {
  const snapshot = ctx.desired();
  const problems = new Map<string, ObjectProblem[]>();
  for (const p of ctx.source.problems()) {
    const k = `${p.kind}/${p.name}`;
    problems.set(k, [...(problems.get(k) ?? []), p]);
  }
  const rows = new Map<string, DesiredRow>();
  for (const e of snapshot.entries()) {
    const id = keyOf(e);
    const base = { kind: e.kind, namespace: e.namespace, name: e.name, source: e.source, origin: e.origin };
    rows.set(id, { id, ...base, entry: e, report: undefined, problems: problems.get(id) ?? [] });
  }
  for (const r of snapshot.invalid) {
    const own = reportId(r);
    const other = rows.get(own);
    // A conflict report of another source, or of another file of the same source, keeps its own
    // row: the object in force is not invalid.
    const id =
      other === undefined || (other.source === r.source && other.origin === r.origin)
        ? own
        : `${own}@${other.source === r.source ? r.origin : r.source}`;
    const entry = id === own ? other?.entry : undefined;
    const base = { kind: r.kind ?? null, namespace: r.namespace ?? null, name: r.name ?? null };
    rows.set(id, {
      id,
      ...base,
      source: r.source,
      origin: r.origin,
      entry,
      report: r,
      problems: problems.get(id) ?? [],
    });
  }
  return sortedBy(rows.values(), (r) => r.id);
}

/** A Kubernetes-style Ready condition for the row. */
function condition(r: DesiredRow): Record<string, string> {
  if (r.report !== undefined) {
    const reason = r.report.lastGoodInForce ? 'InvalidLastGoodInForce' : 'Invalid';
    return {
      type: 'Ready',
      status: 'False',
      reason,
      message: r.report.issues.map((i) => i.message).join('; '),
    };
  }
  const p = r.problems[0];
  if (p !== undefined) return { type: 'Ready', status: 'False', reason: p.reason, message: p.message };
  return { type: 'Ready', status: 'True', reason: 'InForce', message: '' };
}

function rowInfo(r: DesiredRow): Record<string, unknown> {
  return {
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    source: r.source,
    origin: r.origin,
    valid: r.report === undefined,
    last_good_in_force: r.report?.lastGoodInForce ?? false,
    condition: condition(r),
    issues: (r.report?.issues ?? []).map((i) => ({ code: i.code, path: i.path, message: i.message })),
    problems: r.problems.map((p) => ({ reason: p.reason, message: p.message })),
    spec: r.entry?.spec ?? null,
  };
}

const objects = collection<DesiredRow>({
  items: desiredRows,
  id: (r) => r.id,
  summary: (r) => {
    const c = condition(r);
    return {
      kind: r.kind,
      name: r.name,
      source: r.source,
      origin: r.origin,
      valid: r.report === undefined,
      ready: c['status'],
      reason: c['reason'],
    };
  },
  node: (r) => leaf(() => rowInfo(r)),
});

function desiredSummary(ctx: LgContext): Record<string, unknown> {
  const s = ctx.desired();
  const rows = desiredRows(ctx);
  return {
    version: s.version,
    synced: s.synced,
    sources: Object.fromEntries(
      sortedBy(s.sources, ([name]) => name).map(([name, st]) => [
        name,
        { synced: st.synced, error: st.error ?? null },
      ]),
    ),
    counts: {
      objects: rows.length,
      invalid: rows.filter((r) => r.report !== undefined).length,
      with_problems: rows.filter((r) => r.problems.length > 0).length,
    },
  };
}

export const desiredNode: LgNode = branch({ objects }, desiredSummary);

/** Sizes of a driver's desired intent (the intent itself is its own node). */
function intentSummary(d: DriverStatus): Record<string, number> | null {
  if (d.desired === undefined) return null;
  let ports = 0;
  let remote = 0;
  for (const i of d.desired.instances) {
    ports += i.localPorts.length;
    remote += i.type === 'evpn' ? i.remoteMacs.length + i.floodList.length : i.remotePrefixes.length;
  }
  return { instances: d.desired.instances.length, local_ports: ports, remote_entries: remote };
}

function driverState(d: DriverStatus, ctx: LgContext): Record<string, unknown> {
  const last = d.last;
  return {
    driver: d.driver,
    type: d.type,
    desired: intentSummary(d),
    intent: ctx.link('intent'),
    counters: { ...d.counters },
    last_pass:
      last === undefined
        ? null
        : {
            at: localTime(last.at),
            duration_ms: Math.round(last.durationMs * 1000) / 1000,
            reason: last.reason,
            changes: last.changes,
            diff: last.diff,
            errors: last.errors.map((e) => ({ entry: e.entry, message: e.message })),
          },
    repair_interval_ms: d.repairIntervalMs ?? null,
  };
}

export const dataplaneNode: LgNode = collection<DriverStatus>({
  items: (ctx) => sortedBy(ctx.status().drivers, (d) => d.type),
  id: (d) => d.type,
  summary: (d) => ({
    driver: d.driver,
    passes: d.counters.passes,
    last_changes: d.last?.changes ?? null,
    last_errors: d.last?.errors.length ?? null,
  }),
  node: (d) => ({
    value: (ctx) => driverState(d, ctx),
    child: (segment) => (segment === 'intent' ? leaf(() => d.desired ?? null) : undefined),
  }),
});
