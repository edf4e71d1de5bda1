/**
 * Restart (root): a daemon process with 1,000 PortAttachments (10 E-VPN instances of 100 ports,
 * from 10 desired.d files) and the linux E-VPN driver, inside a network namespace whose ports
 * are veth ends (1,000 veth pairs plus the VTEP address, made by one `ip -batch`). The daemon
 * converges from scratch (cold: bridges, VXLAN devices, enslaved ports and fdb entries created),
 * is killed with SIGKILL, and started again on the same files and state directory: it must adopt
 * what the first run left, with zero dataplane changes.
 *
 * Times come from the daemon's own JSON log records (pino `time`, epoch ms; the daemon runs with
 * `--log-level debug`) against `Date.now()` taken just before spawning it (DaemonProcess: node
 * with the tsx loader, from src/, under `ip netns exec`):
 *   - start -> listening: spawn to the "REST API, looking glass and /metrics listening" record,
 *     logged once the HTTP server listens and every desired-state source has synced;
 *   - listening -> converged: to the end of the E-VPN driver pass that left the kernel state
 *     equal to the intent, i.e. the last "dataplane pass" record with changes > 0 (cold) or,
 *     when no pass changed anything (adoption), the first one.
 * "Converged" is then verified 1 s later: /looking-glass/dataplane/evpn (read with curl inside
 * the namespace) shows an intent of 10 instances and 1,000 local ports, as many passes as pass
 * records (none running), no entry error; and the bench's own observe + plan (the driver's
 * planner, against the kernel state read afresh) of that intent yields zero operations. The
 * restarted daemon's intent must equal the first one (same VNIs from allocations.json).
 *
 * Comparators, same run: the same daemon's first (cold) start, and the floor: the operations the
 * driver's planner emits for the same intent against a fresh namespace with the same veths,
 * written to files beforehand and run with `ip -batch` / `bridge -batch` phase by phase (the
 * two tools side by side within a phase, as the driver does), no observation, no Node.js.
 *
 *   npx tsx bench/run.ts restart [--runs=N]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DataplaneIntent } from '../src/dataplane/intent.js';
import { instancesOf, intentEquals } from '../src/dataplane/intent.js';
import { observeEvpn } from '../src/dataplane/linux/evpn.js';
import { planEvpn } from '../src/dataplane/linux/evpn-plan.js';
import type { Op, Phase } from '../src/dataplane/linux/ops.js';
import { vxlanConfig } from '../src/dataplane/linux/vxlan.js';
import { SystemRunner } from '../src/dataplane/system-runner.js';
import { DaemonProcess, type LogLine } from '../test/helpers/daemon.js';
import { report, row, stats, type Benchmark, type BenchResult } from './lib.js';

const run = promisify(execFile);
const INSTANCES = 10;
const PORTS = 100;
const TOTAL = INSTANCES * PORTS;
const LOCAL = '192.0.2.1';
const API = 'bagpipe.io/v1alpha1';
const SETTLE_MS = 1000;
const START_TIMEOUT_MS = 60_000;
const VXLAN = vxlanConfig({ localAddress: LOCAL, dstPort: 4789 });

async function sh(argv: readonly string[]): Promise<string> {
  const [file = '', ...args] = argv;
  const { stdout } = await run(file, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  return stdout;
}

function arg(args: readonly string[], name: string): number | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : Number(hit.slice(name.length + 3));
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');
const mac = (n: number): string => `52:54:01:00:${hex(n >> 8)}:${hex(n & 255)}`;

/** The namespace's contents: loopback with the VTEP address, and one veth pair per port. */
function setupBatch(): string {
  const lines = ['link set lo up', `addr add ${LOCAL}/32 dev lo`];
  for (let n = 0; n < TOTAL; n++)
    lines.push(`link add p${String(n)} address ${mac(n)} type veth peer name q${String(n)}`);
  return `${lines.join('\n')}\n`;
}

