/**
 * Ingest: how fast a receiver accepts a full table of packed VPNv4 UPDATEs, and what it costs in
 * memory. One generator (a raw speaker in the root namespace, bench/ingest-generator.ts) sends
 * the same pre-encoded stream, started once the session is Established, to (a) our receiver, a
 * child process running Session + Rib (bench/ingest-receiver.ts), and (b) gobgpd 3.10, in the
 * same run. Each receiver is in its own network namespace, joined to the generator by a veth.
 *
 * Completion: ours reports over IPC when its RIB holds every route; gobgpd's `global rib
 * summary -a vpnv4` is polled at most 4 times per second. Memory: peak RSS (VmHWM) of the
 * receiving process at completion minus its RSS once Established, per route.
 *
 *   npx tsx bench/run.ts ingest [--routes=N] [--runs=N] [--profile]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasGobgpd } from '../test/helpers/gobgpd.js';
import { Netns, isRoot } from '../test/helpers/netns.js';
import { buildStream, type Stream } from './ingest-generator.js';
import { arg, generator, POLL_MS, pollGobgp, ReceiverChild, startGobgpd, vm } from './ingest-harness.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

interface Sample {
  readonly ms: number;
  readonly bytesPerRoute: number;
}

/** Our receiver in `ns`: one child process per sample, so VmHWM covers this sample only. */
async function ours(ns: Netns, stream: Stream, profileDir?: string): Promise<Sample> {
  const prof = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const receiver = new ReceiverChild(ns, stream.routes, prof);
  await receiver.next('ready');
  const established = receiver.next('established');
  const gen = await generator(ns);
  await established;
  const base = vm(receiver.pid, 'VmRSS');
  const done = receiver.next('done');
  const t0 = performance.now();
  await gen.blast(stream);
  await done;
  const ms = performance.now() - t0;
  const peak = vm(receiver.pid, 'VmHWM');
  gen.close();
  await receiver.exit();
  return { ms, bytesPerRoute: (peak - base) / stream.routes };
}

/** gobgpd 3.10 in `ns`, passive, VPNv4 only; polled until its RIB holds every route. */
async function gobgpd(ns: Netns, stream: Stream): Promise<Sample> {
  const g = await startGobgpd(ns);
  try {
    const gen = await generator(ns);
    const pid = g.proc?.pid ?? 0;
    const base = vm(pid, 'VmRSS');
    const t0 = performance.now();
    const writing = gen.blast(stream);
    const ms = await pollGobgp(g, t0, (paths) => paths >= stream.routes);
    const peak = vm(pid, 'VmHWM');
    await writing;
    gen.close();
    return { ms, bytesPerRoute: (peak - base) / stream.routes };
  } finally {
    await g.stop();
  }
}

function rows(n: number, stream: Stream, a: Sample[], b: Sample[], where: string): Row[] {
  const extra = {
    updates: stream.updates,
    wireBytes: stream.bytes,
    routesPerUpdate: Math.round(n / stream.updates),
    placement: where,
  };
  const common = { count: n, comparatorName: 'gobgpd 3.10', extra } as const;
  const rate = (s: Sample[]): number[] => s.map((x) => (n * 1000) / x.ms);
  return [
    row({
      ...common,
      case: `VPNv4 ingest ${n}: time to all accepted`,
      unit: 'ms',
      better: 'lower',
      ours: stats(a.map((x) => x.ms)),
      comparator: stats(b.map((x) => x.ms)),
    }),
    row({
      ...common,
      case: `VPNv4 ingest ${n}: rate`,
      unit: 'routes/s',
      better: 'higher',
      ours: stats(rate(a)),
      comparator: stats(rate(b)),
    }),
    row({
      ...common,
      case: `VPNv4 ingest ${n}: peak RSS delta per route`,
      unit: 'bytes/route',
      better: 'lower',
      ours: stats(a.map((x) => x.bytesPerRoute)),
      comparator: stats(b.map((x) => x.bytesPerRoute)),
    }),
  ];
}

/** `runs` samples of each receiver, alternating which goes first. */
async function measure(n: number, runs: number, nsOurs: Netns, nsGobgp: Netns): Promise<Row[]> {
  const streamOurs = buildStream(n, nsOurs.hostAddress);
  const streamGobgp = buildStream(n, nsGobgp.hostAddress);
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const pair = i % 2 === 0 ? [false, true] : [true, false];
    for (const isGobgp of pair) {
      if (isGobgp) b.push(await gobgpd(nsGobgp, streamGobgp));
      else a.push(await ours(nsOurs, streamOurs));
      const s = isGobgp ? b.at(-1) : a.at(-1);
      process.stderr.write(`ingest ${n} ${isGobgp ? 'gobgpd' : 'ours'}: ${JSON.stringify(s)}\n`);
    }
  }
  return rows(n, streamOurs, a, b, 'each receiver in its own netns, veth to the generator');
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  if (!isRoot() || !hasGobgpd()) throw new Error('bench ingest needs root (namespaces) and gobgpd');
  const sizes = arg(args, 'routes') === undefined ? [100_000, 500_000] : [arg(args, 'routes') ?? 0];
  const runs = arg(args, 'runs') ?? 3;
  const nsOurs = await Netns.create('ingo');
  const nsGobgp = await Netns.create('ingg');
  try {
    if (args.includes('--profile')) {
      const dir = mkdtempSync(join(tmpdir(), 'bagpipe-ingest-prof-'));
      const s = await ours(nsOurs, buildStream(sizes[0] ?? 100_000, nsOurs.hostAddress), dir);
      process.stderr.write(`profile of our receiver (${JSON.stringify(s)}) in ${dir}\n`);
    }
    const all: Row[] = [];
    for (const n of sizes) all.push(...(await measure(n, runs, nsOurs, nsGobgp)));
    return report(
      'ingest',
      `Packed VPNv4 UPDATEs (codec packReach, 4,096-octet messages, ~${String(all[0]?.extra?.['routesPerUpdate'] ?? '?')} routes per UPDATE, 4 shared attribute sets, distinct RDs and /32 prefixes) from one raw generator, started once Established, into our Session + Rib (child process) and into gobgpd 3.10, each in its own network namespace behind a veth; median of ${runs} runs, alternating order. Ours reports completion over IPC; gobgpd's RIB summary is polled at most every ${POLL_MS} ms (so its times are late by up to one poll). Memory: VmHWM at completion minus VmRSS once Established, per route.`,
      all,
    );
  } finally {
    await nsOurs.destroy();
    await nsGobgp.destroy();
  }
};

export default bench;
