/**
 * The OVS rows of the dataplane benchmark (called by bench/dataplane.ts; root and Open vSwitch):
 * IP VPN remote prefixes → OpenFlow flows through the OVS IP VPN driver, on a private
 * ovsdb-server/ovs-vswitchd (userspace datapath) in its own network namespace. Timed from
 * `apply(intent)` to its return (the bundle is committed: the flows are in place); every run is
 * then checked by counting the prefix flows in `ovs-ofctl dump-flows` (outside the timing).
 * The instance (receive flows, tunnel port) is applied first, untimed: what a burst of BGP
 * routes costs.
 *
 * Comparators, in the same invocation, on the same bridge state:
 *   - the floor: `ovs-ofctl --bundle add-flows <file>` of exactly the flow text the driver sends;
 *   - one process per flow (`ovs-ofctl add-flow` per line): a sample of 1,000 flows, extrapolated
 *     linearly (10,000 only);
 *   - re-applying the same intent over the programmed state (observe + diff, zero changes),
 *     against a bare `ovs-ofctl dump-flows` of our cookies.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataplaneIntent, RemotePrefix } from '../src/dataplane/intent.js';
import { OvsIpvpnDriver } from '../src/dataplane/ovs/ipvpn.js';
import { OWNED_COOKIES } from '../src/dataplane/ovs/names.js';
import { SystemRunner } from '../src/dataplane/system-runner.js';
import { ovsInstalled, OvsSandbox } from '../test/dataplane/ovs/sandbox.js';
import { row, type Row, stats } from './lib.js';

const sh = promisify(execFile);
const RUNS = 5;
/** Runs that also time the per-process comparator (about 20 s each). */
const PROCESS_RUNS = 3;
const VTEPS = 100;
const SAMPLE = 1000;
const LOCAL = '172.31.0.1';
const BR = 'br-bench';

export const OVS_METHOD =
  `OVS IP VPN driver: remote prefixes (/32, one VXLAN next hop each, ${VTEPS} VTEPs) to OpenFlow flows on a ` +
  `private ovs-vswitchd 3.x (userspace datapath), bridge cleared between runs (${RUNS} runs after one warm-up, the same intent object reused); ` +
  'time from apply() to its return, flow counts checked with ovs-ofctl dump-flows. Instance flows and the VXLAN ' +
  'port applied first (untimed). Floor: ovs-ofctl --bundle add-flows of the same flow text. Per-process: ' +
  `${SAMPLE} ovs-ofctl add-flow calls timed (${PROCESS_RUNS} runs) and extrapolated linearly.`;

function intentFor(n: number): DataplaneIntent {
  const remotePrefixes: RemotePrefix[] = [];
  for (let i = 0; i < n; i++) {
    const v = i % VTEPS;
    const vtep = `172.31.${1 + Math.floor(v / 250)}.${2 + (v % 250)}`;
    const prefix = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
    remotePrefixes.push({ prefix, nextHops: [{ vtep, label: 6000 + v, encap: 'vxlan' }] });
  }
  return { instances: [{ type: 'ipvpn', id: 'bench-ovs', vni: 5001, localPorts: [], remotePrefixes }] };
}

interface Bench {
  readonly ovs: OvsSandbox;
  readonly runner: SystemRunner;
  readonly driver: () => OvsIpvpnDriver;
}

async function ofctl(b: Bench, ...args: string[]): Promise<string> {
  const [cmd = '', ...rest] = args;
  return b.ovs.ofctl(cmd, BR, ...rest);
}

/** Empty bridge, then the instance without prefixes (untimed); returns a fresh driver. */
async function warm(b: Bench): Promise<OvsIpvpnDriver> {
  await ofctl(b, 'del-flows');
  await ofctl(b, 'del-groups');
  const d = b.driver();
  await timed(d, intentFor(0));
  return d;
}

/** Times one apply; it must succeed with `changes` changes (re-applies: none). */
async function timed(driver: OvsIpvpnDriver, intent: DataplaneIntent, changes?: number): Promise<number> {
  const t0 = performance.now();
  const r = await driver.apply(intent);
  const ms = performance.now() - t0;
  const wrong = r.errors.length > 0 || (changes !== undefined && r.changes !== changes);
  if (wrong) throw new Error(`apply: ${r.changes} changes, errors ${JSON.stringify(r.errors.slice(0, 3))}`);
  return ms;
}

async function check(b: Bench, n: number): Promise<void> {
  const flows = await ofctl(b, 'dump-flows', 'table=2');
  const count = flows.split('\n').filter((l) => l.includes('nw_dst=10.')).length;
  if (count !== n) throw new Error(`expected ${n} prefix flows, found ${count}`);
}

