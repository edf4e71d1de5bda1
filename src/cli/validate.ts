#!/usr/bin/env node
/**
 * `bagpipe validate FILE|DIR…`: checks desired-state files offline, with the daemon's own reader
 * (`DirectoryScanner`: JSON, one object or an array per file, strict schema, semantic rules,
 * duplicates within and across files). The files given (a directory stands for its `*.json`
 * files, in name order) are linked under numbered names into a private temp directory, so the
 * order given is the order the duplicate rule uses. Prints `FILE: ok (N objects)` or one line per
 * problem, `FILE[index] Kind namespace/name: /json/pointer: message (CODE)`. Exit status 0 when
 * every file is valid, 1 otherwise, 2 on a command-line mistake.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DirectoryScanner } from '../desired/file-scan.js';
import { createValidator, objectName, type InvalidReport } from '../desired/index.js';
import { errorMessage } from '../lib/errors.js';
import { parseCommandLine, processIo, runIfMain, type Io } from './main.js';

const NAME = 'bagpipe';
const SYNOPSIS = `usage: ${NAME} validate FILE|DIR...`;

export function usage(): string {
  return `${SYNOPSIS}

Checks desired-state files (BgpPeer, VpnInstance, PortAttachment; one object or a JSON array
per file) as the daemon reads desired.d, without a daemon. A directory stands for its *.json
files. Exit status 0 if all are valid, 1 otherwise.

  -h, --help   this help
`;
}

/** The files to check, in order: each FILE as given, each DIR's *.json (not dotfiles) by name. */
function expand(paths: readonly string[]): { files: string[]; unreadable: Map<string, string> } {
  const files: string[] = [];
  const unreadable = new Map<string, string>();
  for (const p of paths) {
    try {
      if (!statSync(p).isDirectory()) {
        files.push(p);
        continue;
      }
      const names = readdirSync(p).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
      files.push(...names.sort().map((n) => join(p, n)));
    } catch (e) {
      unreadable.set(p, errorMessage(e));
    }
  }
  return { files, unreadable };
}

/** One line per issue: `FILE[index] Kind namespace/name: /json/pointer: message (CODE)`. */
export function describeReport(file: string, r: InvalidReport): string[] {
  const at = r.index === undefined ? '' : `[${r.index}]`;
  const who = r.kind === undefined ? '' : ` ${r.kind} ${objectName(r.namespace ?? '', r.name ?? '?')}`;
  const oneLine = (m: string): string => m.replace(/\s*\n\s*/g, ' ');
  return r.issues.map(
    (i) => `${file}${at}${who}: ${i.path === '' ? '' : `${i.path}: `}${oneLine(i.message)} (${i.code})`,
  );
}

async function check(files: readonly string[]): Promise<{ lines: string[]; invalid: Set<string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bagpipe-validate-'));
  try {
    const byLink = new Map<string, string>();
    files.forEach((f, i) => {
      const link = `${String(i).padStart(6, '0')}.json`;
      symlinkSync(resolve(f), join(dir, link));
      byLink.set(link, f);
    });
    const scanner = new DirectoryScanner({
      directory: dir,
      source: 'validate',
      validator: createValidator({ strict: true }),
    });
    const result = await scanner.scan();
    const lines: string[] = [];
    const invalid = new Set<string>();
    for (const [link, file] of byLink) {
      const reports = result.invalid.filter((r) => r.origin === link);
      if (reports.length > 0) {
        invalid.add(file);
        lines.push(...reports.flatMap((r) => describeReport(file, r)));
      } else {
        const n = result.entries.filter((e) => e.origin === link).length;
        lines.push(`${file}: ok (${n} object${n === 1 ? '' : 's'})`);
      }
    }
    return { lines, invalid };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const tool = { name: NAME, usage, synopsis: SYNOPSIS };
  const parsed = parseCommandLine(tool, argv, { help: { type: 'boolean', short: 'h' } }, io);
  if (typeof parsed === 'number') return parsed;
  const [command, ...paths] = parsed.positionals;
  if (command !== 'validate' || paths.length === 0) {
    const what = command === 'validate' ? 'no FILE given' : `unknown command ${command ?? '(none)'}`;
    io.err(`${SYNOPSIS}\n${NAME}: error: ${what}\n`);
    return 2;
  }
  const { files, unreadable } = expand(paths);
  for (const [p, why] of unreadable) io.out(`${p}: cannot read: ${why} (BGPD_ERR_SPEC_READ)\n`);
  const { lines, invalid } = await check(files);
  for (const l of lines) io.out(`${l}\n`);
  const bad = invalid.size + unreadable.size;
  io.out(`${files.length + unreadable.size} file(s), ${bad} invalid\n`);
  return bad === 0 ? 0 : 1;
}

runIfMain(import.meta.url, NAME, () => run(process.argv.slice(2), processIo));
