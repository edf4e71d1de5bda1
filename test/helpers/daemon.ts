/**
 * Spawns the real daemon (through tsx, from src/), optionally inside a network namespace, and
 * follows its JSON log lines. Processes are stopped by PID; `stop()` waits for the exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'src', 'cli', 'bagpipe-bgp.ts');
/** The tsx loader by URL, so the daemon can run from any working directory. */
const TSX = import.meta.resolve('tsx');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class DaemonProcess {
  readonly proc: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  #waiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * `netns`: run inside that network namespace through `ip netns exec` (which execs, so the
   * PID is the daemon's and `stop()` still signals the daemon itself).
   */
  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; netns?: string } = {}) {
    const argv = [process.execPath, '--import', TSX, CLI, ...args];
    if (options.netns !== undefined) argv.unshift('ip', 'netns', 'exec', options.netns);
    const [file = '', ...rest] = argv;
    this.proc = spawn(file, rest, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') this.lines.push(JSON.parse(p) as LogLine);
      this.#wake();
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#wake();
    });
    this.exited = once(this.proc, 'exit').then(([code, signal]) => {
      this.#wake();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first log line matching `pred`, or rejects after `timeoutMs` or on exit. */
  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 15000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(
          `daemon exited (${this.proc.exitCode ?? this.proc.signalCode}) before the log line; stderr: ${this.stderr}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no such log line within ${timeoutMs} ms; last: ${JSON.stringify(this.lines.slice(-3))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The API port, read from the "listening" log line. */
  async apiPort(): Promise<number> {
    const l = await this.waitForLog((x) => x.msg.includes('/metrics listening'));
    return l['port'] as number;
  }

  /** SIGKILL by PID (a crash: no NOTIFICATION, no graceful stop), then wait for the exit. */
  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM by PID, then wait for the exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
      const r = await this.exited;
      clearTimeout(t);
      return r;
    }
    return this.exited;
  }
}

/** Runs the CLI to completion and returns its output (for --help, --version, bad configs). */
export async function runCli(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
