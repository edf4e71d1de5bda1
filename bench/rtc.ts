/**
 * RT Constraint (RFC 4684), sending side: what it costs a sender holding 100,000 VPNv4 routes
 * over 1,000 route targets (100 routes each) to follow one peer's RT membership, and what it
 * saves compared with sending everything.
 *
 * Senders, each in its own network namespace behind a veth, in the same run:
 *   - ours: a child process (bench/rtc-sender.ts) with a Rib of 100,000 local routes and one
 *     passive Session per peer, wired as the daemon's speaker does (PeerOutbound: Adj-RIB-Out +
 *     PeerRtcFilter, src/daemon/outbound.ts);
 *   - gobgpd 3.10 as a route reflector, fed the same 100,000 routes (bench ingest's NLRI, one
 *     RT per 100 routes, packed) by a raw generator that is an RR client, and reflecting them
 *     to the receiving peer (also an RR client).
 * The receiving peer is a raw speaker in the root namespace (bench/ingest-generator.ts's
 * session, from an extra address on the veth) that offers VPNv4 + RTC, decodes every UPDATE and
 * keeps the VPNv4 routes it holds. It then:
 *   1. announces RTC routes (/96, origin AS 64512) for 10 RTs, and its RTC End-of-RIB: time from
 *      the write to holding exactly the 1,000 matching routes (and no other);
 *   2. announces 100 more RTs: to holding exactly the 11,000 matching routes;
 *   3. withdraws the 110 RTC routes: to holding nothing.
 * Before those steps, "no RTC": a second peer that does not offer RTC (everything is sent), from
 * Established to holding all 100,000 routes; it stays up during the RTC steps. Comparators:
 * gobgpd on the same steps, and ours without RTC. Octets are those of the UPDATEs received in
 * each step. The receiver decodes in the bench process, so a sender that sends one NLRI per
 * UPDATE (gobgpd) also costs the receiver more. A step still unfinished after 25 s (gobgpd's
 * RTC withdrawal: about 90 s uncapped on this machine) is cut and reported as a lower bound.
 *
 *   npx tsx bench/run.ts rtc [--runs=N] [--profile]
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DEFAULT_CONTEXT,
  encodeMessage,
  endOfRib,
  FAMILY,
  familyKey,
  packReach,
  packUnreach,
  rtcNlri,
  type Message,
} from '../src/bgp/codec/index.js';
import { hasGobgpd } from '../test/helpers/gobgpd.js';
import { Netns, isRoot } from '../test/helpers/netns.js';
import { buildStream, GeneratorSession, rtAttributes, rtName } from './ingest-generator.js';
import { AS, arg, generator, pollGobgp, sleep, startGobgpd, TSX } from './ingest-harness.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row, type Stats } from './lib.js';
import type { SenderArgs, SenderMessage } from './rtc-sender.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const SENDER = join(here, 'rtc-sender.ts');
const ROUTES = 100_000;
const RTS = 1000;
const PER_RT = ROUTES / RTS;
const FIRST = 10;
const SECOND = 100;
/** A step is over, incomplete, when nothing was received for this long, */
const QUIET_MS = 3000;
/** or after this long (gobgpd 3.10 takes ~90 s to withdraw 11,000 routes for 110 RTC withdrawals). */
const CAP_MS = 25_000;
const VPN = FAMILY.ipv4Vpn;

/** The k-th RT the receiver asks for: spread over the 1,000 (7 is prime to 1,000). */
const interest = (k: number): number => (k * 7) % RTS;

interface Step {
  /** To exactly the matching routes held, or (incomplete) to the last UPDATE received. */
  readonly ms: number;
  readonly octets: number;
  readonly updates: number;
  /** 0, or (incomplete) the routes held that should not be plus those missing. */
  readonly wrong: number;
}

interface Sample {
  readonly add10: Step;
  readonly add100: Step;
  readonly withdraw: Step;
  readonly full: Step;
}

/** The receiving peer: holds the VPNv4 routes it was sent, by NLRI key, with their RT. */
class Receiver {
  readonly session: GeneratorSession;
  readonly held = new Map<string, string | undefined>();
  octets = 0;
  updates = 0;
  lastUpdateAt = 0;
  #waiter: { expected: number; rts: ReadonlySet<string>; resolve: () => void } | undefined;

  constructor(ns: Netns, localAddress: string, rtc: boolean) {
    this.session = new GeneratorSession({
      host: ns.nsAddress,
      port: 179,
      localAddress,
      routerId: localAddress,
      as: AS,
      rtc,
      holdTime: 90,
      onMessage: (m, octets) => {
        this.#receive(m, octets);
      },
    });
  }

