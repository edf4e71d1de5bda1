/**
 * The three timers of a session (RFC 4271 8): ConnectRetry, Hold and Keepalive, on the injected
 * clock so that tests advance time instead of sleeping (STYLE rule 8). Each fires its callback
 * once per arming; the keepalive re-arms itself until cancelled. ConnectRetry grows with an
 * exponential backoff (base `connectRetry` seconds, jitter 25 %, at most 120 s) until reset.
 */
import { Backoff } from '../../lib/backoff.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';

/** What the hold and ConnectRetry timers report to the state machine. */
export type TimerEvent = { readonly type: 'hold-expired' } | { readonly type: 'retry-expired' };

export interface TimerCallbacks {
  expired(ev: TimerEvent): void;
  keepalive(): void;
}

export class SessionTimers {
  readonly #clock: Clock;
  readonly #on: TimerCallbacks;
  #hold: TimerHandle | undefined;
  #retry: TimerHandle | undefined;
  #keepalive: TimerHandle | undefined;
  readonly #backoff: Backoff;
  /** The current ConnectRetry delay (ms), a step of the backoff. */
  #delay: number | undefined;
  readonly #baseMs: number;

  constructor(clock: Clock, on: TimerCallbacks, connectRetrySeconds: number, random?: () => number) {
    this.#clock = clock;
    this.#on = on;
    this.#baseMs = connectRetrySeconds * 1000;
    this.#backoff = new Backoff({
      baseMs: connectRetrySeconds * 1000,
      maxMs: Math.max(connectRetrySeconds * 1000, 120_000),
      jitter: 0.25,
      ...(random ? { random } : {}),
    });
  }

  armHold(ms: number): void {
    this.#hold?.cancel();
    this.#hold = this.#clock.setTimeout(() => {
      this.#hold = undefined;
      this.#on.expired({ type: 'hold-expired' });
    }, ms);
  }

  cancelHold(): void {
    this.#hold?.cancel();
    this.#hold = undefined;
  }

  /**
   * Arm ConnectRetry. `failed`: an attempt just failed (TCP refused, session ended), so the
   * delay takes its next backoff step; otherwise (waiting in Connect or Active) the current
   * delay is reused, so one failed attempt is one step of the backoff, not several.
   */
  armRetry(failed = false): void {
    // Before any failure the base delay; the first failure waits the base delay too, and
    // each further one doubles it (up to the cap) until the session reaches Established.
    if (failed) this.#delay = this.#backoff.next();
    const ms = this.#delay ?? this.#baseMs;
    this.#retry?.cancel();
    this.#retry = this.#clock.setTimeout(() => {
      this.#retry = undefined;
      this.#on.expired({ type: 'retry-expired' });
    }, ms);
  }

  /** The session reached Established: the next retry starts from the base delay again. */
  resetBackoff(): void {
    this.#backoff.reset();
    this.#delay = undefined;
  }

  cancelRetry(): void {
    this.#retry?.cancel();
    this.#retry = undefined;
  }

  /** Send a KEEPALIVE every `ms` (RFC 4271 4.4); 0 means none (hold time 0). */
  startKeepalive(ms: number): void {
    this.#keepalive?.cancel();
    this.#keepalive = undefined;
    if (ms <= 0) return;
    this.#keepalive = this.#clock.setTimeout(() => {
      this.startKeepalive(ms);
      this.#on.keepalive();
    }, ms);
  }

  cancelAll(): void {
    this.cancelHold();
    this.cancelRetry();
    this.#keepalive?.cancel();
    this.#keepalive = undefined;
  }
}
