import assert from 'node:assert/strict';
import { type ApplyResult, DriverCore } from '../../src/dataplane/driver.js';
import type { DataplaneIntent } from '../../src/dataplane/intent.js';
import { ManualClock } from '../../src/lib/clock.js';
import { recordingLogger, type LogRecord } from '../../src/lib/log.js';
import { evpn, intent } from './linux/fixtures.js';

function core(
  pass: (d: DataplaneIntent) => Promise<ApplyResult>,
  clock = new ManualClock(),
  logs: LogRecord[] = [],
) {
  return new DriverCore({ name: 't', type: 'evpn', clock, logger: recordingLogger(logs) }, pass);
}

describe('DriverCore', () => {
  it('runs one pass at a time, in order', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = core(async (d) => {
      order.push(`start ${d.instances.length}`);
      if (d.instances.length === 1) await gate;
      order.push(`end ${d.instances.length}`);
      return { changes: 0, errors: [], attempted: 0, ops: [] };
    });
    const p1 = c.apply(intent(evpn()));
    const p2 = c.apply(intent());
    await Promise.resolve();
    release();
    await Promise.all([p1, p2]);
    assert.deepEqual(order, ['start 1', 'end 1', 'start 0', 'end 0']);
  });

  it('repairs on the clock with the last desired set, and stops', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const c = core((d) => {
      seen.push(d.instances.length);
      return Promise.resolve({
        changes: 1,
        errors: [{ entry: 'x', message: 'y' }],
        attempted: 1,
        ops: ['op'],
      });
    }, clock);
    c.startRepair(500);
    clock.advance(500);
    assert.deepEqual(seen, [], 'no repair before the first apply');
    await c.apply(intent(evpn()));
    clock.advance(500);
    await c.stop();
    assert.deepEqual(seen, [1, 1]);
    const s = c.status();
    assert.deepEqual(s.counters, { passes: 2, repairs: 1, opsApplied: 2, errors: 2, failedPasses: 0 });
    assert.equal(s.last?.reason, 'repair');
    assert.equal(s.repairIntervalMs, undefined);
    clock.advance(5000);
    assert.deepEqual(seen, [1, 1]);
  });

  it('logs a failed repair and keeps the timer going', async () => {
    const clock = new ManualClock();
    const logs: LogRecord[] = [];
    let n = 0;
    const c = core(
      () => {
        n++;
        return n === 2
          ? Promise.reject(new Error('observe failed'))
          : Promise.resolve({ changes: 0, errors: [], attempted: 0, ops: [] });
      },
      clock,
      logs,
    );
    await c.apply(intent());
    c.startRepair(100);
    clock.advance(100);
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    await c.stop();
    assert.equal(n, 3);
    assert.ok(logs.some((l) => l.level === 'error' && l.msg === 'dataplane repair failed'));
    assert.equal(c.status().counters.failedPasses, 1);
  });
});
