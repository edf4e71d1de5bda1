/**
 * Exponential backoff with full jitter: attempt n waits a random time in
 * [base * 2^n * (1 - jitter), base * 2^n], capped at `max`. The random source is injected.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Fraction of the delay that is randomised, 0..1. */
  readonly jitter: number;
  readonly random?: () => number;
}

export class Backoff {
  readonly #o: BackoffOptions;
  #attempt = 0;

  constructor(o: BackoffOptions) {
    this.#o = o;
  }

  next(): number {
    const { baseMs, maxMs, jitter } = this.#o;
    const random = this.#o.random ?? Math.random;
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.round(ceiling * (1 - jitter * random()));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
