/**
 * Memory: what holding received VPNv4 routes costs in steady state, per route, and what each
 * daemon costs idle. Same setup as bench/ingest.ts: one raw generator sends the same packed
 * VPNv4 stream (100,000 and 500,000 routes) to our receiver (Session + Rib in a child process,
 * bench/ingest-receiver.ts, run with --expose-gc) and to gobgpd 3.10, each in its own network
 * namespace behind a veth, in the same run.
 *
 * Per route, in steady state: once the session is Established and idle, then once every route
 * is held, each after 1 s of quiet and a full GC (ours: `gc()`; gobgpd: pprof's heap endpoint
 * with `gc=1`, which runs `runtime.GC()`):
 *   - RSS delta / routes (VmRSS of the process; Go returns freed pages to the OS lazily, V8
 *     keeps its heap pages: both are what the host pays);
 *   - heap delta / routes (ours: V8 heapUsed + external; gobgpd: Go HeapAlloc).
 * Idle baseline: the whole daemon with nothing configured (ours: bagpipe-bgp with an empty
 * desired.d and dummy dataplane drivers, transpiled to JavaScript as `npm start` runs it, not
 * through tsx; gobgpd: no neighbor), VmRSS 2 s after it is up.
 *
 *   npx tsx bench/run.ts memory [--routes=N] [--runs=N]
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hasGobgpd } from '../test/helpers/gobgpd.js';
import { Netns, isRoot } from '../test/helpers/netns.js';
import { buildStream, type Stream } from './ingest-generator.js';
import { AS, arg, generator, pollGobgp, ReceiverChild, sleep, startGobgpd, vm } from './ingest-harness.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SETTLE_MS = 1000;
const IDLE_SETTLE_MS = 2000;
const PPROF_PORT = 6060;
const MB = 1024 * 1024;

interface Sample {
  readonly idleRss: number;
  readonly rss: number;
  readonly idleHeap: number;
  readonly heap: number;
}

/** Per route: RSS and heap deltas. */
const perRoute = (s: Sample, n: number): { rss: number; heap: number } => ({
  rss: (s.rss - s.idleRss) / n,
  heap: (s.heap - s.idleHeap) / n,
});

async function ours(ns: Netns, stream: Stream): Promise<Sample> {
  const r = new ReceiverChild(ns, stream.routes, ['--expose-gc']);
  try {
    await r.next('ready');
    const established = r.next('established');
    const gen = await generator(ns);
    await established;
    await sleep(SETTLE_MS);
    const idle = await r.request('memory');
    if (!idle.gc) throw new Error('receiver: no gc() (needs --expose-gc)');
    const done = r.next('done');
    await gen.blast(stream);
    await done;
    await sleep(SETTLE_MS);
    const full = await r.request('memory');
    gen.close();
    return {
      idleRss: idle.rss,
      rss: full.rss,
      idleHeap: idle.heapUsed + idle.external,
      heap: full.heapUsed + full.external,
    };
  } finally {
    await r.exit();
  }
}

/** Go's HeapAlloc after a forced GC, from pprof's heap endpoint (`gc=1`). */
async function goHeap(ns: Netns): Promise<number> {
  const res = await fetch(`http://${ns.nsAddress}:${PPROF_PORT}/debug/pprof/heap?debug=1&gc=1`);
  const text = await res.text();
  const m = /^# HeapAlloc = (\d+)/m.exec(text);
  if (m === null) throw new Error('gobgpd pprof: no HeapAlloc');
  return Number(m[1]);
}

/** `ns` for Gobgpd, with pprof enabled on the namespace's address (the helper disables it). */
function withPprof(ns: Netns): Pick<Netns, 'exec' | 'spawn'> {
  return {
    exec: (cmd, args, timeout) => ns.exec(cmd, args, timeout),
    spawn: (cmd, args, options) =>
      ns.spawn(
        cmd,
        [...args.filter((a) => a !== '--pprof-disable'), '--pprof-host', `${ns.nsAddress}:${PPROF_PORT}`],
        options,
      ),
  };
}

