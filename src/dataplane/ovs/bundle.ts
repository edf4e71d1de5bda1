/**
 * Executing a plan: every mod goes into one atomic transaction, written to a temporary file
 * because the runner passes no stdin: `ovs-ofctl -O OpenFlow15 bundle` when group mods are
 * part of it (flow and group mods in one bundle need OpenFlow 1.5), else `ovs-ofctl --bundle
 * add-flows` (measured faster for the same flows). OVS applies a bundle atomically: one bad mod fails it all. Then the mods are
 * bisected: each half is retried as its own bundle, in order, until the bad mods stand alone;
 * the good ones are applied and each bad one is reported against its entry. A retry budget caps
 * the number of `ovs-ofctl` runs (many bad mods would otherwise cost two runs each); when it is
 * spent, the mods of a failing chunk are all reported.
 *
 * A failure to reach the switch at all (no socket, no OpenFlow 1.5) fails the whole pass.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataplaneError } from '../../lib/errors.js';
import type { EntryError } from '../driver.js';
import type { CommandRunner } from '../runner.js';
import { ofctl, type OvsTarget } from './observe.js';
import { type Mod, modEntry, modText } from './plan.js';

export interface BundleOptions {
  /** Where the bundle files go (removed afterwards). */
  readonly tmpDir: string;
  /** `ovs-ofctl bundle` runs allowed for one plan, bisection included. */
  readonly maxAttempts: number;
}

export interface BundleResult {
  readonly ok: number;
  readonly errors: EntryError[];
  /** `ovs-ofctl bundle` runs. */
  readonly attempts: number;
}

const UNREACHABLE =
  /failed to connect|Connection refused|No such file or directory|version negotiation failed|not a bridge or a socket/i;

interface State {
  /** Path prefix of this plan's bundle files (one per attempt, created exclusively). */
  readonly base: string;
  ok: number;
  attempts: number;
  /** Set once the switch is unreachable: the remaining mods are reported without a run. */
  fatal: string | undefined;
  /** The last failure seen (reported with the mods the budget left unapplied). */
  last: string;
  readonly errors: EntryError[];
}

/** The interesting part of ovs-ofctl's stderr (the OpenFlow error and the mod it names). */
function failure(stderr: string, code: number): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('bundle_id='));
  return (lines.find((l) => l.startsWith('Error ')) ?? lines[0] ?? `exit code ${code}`).slice(0, 500);
}

async function attempt(
  runner: CommandRunner,
  t: OvsTarget,
  mods: readonly Mod[],
  s: State,
): Promise<string | undefined> {
  const file = `${s.base}-${s.attempts}.bundle`;
  s.attempts++;
  // Flow mods only: `--bundle add-flows` (lines `add …`/`delete_strict …`) is the faster parser.
  const flowsOnly = mods.every((m) => m.kind === 'flow');
  const lines = flowsOnly ? mods.map((m) => m.line) : mods.map(modText);
  try {
    await writeFile(file, `${lines.join('\n')}\n`, { flag: 'wx', mode: 0o600 });
    const r = await runner.run(ofctl(t, flowsOnly ? 'add-flows' : 'bundle', file));
    return r.code === 0 ? undefined : failure(r.stderr, r.code);
  } finally {
    await rm(file, { force: true });
  }
}

async function applyChunk(
  runner: CommandRunner,
  t: OvsTarget,
  mods: readonly Mod[],
  s: State,
  o: BundleOptions,
): Promise<void> {
  const spent = s.attempts >= o.maxAttempts ? `not applied: retry budget spent (${s.last})` : undefined;
  const why = s.fatal ?? spent ?? (await attempt(runner, t, mods, s));
  if (why === undefined) {
    s.ok += mods.length;
    return;
  }
  s.last = why;
  if (UNREACHABLE.test(why)) {
    if (s.attempts === 1) throw new DataplaneError(`ovs-ofctl bundle ${t.target}: ${why}`);
    s.fatal = why;
  }
  if (mods.length === 1 || s.fatal !== undefined || spent !== undefined) {
    for (const m of mods)
      s.errors.push({ entry: modEntry(m), message: `${modText(m).slice(0, 300)}: ${why}` });
    return;
  }
  const mid = Math.ceil(mods.length / 2);
  await applyChunk(runner, t, mods.slice(0, mid), s, o);
  await applyChunk(runner, t, mods.slice(mid), s, o);
}

/** Applies `mods` as one bundle; on failure bisects to apply the good ones and name the bad. */
export async function applyBundle(
  runner: CommandRunner,
  t: OvsTarget,
  mods: readonly Mod[],
  o: BundleOptions,
): Promise<BundleResult> {
  if (mods.length === 0) return { ok: 0, errors: [], attempts: 0 };
  const s: State = {
    base: join(o.tmpDir, `bgb-ovs-${process.pid}-${randomBytes(4).toString('hex')}`),
    ok: 0,
    attempts: 0,
    fatal: undefined,
    last: '',
    errors: [],
  };
  await applyChunk(runner, t, mods, s, o);
  return { ok: s.ok, errors: s.errors, attempts: s.attempts };
}
