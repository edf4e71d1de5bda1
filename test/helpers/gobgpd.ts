/**
 * Runs a private gobgpd (Debian's 3.10) on loopback, or inside a test namespace, for interop
 * tests: config in a temp dir, gRPC API on a free 127.0.0.1 port (of that namespace), stopped
 * by PID. `cli()` runs the `gobgp` client against it; `kill()` + `start()` restart it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Netns } from './netns.js';

const run = promisify(execFile);

export const hasGobgpd = (): boolean => existsSync('/usr/bin/gobgpd') && existsSync('/usr/bin/gobgp');

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, host, r));
  const a = srv.address();
  await new Promise<void>((r) =>
    srv.close(() => {
      r();
    }),
  );
  return typeof a === 'object' && a ? a.port : 0;
}

export interface GobgpNeighbor {
  readonly address: string;
  readonly passive?: boolean;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly families: readonly string[];
  readonly gracefulRestart?: boolean;
  readonly password?: string;
  readonly rrClient?: boolean;
  /** Hold time and keepalive interval offered (default 90 / 30). */
  readonly holdTime?: number;
  readonly keepalive?: number;
  /** Seconds gobgpd stays Idle after the session went down (its default is 30). */
  readonly idleHoldAfterReset?: number;
  /** The neighbor's AS (default: gobgpd's own, iBGP). */
  readonly peerAs?: number;
}

/** One path of `gobgp -j global rib` / `neighbor X adj-in|adj-out` (the fields the tests read). */
export interface GobgpPath {
  readonly nlri: {
    /** EVPN route type and its fields. */
    readonly type?: number;
    readonly value?: Readonly<Record<string, unknown>>;
    /** VPNv4 and RTC. */
    readonly prefix?: string;
    readonly rd?: { readonly type: number; readonly admin: string | number; readonly assigned: number };
    readonly labels?: readonly number[];
  };
  readonly best: boolean;
  readonly stale: boolean;
  readonly attrs: readonly ({ readonly type: number } & Readonly<Record<string, unknown>>)[];
  readonly 'source-id': string;
  readonly 'neighbor-ip': string;
}

export class Gobgpd {
  readonly dir = mkdtempSync(join(tmpdir(), 'bgpd-gobgp-'));
  proc: ChildProcess | undefined;
  apiPort = 0;
  log = '';

  constructor(
    readonly opts: {
      as: number;
      routerId: string;
      listen: string;
      port: number;
      neighbors: readonly GobgpNeighbor[];
      /** Run inside this namespace (API and CLI too); anything with `exec` and `spawn` will do. */
      netns?: Pick<Netns, 'exec' | 'spawn'>;
      /** Extra gobgpd arguments, e.g. `-r` (restarting: R bit in the graceful-restart capability). */
      args?: readonly string[];
    },
  ) {}

  config(): string {
    const o = this.opts;
    const lines = [
      '[global.config]',
      `  as = ${o.as}`,
      `  router-id = "${o.routerId}"`,
      `  port = ${o.port}`,
      `  local-address-list = ["${o.listen}"]`,
    ];
    for (const n of o.neighbors) {
      lines.push(
        '[[neighbors]]',
        '  [neighbors.config]',
        `    neighbor-address = "${n.address}"`,
        `    peer-as = ${n.peerAs ?? o.as}`,
      );
      if (n.password !== undefined) lines.push(`    auth-password = "${n.password}"`);
      lines.push(
        '  [neighbors.timers.config]',
        '    connect-retry = 1',
        `    hold-time = ${n.holdTime ?? 90}`,
        `    keepalive-interval = ${n.keepalive ?? 30}`,
      );
      if (n.idleHoldAfterReset !== undefined)
        lines.push(`    idle-hold-time-after-reset = ${n.idleHoldAfterReset}`);
      lines.push('  [neighbors.transport.config]', `    passive-mode = ${n.passive === true}`);
      if (n.remotePort !== undefined) lines.push(`    remote-port = ${n.remotePort}`);
      if (n.localAddress !== undefined) lines.push(`    local-address = "${n.localAddress}"`);
      if (n.rrClient === true) {
        lines.push(
          '  [neighbors.route-reflector.config]',
          '    route-reflector-client = true',
          `    route-reflector-cluster-id = "${o.routerId}"`,
        );
      }
      if (n.gracefulRestart === true)
        lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
      for (const f of n.families) {
        lines.push(
          '  [[neighbors.afi-safis]]',
          '    [neighbors.afi-safis.config]',
          `      afi-safi-name = "${f}"`,
        );
        if (n.gracefulRestart === true)
          lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      }
    }
    return `${lines.join('\n')}\n`;
  }

  async start(): Promise<void> {
    this.apiPort = await freePort();
    const file = join(this.dir, 'gobgpd.toml');
    writeFileSync(file, this.config());
    const args = [
      '-f',
      file,
      '-p',
      '-l',
      'info',
      '--api-hosts',
      `127.0.0.1:${this.apiPort}`,
      '--pprof-disable',
      ...(this.opts.args ?? []),
    ];
    const ns = this.opts.netns;
    this.proc = ns
      ? ns.spawn('/usr/bin/gobgpd', args)
      : spawn('/usr/bin/gobgpd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    this.proc.stderr?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    // Ready when the API answers.
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        await this.cli('global');
        return;
      } catch (e) {
        if (Date.now() > deadline || this.proc.exitCode !== null)
          throw new Error(`gobgpd did not start: ${String(e)}\n${this.log}`, { cause: e });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async cli(...args: string[]): Promise<string> {
    const cli = ['-p', String(this.apiPort), ...args];
    const ns = this.opts.netns;
    if (ns) return ns.exec('/usr/bin/gobgp', cli);
    const { stdout } = await run('/usr/bin/gobgp', cli, { timeout: 15000 });
    return stdout;
  }

  async json<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.cli('-j', ...args)) as T;
  }

  /**
   * Every path of one family (`-a vpnv4|evpn|rtc`) in the global RIB, or in a neighbor's
   * Adj-RIB-In / Adj-RIB-Out.
   */
  async paths(
    family: string,
    table?: { readonly neighbor: string; readonly dir: 'adj-in' | 'adj-out' },
  ): Promise<GobgpPath[]> {
    const where = table ? ['neighbor', table.neighbor, table.dir] : ['global', 'rib'];
    const rib = await this.json<Record<string, GobgpPath[]> | null>(...where, '-a', family);
    return Object.values(rib ?? {}).flat();
  }

  /** session_state 6 = ESTABLISHED, per neighbor address. */
  async neighborStates(): Promise<Record<string, number>> {
    const list =
      await this.json<{ state: { neighbor_address: string; session_state?: number } }[]>('neighbor');
    return Object.fromEntries(list.map((n) => [n.state.neighbor_address, n.state.session_state ?? 0]));
  }

  /** Kill the daemon by PID (SIGKILL: no NOTIFICATION, as in a crash) and wait for its exit. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    }
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