async function gobgpd(ns: Netns, stream: Stream): Promise<Sample> {
  const g = await startGobgpd(ns, undefined, withPprof(ns));
  try {
    const pid = g.proc?.pid ?? 0;
    const gen = await generator(ns);
    await sleep(SETTLE_MS);
    const idleHeap = await goHeap(ns);
    const idleRss = vm(pid, 'VmRSS');
    const t = performance.now();
    const writing = gen.blast(stream);
    await pollGobgp(g, t, (p) => p >= stream.routes);
    await writing;
    await sleep(SETTLE_MS);
    const heap = await goHeap(ns);
    const rss = vm(pid, 'VmRSS');
    gen.close();
    return { idleRss, rss, idleHeap, heap };
  } finally {
    await g.stop();
  }
}

/** Transpile src/ to JavaScript (esbuild, no bundling) under bench/, as `npm start` would run it. */
async function transpile(): Promise<string> {
  const dir = mkdtempSync(join(ROOT, 'bench', '.memory-build-'));
  const { stdout } = await run('find', [join(ROOT, 'src'), '-name', '*.ts']);
  const files = stdout.split('\n').filter((f) => f !== '');
  await run(join(ROOT, 'node_modules', '.bin', 'esbuild'), [
    ...files,
    `--outdir=${join(dir, 'src')}`,
    '--format=esm',
    '--platform=node',
    '--log-level=warning',
  ]);
  return dir;
}

