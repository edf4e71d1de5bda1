/** A token bucket on an injected clock: `burst` tokens, refilled at `ratePerSecond`. */
import type { Clock } from '../../lib/clock.js';

export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly clock: Clock;
}

export class TokenBucket {
  readonly #o: TokenBucketOptions;
  #tokens: number;
  #last: number;

  constructor(o: TokenBucketOptions) {
    this.#o = o;
    this.#tokens = o.burst;
    this.#last = o.clock.now();
  }

  /** Takes a token and returns 0, or returns how many ms until one is available. */
  take(): number {
    const now = this.#o.clock.now();
    this.#tokens = Math.min(
      this.#o.burst,
      this.#tokens + ((now - this.#last) * this.#o.ratePerSecond) / 1000,
    );
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#o.ratePerSecond);
  }
}
