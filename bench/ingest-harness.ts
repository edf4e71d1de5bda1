/**
 * Parent-side helpers shared by the benchmarks built on bench/ingest.ts's setup (withdraw,
 * memory, rtc): our receiver as a child process in a namespace (bench/ingest-receiver.ts) with
 * its IPC messages awaited by type, the generator connected to a receiver, gobgpd's RIB
 * summary polled at most 4 times a second, and /proc memory figures.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gobgpd, type GobgpNeighbor } from '../test/helpers/gobgpd.js';
import type { Netns } from '../test/helpers/netns.js';
import { GeneratorSession, type GeneratorOptions } from './ingest-generator.js';
import type { ReceiverArgs, ReceiverMessage } from './ingest-receiver.js';

const here = dirname(fileURLToPath(import.meta.url));
const RECEIVER = join(here, 'ingest-receiver.ts');
export const TSX = import.meta.resolve('tsx');
export const AS = 64512;
export const GENERATOR_ID = '10.255.0.1';
/** gobgpd's RIB summary is read at most every POLL_MS (4 times a second). */
export const POLL_MS = 250;

export function arg(args: readonly string[], name: string): number | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : Number(hit.slice(name.length + 3));
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
export function vm(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) * 1024;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Connect a generator from the root namespace (`localAddress`, default the veth end) to `ns`. */
export async function generator(ns: Netns, extra: Partial<GeneratorOptions> = {}): Promise<GeneratorSession> {
  const gen = new GeneratorSession({
    host: ns.nsAddress,
    port: 179,
    localAddress: ns.hostAddress,
    routerId: GENERATOR_ID,
    as: AS,
    ...extra,
  });
  await gen.established;
  return gen;
}

type Of<T extends ReceiverMessage['type']> = Extract<ReceiverMessage, { type: T }>;

/** Our receiver (Session + Rib) as a child process in `ns`, passive, for the generator. */
export class ReceiverChild {
  readonly child: ChildProcess;

  constructor(ns: Netns, target: number, nodeFlags: readonly string[] = []) {
    const args: ReceiverArgs = { listen: ns.nsAddress, peer: ns.hostAddress, target, as: AS };
    this.child = ns.spawn(process.execPath, ['--import', TSX, ...nodeFlags, RECEIVER, JSON.stringify(args)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The next message of `type` (register before causing it). */
  next<T extends ReceiverMessage['type']>(type: T): Promise<Of<T>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        reject(new Error(`receiver exited (${String(code)}) before '${type}'`));
      };
      const on = (m: ReceiverMessage): void => {
        if (m.type !== type) return;
        this.child.off('message', on);
        this.child.off('exit', onExit);
        resolve(m as Of<T>);
      };
      this.child.on('message', on);
      this.child.once('exit', onExit);
    });
  }

  /** Ask for 'count' or 'memory' and wait for the answer. */
  async request<T extends 'count' | 'memory'>(type: T): Promise<Of<T>> {
    const answer = this.next(type);
    this.child.send({ type });
    return answer;
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'exit' });
    await exited;
  }
}

/** gobgpd's VPNv4 path count (`global rib summary`). */
export async function gobgpPaths(g: Gobgpd): Promise<number> {
  const r = await g.json<{ num_path?: number }>('global', 'rib', 'summary', '-a', 'vpnv4');
  return r.num_path ?? 0;
}

/**
 * Poll gobgpd's VPNv4 path count, at most every POLL_MS, until `done(count)`; resolves with
 * the time since `t0` (performance.now()) when it was first seen true. Fails after `timeoutMs`.
 */
export async function pollGobgp(
  g: Gobgpd,
  t0: number,
  done: (paths: number) => boolean,
  timeoutMs = 120_000,
): Promise<number> {
  for (;;) {
    const polled = performance.now();
    const paths = await gobgpPaths(g);
    if (done(paths)) return performance.now() - t0;
    if (polled - t0 > timeoutMs) throw new Error(`gobgpd: still ${paths} paths after ${timeoutMs} ms`);
    const wait = POLL_MS - (performance.now() - polled);
    if (wait > 0) await sleep(wait);
  }
}

/**
 * gobgpd 3.10 started in `ns` as the receiving side: by default one passive VPNv4 neighbor,
 * the generator at the veth's root end. `netns` replaces `ns` for spawning (memory.ts wraps it).
 */
export async function startGobgpd(
  ns: Netns,
  neighbors: readonly GobgpNeighbor[] = [
    { address: ns.hostAddress, passive: true, families: ['l3vpn-ipv4-unicast'] },
  ],
  netns: Pick<Netns, 'exec' | 'spawn'> = ns,
): Promise<Gobgpd> {
  const g = new Gobgpd({ as: AS, routerId: ns.nsAddress, listen: ns.nsAddress, port: 179, netns, neighbors });
  await g.start();
  return g;
}