  #receive(m: Message, octets: number): void {
    if (m.type !== 'update') return;
    this.octets += octets;
    this.updates++;
    this.lastUpdateAt = performance.now();
    const { mpReach, mpUnreach, attributes } = m.update;
    if (mpUnreach && familyKey(mpUnreach.afi, mpUnreach.safi) === VPN)
      for (const n of mpUnreach.nlri) this.held.delete(n.key);
    if (mpReach && familyKey(mpReach.afi, mpReach.safi) === VPN) {
      const rt = attributes.extCommunities?.find((c) => c.type === 'route-target')?.value;
      for (const n of mpReach.nlri) this.held.set(n.key, rt);
    }
    this.#check();
  }

  /** Holding exactly `expected` routes, all of them with an RT of `rts`? */
  #check(): void {
    const w = this.#waiter;
    if (w?.expected !== this.held.size) return;
    for (const rt of this.held.values()) if (rt === undefined || !w.rts.has(rt)) return;
    this.#waiter = undefined;
    w.resolve();
  }

  /**
   * Run `action`, then wait until exactly the routes of `rts` (`expected` of them) are held. A
   * sender that stops short (nothing received for QUIET_MS) or is still at it after CAP_MS gives
   * an incomplete step, timed to the last UPDATE received (a lower bound).
   */
  async step(expected: number, rts: ReadonlySet<string>, action: () => void): Promise<Step> {
    const octets0 = this.octets;
    const updates0 = this.updates;
    const t0 = performance.now();
    this.lastUpdateAt = t0;
    let timer: NodeJS.Timeout | undefined;
    const complete = await new Promise<boolean>((resolve) => {
      this.#waiter = {
        expected,
        rts,
        resolve: () => {
          resolve(true);
        },
      };
      timer = setInterval(() => {
        const now = performance.now();
        if (now - this.lastUpdateAt > QUIET_MS || now - t0 > CAP_MS) resolve(false);
      }, 50);
      action();
      this.#check();
    });
    clearInterval(timer);
    this.#waiter = undefined;
    return {
      ms: (complete ? performance.now() : this.lastUpdateAt) - t0,
      octets: this.octets - octets0,
      updates: this.updates - updates0,
      wrong: complete ? 0 : this.#wrong(rts) + Math.max(0, expected - this.held.size),
    };
  }

  /** Routes held that `rts` does not cover. */
  #wrong(rts: ReadonlySet<string>): number {
    let n = 0;
    for (const rt of this.held.values()) if (rt === undefined || !rts.has(rt)) n++;
    return n;
  }

  announce(rts: readonly number[]): void {
    const nlri = rts.map((r) => rtcNlri(AS, rtName(r)));
    const nextHop = this.session.socket.localAddress ?? '';
    this.session.write(
      packReach({ origin: 0, asPath: [] }, { afi: 1, safi: 132, nextHop, nlri }, DEFAULT_CONTEXT),
    );
  }

  endOfRtc(): void {
    this.session.write([encodeMessage({ type: 'update', update: endOfRib(1, 132) }, DEFAULT_CONTEXT)]);
  }

  withdraw(rts: readonly number[]): void {
    this.session.write(
      packUnreach(
        1,
        132,
        rts.map((r) => rtcNlri(AS, rtName(r))),
        DEFAULT_CONTEXT,
      ),
    );
  }
}

/** An extra address of the root namespace on `ns`'s veth, routed from inside `ns`. */
async function extraAddress(ns: Netns, address: string): Promise<void> {
  await run('/usr/sbin/ip', ['addr', 'add', `${address}/32`, 'dev', ns.hostIf]);
  await run('/usr/sbin/ip', ['-n', ns.name, 'route', 'add', `${address}/32`, 'dev', 'eth0']);
}

/**
 * Against whatever sender listens in `ns`: first the peer without RTC (the whole table), kept
 * up, then the RTC peer's three steps; both sessions are closed at the end (so a step cut by
 * the cap does not leave the sender busy during another measurement).
 */
async function steps(ns: Netns, rtcPeer: string, plainPeer: string): Promise<Sample> {
  const all = new Set(Array.from({ length: RTS }, (_, r) => rtName(r)));
  const plain = new Receiver(ns, plainPeer, false);
  await plain.session.established;
  const full = await plain.step(ROUTES, all, () => undefined);

  const rx = new Receiver(ns, rtcPeer, true);
  await rx.session.established;
  const first = Array.from({ length: FIRST }, (_, k) => interest(k));
  const second = Array.from({ length: SECOND }, (_, k) => interest(FIRST + k));
  const set1 = new Set(first.map(rtName));
  const set2 = new Set([...first, ...second].map(rtName));
  const add10 = await rx.step(FIRST * PER_RT, set1, () => {
    rx.announce(first);
    rx.endOfRtc();
  });
  const add100 = await rx.step((FIRST + SECOND) * PER_RT, set2, () => {
    rx.announce(second);
  });
  const withdraw = await rx.step(0, new Set(), () => {
    rx.withdraw([...first, ...second]);
  });
  rx.session.close();
  plain.session.close();
  return { add10, add100, withdraw, full };
}

