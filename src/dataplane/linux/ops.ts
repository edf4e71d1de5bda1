/**
 * Planned operations and their execution. A plan is a list of `Op`s, each one batch line for
 * `ip` or `bridge` (or one `sysctl` key=value), tagged with the entry it serves (for error
 * reports) and a phase:
 *   0 teardown (delete devices, release ports), 1 devices (create, enslave, up),
 *   2 entries (bridge port flags, fdb, neighbours, routes, rules, addresses, sysctls).
 * Phases run in order; inside a phase each tool gets one batch and the tools run side by side.
 */
import { errorMessage } from '../../lib/errors.js';
import { type ApplyResult, type EntryError, OPS_SHOWN } from '../driver.js';
import type { BatchTool, CommandRunner } from '../runner.js';

export type OpTool = BatchTool | 'sysctl';
export type Phase = 0 | 1 | 2;

export interface Op {
  readonly phase: Phase;
  readonly tool: OpTool;
  /** The batch line (`fdb replace ...`), or `path/of/key=value` for sysctl. */
  readonly line: string;
  readonly entry: string;
}

export interface Plan {
  readonly ops: readonly Op[];
  /** Entries refused while planning (invalid values, conflicts, missing ports). */
  readonly errors: readonly EntryError[];
}

export const opText = (op: Op): string =>
  op.tool === 'sysctl' ? `sysctl -w ${op.line}` : `${op.tool} ${op.line}`;

/** Collects ops and errors while planning. */
export class PlanBuilder {
  readonly ops: Op[] = [];
  readonly errors: EntryError[] = [];

  op(phase: Phase, tool: OpTool, line: string, entry: string): void {
    this.ops.push({ phase, tool, line, entry });
  }

  error(entry: string, message: string): void {
    this.errors.push({ entry, message });
  }

  build(): Plan {
    return { ops: this.ops, errors: this.errors };
  }
}

interface ToolResult {
  readonly ok: number;
  readonly errors: EntryError[];
}

async function runBatch(runner: CommandRunner, tool: BatchTool, ops: readonly Op[]): Promise<ToolResult> {
  if (ops.length === 0) return { ok: 0, errors: [] };
  try {
    const r = await runner.batch(
      tool,
      ops.map((o) => o.line),
    );
    const errors = r.errors.map((e) => ({
      entry: ops[e.index]?.entry ?? e.line,
      message: `${tool} ${e.line}: ${e.message}`,
    }));
    return { ok: ops.length - errors.length, errors };
  } catch (e) {
    return { ok: 0, errors: ops.map((o) => ({ entry: o.entry, message: errorMessage(e) })) };
  }
}

/** `sysctl -w a=1 b=2`: one process; a failing key is named in its stderr line. */
async function runSysctl(runner: CommandRunner, ops: readonly Op[]): Promise<ToolResult> {
  if (ops.length === 0) return { ok: 0, errors: [] };
  const r = await runner.run(['sysctl', '-w', ...ops.map((o) => o.line)]);
  const errLines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errors: EntryError[] = [];
  for (const o of ops) {
    const key = o.line.slice(0, o.line.indexOf('='));
    const hit = errLines.find((l) => l.includes(`/proc/sys/${key}:`) || l.includes(`${key}:`));
    if (hit !== undefined) errors.push({ entry: o.entry, message: hit });
    else if (r.code === -1) errors.push({ entry: o.entry, message: r.stderr.trim() });
  }
  return { ok: ops.length - errors.length, errors };
}

/** Runs the plan phase by phase; never stops on a failed line. */
export async function execute(runner: CommandRunner, plan: Plan): Promise<ApplyResult> {
  let changes = 0;
  const errors: EntryError[] = [...plan.errors];
  for (const phase of [0, 1, 2] as const) {
    const ops = plan.ops.filter((o) => o.phase === phase);
    if (ops.length === 0) continue;
    const results = await Promise.all([
      runBatch(
        runner,
        'ip',
        ops.filter((o) => o.tool === 'ip'),
      ),
      runBatch(
        runner,
        'bridge',
        ops.filter((o) => o.tool === 'bridge'),
      ),
      runSysctl(
        runner,
        ops.filter((o) => o.tool === 'sysctl'),
      ),
    ]);
    for (const r of results) {
      changes += r.ok;
      errors.push(...r.errors);
    }
  }
  return { changes, errors, attempted: plan.ops.length, ops: plan.ops.slice(0, OPS_SHOWN).map(opText) };
}
