/**
 * The command runner drivers get injected (STYLE rule 13): unit tests pass a `FakeRunner`,
 * production a `SystemRunner` (one long-lived `ip -batch -` / `bridge -batch -` child per
 * tool). Nothing in a driver spawns a process by itself.
 */

export type BatchTool = 'ip' | 'bridge';

export interface RunResult {
  /** Exit code; -1 when the program could not be started. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One failed line of a batch: `index` is the position in the `lines` passed to `batch`. */
export interface BatchLineError {
  readonly index: number;
  readonly line: string;
  readonly message: string;
}

export interface BatchResult {
  /** Lines sent (lines refused before sending count as failed, not sent). */
  readonly sent: number;
  readonly errors: readonly BatchLineError[];
}

export interface CommandRunner {
  /** Runs one program to completion (observation, sysctl); never rejects on a non-zero exit. */
  run(argv: readonly string[]): Promise<RunResult>;
  /**
   * Feeds `lines` (without the tool name, e.g. `fdb add ...`) to the tool in batch mode with
   * `-force`: a bad line fails alone, the others are applied. Resolves once every line has been
   * processed, with the lines that failed.
   */
  batch(tool: BatchTool, lines: readonly string[]): Promise<BatchResult>;
  /**
   * Forgets cached batch children. `ip` and `bridge` cache interface indexes by name, so a
   * child must not outlive the deletion or re-creation of an interface it has seen.
   */
  recycle(): void;
  close(): Promise<void>;
}

/** A line that the batch parsers would split or join (newline, trailing backslash, NUL). */
export function unsafeBatchLine(line: string): string | undefined {
  if (/[\n\r\0]/.test(line)) return 'line contains a newline or NUL';
  if (line.endsWith('\\')) return 'line ends with a backslash (continuation)';
  if (line.trimStart().startsWith('#')) return 'line is a comment';
  return undefined;
}
