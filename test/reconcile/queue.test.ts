import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { TerminalError, WorkQueue, type Reconcile } from '../../src/reconcile/queue.js';

function queue(reconcile: Reconcile, clock = new ManualClock()): { q: WorkQueue; clock: ManualClock } {
  const q = new WorkQueue({
    name: 'test',
    reconcile,
    clock,
    logger: silentLogger,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0,
  });
  return { q, clock };
}

/** A reconcile that records each key and waits until released. */
function gated(): { reconcile: Reconcile; calls: string[]; release(): void } {
  const calls: string[] = [];
  let open: (() => void)[] = [];
  return {
    calls,
    reconcile: (key) => {
      calls.push(key);
      return new Promise((resolve) =>
        open.push(() => {
          resolve({});
        }),
      );
    },
    release() {
      const o = open;
      open = [];
      for (const r of o) r();
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('holds a key once however often it is added, in arrival order', async () => {
    const calls: string[] = [];
    const { q } = queue((k) => {
      calls.push(k);
      return Promise.resolve({});
    });
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('b');
    await q.whenIdle();
    assert.deepEqual(calls, ['a', 'b']);
    assert.equal(q.counters.success, 2);
  });

  it('never runs one key twice at once; an add while it runs runs it once more after', async () => {
    const g = gated();
    const { q } = queue(g.reconcile);
    q.add('a');
    await tick();
    q.add('a');
    q.add('a');
    await tick();
    assert.deepEqual(g.calls, ['a']);
    assert.equal(q.depth, 1);
    g.release();
    await tick();
    await tick();
    assert.deepEqual(g.calls, ['a', 'a']);
    g.release();
    await q.whenIdle();
    assert.equal(q.counters.success, 2);
  });

  it('retries an ordinary error with exponential backoff and forgets it after success', async () => {
    let failures = 3;
    const { q, clock } = queue(() =>
      failures-- > 0 ? Promise.reject(new Error('boom')) : Promise.resolve({}),
    );
    q.add('k');
    await q.whenIdle();
    assert.equal(q.counters.error, 1);
    clock.advance(99);
    await q.whenIdle();
    assert.equal(q.counters.error, 1, 'not before the first delay');
    clock.advance(1);
    await q.whenIdle();
    assert.equal(q.counters.error, 2);
    clock.advance(199);
    await q.whenIdle();
    assert.equal(q.counters.error, 2, 'the second delay doubles');
    clock.advance(1);
    await q.whenIdle();
    clock.advance(400);
    await q.whenIdle();
    assert.equal(q.counters.success, 1);
    assert.equal(q.counters.retries, 3);
    assert.equal(q.depth, 0);
  });

  it('does not retry a terminal error until the key is added again', async () => {
    const errors: [string, boolean][] = [];
    let n = 0;
    const clock = new ManualClock();
    const q = new WorkQueue({
      name: 't',
      clock,
      logger: silentLogger,
      reconcile: () =>
        n++ === 0 ? Promise.reject(new TerminalError('spec.vni: out of range')) : Promise.resolve({}),
      onError: (key, _e, terminal) => errors.push([key, terminal]),
    });
    q.add('x');
    await q.whenIdle();
    clock.advance(3_600_000);
    await q.whenIdle();
    assert.deepEqual(errors, [['x', true]]);
    assert.equal(q.counters.terminal, 1);
    assert.equal(q.depth, 0);
    q.add('x');
    await q.whenIdle();
    assert.equal(q.counters.success, 1);
  });

  it('requeues after the asked delay, and an add in between runs it at once', async () => {
    const calls: number[] = [];
    const { q, clock } = queue(() => {
      calls.push(clock.now());
      return Promise.resolve({ requeueAfter: 1000 });
    });
    q.add('r');
    await q.whenIdle();
    clock.advance(1000);
    await q.whenIdle();
    assert.deepEqual(calls, [0, 1000]);
    clock.advance(10);
    q.add('r');
    await q.whenIdle();
    assert.deepEqual(calls, [0, 1000, 1010]);
    assert.equal(q.counters.requeue, 3);
    await q.stop();
    assert.equal(clock.pending, 0, 'stop cancels delayed keys');
  });

  it('keeps the earliest of two delayed adds', async () => {
    const calls: number[] = [];
    const { q, clock } = queue(() => {
      calls.push(clock.now());
      return Promise.resolve({});
    });
    q.addAfter('d', 500);
    q.addAfter('d', 900);
    q.addAfter('d', 200);
    assert.equal(q.depth, 1);
    clock.advance(200);
    await q.whenIdle();
    clock.advance(1000);
    await q.whenIdle();
    assert.deepEqual(calls, [200], 'once, at the earliest time');
  });

  it('stops taking keys and waits for the running one', async () => {
    const g = gated();
    const { q } = queue(g.reconcile);
    q.add('a');
    q.add('b');
    await tick();
    const stopped = q.stop();
    q.add('c');
    g.release();
    await stopped;
    assert.deepEqual(g.calls, ['a']);
  });
});
