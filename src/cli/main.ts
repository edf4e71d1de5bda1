/**
 * Entry-point glue for the command-line tools: run `main` only when the file is the program
 * (not when a test imports it), through the npm bin symlink too, and exit with its status.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../lib/errors.js';

/** Output streams of a tool, injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function isMain(moduleUrl: string): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return pathToFileURL(realpathSync(arg)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Calls `main` if `moduleUrl` (the caller's `import.meta.url`) is the program, then exits with its code. */
export function runIfMain(moduleUrl: string, name: string, main: () => Promise<number>): void {
  if (!isMain(moduleUrl)) return;
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
export type Parsed<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

export interface ToolText {
  readonly name: string;
  /** Printed for --help. */
  usage(): string;
  /** Printed before a command-line error. */
  readonly synopsis: string;
}

/**
 * Parses `argv`; answers `--help` (exit status 0) and mistakes (usage and message on stderr,
 * exit status 2) itself, returning the status instead of the parsed values then.
 */
export function parseCommandLine<O extends OptionsConfig>(
  tool: ToolText,
  argv: readonly string[],
  options: O,
  io: Io,
): Parsed<O> | number {
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    if ((parsed.values as { help?: unknown }).help === true) {
      io.out(tool.usage());
      return 0;
    }
    return parsed;
  } catch (e) {
    io.err(`${tool.synopsis}\n${tool.name}: error: ${errorMessage(e)}\n`);
    return 2;
  }
}
