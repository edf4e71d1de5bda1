/**
 * The benchmark harness shared by every `bench/<name>.ts`. A benchmark measures one or more
 * cases, each side by side with a comparator run in the same invocation (gobgpd, a batch
 * floor, one process per entry), over at least 3 runs; it reports medians, spread and the
 * ratio, prints a table and writes `bench/results/<name>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Stats {
  readonly runs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface Row {
  /** What was measured, e.g. "decode VPNv4, 250 routes/UPDATE". */
  readonly case: string;
  /** How many items one run handles (routes, entries, objects). */
  readonly count: number;
  /** Unit of `ours`/`comparator` samples, e.g. "ms" or "routes/s". */
  readonly unit: string;
  readonly ours: Stats;
  readonly comparatorName: string;
  readonly comparator: Stats | undefined;
  /** ours.median / comparator.median (or the inverse when higher is better, see `better`). */
  readonly ratio: number | undefined;
  readonly better: 'lower' | 'higher';
  readonly extra?: Record<string, number | string>;
}

export interface BenchResult {
  readonly name: string;
  readonly method: string;
  readonly rows: Row[];
  readonly host: { node: string; cpus: number; date: string };
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { runs: samples, median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** Run `fn` `runs` times (after `warmup` unmeasured runs) and return the measured samples. */
export async function repeat(
  runs: number,
  fn: () => Promise<number> | number,
  warmup = 0,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

export function row(r: Omit<Row, 'ratio'>): Row {
  const c = r.comparator?.median;
  const ratio = c === undefined || c === 0 ? undefined : r.ours.median / c;
  return { ...r, ratio };
}

const fmt = (n: number | undefined): string =>
  n === undefined
    ? '-'
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toPrecision(3);

const spread = (s: Stats | undefined): string => (s === undefined ? '-' : `${fmt(s.min)}..${fmt(s.max)}`);

/** A Markdown table (also readable in a terminal), as the README carries it. */
export function table(result: BenchResult): string {
  const head = [
    'case',
    'count',
    'unit',
    'ours (median)',
    'ours spread',
    'comparator',
    'comparator (median)',
    'comparator spread',
    'ratio',
    'runs',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of result.rows) {
    const ratioText = r.ratio === undefined ? '-' : `${fmt(r.ratio)}x (${r.better} is better)`;
    lines.push(
      `| ${[r.case, String(r.count), r.unit, fmt(r.ours.median), spread(r.ours), r.comparatorName, fmt(r.comparator?.median), spread(r.comparator), ratioText, String(r.ours.runs.length)].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function report(name: string, method: string, rows: Row[]): BenchResult {
  const result: BenchResult = {
    name,
    method,
    rows,
    host: {
      node: process.version,
      cpus:
        (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 0,
      date: new Date().toISOString(),
    },
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n## ${name}\n\n${method}\n\n${table(result)}\n`);
  return result;
}

/** Each `bench/<name>.ts` default-exports one of these. */
export type Benchmark = (args: readonly string[]) => Promise<BenchResult>;