function desiredFile(i: number): unknown[] {
  const name = `evpn-${String(i)}`;
  const rt = `64512:${String(i + 1)}`;
  const out: unknown[] = [
    {
      apiVersion: API,
      kind: 'VpnInstance',
      metadata: { name, namespace: 'bench' },
      spec: { type: 'evpn', importRTs: [rt], exportRTs: [rt] },
    },
  ];
  for (let p = 0; p < PORTS; p++) {
    const n = i * PORTS + p;
    out.push({
      apiVersion: API,
      kind: 'PortAttachment',
      metadata: { name: `${name}-p${String(p)}`, namespace: 'bench' },
      spec: {
        vpnInstanceRef: { name },
        macAddress: mac(n),
        ipAddress: `10.${String(i)}.0.${String(p + 1)}/24`,
        localPort: { linuxInterface: `p${String(n)}` },
      },
    });
  }
  return out;
}

function writeAtomic(dir: string, name: string, data: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
}

/** Namespaces made by this bench; `cleanup` kills what runs inside them (by PID), then deletes them. */
class Namespaces {
  readonly #id = randomBytes(3).toString('hex');
  readonly #names: string[] = [];
  #n = 0;

  async create(setupFile: string): Promise<string> {
    const ns = `bgb-rst-${this.#id}-${String(this.#n++)}`;
    await sh(['ip', 'netns', 'add', ns]);
    this.#names.push(ns);
    await sh(['ip', '-n', ns, '-batch', setupFile]);
    return ns;
  }

  async remove(ns: string): Promise<void> {
    const i = this.#names.indexOf(ns);
    if (i < 0) return;
    this.#names.splice(i, 1);
    // Anything left inside (a killed daemon's ip/bridge batch children), by PID.
    const pids = await sh(['ip', 'netns', 'pids', ns]).catch(() => '');
    for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
  }

