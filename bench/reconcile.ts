/**
 * Reconcile: how long the daemon takes to converge 10,000 new PortAttachments (100 instances of
 * 100 ports, E-VPN and IP VPN) dropped into desired.d, and what it costs once converged.
 *
 * Ours, in-process: the daemon is built by the composition root itself (`startDaemon` of
 * src/cli/compose.ts: desired store, desired.d file source, REST source, daemon with the dummy
 * drivers, controller, status reporter, HTTP server on a free port) on a temp directory. Once it
 * is synced and idle (both drivers ran their first pass, then 500 ms), 100 files (one per
 * instance: the VpnInstance and its 100 PortAttachments) are written atomically (dot-temp file
 * renamed into place). Time: from before the first write to the end of the first driver pass
 * after which the driver's intent holds every instance with every port (seen through the
 * drivers' own "dataplane pass" log calls, checked against `daemon.status()`). Then the CPU
 * time of the whole process over the next 20 s (from 5 s after convergence) (`process.cpuUsage()`, every thread) is the idle
 * CPU. One unmeasured warm-up run first (its time is kept as `firstRunMs`).
 *
 * Comparator: the original BaGPipe-BGP (/usr/bin/bagpipe-bgp, Python, dummy drivers, its own
 * temp config, API on a free port, no peers) receiving the same attachments through
 * `POST /attach_localport`, sequentially over one keep-alive HTTP agent (the original answers
 * HTTP/1.0 and closes each connection). Each call returns once the original's dummy dataplane
 * was called, so the last answer is its convergence. By default each run sends the first 1,000
 * attachments (10 instances) and the time is extrapolated linearly to 10,000 (`--original=10000`
 * sends all); then its idle CPU over the same window from /proc/<pid>/stat (utime + stime, all threads).
 *
 *   npx tsx bench/run.ts reconcile [--runs=N] [--original=N] [--idle=SECONDS] [--settle=SECONDS]
 *     [--no-original]
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemon, type RunningDaemon } from '../src/cli/compose.js';
import { parseConfig } from '../src/daemon/config.js';
import type { InstanceType } from '../src/dataplane/intent.js';
import type { LogFn, Logger } from '../src/lib/log.js';
import { freePort } from '../test/helpers/gobgpd.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

const INSTANCES = 100;
const PORTS = 100;
const TOTAL = INSTANCES * PORTS;
const API = 'bagpipe.io/v1alpha1';
const NAMESPACE = 'bench';
const ORIGINAL = '/usr/bin/bagpipe-bgp';
const CONVERGE_TIMEOUT_MS = 60_000;

function arg(args: readonly string[], name: string): number | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : Number(hit.slice(name.length + 3));
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');

/** Port `p` of instance `i`: the same values for both daemons. */
function port(i: number, p: number) {
  return {
    mac: `52:54:00:${hex(i)}:${hex(p >> 8)}:${hex(p & 255)}`,
    ip: `10.${String(i)}.${String(p >> 8)}.${String((p & 255) + 1)}/16`,
    ifname: `t${String(i)}-${String(p)}`,
    rt: `64512:${String(i + 1)}`,
    gateway: `10.${String(i)}.255.254`,
  };
}

/** One desired.d file: instance `i` and its ports. */
function instanceFile(type: InstanceType, i: number): unknown[] {
  const name = `vpn-${String(i)}`;
  const first = port(i, 0);
  const spec =
    type === 'evpn'
      ? { type, importRTs: [first.rt], exportRTs: [first.rt] }
      : { type, importRTs: [first.rt], exportRTs: [first.rt], gatewayIP: first.gateway };
  const out: unknown[] = [
    { apiVersion: API, kind: 'VpnInstance', metadata: { name, namespace: NAMESPACE }, spec },
  ];
  for (let p = 0; p < PORTS; p++) {
    const v = port(i, p);
    out.push({
      apiVersion: API,
      kind: 'PortAttachment',
      metadata: { name: `${name}-p${String(p)}`, namespace: NAMESPACE },
      spec: {
        vpnInstanceRef: { name },
        macAddress: v.mac,
        ipAddress: v.ip,
        localPort: { linuxInterface: v.ifname },
      },
    });
  }
  return out;
}

