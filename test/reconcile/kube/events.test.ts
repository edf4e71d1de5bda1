/** EventRecorder against the fake API server: core/v1 Events, de-duplication, failures. */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/lib/clock.js';
import { EventRecorder } from '../../../src/reconcile/kube/events.js';
import type { KubeObject } from '../../../src/reconcile/kube/types.js';
import { attachment, useHarness, peer } from './harness.js';

describe('reconcile/kube EventRecorder', () => {
  const h = useHarness();

  it('posts core/v1 Events with the involved object, and drops identical consecutive ones', async () => {
    const p1 = h.fake.upsert(peer('p1')) as KubeObject;
    const pa = h.fake.upsert(attachment('tenant', 'pa1', 'n1')) as KubeObject;
    const rec = new EventRecorder({
      clients: h.clients,
      component: 'bagpipe-bgp',
      instance: 'node-1',
      clock: new ManualClock(),
    });
    const down = { type: 'Warning', reason: 'SessionDown', message: 'hold timer expired' } as const;
    await rec.record(p1, down);
    await rec.record(p1, down);
    await rec.record(p1, { ...down, message: 'connection refused' });
    await rec.record(p1, down);
    await rec.record(pa, { type: 'Normal', reason: 'Attached', message: 'port tap1 attached' });

    assert.equal(rec.recorded, 4);
    assert.equal(rec.deduplicated, 1);
    const posts = h.fake.requestsMatching({ method: 'POST', resource: 'events' });
    assert.deepEqual(
      posts.map((q) => q.path),
      [...Array<string>(3).fill('/api/v1/namespaces/default/events'), '/api/v1/namespaces/tenant/events'],
    );
    const ev = h.fake.events().find((e) => e['reason'] === 'Attached')!;
    assert.deepEqual(ev['involvedObject'], {
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'PortAttachment',
      name: 'pa1',
      namespace: 'tenant',
      uid: pa.metadata.uid,
      resourceVersion: pa.metadata.resourceVersion,
    });
    assert.equal(ev['type'], 'Normal');
    assert.equal(ev['count'], 1);
    assert.deepEqual(ev['source'], { component: 'bagpipe-bgp', host: 'node-1' });
    assert.equal(ev['firstTimestamp'], '2026-01-01T00:00:00.000Z');
    assert.match(ev.metadata.name ?? '', /^pa1\.[0-9a-f]+$/);
  });

  it('never throws; a failed event is not remembered, so the next identical one is posted', async () => {
    const p1 = h.fake.upsert(peer('p1')) as KubeObject;
    const rec = new EventRecorder({ clients: h.clients, component: 'bagpipe-bgp' });
    h.fake.failNext(1, 500, { filter: { resource: 'events' } });
    const e = { type: 'Normal', reason: 'Established', message: 'up' } as const;
    await rec.record(p1, e);
    await rec.record(p1, e);
    assert.equal(rec.recorded, 1);
    assert.deepEqual(
      h.fake.requestsMatching({ resource: 'events' }).map((q) => q.status),
      [500, 201],
    );
  });
});
