/**
 * One long-lived `ip -force -batch -` (or `bridge`) child. Lines are streamed to its stdin;
 * with `-force` a failing line prints its messages then `Command failed -:<n>` on stderr and
 * the child carries on, so each error is attributed to the line numbered `n` (numbering runs
 * over the child's whole life).
 *
 * To know when a batch is done without closing stdin, a *sentinel* line that always fails
 * (`link show dev bgbNoSuchDev0`) follows every `checkpointEvery` lines and ends the batch:
 * stderr is unbuffered and written in order, so seeing the sentinel's `Command failed` means
 * every line before it has been processed. If the child dies (iproute2 exits on some argument
 * errors), the lines after the last checkpoint are reported as unconfirmed; a fresh child is
 * started for the next batch.
 */
import { spawn, type ChildProcessWithoutNullStreams as ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { BatchLineError, BatchResult, BatchTool } from './runner.js';
import { unsafeBatchLine } from './runner.js';

const SENTINEL_DEV = 'bgbNoSuchDev0';
const SENTINEL: Record<BatchTool, string> = {
  ip: `link show dev ${SENTINEL_DEV}`,
  bridge: `fdb show dev ${SENTINEL_DEV}`,
};
const FAILED_RE = /^Command failed .*:(\d+)$/;

interface Pending {
  readonly proc: ChildProcess;
  /** Child line number of the batch's first line. */
  readonly first: number;
  /** Child line numbers of sentinels, in order. */
  readonly sentinels: Set<number>;
  readonly errors: Map<number, string>;
  /** Highest child line number known to be processed. */
  confirmed: number;
  readonly last: number;
  readonly done: () => void;
}

export interface BatchChildOptions {
  readonly tool: BatchTool;
  readonly netns?: string | undefined;
  readonly checkpointEvery?: number;
  /** A batch still unfinished after this long kills the child (its lines are reported). */
  readonly timeoutMs?: number;
}

export class BatchChild {
  readonly #tool: BatchTool;
  readonly #argv: string[];
  readonly #every: number;
  readonly #timeoutMs: number;
  #proc: ChildProcess | undefined;
  #lineNo = 0;
  #stderrTail = '';
  #messages: string[] = [];
  #pending: Pending | undefined;
  #exitInfo = '';

  constructor(options: BatchChildOptions) {
    this.#tool = options.tool;
    this.#every = options.checkpointEvery ?? 2000;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
    const ns = options.netns === undefined ? [] : ['-n', options.netns];
    this.#argv = [...ns, '-force', '-batch', '-'];
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  get alive(): boolean {
    return this.#proc !== undefined;
  }

  /** Runs one batch; callers serialise (one batch at a time per child). */
  async run(lines: readonly string[]): Promise<BatchResult> {
    const refused: BatchLineError[] = [];
    lines.forEach((line, index) => {
      const why = unsafeBatchLine(line);
      if (why !== undefined) refused.push({ index, line, message: why });
    });
    // Position in `lines` of each line sent (identity when nothing was refused).
    const sentIndex =
      refused.length === 0 ? undefined : lines.flatMap((l, i) => (unsafeBatchLine(l) ? [] : [i]));
    const toSend = sentIndex === undefined ? lines : sentIndex.map((i) => lines[i] ?? '');
    if (toSend.length === 0) return { sent: 0, errors: refused };
    const proc = this.#ensure();
    const { text, pending, finished } = this.#prepare(proc, toSend);
    this.#pending = pending;
    const timer = setTimeout(() => {
      this.#exitInfo = `timed out after ${this.#timeoutMs} ms`;
      proc.kill('SIGKILL');
    }, this.#timeoutMs);
    await this.#write(proc, text);
    await finished;
    clearTimeout(timer);
    this.#pending = undefined;
    const errors = [...refused];
    for (const [childLine, message] of pending.errors) {
      const k = childLine - pending.first;
      const pos = k - Math.floor(k / (this.#every + 1));
      const index = sentIndex === undefined ? pos : sentIndex[pos];
      const line = index === undefined ? undefined : lines[index];
      if (index !== undefined && line !== undefined) errors.push({ index, line, message });
    }
    errors.sort((a, b) => a.index - b.index);
    return { sent: toSend.length, errors };
  }

  /** Closes stdin; the child exits once it has read everything. */
  close(): void {
    const proc = this.#proc;
    this.#proc = undefined;
    proc?.stdin.end();
  }

  /** Numbers the lines and inserts sentinels; the text is written in chunks. */
  #prepare(
    proc: ChildProcess,
    lines: readonly string[],
  ): { text: string[]; pending: Pending; finished: Promise<void> } {
    const first = this.#lineNo + 1;
    const sentinels = new Set<number>();
    const text: string[] = [];
    let chunk: string[] = [];
    lines.forEach((line, i) => {
      chunk.push(line);
      this.#lineNo++;
      if ((i + 1) % this.#every === 0 || i === lines.length - 1) {
        chunk.push(SENTINEL[this.#tool]);
        sentinels.add(++this.#lineNo);
        text.push(`${chunk.join('\n')}\n`);
        chunk = [];
      }
    });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const pending: Pending = {
      proc,
      first,
      sentinels,
      errors: new Map(),
      confirmed: first - 1,
      last: this.#lineNo,
      done,
    };
    return { text, pending, finished };
  }

  async #write(proc: ChildProcess, chunks: readonly string[]): Promise<void> {
    const stdin = proc.stdin;
    for (const c of chunks) {
      if (this.#proc !== proc) return; // died meanwhile; the exit handler settled the batch
      if (!stdin.write(c)) await this.#drained(proc);
    }
  }

  /** Waits for 'drain' or the child's exit, removing both listeners afterwards. */
  async #drained(proc: ChildProcess): Promise<void> {
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    try {
      await Promise.race([once(proc.stdin, 'drain', opts), once(proc, 'exit', opts)]);
    } finally {
      ac.abort();
    }
  }

  #ensure(): ChildProcess {
    if (this.#proc !== undefined) return this.#proc;
    const proc = spawn(this.#tool, this.#argv);
    this.#lineNo = 0;
    this.#exitInfo = '';
    this.#stderrTail = '';
    this.#messages = [];
    proc.stdout.resume();
    proc.stdin.on('error', () => undefined); // EPIPE after a crash: reported through 'exit'
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#onStderr(chunk);
    });
    proc.on('error', (e) => {
      this.#exitInfo = e.message;
      this.#onExit(proc);
    });
    proc.on('exit', (code, signal) => {
      if (!this.#exitInfo.startsWith('timed out')) this.#exitInfo = `exited with ${code ?? signal ?? '?'}`;
      this.#onExit(proc);
    });
    this.#proc = proc;
    return proc;
  }

  #onStderr(chunk: string): void {
    const parts = (this.#stderrTail + chunk).split('\n');
    this.#stderrTail = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.trim();
      if (line === '') continue;
      const m = FAILED_RE.exec(line);
      if (m === null) {
        this.#messages.push(line);
        continue;
      }
      this.#onFailed(Number(m[1]));
    }
  }

  #onFailed(n: number): void {
    const messages = this.#messages;
    this.#messages = [];
    const p = this.#pending;
    if (p === undefined) return;
    p.confirmed = Math.max(p.confirmed, n);
    if (!p.sentinels.has(n)) p.errors.set(n, messages.join('; ') || 'command failed');
    if (n === p.last) p.done();
  }

  #onExit(proc: ChildProcess): void {
    if (this.#proc === proc) this.#proc = undefined;
    const p = this.#pending;
    if (p?.proc !== proc) return;
    const why = [
      `${this.#tool} batch child ${this.#exitInfo} before confirming this line`,
      ...this.#messages,
    ];
    this.#messages = [];
    for (let n = p.confirmed + 1; n <= p.last; n++) {
      if (!p.sentinels.has(n) && !p.errors.has(n)) p.errors.set(n, why.join('; '));
    }
    p.done();
  }
}
