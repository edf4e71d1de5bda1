/**
 * A rate-limited work queue in the manner of controller-runtime (STYLE rule 10): events only add
 * keys; a key is held once however often it is added, never processed twice at once (added
 * again while it runs, it runs once more afterwards), and its reconcile has three outcomes:
 * done (`{}`), done but look again later (`{requeueAfter}`), or a thrown error. A
 * `TerminalError` (an invalid spec) is reported and not retried until the key is added again;
 * any other error retries with per-key exponential backoff and jitter. Keys are processed one
 * at a time in order of arrival: the daemon's reconcilers are cheap and whole-set, so more
 * concurrency would only reorder them.
 */
import { Backoff } from '../lib/backoff.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { BgpdError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';

export interface ReconcileResult {
  /** Look at the key again after this many milliseconds (a level-triggered resync). */
  readonly requeueAfter?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult>;

/** An error retrying cannot fix (controller-runtime's TerminalError, MetalLB's ErrorNoRetry). */
export class TerminalError extends BgpdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BGPD_ERR_TERMINAL', message, options);
  }
}

export interface QueueCounters {
  /** Reconciles run, by outcome. */
  readonly success: number;
  readonly requeue: number;
  readonly error: number;
  readonly terminal: number;
  /** Retries scheduled after an error. */
  readonly retries: number;
  /** Sum of reconcile durations (ms). */
  readonly durationMs: number;
}

export interface WorkQueueOptions {
  /** The controller's name (logs and metrics). */
  readonly name: string;
  readonly reconcile: Reconcile;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Backoff of a failing key: 5 ms doubling up to 1000 s in controller-runtime; ours is configurable. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
  /** Told of every terminal error and of every error (with the attempt count). */
  readonly onError?: (key: string, error: unknown, terminal: boolean) => void;
}

export class WorkQueue {
  readonly name: string;
  readonly #o: WorkQueueOptions;
  /** Keys waiting to run, in arrival order. */
  readonly #ready = new Set<string>();
  /** Keys added while they were running. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; timer: TimerHandle }>();
  readonly #backoff = new Map<string, Backoff>();
  #running: string | undefined;
  #idle: (() => void)[] = [];
  #stopped = false;
  #scheduled = false;
  #counters = { success: 0, requeue: 0, error: 0, terminal: 0, retries: 0, durationMs: 0 };

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#o = options;
  }

  /** Mark the key for a reconcile as soon as possible. */
  add(key: string): void {
    if (this.#stopped) return;
    this.#cancelDelayed(key);
    if (this.#running === key) {
      this.#dirty.add(key);
      return;
    }
    this.#ready.add(key);
    // Start on the next microtask, so a burst of adds from one event is seen as one.
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#kick();
      });
    }
  }

  /** Reconcile the key after `ms` unless it is added sooner (the earliest wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const at = this.#o.clock.now() + ms;
    const current = this.#delayed.get(key);
    if (this.#ready.has(key) || (current !== undefined && current.at <= at)) return;
    current?.timer.cancel();
    const timer = this.#o.clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, timer });
  }

  /** Keys waiting (ready, dirty or delayed): the work queue depth. */
  get depth(): number {
    return this.#ready.size + this.#dirty.size + this.#delayed.size;
  }

  get counters(): QueueCounters {
    return { ...this.#counters };
  }

  /** Resolves when nothing is ready or running (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.#running === undefined && this.#ready.size === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stop taking keys; resolves when the running reconcile, if any, has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const d of this.#delayed.values()) d.timer.cancel();
    this.#delayed.clear();
    this.#ready.clear();
    this.#dirty.clear();
    await this.whenIdle();
  }

  #cancelDelayed(key: string): void {
    const d = this.#delayed.get(key);
    if (d === undefined) return;
    d.timer.cancel();
    this.#delayed.delete(key);
  }

  #kick(): void {
    if (this.#running !== undefined) return;
    const next = this.#ready.values().next();
    if (next.done === true) {
      const waiting = this.#idle;
      this.#idle = [];
      for (const w of waiting) w();
      return;
    }
    const key = next.value;
    this.#ready.delete(key);
    this.#running = key;
    void this.#run(key);
  }

  async #run(key: string): Promise<void> {
    const started = this.#o.clock.now();
    try {
      const result = await this.#o.reconcile(key);
      this.#done(key, result);
    } catch (e) {
      this.#failed(key, e);
    } finally {
      this.#counters.durationMs += this.#o.clock.now() - started;
      this.#running = undefined;
      if (this.#dirty.delete(key)) this.add(key);
      this.#kick();
    }
  }

  #done(key: string, result: ReconcileResult): void {
    this.#backoff.delete(key);
    if (result.requeueAfter !== undefined) {
      this.#counters.requeue++;
      this.addAfter(key, result.requeueAfter);
    } else this.#counters.success++;
  }

  #failed(key: string, e: unknown): void {
    const terminal = e instanceof TerminalError;
    this.#o.onError?.(key, e, terminal);
    if (terminal) {
      this.#counters.terminal++;
      this.#backoff.delete(key);
      this.#o.logger.warn(
        { controller: this.name, key, err: errorMessage(e) },
        'reconcile failed: not retried',
      );
      return;
    }
    this.#counters.error++;
    this.#counters.retries++;
    let b = this.#backoff.get(key);
    if (b === undefined) {
      b = new Backoff({
        baseMs: this.#o.baseDelayMs ?? 100,
        maxMs: this.#o.maxDelayMs ?? 60_000,
        jitter: 0.5,
        ...(this.#o.random === undefined ? {} : { random: this.#o.random }),
      });
      this.#backoff.set(key, b);
    }
    const delay = b.next();
    this.#o.logger.warn(
      { controller: this.name, key, err: errorMessage(e), retryInMs: delay },
      'reconcile failed',
    );
    if (!this.#dirty.has(key)) this.addAfter(key, delay);
  }
}