function nextMessage<T extends SenderMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<SenderMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      reject(new Error(`rtc sender exited (${String(code)}) before '${type}'`));
    };
    const on = (m: SenderMessage): void => {
      if (m.type !== type) return;
      child.off('message', on);
      child.off('exit', onExit);
      resolve(m as Extract<SenderMessage, { type: T }>);
    };
    child.on('message', on);
    child.once('exit', onExit);
  });
}

async function ours(ns: Netns, rtcPeer: string, plainPeer: string, profileDir?: string): Promise<Sample> {
  const args: SenderArgs = {
    listen: ns.nsAddress,
    peers: [rtcPeer, plainPeer],
    as: AS,
    routes: ROUTES,
    rts: RTS,
  };
  const prof = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = ns.spawn(process.execPath, ['--import', TSX, ...prof, SENDER, JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await nextMessage(child, 'ready');
    if (ready.routes !== ROUTES) throw new Error(`rtc sender holds ${ready.routes} routes`);
    return await steps(ns, rtcPeer, plainPeer);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.send({ type: 'exit' });
      await exited;
    }
  }
}

async function gobgpd(ns: Netns, rtcPeer: string, plainPeer: string): Promise<Sample> {
  const g = await startGobgpd(ns, [
    { address: ns.hostAddress, passive: true, rrClient: true, families: ['l3vpn-ipv4-unicast'] },
    { address: rtcPeer, passive: true, rrClient: true, families: ['l3vpn-ipv4-unicast', 'rtc'] },
    { address: plainPeer, passive: true, rrClient: true, families: ['l3vpn-ipv4-unicast'] },
  ]);
  try {
    const gen = await generator(ns);
    const stream = buildStream(ROUTES, ns.hostAddress, { run: PER_RT, attributes: rtAttributes });
    const t = performance.now();
    await gen.blast(stream);
    await pollGobgp(g, t, (p) => p >= ROUTES);
    const s = await steps(ns, rtcPeer, plainPeer);
    gen.close();
    return s;
  } finally {
    await g.stop();
  }
}