/** Our whole daemon, nothing configured, in `ns`: VmRSS once it listens and has settled. */
async function oursIdle(ns: Netns, build: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bagpipe-bench-memory-'));
  try {
    mkdirSync(join(dir, 'desired'));
    const conf = join(dir, 'bgp.conf');
    writeFileSync(
      conf,
      `[BGP]\nlocal_address = ${ns.nsAddress}\nmy_as = ${AS}\n[API]\nhost = 127.0.0.1\nport = 0\n` +
        `[DESIRED]\ndirectory = ${join(dir, 'desired')}\nstate_directory = ${join(dir, 'state')}\nnode_name = bench\n` +
        `[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = dummy\n[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n`,
    );
    const p = ns.spawn(process.execPath, [
      join(build, 'src', 'cli', 'bagpipe-bgp.js'),
      '--config-file',
      conf,
    ]);
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          reject(new Error(`idle daemon not listening after 30 s: ${out.slice(-500)}`));
        }, 30_000);
        p.stdout?.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('/metrics listening')) {
            clearTimeout(t);
            resolve();
          }
        });
        p.once('exit', (code) => {
          clearTimeout(t);
          reject(new Error(`idle daemon exited (${String(code)}): ${out.slice(-500)}`));
        });
      });
      await sleep(IDLE_SETTLE_MS);
      return vm(p.pid ?? 0, 'VmRSS');
    } finally {
      if (p.exitCode === null && p.signalCode === null) {
        const exited = once(p, 'exit');
        p.kill('SIGKILL');
        await exited;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function gobgpdIdle(ns: Netns): Promise<number> {
  const g = await startGobgpd(ns, []);
  try {
    await sleep(IDLE_SETTLE_MS);
    return vm(g.proc?.pid ?? 0, 'VmRSS');
  } finally {
    await g.stop();
  }
}

function rows(n: number, a: Sample[], b: Sample[]): Row[] {
  const common = { count: n, comparatorName: 'gobgpd 3.10', better: 'lower' } as const;
  const mb = (xs: number[]): string => xs.map((x) => (x / MB).toFixed(1)).join(',');
  return [
    row({
      ...common,
      case: `${n} VPNv4 received: steady RSS delta per route (after GC)`,
      unit: 'bytes/route',
      ours: stats(a.map((s) => perRoute(s, n).rss)),
      comparator: stats(b.map((s) => perRoute(s, n).rss)),
      extra: {
        oursIdleRssMB: mb(a.map((s) => s.idleRss)),
        oursRssMB: mb(a.map((s) => s.rss)),
        gobgpdIdleRssMB: mb(b.map((s) => s.idleRss)),
        gobgpdRssMB: mb(b.map((s) => s.rss)),
      },
    }),
    row({
      ...common,
      case: `${n} VPNv4 received: heap delta per route after GC (V8 heapUsed+external vs Go HeapAlloc)`,
      unit: 'bytes/route',
      ours: stats(a.map((s) => perRoute(s, n).heap)),
      comparator: stats(b.map((s) => perRoute(s, n).heap)),
      extra: {
        oursHeapMB: mb(a.map((s) => s.heap)),
        gobgpdHeapMB: mb(b.map((s) => s.heap)),
      },
    }),
  ];
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  if (!isRoot() || !hasGobgpd()) throw new Error('bench memory needs root (namespaces) and gobgpd');
  const sizes = arg(args, 'routes') === undefined ? [100_000, 500_000] : [arg(args, 'routes') ?? 0];
  const runs = Math.max(3, arg(args, 'runs') ?? 3);
  const nsOurs = await Netns.create('memo');
  const nsGobgp = await Netns.create('memg');
  let build: string | undefined;
  try {
    build = await transpile();
    const idleOurs: number[] = [];
    const idleGobgp: number[] = [];
    for (let i = 0; i < runs; i++) {
      idleOurs.push(await oursIdle(nsOurs, build));
      idleGobgp.push(await gobgpdIdle(nsGobgp));
      process.stderr.write(`memory idle: ours ${idleOurs.at(-1)} gobgpd ${idleGobgp.at(-1)}\n`);
    }
    const all: Row[] = [
      row({
        case: 'idle daemon, nothing configured: RSS',
        count: 0,
        unit: 'MB',
        better: 'lower',
        ours: stats(idleOurs.map((x) => x / MB)),
        comparatorName: 'gobgpd 3.10, no neighbor',
        comparator: stats(idleGobgp.map((x) => x / MB)),
        extra: { ours: 'bagpipe-bgp (transpiled src, node), empty desired.d, dummy drivers' },
      }),
    ];
    for (const n of sizes) {
      const so = buildStream(n, nsOurs.hostAddress);
      const sg = buildStream(n, nsGobgp.hostAddress);
      const a: Sample[] = [];
      const b: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        for (const isGobgp of i % 2 === 0 ? [false, true] : [true, false]) {
          const s = isGobgp ? await gobgpd(nsGobgp, sg) : await ours(nsOurs, so);
          (isGobgp ? b : a).push(s);
          process.stderr.write(`memory ${n} ${isGobgp ? 'gobgpd' : 'ours'}: ${JSON.stringify(s)}\n`);
        }
      }
      all.push(...rows(n, a, b));
    }
    return report(
      'memory',
      `Steady-state memory of received VPNv4 routes (bench ingest's packed stream from one raw generator) in our receiver (Session + Rib, child process, --expose-gc) and in gobgpd 3.10, each in its own netns behind a veth, same run, alternating order. Per route: (after - before) / routes, "before" = session Established and idle, "after" = every route held, each read after ${SETTLE_MS} ms of quiet and a full GC (ours gc(); gobgpd runtime.GC() through pprof's heap endpoint with gc=1). RSS = VmRSS; heap = V8 heapUsed + external (ours) vs Go HeapAlloc (gobgpd). Idle: the whole daemon with nothing configured, VmRSS ${IDLE_SETTLE_MS} ms after start (ours: bagpipe-bgp transpiled from src with esbuild, run by node as npm start does, empty desired.d, dummy drivers; gobgpd: no neighbor). Median of ${runs} runs; the machine is shared (2 cores), so the numbers are noisy.`,
      all,
    );
  } finally {
    if (build !== undefined) rmSync(build, { recursive: true, force: true });
    await nsOurs.destroy();
    await nsGobgp.destroy();
  }
};

export default bench;
