/**
 * An injected clock (STYLE rule 8): production uses real timers, tests use `ManualClock`
 * and advance time explicitly, so no test ever sleeps.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Wall-clock milliseconds since the epoch. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return {
      cancel: () => {
        clearTimeout(t);
      },
    };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that only moves when told to; timers fire in time order during `advance`. */
export class ManualClock implements Clock {
  #now = 0;
  #wallBase: number;
  #seq = 0;
  #timers: Pending[] = [];

  constructor(wallBase = Date.UTC(2026, 0, 1)) {
    this.#wallBase = wallBase;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wallBase + this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true };
    this.#timers.push(p);
    return {
      cancel: () => {
        p.live = false;
      },
    };
  }

  /** Number of timers still armed. */
  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => t.live);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (next === undefined || next.at > target) break;
      this.#now = next.at;
      next.live = false;
      next.fn();
    }
    this.#now = target;
  }
}
