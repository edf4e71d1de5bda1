/**
 * Dataplane benchmark (root): E-VPN remote MACs → fdb entries through the Linux E-VPN driver, in
 * a fresh network namespace per run, timed from `apply(intent)` to its return; every run is then
 * checked by counting the entries in `bridge -j fdb show` (outside the timing). Two driver cases:
 * into an existing instance (bridge, VXLAN and flood list applied first, untimed: what a burst of
 * BGP routes costs) and from an empty namespace (device creation included).
 *
 * Comparators, in the same invocation:
 *   - the floor: `bridge -batch <file>` of exactly the fdb lines the driver sends (self + master
 *     entry per MAC, flood entries), devices created beforehand and not timed;
 *   - one process per entry (`bridge fdb replace ...` per line, like the original): a sample of
 *     1,000 MACs (2,000 processes), extrapolated linearly to the case size;
 *   - re-applying the same intent over the programmed state (observe + diff, zero changes),
 *     against a bare `bridge -j fdb show` dump.
 *
 * The OVS IP VPN rows (routes → OpenFlow flows, against `ovs-ofctl --bundle add-flows`) come
 * from bench/dataplane-ovs.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataplaneIntent, RemoteMac } from '../src/dataplane/intent.js';
import { LinuxEvpnDriver } from '../src/dataplane/linux/evpn.js';
import { evpnBridgeName, evpnVxlanName } from '../src/dataplane/linux/names.js';
import { SystemRunner } from '../src/dataplane/system-runner.js';
import { OVS_METHOD, ovsRows } from './dataplane-ovs.js';
import { type Benchmark, report, row, type Row, stats } from './lib.js';

const sh = promisify(execFile);
const RUNS = 3;
const VTEPS = 100;
const SAMPLE = 500;
const LOCAL = '172.31.0.1';
const ID = 'bench-evpn';
const BR = evpnBridgeName(ID);
const VX = evpnVxlanName(ID);

const mac = (i: number): string =>
  `02:${[(i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 1].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const vtep = (i: number): string => `172.31.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

function intentFor(n: number): DataplaneIntent {
  const remoteMacs: RemoteMac[] = [];
  for (let i = 0; i < n; i++) remoteMacs.push({ mac: mac(i), vtep: vtep(i % VTEPS), vni: 100 });
  const floodList = Array.from({ length: VTEPS }, (_, i) => ({ vtep: vtep(i), vni: 100 }));
  return { instances: [{ type: 'evpn', id: ID, vni: 100, localPorts: [], remoteMacs, floodList }] };
}

/** The fdb lines the driver sends for `intentFor(n)`. */
function fdbLines(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`fdb replace ${mac(i)} dev ${VX} dst ${vtep(i % VTEPS)} vni 100 self static`);
    out.push(`fdb replace ${mac(i)} dev ${VX} master static`);
  }
  for (let i = 0; i < VTEPS; i++)
    out.push(`fdb append 00:00:00:00:00:00 dev ${VX} dst ${vtep(i)} vni 100 self permanent`);
  return out;
}

async function withNamespace<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `bgt-bench-${randomBytes(3).toString('hex')}`;
  await sh('ip', ['netns', 'add', ns]);
  try {
    return await fn(ns);
  } finally {
    await sh('ip', ['netns', 'del', ns]);
  }
}

/** Remote MACs in place: `self` entries with a dst (not the flood list) and bridge entries. */
async function countFdb(ns: string): Promise<{ self: number; master: number }> {
  const { stdout } = await sh('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', VX], { maxBuffer: 1 << 30 });
  const entries = JSON.parse(stdout) as { mac: string; dst?: string; master?: string; state?: string }[];
  const self = entries.filter((e) => e.dst !== undefined && e.mac !== '00:00:00:00:00:00').length;
  const master = entries.filter((e) => e.master === BR && e.state === 'static').length;
  return { self, master };
}

async function check(ns: string, n: number): Promise<void> {
  const c = await countFdb(ns);
  if (c.self !== n || c.master !== n) throw new Error(`expected ${n} entries, found ${JSON.stringify(c)}`);
}

async function createDevices(ns: string): Promise<void> {
  const ip = [
    `link add name ${BR} type bridge stp_state 0 forward_delay 0`,
    `link add name ${VX} type vxlan id 100 local ${LOCAL} dstport 4789 nolearning`,
    `link set dev ${VX} master ${BR} up`,
    `link set dev ${BR} up`,
  ];
  for (const l of ip) await sh('ip', ['-n', ns, ...l.split(' ')]);
  await sh('bridge', ['-n', ns, ...`link set dev ${VX} learning off neigh_suppress on`.split(' ')]);
}

interface OursRun {
  /** Instance (devices, flood list) already in place: only the MACs are new. */
  readonly warm: number;
  /** From an empty namespace: devices too. */
  readonly cold: number;
  readonly reapply: number;
  readonly dump: number;
}

