/**
 * The reflector against the fake API server through the real client-node: convergence of
 * creates, updates and deletes, selectors on LIST and WATCH, pagination, other targets, stop.
 */
import { strict as assert } from 'node:assert';
import { nodesTarget, customResource } from '../../../src/reconcile/kube/client.js';
import { Reflector } from '../../../src/reconcile/kube/reflector.js';
import { resources } from '../../helpers/fake-kube/index.js';
import { attachment, attachmentsRef, useHarness, peer, peersRef } from './harness.js';
import { waitFor } from '../../helpers/wait.js';

describe('reconcile/kube Reflector', () => {
  const h = useHarness();

  it('lists, then converges on creates, updates and deletes; events carry keys only', async () => {
    h.fake.upsert(peer('p1'));
    h.fake.upsert(peer('p2'));
    const r = h.reflector(peersRef);
    const changed: unknown[][] = [];
    let synced = 0;
    r.on('changed', (...args) => changed.push(args));
    r.on('synced', () => synced++);
    await waitFor(() => r.hasSynced, 5000, { what: 'synced' });
    assert.deepEqual(r.keys().sort(), ['p1', 'p2']);
    assert.equal(synced, 1);

    h.fake.upsert(peer('p3'));
    h.fake.upsert(peer('p1', {}, { peerAddress: '192.0.2.99' }));
    h.fake.remove('bagpipe.io/v1alpha1', 'BgpPeer', undefined, 'p2');
    await waitFor(() => r.get('p3') !== undefined && r.get('p2') === undefined, 5000, { what: 'converged' });
    await waitFor(() => (r.get('p1')?.spec as { peerAddress?: string }).peerAddress === '192.0.2.99');
    assert.deepEqual(r.keys().sort(), ['p1', 'p3']);
    assert.ok(changed.every((a) => a.length === 1 && typeof a[0] === 'string'));
    assert.ok(changed.some((a) => a[0] === 'p2'));
    assert.equal(synced, 1);
    assert.equal(r.resourceVersion, String(h.fake.store.resourceVersion));
    // One LIST, then one WATCH from the list's resourceVersion, with bookmarks.
    const watches = h.fake.requestsMatching({ resource: 'bgppeers', watch: true });
    assert.equal(watches.length, 1);
    assert.deepEqual(watches[0]!.query, {
      watch: 'true',
      resourceVersion: '2',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '300',
    });
    assert.equal(h.fake.requestsMatching({ resource: 'bgppeers', watch: false, method: 'GET' }).length, 1);
  });

  it('sends the same label and field selectors on LIST and WATCH', async () => {
    h.fake.upsert(attachment('t1', 'a', 'node-1'));
    h.fake.upsert(attachment('t1', 'b', 'node-2'));
    h.fake.upsert({
      ...attachment('t2', 'c', 'node-1'),
      metadata: { namespace: 't2', name: 'c', labels: { tier: 'x' } },
    });
    const labelSelector = 'tier notin (y),!skip';
    const fieldSelector = 'spec.nodeName=node-1';
    const r = h.reflector(attachmentsRef, { labelSelector, fieldSelector });
    await waitFor(() => r.hasSynced);
    assert.deepEqual(r.keys().sort(), ['t1/a', 't2/c']);

    h.fake.upsert(attachment('t3', 'd', 'node-1'));
    h.fake.upsert(attachment('t3', 'e', 'node-2'));
    await waitFor(() => r.get('t3/d') !== undefined);
    // Moving an object off this node is a DELETED on a field-selected watch.
    h.fake.upsert(attachment('t1', 'a', 'node-2'));
    await waitFor(() => r.get('t1/a') === undefined);
    assert.equal(r.get('t3/e'), undefined);

    const reqs = h.fake.requestsMatching({ resource: 'portattachments', method: 'GET' });
    assert.deepEqual(
      reqs.map((q) => q.watch),
      [false, true],
    );
    for (const q of reqs) {
      assert.equal(q.path, '/apis/bagpipe.io/v1alpha1/portattachments');
      assert.equal(q.query['labelSelector'], labelSelector);
      assert.equal(q.query['fieldSelector'], fieldSelector);
    }
  });

  it('re-watches from the last resourceVersion when timeoutSeconds ends the watch', async () => {
    h.fake.upsert(peer('p1'));
    const r = h.reflector(peersRef, { watchTimeoutSeconds: [1, 1] });
    await waitFor(() => r.stats.restartsByReason.closed >= 1 && h.fake.openWatches === 1, 5000, {
      what: 'a clean restart',
    });
    h.fake.upsert(peer('p2'));
    await waitFor(() => r.get('p2') !== undefined);
    assert.equal(r.stats.lists, 1);
    const watches = h.fake.requestsMatching({ resource: 'bgppeers', watch: true });
    assert.ok(watches.length >= 2);
    assert.ok(
      watches
        .slice(0, 2)
        .every((q) => q.query['timeoutSeconds'] === '1' && q.query['resourceVersion'] === '1'),
    );
  });

  it('keeps going when a listener throws', async () => {
    const r = h.reflector(peersRef);
    r.on('changed', () => {
      throw new Error('listener bug');
    });
    h.fake.upsert(peer('p1'));
    await waitFor(() => r.get('p1') !== undefined);
    h.fake.upsert(peer('p2'));
    await waitFor(() => r.get('p2') !== undefined);
    assert.equal(r.stats.watchRestarts, 0);
  });

  it('pages a large LIST with limit and continue, and watches one namespace', async () => {
    for (let i = 0; i < 7; i++) h.fake.upsert(attachment('t1', `a${i}`, 'n'));
    h.fake.upsert(attachment('t2', 'other', 'n'));
    const r = h.reflector({ ...attachmentsRef, namespace: 't1' }, { pageSize: 3 });
    await waitFor(() => r.hasSynced);
    assert.equal(r.size, 7);
    const lists = h.fake.requestsMatching({ resource: 'portattachments', watch: false });
    assert.equal(lists.length, 3);
    assert.ok(lists.every((q) => q.path === '/apis/bagpipe.io/v1alpha1/namespaces/t1/portattachments'));
    assert.equal(lists[0]?.query['continue'], undefined);
    assert.notEqual(lists[1]?.query['continue'], undefined);
    h.fake.upsert(attachment('t2', 'other2', 'n'));
    h.fake.upsert(attachment('t1', 'last', 'n'));
    await waitFor(() => r.get('t1/last') !== undefined);
    assert.equal(r.get('t2/other2'), undefined);
  });

  it('restarts a paged LIST whose continue token expired', async () => {
    for (let i = 0; i < 4; i++) h.fake.upsert(peer(`p${i}`));
    let compacted = false;
    const target = customResource(h.clients, peersRef);
    const r = new Reflector({
      target: {
        ...target,
        list: async (opts, signal) => {
          const page = await target.list(opts, signal);
          if (!compacted) {
            compacted = true;
            h.fake.upsert(peer('late'));
            h.fake.compact();
          }
          return page;
        },
      },
      watch: h.clients.watch,
      pageSize: 2,
    });
    r.start();
    try {
      await waitFor(() => r.hasSynced);
      assert.equal(r.size, 5);
      assert.equal(r.stats.lists, 1);
      const statuses = h.fake.requestsMatching({ resource: 'bgppeers', watch: false }).map((q) => q.status);
      assert.deepEqual(statuses, [200, 410, 200, 200, 200]);
    } finally {
      r.stop();
    }
  });

  it('lists and watches core Nodes', async () => {
    h.fake.store.create(resources.nodes, { metadata: { name: 'n1', labels: { role: 'compute' } } });
    h.fake.store.create(resources.nodes, { metadata: { name: 'n2' } });
    const r = new Reflector({
      target: nodesTarget(h.clients),
      watch: h.clients.watch,
      labelSelector: 'role=compute',
    });
    r.start();
    try {
      await waitFor(() => r.hasSynced);
      assert.deepEqual(r.keys(), ['n1']);
      assert.equal(typeof r.get('n1')?.metadata['creationTimestamp'], 'string');
      h.fake.store.create(resources.nodes, { metadata: { name: 'n3', labels: { role: 'compute' } } });
      await waitFor(() => r.get('n3') !== undefined);
      assert.ok(h.fake.requestsMatching({ path: '/api/v1/nodes', watch: true }).length >= 1);
    } finally {
      r.stop();
    }
  });

  it('stop() closes the watch and leaves no timers; the cache is kept', async () => {
    h.fake.upsert(peer('p1'));
    const r = h.reflector(peersRef);
    await waitFor(() => r.hasSynced && h.fake.openWatches === 1);
    r.stop();
    await waitFor(() => h.fake.openWatches === 0, 5000, { what: 'watch closed' });
    assert.equal(r.size, 1);
    h.fake.upsert(peer('p2'));
    assert.equal(r.get('p2'), undefined);
  });
});
