/**
 * Condition helpers: transition times kept while the status holds, RFC 3339 seconds, reasons
 * made schema-safe, transitions worth an Event, and JSON pointers as field paths.
 */
import { strict as assert } from 'node:assert';
import {
  buildConditions,
  fieldPath,
  isHealthy,
  rfc3339,
  safeReason,
  transitions,
} from '../../../src/reconcile/status/conditions.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);

describe('reconcile/status conditions', () => {
  it('keeps lastTransitionTime while the status holds, moves it when it flips', () => {
    const first = buildConditions(
      [{ type: 'Ready', status: 'False', reason: 'A', message: 'a' }],
      undefined,
      T0,
    );
    assert.deepEqual(first, [
      {
        type: 'Ready',
        status: 'False',
        lastTransitionTime: '2026-01-01T12:00:00Z',
        reason: 'A',
        message: 'a',
      },
    ]);
    const later = T0 + 90_000;
    const same = buildConditions(
      [{ type: 'Ready', status: 'False', reason: 'B', message: 'b' }],
      first,
      later,
    );
    assert.deepEqual([same[0]?.lastTransitionTime, same[0]?.reason], ['2026-01-01T12:00:00Z', 'B']);
    const flipped = buildConditions(
      [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }],
      same,
      later,
      3,
    );
    assert.deepEqual(
      [flipped[0]?.lastTransitionTime, flipped[0]?.observedGeneration],
      ['2026-01-01T12:01:30Z', 3],
    );
  });

  it('reports flips, and unhealthy conditions seen for the first time', () => {
    const at = rfc3339(T0);
    const c = (type: string, status: 'True' | 'False' | 'Unknown') => ({
      type,
      status,
      lastTransitionTime: at,
      reason: 'R',
      message: '',
    });
    assert.deepEqual(transitions(undefined, [c('Ready', 'True'), c('Degraded', 'False')]), []);
    assert.deepEqual(
      transitions(undefined, [c('Ready', 'False'), c('Degraded', 'True')]).map((x) => x.type),
      ['Ready', 'Degraded'],
    );
    const prev = [c('Ready', 'True'), c('Attached', 'True')];
    assert.deepEqual(
      transitions(prev, [c('Ready', 'Unknown'), c('Attached', 'True')]).map((x) => x.type),
      ['Ready'],
    );
    assert.equal(isHealthy(c('Degraded', 'False')), true);
    assert.equal(isHealthy(c('Ready', 'Unknown')), false);
  });

  it('makes reasons match the schema pattern and turns pointers into field paths', () => {
    assert.equal(safeReason('InstanceNotFound'), 'InstanceNotFound');
    assert.equal(safeReason('9 bad-reason:'), 'badreason');
    assert.equal(safeReason('---'), 'Unknown');
    assert.equal(fieldPath('/spec/importRTs/0'), 'spec.importRTs[0]');
    assert.equal(fieldPath('/metadata/labels/a~1b'), 'metadata.labels.a/b');
    assert.equal(fieldPath(''), '');
  });
});
