/**
 * The driver contract (STYLE rules 12 and 13). A driver takes the whole desired set
 * (`apply(desired)`), observes what is live and owned by it, applies the minimal difference in
 * one batch, and reports `{changes, errors}` without stopping on a bad entry. A periodic
 * `repair` pass re-applies the last desired set to undo drift.
 *
 * Until the first `apply`, a driver touches nothing: state left by a previous run keeps
 * forwarding, and the first pass adopts what already matches (zero changes).
 *
 * `DriverCore` holds what every driver shares: one pass at a time, the repair timer (on the
 * injected clock) and the counters exposed to the looking glass and metrics.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { DataplaneIntent, InstanceType } from './intent.js';

/** One entry that could not be programmed (or removed); the pass went on without it. */
export interface EntryError {
  /** What the entry is, e.g. "evpn vpn-1 fdb 02:00:00:00:00:01". */
  readonly entry: string;
  readonly message: string;
}

export interface ApplyResult {
  /** Operations that succeeded (0 when live state already matched). */
  readonly changes: number;
  readonly errors: readonly EntryError[];
  /** How many operations were attempted (the size of the diff). */
  readonly attempted: number;
  /** The operations attempted, in order; only the first `OPS_SHOWN` at scale. */
  readonly ops: readonly string[];
}

/** `ApplyResult.ops` keeps this many operations (a 100k-entry diff is not kept as text). */
export const OPS_SHOWN = 1000;

export interface DriverCounters {
  readonly passes: number;
  readonly repairs: number;
  /** Operations applied successfully, over the driver's life. */
  readonly opsApplied: number;
  /** Entry errors, over the driver's life. */
  readonly errors: number;
  /** Passes that could not even observe (the whole pass failed). */
  readonly failedPasses: number;
}

export interface DriverStatus {
  readonly driver: string;
  readonly type: InstanceType;
  readonly desired: DataplaneIntent | undefined;
  readonly counters: DriverCounters;
  /** The last pass: what it changed (capped) and what failed. */
  readonly last:
    | {
        readonly at: number;
        readonly durationMs: number;
        readonly reason: PassReason;
        readonly changes: number;
        readonly diff: readonly string[];
        readonly errors: readonly EntryError[];
      }
    | undefined;
  readonly repairIntervalMs: number | undefined;
}

export type PassReason = 'apply' | 'repair';

/** What a pass would do now, computed without changing anything (dry runs, `bagpipe diff`). */
export interface DriverPreview {
  /** Every operation the pass would attempt, in execution order (not capped). */
  readonly ops: readonly string[];
  /** Entries the pass would refuse. */
  readonly errors: readonly EntryError[];
}

export interface DataplaneDriver {
  readonly name: string;
  readonly type: InstanceType;
  /** Converge live state to `desired` (the whole set for this driver). */
  apply(desired: DataplaneIntent): Promise<ApplyResult>;
  /** Re-apply the last desired set; `undefined` when nothing was applied yet. */
  repair(): Promise<ApplyResult | undefined>;
  /**
   * Observe live state and plan what `apply(desired)` would do, applying nothing (it does not
   * wait for a pass in progress). Absent on drivers without live state (dummy).
   */
  preview?(desired: DataplaneIntent): Promise<DriverPreview>;
  /** Run `repair` every `intervalMs` until `stop`. */
  startRepair(intervalMs: number): void;
  stop(): Promise<void>;
  status(): DriverStatus;
}

export interface DriverCoreOptions {
  readonly name: string;
  readonly type: InstanceType;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Ops kept in `status().last.diff`. */
  readonly diffCap?: number;
}

type Pass = (desired: DataplaneIntent) => Promise<ApplyResult>;

export class DriverCore {
  readonly #o: DriverCoreOptions;
  readonly #pass: Pass;
  #desired: DataplaneIntent | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: TimerHandle | undefined;
  #interval: number | undefined;
  #counters = { passes: 0, repairs: 0, opsApplied: 0, errors: 0, failedPasses: 0 };
  #last: DriverStatus['last'];

  constructor(options: DriverCoreOptions, pass: Pass) {
    this.#o = options;
    this.#pass = pass;
  }

  get desired(): DataplaneIntent | undefined {
    return this.#desired;
  }

  apply(desired: DataplaneIntent): Promise<ApplyResult> {
    this.#desired = desired;
    return this.#enqueue(desired, 'apply');
  }

  repair(): Promise<ApplyResult | undefined> {
    const d = this.#desired;
    if (d === undefined) return Promise.resolve(undefined);
    this.#counters.repairs++;
    return this.#enqueue(d, 'repair');
  }

  startRepair(intervalMs: number): void {
    this.#timer?.cancel();
    this.#interval = intervalMs;
    const tick = (): void => {
      this.repair()
        .catch((e: unknown) => {
          this.#o.logger.error({ err: errorMessage(e) }, 'dataplane repair failed');
        })
        .finally(() => {
          if (this.#interval !== undefined) this.#timer = this.#o.clock.setTimeout(tick, intervalMs);
        });
    };
    this.#timer = this.#o.clock.setTimeout(tick, intervalMs);
  }

  async stop(): Promise<void> {
    this.#interval = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#queue;
  }

  status(): DriverStatus {
    return {
      driver: this.#o.name,
      type: this.#o.type,
      desired: this.#desired,
      counters: { ...this.#counters },
      last: this.#last,
      repairIntervalMs: this.#interval,
    };
  }

  #enqueue(desired: DataplaneIntent, reason: PassReason): Promise<ApplyResult> {
    const run = this.#queue.then(() => this.#run(desired, reason));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(desired: DataplaneIntent, reason: PassReason): Promise<ApplyResult> {
    const started = this.#o.clock.now();
    this.#counters.passes++;
    let result: ApplyResult;
    try {
      result = await this.#pass(desired);
    } catch (e) {
      this.#counters.failedPasses++;
      throw e;
    }
    this.#counters.opsApplied += result.changes;
    this.#counters.errors += result.errors.length;
    this.#last = {
      at: this.#o.clock.wallNow(),
      durationMs: this.#o.clock.now() - started,
      reason,
      changes: result.changes,
      diff: result.ops.slice(0, this.#o.diffCap ?? 200),
      errors: result.errors.slice(0, this.#o.diffCap ?? 200),
    };
    const fields = { reason, changes: result.changes, errors: result.errors.length };
    if (result.errors.length > 0) this.#o.logger.warn(fields, 'dataplane pass with errors');
    else this.#o.logger.debug(fields, 'dataplane pass');
    return result;
  }
}

/**
 * A driver built on `DriverCore`: subclasses implement `pass` (one observe-diff-apply round);
 * the rest of the contract is delegated.
 */
export abstract class BaseDriver implements DataplaneDriver {
  readonly name: string;
  readonly type: InstanceType;
  readonly #core: DriverCore;

  constructor(options: DriverCoreOptions) {
    this.name = options.name;
    this.type = options.type;
    this.#core = new DriverCore(options, (d) => this.pass(d));
  }

  /** One round: converge live state to `desired`. Runs one at a time. */
  protected abstract pass(desired: DataplaneIntent): Promise<ApplyResult>;

  apply(desired: DataplaneIntent): Promise<ApplyResult> {
    return this.#core.apply(desired);
  }

  repair(): Promise<ApplyResult | undefined> {
    return this.#core.repair();
  }

  startRepair(intervalMs: number): void {
    this.#core.startRepair(intervalMs);
  }

  stop(): Promise<void> {
    return this.#core.stop();
  }

  status(): DriverStatus {
    return this.#core.status();
  }
}
