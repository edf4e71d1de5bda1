/**
 * StatusWriter against the fake API server: merge patches of `/status` only on change,
 * set-like lists, removals, retries, rate limiting on a ManualClock, and stop().
 */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/lib/clock.js';
import { StatusWriter, type StatusWriterOptions } from '../../../src/reconcile/kube/status.js';
import { attachment, GROUP, peer, peersRef, useHarness } from './harness.js';
import { waitFor } from '../../helpers/wait.js';

const peerStatus = { group: GROUP.group, version: GROUP.version, plural: 'bgppeers', namespaced: false };
const cond = (type: string, status: string): object => ({ type, status, reason: 'Test', message: '' });

describe('reconcile/kube StatusWriter', () => {
  let writers: StatusWriter[] = [];
  // Registered before the harness hooks, so writers stop before the server closes.
  afterEach(() => {
    for (const w of writers) w.stop();
    writers = [];
  });
  const h = useHarness();

  function writer(o: Partial<StatusWriterOptions> = {}): StatusWriter {
    const w = new StatusWriter({
      clients: h.clients,
      resource: peerStatus,
      backoff: { baseMs: 10, maxMs: 50, jitter: 0 },
      ...o,
    });
    writers.push(w);
    return w;
  }

  function serverStatus(name: string): unknown {
    return h.fake.store.get(h.fake.typeOf('bagpipe.io/v1alpha1', 'BgpPeer'), undefined, name)['status'];
  }

  it('patches /status with a merge patch only when the status changed', async () => {
    h.fake.upsert(peer('p1'));
    const r = h.reflector(peersRef);
    await waitFor(() => r.hasSynced);
    const w = writer({ observe: (k) => r.get(k) });
    const v1 = { state: 'Established', conditions: [cond('Ready', 'True'), cond('Degraded', 'False')] };
    w.set('p1', v1);
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 1);
    const first = h.fake.statusWrites()[0]!;
    assert.equal(first.path, '/apis/bagpipe.io/v1alpha1/bgppeers/p1/status');
    assert.equal(first.contentType, 'application/merge-patch+json');
    assert.deepEqual(serverStatus('p1'), v1);

    // The same status, with the conditions (a list-map keyed by type) in another order.
    w.set('p1', { conditions: [cond('Degraded', 'False'), cond('Ready', 'True')], state: 'Established' });
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 1);
    // Once the watch has delivered our write, the observed copy is the baseline: still equal.
    await waitFor(() => r.get('p1')?.status !== undefined);
    w.set('p1', v1);
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 1);
    assert.equal(w.stats.skipped, 2);

    // A removed member is deleted with null; the generation does not move.
    w.set('p1', { state: 'Idle' });
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 2);
    assert.deepEqual(serverStatus('p1'), { state: 'Idle' });
    assert.equal(r.get('p1')?.metadata.generation, 1);
  });

  it('writes again when someone else changed the observed status', async () => {
    h.fake.upsert(peer('p1'));
    const r = h.reflector(peersRef);
    await waitFor(() => r.hasSynced);
    const w = writer({ observe: (k) => r.get(k) });
    w.set('p1', { state: 'Established' });
    await w.whenIdle();
    h.fake.upsert({ ...peer('p1'), status: { state: 'Tampered' } });
    await waitFor(() => (r.get('p1')?.status as { state?: string } | undefined)?.state === 'Tampered');
    w.set('p1', { state: 'Established' });
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 2);
    assert.deepEqual(serverStatus('p1'), { state: 'Established' });
  });

  it('patches namespaced objects under their namespace', async () => {
    h.fake.upsert(attachment('tenant', 'pa1', 'n1'));
    const w = writer({ resource: { ...peerStatus, plural: 'portattachments', namespaced: true } });
    w.set('tenant/pa1', { observedGeneration: 1, conditions: [cond('Attached', 'True')] });
    await w.whenIdle();
    assert.deepEqual(
      h.fake.statusWrites().map((q) => [q.path, q.status]),
      [['/apis/bagpipe.io/v1alpha1/namespaces/tenant/portattachments/pa1/status', 200]],
    );
  });

  it('retries 409, 429 and 5xx with backoff; gives up on 404', async () => {
    h.fake.upsert(peer('p1'));
    const filter = { path: /\/p1\/status$/ };
    h.fake.failNext(1, 409, { filter });
    h.fake.failNext(1, 429, { retryAfterSeconds: 0, filter });
    h.fake.failNext(1, 503, { filter });
    const w = writer();
    w.set('p1', { state: 'Active' });
    w.set('missing', { state: 'Active' });
    await w.whenIdle();
    const byPath = (name: string): number[] =>
      h.fake
        .statusWrites()
        .filter((q) => q.path.endsWith(`/${name}/status`))
        .map((q) => q.status);
    assert.deepEqual(byPath('p1'), [409, 429, 503, 200]);
    assert.deepEqual(byPath('missing'), [404]);
    assert.equal(w.stats.retries, 3);
    assert.deepEqual(serverStatus('p1'), { state: 'Active' });
  });

  it('is rate-limited by a token bucket on the injected clock', async () => {
    const clock = new ManualClock();
    for (let i = 0; i < 5; i++) h.fake.upsert(peer(`p${i}`));
    const w = writer({ clock, ratePerSecond: 1, burst: 2 });
    for (let i = 0; i < 5; i++) w.set(`p${i}`, { state: 'Up' });
    await waitFor(() => w.stats.writes === 2);
    assert.equal(h.fake.statusWrites().length, 2);
    clock.advance(1000);
    await waitFor(() => w.stats.writes === 3);
    clock.advance(2000);
    await w.whenIdle();
    assert.equal(h.fake.statusWrites().length, 5);
  });

  it('stop() aborts and cancels its timers', async () => {
    const clock = new ManualClock();
    h.fake.upsert(peer('p1'));
    h.fake.failNext(1, 500, { filter: { subresource: 'status' } });
    const w = writer({ clock });
    w.set('p1', { state: 'Up' });
    await waitFor(() => w.stats.retries === 1);
    assert.equal(clock.pending, 1);
    w.stop();
    assert.equal(clock.pending, 0);
    await w.whenIdle();
  });
});