function rows(a: Sample[], b: Sample[], runs: number): Row[] {
  const st = (xs: Sample[], f: (x: Sample) => number): Stats => stats(xs.map(f));
  const gob = { comparatorName: 'gobgpd 3.10 (RR, RTC)' } as const;
  const upd = (xs: Sample[], f: (x: Sample) => Step): string => xs.map((x) => f(x).updates).join(',');
  const wrong = (xs: Sample[], f: (x: Sample) => Step): string => xs.map((x) => f(x).wrong).join(',');
  const incomplete = (xs: Sample[], f: (x: Sample) => Step): boolean => xs.some((x) => f(x).wrong > 0);
  const step = (name: string, count: number, f: (x: Sample) => Step): [Row, Row] => [
    row({
      ...gob,
      case:
        `RTC ${name}: write to exactly the matching routes held` +
        (incomplete(a, f) ? ' (ours INCOMPLETE: time to last UPDATE, see oursWrong)' : '') +
        (incomplete(b, f)
          ? ` (gobgpd incomplete, cut at ${CAP_MS / 1000} s or quiet: a lower bound; routes still wrong in gobgpdWrong)`
          : ''),
      count,
      unit: 'ms',
      better: 'lower',
      ours: st(a, (x) => f(x).ms),
      comparator: st(b, (x) => f(x).ms),
      extra: {
        oursUpdates: upd(a, f),
        gobgpdUpdates: upd(b, f),
        oursWrong: wrong(a, f),
        gobgpdWrong: wrong(b, f),
      },
    }),
    row({
      ...gob,
      case: `RTC ${name}: UPDATE octets received`,
      count,
      unit: 'octets',
      better: 'lower',
      ours: st(a, (x) => f(x).octets),
      comparator: st(b, (x) => f(x).octets),
    }),
  ];
  const plain = 'the same sender, peer without RTC (all 100,000 sent)';
  return [
    ...step(`+${FIRST} RTs (${FIRST * PER_RT} routes)`, FIRST * PER_RT, (x) => x.add10),
    ...step(`+${SECOND} RTs (${SECOND * PER_RT} more routes)`, SECOND * PER_RT, (x) => x.add100),
    ...step(
      `-${FIRST + SECOND} RTs (${(FIRST + SECOND) * PER_RT} routes withdrawn)`,
      (FIRST + SECOND) * PER_RT,
      (x) => x.withdraw,
    ),
    row({
      comparatorName: 'gobgpd 3.10 (RR), peer without RTC',
      case: `no RTC: Established to all ${ROUTES} routes held`,
      count: ROUTES,
      unit: 'ms',
      better: 'lower',
      ours: st(a, (x) => x.full.ms),
      comparator: st(b, (x) => x.full.ms),
      extra: {
        oursUpdates: upd(a, (x) => x.full),
        gobgpdUpdates: upd(b, (x) => x.full),
        oursWrong: wrong(a, (x) => x.full),
        gobgpdWrong: wrong(b, (x) => x.full),
      },
    }),
    row({
      comparatorName: plain,
      case: `ours: RTC +${FIRST} RTs vs everything (time)`,
      count: FIRST * PER_RT,
      unit: 'ms',
      better: 'lower',
      ours: st(a, (x) => x.add10.ms),
      comparator: st(a, (x) => x.full.ms),
    }),
    row({
      comparatorName: plain,
      case: `ours: RTC +${FIRST}+${SECOND} RTs vs everything (octets)`,
      count: (FIRST + SECOND) * PER_RT,
      unit: 'octets',
      better: 'lower',
      ours: st(a, (x) => x.add10.octets + x.add100.octets),
      comparator: st(a, (x) => x.full.octets),
      extra: { runs },
    }),
  ];
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  if (!isRoot() || !hasGobgpd()) throw new Error('bench rtc needs root (namespaces) and gobgpd');
  const runs = Math.max(3, arg(args, 'runs') ?? 3);
  const nsOurs = await Netns.create('rtco');
  const nsGobgp = await Netns.create('rtcg');
  try {
    // Receiving peers: two extra root-namespace addresses per sender (TEST-NET-2).
    const peers = { ours: ['198.51.100.11', '198.51.100.12'], gobgp: ['198.51.100.21', '198.51.100.22'] };
    for (const p of peers.ours) await extraAddress(nsOurs, p);
    for (const p of peers.gobgp) await extraAddress(nsGobgp, p);
    if (args.includes('--profile')) {
      const dir = mkdtempSync(join(tmpdir(), 'bagpipe-rtc-prof-'));
      const [rtcPeer = '', plainPeer = ''] = peers.ours;
      const s = await ours(nsOurs, rtcPeer, plainPeer, dir);
      process.stderr.write(`profile of our sender (${JSON.stringify(s)}) in ${dir}\n`);
    }
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      for (const isGobgp of i % 2 === 0 ? [false, true] : [true, false]) {
        const [rtcPeer = '', plainPeer = ''] = isGobgp ? peers.gobgp : peers.ours;
        const s = isGobgp
          ? await gobgpd(nsGobgp, rtcPeer, plainPeer)
          : await ours(nsOurs, rtcPeer, plainPeer);
        (isGobgp ? b : a).push(s);
        process.stderr.write(`rtc ${isGobgp ? 'gobgpd' : 'ours'}: ${JSON.stringify(s)}\n`);
        await sleep(100);
      }
    }
    return report(
      'rtc',
      `RT Constraint on the sending side: ${ROUTES} VPNv4 routes over ${RTS} RTs (${PER_RT} each). Ours: a child process with a Rib of local routes and the daemon's PeerOutbound (Adj-RIB-Out + PeerRtcFilter) per peer session; gobgpd 3.10: a route reflector fed the same routes by a raw generator (RR client). Each sender in its own netns behind a veth; the receiving peer (RR client for gobgpd) is a raw speaker in the root namespace that announces RTC /96 routes for ${FIRST} RTs (+ RTC End-of-RIB), then ${SECOND} more, then withdraws them all, each time timed from the write to holding exactly the matching routes (decoded in the bench process). No RTC: a second peer without the RTC capability, first, timed from Established to all ${ROUTES} held (then kept up). A step unfinished after ${CAP_MS / 1000} s is cut (a lower bound; gobgpd's withdrawal of 110 RTC routes took 86-95 s uncapped in an earlier run). Median of ${runs} runs, alternating order; the machine is shared (2 cores), so the numbers are noisy.`,
      rows(a, b, runs),
    );
  } finally {
    await nsOurs.destroy();
    await nsGobgp.destroy();
  }
};

export default bench;
