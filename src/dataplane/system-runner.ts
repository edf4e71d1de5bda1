/**
 * The real `CommandRunner`: `run` spawns one program per call (observation dumps, sysctl),
 * `batch` feeds a long-lived `ip`/`bridge` batch child per tool (never one process per entry).
 * With `netns`, `ip` and `bridge` get `-n <netns>`; other programs run under
 * `ip netns exec <netns>`.
 */
import { execFile } from 'node:child_process';
import { BatchChild } from './batch-child.js';
import type { BatchResult, BatchTool, CommandRunner, RunResult } from './runner.js';

export interface SystemRunnerOptions {
  /** Run everything inside this network namespace (tests, benchmarks). */
  readonly netns?: string;
  /** Lines between two progress checkpoints of a batch child. */
  readonly checkpointEvery?: number;
  /** Limit for one `run` (ms). */
  readonly runTimeoutMs?: number;
  /** Limit for one batch (ms); the child is killed and the unconfirmed lines reported. */
  readonly batchTimeoutMs?: number;
}

const MAX_OUTPUT = 1 << 30;

/** Lines that create, delete or rename interfaces make the children's index caches stale. */
const LINK_CHANGE_RE = /^\s*link\s+(add|del|delete)\b|\sname\s/;

export class SystemRunner implements CommandRunner {
  readonly #netns: string | undefined;
  readonly #options: SystemRunnerOptions;
  readonly #children = new Map<BatchTool, BatchChild>();
  /** Children to replace before their next batch (their index caches may be stale). */
  readonly #stale = new Set<BatchTool>();
  /** One batch at a time per tool. */
  readonly #queues = new Map<BatchTool, Promise<unknown>>();

  constructor(options: SystemRunnerOptions = {}) {
    this.#netns = options.netns;
    this.#options = options;
  }

  get netns(): string | undefined {
    return this.#netns;
  }

  /** PIDs of the live batch children (for tests and the looking glass). */
  get childPids(): number[] {
    return [...this.#children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  run(argv: readonly string[]): Promise<RunResult> {
    const full = this.#wrap(argv);
    const [file = '', ...args] = full;
    return new Promise((resolve) => {
      execFile(
        file,
        args,
        { maxBuffer: MAX_OUTPUT, timeout: this.#options.runTimeoutMs ?? 60_000, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (err === null) {
            resolve({ code: 0, stdout, stderr });
            return;
          }
          const code = typeof err.code === 'number' ? err.code : -1;
          resolve({ code, stdout, stderr: stderr || err.message });
        },
      );
    });
  }

  batch(tool: BatchTool, lines: readonly string[]): Promise<BatchResult> {
    const previous = this.#queues.get(tool) ?? Promise.resolve();
    const next = previous.then(() => this.#batchNow(tool, lines));
    this.#queues.set(
      tool,
      next.catch(() => undefined),
    );
    return next;
  }

  recycle(): void {
    for (const tool of this.#children.keys()) this.#stale.add(tool);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
    for (const c of this.#children.values()) c.close();
    this.#children.clear();
    this.#stale.clear();
  }

  async #batchNow(tool: BatchTool, lines: readonly string[]): Promise<BatchResult> {
    const child = this.#child(tool);
    const result = await child.run(lines);
    const stale =
      (tool === 'ip' && lines.some((l) => LINK_CHANGE_RE.test(l))) ||
      result.errors.some((e) => /ifindex|Cannot find device/i.test(e.message));
    if (stale) this.recycle();
    return result;
  }

  /** The tool's child, replaced first if it was marked stale (it is idle here). */
  #child(tool: BatchTool): BatchChild {
    let child = this.#children.get(tool);
    if (child !== undefined && this.#stale.delete(tool)) {
      child.close();
      child = undefined;
    }
    if (child === undefined) {
      const every = this.#options.checkpointEvery;
      child = new BatchChild({
        tool,
        netns: this.#netns,
        ...(every === undefined ? {} : { checkpointEvery: every }),
        ...(this.#options.batchTimeoutMs === undefined ? {} : { timeoutMs: this.#options.batchTimeoutMs }),
      });
      this.#children.set(tool, child);
    }
    return child;
  }

  #wrap(argv: readonly string[]): string[] {
    const [tool, ...rest] = argv;
    if (this.#netns === undefined || tool === undefined) return [...argv];
    if (tool === 'ip' || tool === 'bridge') return [tool, '-n', this.#netns, ...rest];
    return ['ip', 'netns', 'exec', this.#netns, ...argv];
  }
}
