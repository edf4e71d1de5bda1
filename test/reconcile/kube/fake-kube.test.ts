/**
 * The fake API server itself, driven by the real client-node: object metadata semantics,
 * the status subresource, patches, list/watch edge cases, discovery and going down.
 */
import { strict as assert } from 'node:assert';
import { KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { resources } from '../../helpers/fake-kube/index.js';
import { API_VERSION, GROUP, useHarness, peer } from './harness.js';
import { waitFor } from '../../helpers/wait.js';

interface Obj {
  metadata: {
    name: string;
    resourceVersion: string;
    generation: number;
    uid: string;
    creationTimestamp: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const peers = { ...GROUP, plural: 'bgppeers' };

describe('fake-kube API server', () => {
  const h = useHarness();

  it('sets uid and creationTimestamp, bumps generation on spec changes only, skips no-op writes', async () => {
    const api = h.clients.custom;
    const created = (await api.createClusterCustomObject({ ...peers, body: peer('p1') })) as Obj;
    assert.equal(created.metadata.generation, 1);
    assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const specChanged = (await api.replaceClusterCustomObject({
      ...peers,
      name: 'p1',
      body: { ...created, spec: { peerAddress: '192.0.2.2' }, status: { ignored: true } },
    })) as Obj;
    assert.equal(specChanged.metadata.generation, 2);
    assert.equal(specChanged.status, undefined, 'PUT on the main resource ignores status');
    const relabelled = (await api.patchClusterCustomObject(
      { ...peers, name: 'p1', body: { metadata: { labels: { a: 'b' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Obj;
    assert.equal(relabelled.metadata.generation, 2);
    assert.ok(Number(relabelled.metadata.resourceVersion) > Number(specChanged.metadata.resourceVersion));
    const noop = (await api.replaceClusterCustomObject({ ...peers, name: 'p1', body: relabelled })) as Obj;
    assert.equal(noop.metadata.resourceVersion, relabelled.metadata.resourceVersion);
    await assert.rejects(api.replaceClusterCustomObject({ ...peers, name: 'p1', body: created }), {
      code: 409,
    });

    const withStatus = (await api.patchClusterCustomObjectStatus(
      { ...peers, name: 'p1', body: { status: { state: 'Up' }, spec: { peerAddress: '203.0.113.9' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Obj;
    assert.deepEqual(withStatus.status, { state: 'Up' });
    assert.deepEqual(withStatus.spec, { peerAddress: '192.0.2.2' }, '/status changes only status');
    assert.equal(withStatus.metadata.generation, 2);
    const read = (await api.getClusterCustomObjectStatus({ ...peers, name: 'p1' })) as Obj;
    assert.deepEqual(read.status, { state: 'Up' });
  });

  it('applies server-side apply as a simple merge and requires a fieldManager', async () => {
    const api = h.clients.custom;
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const body = { ...peer('p1'), spec: { peerAddress: '192.0.2.1', port: 1790 } };
    await api.patchClusterCustomObject({ ...peers, name: 'p1', body, fieldManager: 'test' }, apply);
    await api.patchClusterCustomObject(
      { ...peers, name: 'p1', body: { ...peer('p1'), spec: { passive: true } }, fieldManager: 'test' },
      apply,
    );
    const got = (await api.getClusterCustomObject({ ...peers, name: 'p1' })) as Obj;
    assert.deepEqual(got.spec, { peerAddress: '192.0.2.1', port: 1790, passive: true });
    await assert.rejects(api.patchClusterCustomObject({ ...peers, name: 'p1', body }, apply), { code: 400 });
    await assert.rejects(api.patchClusterCustomObject({ ...peers, name: 'p1', body }), { code: 415 });
    const first = h.fake.requestsMatching({ method: 'PATCH' })[0]!;
    assert.equal(first.contentType, 'application/apply-patch+yaml');
    assert.equal(first.query['fieldManager'], 'test');
  });

  it('answers 410 for a LIST from a compacted resourceVersion or continue token', async () => {
    for (let i = 0; i < 3; i++) h.fake.upsert(peer(`p${i}`));
    const api = h.clients.custom;
    const page = (await api.listClusterCustomObject({ ...peers, limit: 2 })) as {
      metadata: { continue: string };
    };
    h.fake.upsert(peer('p9'));
    h.fake.compact();
    await assert.rejects(api.listClusterCustomObject({ ...peers, _continue: page.metadata.continue }), {
      code: 410,
    });
    await assert.rejects(api.listClusterCustomObject({ ...peers, resourceVersion: '1' }), { code: 410 });
    const all = (await api.listClusterCustomObject({ ...peers, resourceVersion: '0' })) as {
      items: unknown[];
    };
    assert.equal(all.items.length, 4);
  });

  it('deletes objects with finalizers in two steps', async () => {
    const t = resources.bgpPeers;
    h.fake.store.create(t, { ...peer('p1'), metadata: { name: 'p1', finalizers: ['bagpipe.io/cleanup'] } });
    await h.clients.custom.deleteClusterCustomObject({ ...peers, name: 'p1' });
    const marked = h.fake.store.get(t, undefined, 'p1');
    assert.notEqual(marked.metadata.deletionTimestamp, undefined);
    h.fake.store.update(t, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    assert.equal(h.fake.store.tryGet(t, undefined, 'p1'), undefined);
  });

  it('serves discovery for KubernetesObjectApi', async () => {
    h.fake.upsert(peer('p1'));
    const api = KubernetesObjectApi.makeApiClient(h.clients.kubeConfig);
    const got = await api.read({ apiVersion: API_VERSION, kind: 'BgpPeer', metadata: { name: 'p1' } });
    assert.equal(got.metadata?.name, 'p1');
    assert.ok(h.fake.requestsMatching({ path: '/apis/bagpipe.io/v1alpha1' }).length >= 1);
  });

  it('streams bookmarks, ends watches at timeoutSeconds, and sends ERROR 410 for old versions', async () => {
    h.fake.upsert(peer('p1'));
    const seen: string[] = [];
    let ended = false;
    await h.clients.watch.watch(
      '/apis/bagpipe.io/v1alpha1/bgppeers',
      { resourceVersion: '1', allowWatchBookmarks: true, timeoutSeconds: 1 },
      (type) => seen.push(type),
      () => (ended = true),
    );
    await waitFor(() => ended, 5000, { what: 'watch ended by timeoutSeconds' });
    assert.ok(seen.includes('BOOKMARK'));
    h.fake.upsert(peer('p2'));
    h.fake.compact();
    const errors: unknown[] = [];
    let ended2 = false;
    await h.clients.watch.watch(
      '/apis/bagpipe.io/v1alpha1/bgppeers',
      { resourceVersion: '1' },
      (type, obj) => type === 'ERROR' && errors.push(obj),
      () => (ended2 = true),
    );
    await waitFor(() => ended2);
    assert.equal((errors[0] as { code?: number }).code, 410);
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    const url = h.fake.url;
    await h.fake.goDown();
    await assert.rejects(h.clients.custom.listClusterCustomObject(peers), /ECONNREFUSED/);
    await h.fake.comeBack();
    assert.equal(h.fake.url, url);
    await h.clients.custom.listClusterCustomObject(peers);
  });
});