  async cleanup(): Promise<void> {
    for (const ns of [...this.#names]) await this.remove(ns);
  }
}

/** Operations the driver's planner still wants for `intent` against the live state of `ns`. */
async function plan(ns: string, intent: DataplaneIntent): Promise<{ ops: readonly Op[]; errors: number }> {
  const runner = new SystemRunner({ netns: ns });
  try {
    const observed = await observeEvpn(runner);
    const p = planEvpn(instancesOf(intent, 'evpn'), observed, VXLAN);
    return { ops: p.ops, errors: p.errors.length };
  } finally {
    await runner.close();
  }
}

interface LgDriver {
  desired: { instances: number; local_ports: number } | null;
  counters: { passes: number; opsApplied: number; errors: number; failedPasses: number };
}

interface StartSample {
  readonly listenMs: number;
  readonly convergeMs: number;
  readonly totalMs: number;
  /** Operations applied over every pass until the verification. */
  readonly changes: number;
  readonly passes: number;
}

const isPass = (l: LogLine): boolean =>
  l['driver'] === 'linux-evpn' && (l.msg === 'dataplane pass' || l.msg === 'dataplane pass with errors');

/** Spawns the daemon in `ns`, waits for convergence and verifies it (see the header). */
async function startConverged(
  ns: string,
  root: string,
  conf: string,
  live: Set<DaemonProcess>,
): Promise<{ sample: StartSample; daemon: DaemonProcess; intent: DataplaneIntent }> {
  const t0 = Date.now();
  const daemon = new DaemonProcess(['--config-file', conf, '--log-level', 'debug'], {
    netns: ns,
    cwd: root,
  });
  live.add(daemon);
  const listening = await daemon.waitForLog((l) => l.msg.includes('/metrics listening'), START_TIMEOUT_MS);
  await daemon.waitForLog(isPass, START_TIMEOUT_MS);
  await sleep(SETTLE_MS);
  const passes = daemon.lines.filter(isPass);
  const bad = passes.find((p) => p.msg !== 'dataplane pass' || p['errors'] !== 0);
  if (bad !== undefined) throw new Error(`driver pass with errors: ${JSON.stringify(bad)}`);
  const port = listening['port'] as number;
  const lg = async (path: string): Promise<unknown> =>
    JSON.parse(
      await sh([
        'ip',
        'netns',
        'exec',
        ns,
        'curl',
        '-sf',
        `http://127.0.0.1:${String(port)}/looking-glass/${path}`,
      ]),
    ) as unknown;
  const state = (await lg('dataplane/evpn')) as LgDriver;
  const intent = (await lg('dataplane/evpn/intent')) as DataplaneIntent;
  const c = state.counters;
  if (
    state.desired?.instances !== INSTANCES ||
    state.desired.local_ports !== TOTAL ||
    c.passes !== passes.length ||
    c.errors !== 0 ||
    c.failedPasses !== 0
  )
    throw new Error(`not converged: ${JSON.stringify(state)} after ${String(passes.length)} pass records`);
  const left = await plan(ns, intent);
  if (left.ops.length > 0 || left.errors > 0)
    throw new Error(
      `state differs from the intent: ${String(left.ops.length)} ops, first ${JSON.stringify(left.ops[0])}`,
    );
  const changes = passes.reduce((n, p) => n + Number(p['changes']), 0);
  if (changes !== c.opsApplied)
    throw new Error(`changes ${String(changes)} vs opsApplied ${String(c.opsApplied)}`);
  const changing = passes.filter((p) => Number(p['changes']) > 0);
  const done = changing[changing.length - 1] ?? passes[0];
  const at = Number(done?.['time']);
  const listenAt = Number(listening['time']);
  return {
    sample: {
      listenMs: listenAt - t0,
      convergeMs: at - listenAt,
      totalMs: at - t0,
      changes,
      passes: passes.length,
    },
    daemon,
    intent,
  };
}

/** The floor: the planner's ops for `intent` in a fresh namespace, as prepared batch files. */
async function floor(ns: string, dir: string, intent: DataplaneIntent): Promise<{ ms: number; ops: number }> {
  const { ops } = await plan(ns, intent);
  const files: { tool: 'ip' | 'bridge'; phase: Phase; file: string }[] = [];
  for (const phase of [0, 1, 2] as const) {
    for (const tool of ['ip', 'bridge'] as const) {
      const lines = ops.filter((o) => o.phase === phase && o.tool === tool).map((o) => o.line);
      if (lines.length === 0) continue;
      const file = join(dir, `floor-${String(phase)}-${tool}.batch`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      files.push({ tool, phase, file });
    }
  }
  if (ops.some((o) => o.tool === 'sysctl')) throw new Error('floor: sysctl ops not handled');
  const t0 = performance.now();
  for (const phase of [0, 1, 2] as const) {
    await Promise.all(
      files.filter((f) => f.phase === phase).map((f) => sh([f.tool, '-n', ns, '-batch', f.file])),
    );
  }
  const ms = performance.now() - t0;
  const left = await plan(ns, intent);
  if (left.ops.length > 0)
    throw new Error(`floor: ${String(left.ops.length)} ops left, e.g. ${JSON.stringify(left.ops[0])}`);
  return { ms, ops: ops.length };
}

interface RunSample {
  readonly cold: StartSample;
  readonly restart: StartSample;
  readonly floorMs: number;
  readonly floorOps: number;
}

async function oneRun(nss: Namespaces, setupFile: string, live: Set<DaemonProcess>): Promise<RunSample> {
  const root = mkdtempSync(join(tmpdir(), 'bagpipe-bench-restart-'));
  let ns: string | undefined;
  let fresh: string | undefined;
  try {
    const desired = join(root, 'desired.d');
    mkdirSync(desired);
    for (let i = 0; i < INSTANCES; i++)
      writeAtomic(desired, `evpn-${String(i)}.json`, JSON.stringify(desiredFile(i)));
    const conf = join(root, 'bgp.conf');
    writeFileSync(
      conf,
      `[BGP]\nlocal_address = ${LOCAL}\nmy_as = 64512\n[API]\nhost = 127.0.0.1\nport = 0\n` +
        `[DESIRED]\ndirectory = ${desired}\nstate_directory = ${join(root, 'state')}\nnode_name = bench\n` +
        `[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = linux\ndataplane_local_address = ${LOCAL}\n` +
        `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n`,
    );
    ns = await nss.create(setupFile);
    const cold = await startConverged(ns, root, conf, live);
    await cold.daemon.kill();
    live.delete(cold.daemon);
    const again = await startConverged(ns, root, conf, live);
    await again.daemon.stop();
    live.delete(again.daemon);
    if (!intentEquals(cold.intent, again.intent)) throw new Error('the restarted daemon has another intent');
    fresh = await nss.create(setupFile);
    const f = await floor(fresh, root, cold.intent);
    return { cold: cold.sample, restart: again.sample, floorMs: f.ms, floorOps: f.ops };
  } finally {
    for (const d of live) await d.kill();
    live.clear();
    if (ns !== undefined) await nss.remove(ns);
    if (fresh !== undefined) await nss.remove(fresh);
    rmSync(root, { recursive: true, force: true });
  }
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  if (process.getuid?.() !== 0) throw new Error('bench restart needs root (network namespaces)');
  const runs = Math.max(3, arg(args, 'runs') ?? 3);
  const nss = new Namespaces();
  const live = new Set<DaemonProcess>();
  const dir = mkdtempSync(join(tmpdir(), 'bagpipe-bench-restart-setup-'));
  const samples: RunSample[] = [];
  try {
    const setupFile = join(dir, 'setup.batch');
    writeFileSync(setupFile, setupBatch());
    await oneRun(nss, setupFile, live); // warm-up (tsx cache, page cache), not recorded
    for (let n = 0; n < runs; n++) samples.push(await oneRun(nss, setupFile, live));
  } finally {
    for (const d of live) await d.kill();
    await nss.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  const pick = (f: (s: RunSample) => number) => stats(samples.map(f));
  const base = { count: TOTAL, better: 'lower' as const };
  const coldName = 'the same daemon, first start (cold: everything created)';
  const counts = {
    restartChanges: samples.map((s) => s.restart.changes).join(','),
    coldChanges: samples.map((s) => s.cold.changes).join(','),
    restartPasses: samples.map((s) => s.restart.passes).join(','),
    coldPasses: samples.map((s) => s.cold.passes).join(','),
    floorOps: samples[0]?.floorOps ?? 0,
  };
  return report(
    'restart',
    `${String(INSTANCES)} E-VPN instances x ${String(PORTS)} ports (desired.d, ${String(INSTANCES)} files), linux E-VPN driver, daemon process ` +
      '(node + tsx loader from src/, `ip netns exec`) in a namespace holding 1,000 veth pairs; converge cold, SIGKILL, start again. ' +
      'Times from the daemon\u2019s log records (pino time, ms) against Date.now() before spawn. Start -> listening: to the "listening" record ' +
      '(HTTP up, every desired-state source synced). Listening -> converged: to the end of the E-VPN driver pass that left the kernel equal to the ' +
      'intent (the last pass with changes > 0, or the first pass when none changed anything). Verified 1 s later: the looking glass shows ' +
      '10 instances / 1,000 local ports, passes counter = pass records, no error; the driver planner run by the bench on a fresh observation ' +
      'finds 0 operations; the restarted intent equals the first one. Changes: operations applied by that daemon (sum of its pass records = ' +
      `its opsApplied counter). Floor: the planner's ${String(samples[0]?.floorOps ?? 0)} operations for the same intent in a fresh namespace with the same veths, ` +
      `run from prepared files with ip -batch / bridge -batch. Median of ${String(runs)} runs after one unmeasured warm-up run. Shared, noisy 2-core machine.`,
    [
      row({
        ...base,
        case: 'restart after SIGKILL: listening -> converged (adopts)',
        unit: 'ms',
        ours: pick((s) => s.restart.convergeMs),
        comparatorName: coldName,
        comparator: pick((s) => s.cold.convergeMs),
        extra: counts,
      }),
      row({
        ...base,
        case: 'restart after SIGKILL: process start -> listening',
        unit: 'ms',
        ours: pick((s) => s.restart.listenMs),
        comparatorName: coldName,
        comparator: pick((s) => s.cold.listenMs),
      }),
      row({
        ...base,
        case: 'restart after SIGKILL: process start -> converged',
        unit: 'ms',
        ours: pick((s) => s.restart.totalMs),
        comparatorName: coldName,
        comparator: pick((s) => s.cold.totalMs),
      }),
      row({
        ...base,
        case: 'restart after SIGKILL: dataplane changes applied',
        unit: 'operations',
        ours: pick((s) => s.restart.changes),
        comparatorName: coldName,
        comparator: pick((s) => s.cold.changes),
      }),
      row({
        ...base,
        case: 'first start (cold): listening -> converged (everything created)',
        unit: 'ms',
        ours: pick((s) => s.cold.convergeMs),
        comparatorName: 'ip -batch / bridge -batch of the same operations from prepared files (floor)',
        comparator: pick((s) => s.floorMs),
      }),
    ],
  );
};

export default bench;
