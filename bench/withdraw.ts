/**
 * Withdraw: how fast a receiver holding a full table of VPNv4 routes lets go of it. The setup is
 * bench/ingest.ts's: one raw generator in the root namespace sends the same pre-encoded packed
 * VPNv4 stream to (a) our receiver (Session + Rib, child process, bench/ingest-receiver.ts) and
 * (b) gobgpd 3.10, each in its own namespace behind a veth, in the same run. Once a receiver
 * holds every route, two cases, one after the other on the same receiver process:
 *
 *   1. withdraw: the generator writes the same routes as packed MP_UNREACH (4,096-octet
 *      UPDATEs, ~400 NLRI each); time from the first withdraw UPDATE written to the RIB empty;
 *   2. session down: the routes are sent again, then the generator closes its TCP connection
 *      (FIN, no NOTIFICATION, no graceful restart); time from the close to the RIB empty.
 *
 * Completion: ours reports 'empty' over IPC (the RIB size, checked after each UPDATE and after
 * the session-down handler's `deleteSource`, as the daemon's speaker does); gobgpd's `global rib
 * summary -a vpnv4` is polled at most 4 times per second until it shows 0 paths (so its times
 * are late by up to 250 ms, plus one `gobgp` CLI run).
 *
 *   npx tsx bench/run.ts withdraw [--routes=N] [--runs=N]
 */
import { hasGobgpd } from '../test/helpers/gobgpd.js';
import { Netns, isRoot } from '../test/helpers/netns.js';
import { buildStream, buildWithdrawStream, type Stream } from './ingest-generator.js';
import { POLL_MS, ReceiverChild, arg, generator, pollGobgp, startGobgpd } from './ingest-harness.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

interface Sample {
  /** Announce of the full table, for reference. */
  readonly ingestMs: number;
  readonly withdrawMs: number;
  readonly sessionDownMs: number;
}

interface Streams {
  readonly announce: Stream;
  readonly withdraw: Stream;
}

async function ours(ns: Netns, s: Streams): Promise<Sample> {
  const r = new ReceiverChild(ns, s.announce.routes);
  try {
    await r.next('ready');
    const established = r.next('established');
    const gen = await generator(ns);
    await established;
    const fill = async (): Promise<number> => {
      const done = r.next('done');
      const t = performance.now();
      await gen.blast(s.announce);
      await done;
      return performance.now() - t;
    };
    const ingestMs = await fill();

    let empty = r.next('empty');
    const t0 = performance.now();
    await gen.blast(s.withdraw);
    await empty;
    const withdrawMs = performance.now() - t0;

    await fill();
    empty = r.next('empty');
    const t1 = performance.now();
    gen.close();
    await empty;
    const sessionDownMs = performance.now() - t1;
    return { ingestMs, withdrawMs, sessionDownMs };
  } finally {
    await r.exit();
  }
}

async function gobgpd(ns: Netns, s: Streams): Promise<Sample> {
  const n = s.announce.routes;
  const g = await startGobgpd(ns);
  try {
    const gen = await generator(ns);
    const fill = async (): Promise<number> => {
      const t = performance.now();
      const writing = gen.blast(s.announce);
      const ms = await pollGobgp(g, t, (p) => p >= n);
      await writing;
      return ms;
    };
    const ingestMs = await fill();

    const t0 = performance.now();
    const writing = gen.blast(s.withdraw);
    const withdrawMs = await pollGobgp(g, t0, (p) => p === 0);
    await writing;

    await fill();
    const t1 = performance.now();
    gen.close();
    const sessionDownMs = await pollGobgp(g, t1, (p) => p === 0);
    return { ingestMs, withdrawMs, sessionDownMs };
  } finally {
    await g.stop();
  }
}

function rows(n: number, s: Streams, a: Sample[], b: Sample[]): Row[] {
  const med = (xs: Sample[], f: (x: Sample) => number): number => Math.round(stats(xs.map(f)).median);
  const extra = {
    withdrawUpdates: s.withdraw.updates,
    withdrawWireBytes: s.withdraw.bytes,
    routesPerWithdrawUpdate: Math.round(n / s.withdraw.updates),
    announceUpdates: s.announce.updates,
    oursIngestMsMedian: med(a, (x) => x.ingestMs),
    gobgpdIngestMsMedian: med(b, (x) => x.ingestMs),
    placement: 'each receiver in its own netns, veth to the generator',
  };
  const common = { count: n, comparatorName: 'gobgpd 3.10', extra } as const;
  const rate = (xs: Sample[]): number[] => xs.map((x) => (n * 1000) / x.withdrawMs);
  return [
    row({
      ...common,
      case: `withdraw ${n} VPNv4 (packed MP_UNREACH): first withdraw written to RIB empty`,
      unit: 'ms',
      better: 'lower',
      ours: stats(a.map((x) => x.withdrawMs)),
      comparator: stats(b.map((x) => x.withdrawMs)),
    }),
    row({
      ...common,
      case: `withdraw ${n} VPNv4: rate`,
      unit: 'routes/s',
      better: 'higher',
      ours: stats(rate(a)),
      comparator: stats(rate(b)),
    }),
    row({
      ...common,
      case: `session down (TCP close, no GR) holding ${n} VPNv4: close to RIB empty`,
      unit: 'ms',
      better: 'lower',
      ours: stats(a.map((x) => x.sessionDownMs)),
      comparator: stats(b.map((x) => x.sessionDownMs)),
    }),
  ];
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  if (!isRoot() || !hasGobgpd()) throw new Error('bench withdraw needs root (namespaces) and gobgpd');
  const n = arg(args, 'routes') ?? 100_000;
  const runs = Math.max(3, arg(args, 'runs') ?? 3);
  const nsOurs = await Netns.create('wdo');
  const nsGobgp = await Netns.create('wdg');
  try {
    const streams = (ns: Netns): Streams => ({
      announce: buildStream(n, ns.hostAddress),
      withdraw: buildWithdrawStream(n),
    });
    const so = streams(nsOurs);
    const sg = streams(nsGobgp);
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      for (const isGobgp of i % 2 === 0 ? [false, true] : [true, false]) {
        const s = isGobgp ? await gobgpd(nsGobgp, sg) : await ours(nsOurs, so);
        (isGobgp ? b : a).push(s);
        process.stderr.write(`withdraw ${n} ${isGobgp ? 'gobgpd' : 'ours'}: ${JSON.stringify(s)}\n`);
      }
    }
    return report(
      'withdraw',
      `${n} packed VPNv4 routes (bench ingest's stream) are announced by one raw generator to our Session + Rib (child process) and to gobgpd 3.10, each in its own network namespace behind a veth; then (1) the generator writes the same routes as packed MP_UNREACH (${so.withdraw.updates} UPDATEs, ~${Math.round(n / so.withdraw.updates)} NLRI each): time from the first withdraw written to the RIB empty; (2) the routes are announced again and the generator closes its TCP connection (no NOTIFICATION, no graceful restart): time from the close to the RIB empty. Ours reports over IPC; gobgpd's RIB summary is polled at most every ${POLL_MS} ms until 0 paths (late by up to one poll). Median of ${runs} runs, alternating order; the machine is shared (2 cores), so the numbers are noisy.`,
      rows(n, so, a, b),
    );
  } finally {
    await nsOurs.destroy();
    await nsGobgp.destroy();
  }
};

export default bench;