/** The original's attach body for the same port. */
function attachBody(type: InstanceType, i: number, p: number): Record<string, unknown> {
  const v = port(i, p);
  return {
    vpn_type: type,
    vpn_instance_id: `vpn-${String(i)}`,
    mac_address: v.mac,
    ip_address: v.ip,
    local_port: { linuxif: v.ifname },
    import_rt: [v.rt],
    export_rt: [v.rt],
    ...(type === 'ipvpn' ? { gateway_ip: v.gateway } : {}),
  };
}

type PassHook = (driver: string, fields: Record<string, unknown>) => void;

/**
 * The daemon's logger: discards everything but the drivers' "dataplane pass" calls (handed to
 * `onPass` with the driver name) and warnings/errors (kept, reported on failure).
 */
function probeLogger(onPass: PassHook, problems: string[], bindings: Record<string, unknown> = {}): Logger {
  const none: LogFn = () => undefined;
  const debug: LogFn = (a: object | string, b?: string) => {
    const driver = bindings['driver'];
    if (typeof a === 'object' && b === 'dataplane pass' && typeof driver === 'string')
      onPass(driver, a as Record<string, unknown>);
  };
  const keep: LogFn = (a: object | string, b?: string) => {
    problems.push(typeof a === 'string' ? a : `${b ?? ''} ${JSON.stringify(a)}`);
  };
  return {
    trace: none,
    debug,
    info: none,
    warn: keep,
    error: keep,
    child: (more) => probeLogger(onPass, problems, { ...bindings, ...more }),
  };
}

function writeAtomic(dir: string, name: string, data: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
}

/** Every instance of `type` in the driver's intent, each with every port. */
function complete(running: RunningDaemon, type: InstanceType): boolean {
  const d = running.daemon.status().drivers.find((x) => x.type === type);
  const list = d?.desired?.instances ?? [];
  return list.length === INSTANCES && list.every((x) => x.localPorts.length === PORTS);
}

interface OursRun {
  readonly ms: number;
  /** Passes of the driver from the first write to convergence. */
  readonly passes: number;
  readonly idlePct: number | undefined;
  readonly checkMs: number;
}