interface OursRun {
  readonly apply: number;
  readonly reapply: number;
  readonly dump: number;
}

async function ours(b: Bench, intent: DataplaneIntent, n: number): Promise<OursRun> {
  const d = await warm(b);
  const apply = await timed(d, intent, n);
  await check(b, n);
  const reapply = await timed(d, intent, 0);
  const t0 = performance.now();
  await ofctl(b, 'dump-flows', `cookie=${OWNED_COOKIES}`);
  return { apply, reapply, dump: performance.now() - t0 };
}

/** The flow text the driver sends for `n` prefixes over the warm state (`add ` removed). */
async function flowLines(b: Bench, intent: DataplaneIntent): Promise<string[]> {
  const d = await warm(b);
  const plan = d.plan(intent, await d.observe());
  return plan.mods.map((m) => m.line.replace(/^add /, ''));
}

async function floor(b: Bench, lines: readonly string[]): Promise<number> {
  const file = join(tmpdir(), `bgb-bench-ovs-${randomBytes(3).toString('hex')}.flows`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    await warm(b);
    const t0 = performance.now();
    await sh('ovs-ofctl', ['--bundle', 'add-flows', b.ovs.target(BR), file]);
    const ms = performance.now() - t0;
    await check(b, lines.length);
    return ms;
  } finally {
    rmSync(file, { force: true });
  }
}

async function perProcess(b: Bench, lines: readonly string[], n: number): Promise<number> {
  const sample = lines.slice(0, SAMPLE);
  await warm(b);
  const t0 = performance.now();
  for (const l of sample) await sh('ovs-ofctl', ['add-flow', b.ovs.target(BR), l]);
  const ms = performance.now() - t0;
  await check(b, sample.length);
  return (ms * n) / sample.length;
}

async function caseRows(b: Bench, n: number, withPerProcess: boolean): Promise<Row[]> {
  const intent = intentFor(n);
  await ours(b, intent, n); // JIT warm-up, not recorded
  const lines = await flowLines(b, intent);
  const mine: OursRun[] = [];
  const floors: number[] = [];
  const procs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    mine.push(await ours(b, intent, n));
    floors.push(await floor(b, lines));
    if (withPerProcess && i < PROCESS_RUNS) procs.push(await perProcess(b, lines, n));
  }
  const label = `IP VPN ${n.toLocaleString('en-US')} remote prefixes -> OVS flows`;
  const base = { count: n, unit: 'ms', better: 'lower' as const };
  const apply = stats(mine.map((m) => m.apply));
  const rows: Row[] = [
    row({
      ...base,
      case: `${label}, driver apply`,
      ours: apply,
      comparatorName: 'ovs-ofctl --bundle add-flows (floor)',
      comparator: stats(floors),
    }),
  ];
  if (withPerProcess) {
    const comparatorName = `one ovs-ofctl add-flow per flow (${SAMPLE} sampled, extrapolated)`;
    rows.push(
      row({ ...base, case: `${label}, driver apply`, ours: apply, comparatorName, comparator: stats(procs) }),
    );
  }
  rows.push(
    row({
      ...base,
      case: `${label}, re-apply unchanged (observe + diff, 0 changes)`,
      ours: stats(mine.map((m) => m.reapply)),
      comparatorName: 'ovs-ofctl dump-flows of our cookies (dump only)',
      comparator: stats(mine.map((m) => m.dump)),
    }),
  );
  return rows;
}

/** The OVS rows (empty, with a note on stderr, when Open vSwitch is not installed). */
export async function ovsRows(): Promise<Row[]> {
  if (!ovsInstalled()) {
    process.stderr.write('bench dataplane: Open vSwitch not installed, OVS rows skipped\n');
    return [];
  }
  const ns = `bgt-bench-ovs-${randomBytes(3).toString('hex')}`;
  await sh('ip', ['netns', 'add', ns]);
  let ovs: OvsSandbox | undefined;
  const runner = new SystemRunner();
  try {
    ovs = await OvsSandbox.start(ns);
    await ovs.addBridge(BR);
    const o = ovs;
    const b: Bench = {
      ovs: o,
      runner,
      driver: () =>
        new OvsIpvpnDriver({ runner, localAddress: LOCAL, bridge: BR, target: o.target(BR), ovsdb: o.db }),
    };
    return [...(await caseRows(b, 10_000, true)), ...(await caseRows(b, 100_000, false))];
  } finally {
    await runner.close();
    await ovs?.stop();
    await sh('ip', ['netns', 'del', ns]);
  }
}