async function timed(driver: LinuxEvpnDriver, intent: DataplaneIntent): Promise<number> {
  const t0 = performance.now();
  const r = await driver.apply(intent);
  const ms = performance.now() - t0;
  if (r.errors.length > 0) throw new Error(`driver errors: ${JSON.stringify(r.errors.slice(0, 3))}`);
  return ms;
}

/** One namespace: warm apply, re-apply, dump, teardown, cold apply. */
async function ours(n: number): Promise<OursRun> {
  const intent = intentFor(n);
  const empty = intentFor(0); // the same instance and flood list, no MACs
  return withNamespace(async (ns) => {
    const runner = new SystemRunner({ netns: ns });
    try {
      const driver = new LinuxEvpnDriver({ runner, localAddress: LOCAL });
      await timed(driver, empty);
      const warm = await timed(driver, intent);
      await check(ns, n);
      const reapply = await timed(driver, intent);
      const t2 = performance.now();
      await sh('bridge', ['-n', ns, '-j', 'fdb', 'show'], { maxBuffer: 1 << 30 });
      const dump = performance.now() - t2;
      await timed(driver, { instances: [] });
      const cold = await timed(driver, intent);
      await check(ns, n);
      return { warm, cold, reapply, dump };
    } finally {
      await runner.close();
    }
  });
}

async function floor(n: number): Promise<number> {
  const file = join(tmpdir(), `bgb-bench-${process.pid}.batch`);
  writeFileSync(file, `${fdbLines(n).join('\n')}\n`);
  try {
    return await withNamespace(async (ns) => {
      await createDevices(ns);
      const t0 = performance.now();
      await sh('bridge', ['-n', ns, '-batch', file]);
      const ms = performance.now() - t0;
      await check(ns, n);
      return ms;
    });
  } finally {
    rmSync(file, { force: true });
  }
}

/** One `bridge` process per line for SAMPLE MACs, extrapolated to n. */
async function perProcess(n: number): Promise<number> {
  const lines = fdbLines(SAMPLE).filter((l) => !l.includes('00:00:00:00:00:00'));
  return withNamespace(async (ns) => {
    await createDevices(ns);
    const t0 = performance.now();
    for (const l of lines) await sh('bridge', ['-n', ns, ...l.split(' ')]);
    const ms = performance.now() - t0;
    await check(ns, SAMPLE);
    return (ms * n) / SAMPLE;
  });
}

async function caseRows(n: number, withPerProcess: boolean): Promise<Row[]> {
  await ours(Math.min(n, 10_000)); // JIT warm-up, not recorded
  const mine: OursRun[] = [];
  const floors: number[] = [];
  const procs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    mine.push(await ours(n));
    floors.push(await floor(n));
    if (withPerProcess) procs.push(await perProcess(n));
  }
  const label = `E-VPN ${n.toLocaleString('en-US')} remote MACs -> fdb`;
  const base = { count: n, unit: 'ms', better: 'lower' as const };
  const floorStats = { comparatorName: 'bridge -batch (floor)', comparator: stats(floors) };
  const warm = stats(mine.map((m) => m.warm));
  const rows: Row[] = [
    row({ ...base, case: `${label}, driver apply into the existing instance`, ours: warm, ...floorStats }),
    row({
      ...base,
      case: `${label}, driver apply from an empty netns (devices too)`,
      ours: stats(mine.map((m) => m.cold)),
      ...floorStats,
    }),
  ];
  if (withPerProcess) {
    const name = `one process per entry (${SAMPLE} MACs sampled, extrapolated)`;
    rows.push(
      row({
        ...base,
        case: `${label}, driver apply into the existing instance`,
        ours: warm,
        comparatorName: name,
        comparator: stats(procs),
      }),
    );
  }
  const reapply = stats(mine.map((m) => m.reapply));
  rows.push(
    row({
      ...base,
      case: `${label}, re-apply unchanged (observe + diff, 0 changes)`,
      ours: reapply,
      comparatorName: 'bridge -j fdb show (dump only)',
      comparator: stats(mine.map((m) => m.dump)),
    }),
  );
  return rows;
}

const bench: Benchmark = async () => {
  if (process.getuid?.() !== 0) throw new Error('bench dataplane needs root (network namespaces)');
  const rows = [...(await caseRows(10_000, true)), ...(await caseRows(100_000, false)), ...(await ovsRows())];
  return report(
    'dataplane',
    `Linux E-VPN driver: remote MACs to fdb entries (self + bridge entry per MAC), fresh netns per run ` +
      `(${RUNS} runs each after one warm-up, ${VTEPS} VTEPs); time from apply() to its return, entry counts ` +
      'checked with bridge -j fdb show. "Existing instance": bridge, VXLAN and flood list applied first (untimed). ' +
      'Floor: bridge -batch of the same lines, devices pre-created. Per-process: ' +
      `${SAMPLE} MACs (${2 * SAMPLE} bridge processes) timed and extrapolated linearly. ${OVS_METHOD}`,
    rows,
  );
};

export default bench;
