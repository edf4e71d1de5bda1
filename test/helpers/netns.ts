/**
 * A network namespace joined to the root namespace by a veth pair, for interop tests that put a
 * peer "on the other side of a wire". Addresses are a /30 of 100.64.0.0/10 derived from the
 * test process id, so parallel test runs do not collide; `destroy()` removes the namespace
 * (which takes the veth with it). Needs root.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;

let counter = 0;

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/sbin/ip', args, { timeout: 10000 });
  return stdout;
}

export class Netns {
  /** Address of the root-namespace end of the veth (where our Session lives). */
  readonly hostAddress: string;
  /** Address of `eth0` inside the namespace (the peer). */
  readonly nsAddress: string;

  private constructor(
    readonly name: string,
    readonly hostIf: string,
    n: number,
  ) {
    const pid = process.pid;
    const base = `100.${64 + ((pid >> 8) % 64)}.${pid & 255}`;
    this.hostAddress = `${base}.${4 * n + 1}`;
    this.nsAddress = `${base}.${4 * n + 2}`;
  }

  /** Create `bt-<tag>-<pid>-<n>` with `eth0` (nsAddress/30) and lo up. */
  static async create(tag: string): Promise<Netns> {
    const n = counter++ % 64;
    const ns = new Netns(`bt-${tag}-${process.pid}-${n}`, `bt${process.pid}x${n}`.slice(0, 15), n);
    await ip('netns', 'add', ns.name);
    try {
      await ip('link', 'add', ns.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name);
      await ip('addr', 'add', `${ns.hostAddress}/30`, 'dev', ns.hostIf);
      await ip('link', 'set', ns.hostIf, 'up');
      await ip('-n', ns.name, 'addr', 'add', `${ns.nsAddress}/30`, 'dev', 'eth0');
      await ip('-n', ns.name, 'link', 'set', 'eth0', 'up');
      await ip('-n', ns.name, 'link', 'set', 'lo', 'up');
    } catch (e) {
      await ns.destroy();
      throw e;
    }
    return ns;
  }

  /** Run a command inside the namespace; resolves with its stdout. */
  async exec(cmd: string, args: readonly string[], timeout = 15000): Promise<string> {
    const { stdout } = await run('/usr/sbin/ip', ['netns', 'exec', this.name, cmd, ...args], { timeout });
    return stdout;
  }

  /** Start a long-running process inside the namespace (`ip netns exec` execs, so the PID is the daemon's). */
  spawn(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('/usr/sbin/ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
  }

  /** Delete the namespace (its veth end goes with it, and so the host end). */
  async destroy(): Promise<void> {
    await ip('netns', 'del', this.name).catch(() => undefined);
    await ip('link', 'del', this.hostIf).catch(() => undefined);
  }
}

/** Stop a child process by PID: SIGKILL, then wait for its exit. */
export async function killChild(
  p: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  await exited;
}

/**
 * A daemon run in the foreground inside a namespace, with its files in a temp dir and its
 * output kept in `log` (for timeout messages); `stop()` kills it by PID and removes the dir.
 */
export class NsDaemon {
  readonly dir: string;
  proc: ChildProcess | undefined;
  log = '';

  constructor(
    readonly ns: Netns,
    readonly config: string,
    prefix: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  protected launch(bin: string, args: readonly string[]): void {
    this.proc = this.ns.spawn(bin, args);
    this.proc.stdout?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    this.proc.stderr?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
  }

  async stop(): Promise<void> {
    await killChild(this.proc);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
