import assert from 'node:assert/strict';
import { Backoff } from '../../src/lib/backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap, and jitter takes off at most its fraction', () => {
    const fixed = (r: number): number[] => {
      const b = new Backoff({ baseMs: 1000, maxMs: 8000, jitter: 0.25, random: () => r });
      return [1, 2, 3, 4, 5].map(() => b.next());
    };
    assert.deepEqual(fixed(0), [1000, 2000, 4000, 8000, 8000]);
    assert.deepEqual(fixed(1), [750, 1500, 3000, 6000, 6000]);
    assert.deepEqual(fixed(0.5), [875, 1750, 3500, 7000, 7000]);
  });

  it('starts again from the base after reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0, random: () => 0.7 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 100);
  });
});
