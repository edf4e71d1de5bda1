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

  constructor(clock: Clock, on: TimerCallbacks, connectRetrySeconds: number, random?: () => number) {
    this.#clock = clock;
    this.#on = on;
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

  /** Arm ConnectRetry with the next backoff delay. */
  armRetry(): void {
    const ms = this.#backoff.next();
    this.#retry?.cancel();
    this.#retry = this.#clock.setTimeout(() => {
      this.#retry = undefined;
      this.#on.expired({ type: 'retry-expired' });
    }, ms);
  }

  /** The session reached Established: the next retry starts from the base delay again. */
  resetBackoff(): void {
    this.#backoff.reset();
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
