#!/usr/bin/env node
/**
 * `bagpipe COMMAND …`: the offline companion of the daemon. `validate` checks desired-state files
 * (validate.ts), `diff` prints what the daemon would change in this node's dataplane (diff.ts).
 * Each command has its own `--help`; exit status 2 on a command-line mistake.
 */
import { DIFF_SYNOPSIS, run as runDiff } from './diff.js';
import { processIo, runIfMain, type Io } from './main.js';
import { run as runValidate } from './validate.js';

const NAME = 'bagpipe';
const SYNOPSIS = `usage: ${NAME} validate FILE|DIR...
       ${DIFF_SYNOPSIS.replace(/^usage: /, '')}`;

export function usage(): string {
  return `${SYNOPSIS}

  validate   check desired-state files as the daemon reads desired.d (exit status 1 on a problem)
  diff       print what bagpipe-bgp would change in this node's dataplane, applying nothing
             (exit status 0: nothing, 1: changes, 2: problems)

"${NAME} COMMAND --help" describes a command.
`;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'validate') return runValidate(argv, io);
  if (command === 'diff') return runDiff(rest, io);
  if (command === '-h' || command === '--help') {
    io.out(usage());
    return 0;
  }
  const what = command === undefined ? 'no command given' : `unknown command ${command}`;
  io.err(`${SYNOPSIS}\n${NAME}: error: ${what}\n`);
  return 2;
}

runIfMain(import.meta.url, NAME, () => run(process.argv.slice(2), processIo));