async function oursRun(type: InstanceType, idleS: number): Promise<OursRun> {
  const root = mkdtempSync(join(tmpdir(), 'bagpipe-bench-reconcile-'));
  const desired = join(root, 'desired.d');
  mkdirSync(desired);
  const problems: string[] = [];
  const driverName = `dummy-${type}`;
  const seen = new Map<string, number>();
  let onPass: ((fields: Record<string, unknown>) => void) | undefined;
  const log = probeLogger((driver, fields) => {
    seen.set(driver, (seen.get(driver) ?? 0) + 1);
    if (driver === driverName) onPass?.(fields);
  }, problems);
  const config = parseConfig(
    `[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n[API]\nhost = 127.0.0.1\nport = 0\n` +
      `[DESIRED]\ndirectory = ${desired}\nstate_directory = ${join(root, 'state')}\nnode_name = bench\n` +
      `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = dummy\n`,
    join(root, 'bgp.conf'),
  );
  let running: RunningDaemon | undefined;
  try {
    running = await startDaemon(config, log);
    const r = running;
    // Synced and idle: both drivers ran their first (empty) pass, then nothing for 500 ms.
    const deadline = performance.now() + 10_000;
    while ((seen.get('dummy-evpn') ?? 0) === 0 || (seen.get('dummy-ipvpn') ?? 0) === 0) {
      if (performance.now() > deadline) throw new Error(`no first driver pass: ${problems.join('; ')}`);
      await sleep(10);
    }
    await sleep(500);
    let passes = 0;
    let checkMs = 0;
    const converged = new Promise<number>((resolve) => {
      onPass = () => {
        const at = performance.now();
        passes++;
        if (complete(r, type)) {
          onPass = undefined;
          resolve(at);
        }
        checkMs += performance.now() - at;
      };
    });
    const files = Array.from({ length: INSTANCES }, (_, i) => JSON.stringify(instanceFile(type, i)));
    const t0 = performance.now();
    files.forEach((text, i) => {
      writeAtomic(desired, `vpn-${String(i).padStart(3, '0')}.json`, text);
    });
    const abort = new AbortController();
    const timeout = sleep(CONVERGE_TIMEOUT_MS, undefined, { signal: abort.signal }).then(() => {
      throw new Error(`not converged within ${String(CONVERGE_TIMEOUT_MS)} ms: ${problems.join('; ')}`);
    });
    timeout.catch(() => undefined);
    const at = await Promise.race([converged, timeout]).finally(() => {
      abort.abort();
    });
    const ms = at - t0;
    let idlePct: number | undefined;
    if (idleS > 0) {
      await sleep(settleS * 1000);
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      await sleep(idleS * 1000);
      const c = process.cpuUsage(c0);
      idlePct = ((c.user + c.system) / 1000 / (performance.now() - w0)) * 100;
    }
    if (!complete(r, type)) throw new Error('intent no longer complete after the idle period');
    if (problems.length > 0) throw new Error(`daemon warnings: ${problems.slice(0, 3).join('; ')}`);
    return { ms, passes, idlePct, checkMs };
  } finally {
    await running?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** CPU time (utime + stime, every thread) of a process, in ms. */
function cpuMs(pid: number, tick: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5); the slice starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / tick;
}

function clockTick(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

function request(
  agent: http.Agent,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent,
        headers: {
          accept: 'application/json',
          ...(data === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`${method} ${path}: ${String(res.statusCode)} ${text.slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

interface OriginalRun {
  readonly ms: number;
  readonly idlePct: number | undefined;
}

/** The original daemon, fresh per run: `count` attaches (count / PORTS instances), then idle. */
async function originalRun(
  type: InstanceType,
  count: number,
  idleS: number,
  tick: number,
): Promise<OriginalRun> {
  const root = mkdtempSync(join(tmpdir(), 'bagpipe-bench-original-'));
  const port = await freePort('127.0.0.1');
  const conf = join(root, 'bgp.conf');
  writeFileSync(
    conf,
    `[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\nenable_rtc = True\n[API]\nhost = 127.0.0.1\nport = ${String(port)}\n` +
      `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = dummy\n`,
  );
  const child = spawn(ORIGINAL, ['--config-file', conf, '--log-file', join(root, 'bagpipe-bgp.log')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = once(child, 'exit');
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${ORIGINAL} did not start`);
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (!alive()) throw new Error(`${ORIGINAL} exited: ${output.slice(-500)}`);
      const ok = await request(agent, port, 'GET', '/ping').then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (performance.now() > deadline)
        throw new Error(`${ORIGINAL} not answering /ping: ${output.slice(-500)}`);
      await sleep(100);
    }
    // The answer must be our child's (a port taken by someone else makes it exit on bind).
    await sleep(200);
    if (!alive()) throw new Error(`${ORIGINAL} exited: ${output.slice(-500)}`);
    const t0 = performance.now();
    for (let n = 0; n < count; n++) {
      await request(
        agent,
        port,
        'POST',
        '/attach_localport',
        attachBody(type, Math.floor(n / PORTS), n % PORTS),
      );
    }
    const ms = performance.now() - t0;
    let idlePct: number | undefined;
    if (idleS > 0) {
      await sleep(settleS * 1000);
      const c0 = cpuMs(pid, tick);
      const w0 = performance.now();
      await sleep(idleS * 1000);
      idlePct = ((cpuMs(pid, tick) - c0) / (performance.now() - w0)) * 100;
    }
    // Every instance holds its ports (outside the timing).
    const instances = Math.ceil(count / PORTS);
    for (let i = 0; i < instances; i++) {
      const ports = JSON.parse(
        await request(agent, port, 'GET', `/looking-glass/vpns/instances/vpn-${String(i)}/ports`),
      ) as Record<string, unknown>;
      const want = Math.min(PORTS, count - i * PORTS);
      if (Object.keys(ports).length !== want)
        throw new Error(
          `original: vpn-${String(i)} has ${String(Object.keys(ports).length)} ports, not ${String(want)}`,
        );
    }
    return { ms, idlePct };
  } finally {
    agent.destroy();
    if (alive()) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/** Seconds after convergence before the idle window (the after-change status passes and the GC of
 * the convergence garbage happen in the first seconds): `--settle=SECONDS`, default 5. */
let settleS = 5;

const bench: Benchmark = async (args): Promise<BenchResult> => {
  const runs = Math.max(3, arg(args, 'runs') ?? 3);
  const originalCount = Math.min(TOTAL, Math.max(PORTS, arg(args, 'original') ?? 1000));
  const idleS = arg(args, 'idle') ?? 20;
  settleS = arg(args, 'settle') ?? 5;
  const hasOriginal = existsSync(ORIGINAL) && !args.includes('--no-original');
  const tick = clockTick();
  const scale = TOTAL / originalCount;
  const rows: Row[] = [];

  for (const type of ['evpn', 'ipvpn'] as const) {
    const label = type === 'evpn' ? 'E-VPN' : 'IP VPN';
    // Idle CPU is measured in the E-VPN case only (the same daemon holds the same count).
    const idle = type === 'evpn' ? idleS : 0;
    const first = await oursRun(type, 0);
    const ours: OursRun[] = [];
    const orig: OriginalRun[] = [];
    for (let n = 0; n < runs; n++) {
      ours.push(await oursRun(type, idle));
      if (hasOriginal) orig.push(await originalRun(type, originalCount, idle, tick));
    }
    const original = (o: OriginalRun[]): ReturnType<typeof stats> | undefined =>
      hasOriginal ? stats(o.map((x) => x.ms * scale)) : undefined;
    const origName =
      originalCount === TOTAL
        ? 'original bagpipe-bgp, POST /attach_localport x 10,000'
        : `original bagpipe-bgp, POST /attach_localport x ${originalCount.toLocaleString('en-US')}, extrapolated x${String(scale)}`;
    rows.push(
      row({
        case: `${label}: ${String(INSTANCES)} instances x ${String(PORTS)} ports written to desired.d -> every port in the driver intent`,
        count: TOTAL,
        unit: 'ms',
        better: 'lower',
        ours: stats(ours.map((o) => o.ms)),
        comparatorName: hasOriginal ? origName : `${ORIGINAL} not installed`,
        comparator: original(orig),
        extra: {
          originalAttaches: originalCount,
          firstRunMs: Math.round(first.ms),
          driverPassesPerRun: ours.map((o) => o.passes).join(','),
          convergenceCheckMsPerRun: ours.map((o) => o.checkMs.toFixed(1)).join(','),
        },
      }),
    );
    if (idle > 0) {
      rows.push(
        row({
          case: `${label}: idle CPU over ${String(idle)} s after convergence (10,000 ports held; original: ${originalCount.toLocaleString('en-US')})`,
          count: TOTAL,
          unit: '% of a core',
          better: 'lower',
          ours: stats(ours.map((o) => o.idlePct ?? 0)),
          comparatorName: hasOriginal
            ? 'original bagpipe-bgp, /proc/<pid>/stat'
            : `${ORIGINAL} not installed`,
          comparator: hasOriginal ? stats(orig.map((o) => o.idlePct ?? 0)) : undefined,
        }),
      );
    }
  }

  return report(
    'reconcile',
    `${String(INSTANCES)} VPN instances x ${String(PORTS)} new PortAttachments, one desired.d file per instance (the VpnInstance and its ports), ` +
      'written atomically (dot-temp + rename) once the daemon is synced and idle. Ours: the composition root (startDaemon: file source, ' +
      'REST source, daemon, controller, status reporter, HTTP API) in-process with the dummy drivers; time from before the first write to the end ' +
      'of the first driver pass after which that driver\u2019s intent holds every instance with every port (includes the 50 ms debounce of ' +
      `the file watcher). Median of ${String(runs)} runs after one unmeasured warm-up run (its time: firstRunMs). Idle CPU: process.cpuUsage() of the ` +
      `whole process over ${String(idleS)} s starting ${String(settleS)} s after convergence (steady state). Comparator in the same run, alternating with ours: the original BaGPipe-BGP ` +
      `(python3-networking-bagpipe 17.0.0, dummy drivers, no peers), fresh per run, receiving ${originalCount.toLocaleString('en-US')} sequential ` +
      'POST /attach_localport (one keep-alive agent; it answers HTTP/1.0 and closes each connection), each answered once its dummy dataplane ' +
      `was called${scale === 1 ? '' : `; its time is extrapolated linearly to ${TOTAL.toLocaleString('en-US')}`}; its idle CPU from /proc/<pid>/stat. ` +
      'Shared, noisy 2-core machine.',
    rows,
  );
};

export default bench;
