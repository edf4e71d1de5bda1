/**
 * A `CommandRunner` for unit tests: records every command, serves canned output for `run`
 * (matched by argv prefix, longest prefix wins) and fails the batch lines a test chooses.
 * No process is ever started.
 */
import type { BatchLineError, BatchResult, BatchTool, CommandRunner, RunResult } from './runner.js';

export interface RecordedBatch {
  readonly tool: BatchTool;
  readonly lines: readonly string[];
}

export class FakeRunner implements CommandRunner {
  /** Every `run` argv, in order. */
  readonly runs: string[][] = [];
  /** Every batch, in order. */
  readonly batches: RecordedBatch[] = [];
  recycles = 0;
  readonly #outputs = new Map<string, RunResult | (() => RunResult)>();
  #failures: { match: (tool: BatchTool, line: string) => boolean; message: string }[] = [];

  /** Serve `stdout` (or a full result) to any `run` whose argv starts with `argvPrefix`. */
  respond(argvPrefix: readonly string[], out: string | RunResult | (() => RunResult)): this {
    const result = typeof out === 'string' ? { code: 0, stdout: out, stderr: '' } : out;
    this.#outputs.set(argvPrefix.join('\u0000'), result);
    return this;
  }

  /** Make batch lines matching `match` fail with `message`. */
  failLines(
    match: (tool: BatchTool, line: string) => boolean,
    message = 'RTNETLINK answers: Invalid argument',
  ): this {
    this.#failures.push({ match, message });
    return this;
  }

  /** Every batch line sent so far, prefixed with its tool ("bridge fdb add ..."). */
  get lines(): string[] {
    return this.batches.flatMap((b) => b.lines.map((l) => `${b.tool} ${l}`));
  }

  clear(): void {
    this.runs.length = 0;
    this.batches.length = 0;
  }

  run(argv: readonly string[]): Promise<RunResult> {
    this.runs.push([...argv]);
    for (let n = argv.length; n > 0; n--) {
      const out = this.#outputs.get(argv.slice(0, n).join('\u0000'));
      if (out !== undefined) return Promise.resolve(typeof out === 'function' ? out() : out);
    }
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  }

  batch(tool: BatchTool, lines: readonly string[]): Promise<BatchResult> {
    this.batches.push({ tool, lines: [...lines] });
    const errors: BatchLineError[] = [];
    lines.forEach((line, index) => {
      const f = this.#failures.find((x) => x.match(tool, line));
      if (f !== undefined) errors.push({ index, line, message: f.message });
    });
    return Promise.resolve({ sent: lines.length, errors });
  }

  recycle(): void {
    this.recycles++;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
