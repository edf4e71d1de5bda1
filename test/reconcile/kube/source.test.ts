/**
 * KubeSource against the fake API server through the real client-node: convergence into the
 * desired store, invalid objects, this node's PortAttachments, BgpPeer nodeSelectors against
 * this Node's labels, dropped watches, 410, an API server down or failing (source error, no
 * removal, catch-up), the sync gate, MD5 keys from Secrets, and stop. Reflector timers run on
 * a ManualClock.
 */
import { strict as assert } from 'node:assert';
import { DesiredStore, type DesiredSnapshot } from '../../../src/desired/store.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { PeerSecretError } from '../../../src/reconcile/kube/peer-password.js';
import { KubeSource, NODE_LABEL, type KubeSourceOptions } from '../../../src/reconcile/kube/source.js';
import { resources, type StoredObject } from '../../helpers/fake-kube/index.js';
import { waitFor } from '../../helpers/wait.js';
import { advanceUntil, API_VERSION, useHarness } from './harness.js';

const NODE = 'node-1';

function bgpPeer(name: string, spec: object = {}): StoredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'BgpPeer',
    metadata: { name },
    spec: { peerAddress: '192.0.2.1', ...spec },
  };
}

function vpn(namespace: string, name: string): StoredObject {
  const spec = { type: 'evpn', importRTs: ['64512:1'], exportRTs: ['64512:1'] };
  return { apiVersion: API_VERSION, kind: 'VpnInstance', metadata: { namespace, name }, spec };
}

function port(namespace: string, name: string, node = NODE, label = node, spec: object = {}): StoredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'PortAttachment',
    metadata: { namespace, name, labels: { [NODE_LABEL]: label } },
    spec: {
      nodeName: node,
      vpnInstanceRef: { name: 'v1' },
      macAddress: '52:54:00:00:00:01',
      localPort: { linuxInterface: 'tap1' },
      ...spec,
    },
  };
}

function node(labels: Record<string, string>, name = NODE): StoredObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } };
}

const keys = (m: ReadonlyMap<string, unknown>): string[] => [...m.keys()].sort();

describe('reconcile/kube KubeSource', function () {
  this.timeout(20_000);
  let sources: KubeSource[] = [];
  // Registered before the harness hooks, so sources stop before the server closes.
  afterEach(async () => {
    for (const s of sources) await s.stop();
    sources = [];
  });
  const h = useHarness();

  interface Started {
    readonly src: KubeSource;
    readonly store: DesiredStore;
    readonly clock: ManualClock;
    readonly snap: () => DesiredSnapshot;
  }

  async function start(o: Partial<KubeSourceOptions> = {}, wait = true): Promise<Started> {
    const store = new DesiredStore();
    const clock = new ManualClock();
    const src = new KubeSource({
      clients: h.clients,
      store,
      nodeName: NODE,
      logger: silentLogger,
      clock,
      random: () => 0.5,
      reflector: { backoff: { baseMs: 100, maxMs: 1000, jitter: 0.5 }, idleTimeoutMs: 600_000 },
      ...o,
    });
    sources.push(src);
    await src.start();
    if (wait) await waitFor(() => store.synced, 5000, { what: 'store synced' });
    return { src, store, clock, snap: () => store.snapshot() };
  }

  /** Every bgpPeers size seen by a store subscriber. */
  function peerSizes(store: DesiredStore): number[] {
    const sizes: number[] = [];
    store.subscribe((s) => sizes.push(s.bgpPeers.size));
    return sizes;
  }

  function assertNeverDropped(sizes: readonly number[]): void {
    for (let i = 1; i < sizes.length; i++)
      assert.ok((sizes[i] ?? 0) >= (sizes[i - 1] ?? 0), `peers dropped: ${sizes.join(',')}`);
  }

  it('converges creates, updates and deletes of every kind into the store', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('p1'));
    h.fake.upsert(bgpPeer('p2'));
    h.fake.upsert(vpn('t1', 'v1'));
    h.fake.upsert(port('t1', 'a'));
    const { snap } = await start();
    assert.deepEqual(keys(snap().bgpPeers), ['p1', 'p2']);
    assert.deepEqual(keys(snap().vpnInstances), ['t1/v1']);
    assert.deepEqual(keys(snap().portAttachments), ['t1/a']);
    const p1 = snap().get('BgpPeer', '', 'p1');
    assert.equal(p1?.source, 'kubernetes');
    assert.equal(p1.spec.port, 179);
    assert.deepEqual(snap().sources.get('kubernetes'), { synced: true, error: undefined });

    h.fake.upsert(bgpPeer('p1', { peerAddress: '192.0.2.99' }));
    h.fake.upsert(bgpPeer('p3'));
    h.fake.remove(API_VERSION, 'BgpPeer', undefined, 'p2');
    h.fake.upsert(port('t1', 'b'));
    h.fake.upsert(vpn('t2', 'v2'));
    h.fake.remove(API_VERSION, 'VpnInstance', 't1', 'v1');
    await waitFor(
      () =>
        snap().get('BgpPeer', '', 'p1')?.spec.peerAddress === '192.0.2.99' &&
        keys(snap().bgpPeers).join() === 'p1,p3' &&
        keys(snap().vpnInstances).join() === 't2/v2' &&
        keys(snap().portAttachments).join() === 't1/a,t1/b',
      5000,
      { what: 'converged', describe: () => [...snap().entries()].map((e) => e.key) },
    );
    assert.equal(snap().invalid.length, 0);
  });

  it('does not make a new snapshot for a status-only write', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('p1'));
    const { store } = await start();
    const version = store.snapshot().version;
    h.fake.store.update(
      resources.bgpPeers,
      { ...bgpPeer('p1'), status: { conditions: [] } },
      { statusOnly: true },
    );
    h.fake.upsert(bgpPeer('p2'));
    await waitFor(() => store.snapshot().bgpPeers.has('p2'));
    assert.equal(store.snapshot().version, version + 1);
  });

  it('reports an invalid object by field, keeps its last good version, and converges the others', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('p1'));
    h.fake.upsert(bgpPeer('bad', { port: 70_000 }));
    h.fake.upsert(port('t1', 'no-node', NODE, NODE, { nodeName: undefined }));
    h.fake.upsert(bgpPeer('sel', { nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In' }] } }));
    const { snap } = await start();
    assert.deepEqual(keys(snap().bgpPeers), ['p1']);
    const byName = new Map(snap().invalid.map((r) => [r.name, r]));
    assert.deepEqual(
      byName.get('bad')?.issues.map((i) => [i.code, i.path]),
      [['BGPD_ERR_SPEC_SCHEMA', '/spec/port']],
    );
    assert.equal(byName.get('bad')?.lastGoodInForce, false);
    assert.equal(byName.get('bad')?.source, 'kubernetes');
    assert.equal(byName.get('bad')?.kind, 'BgpPeer');
    assert.deepEqual(
      byName.get('no-node')?.issues.map((i) => i.path),
      ['/spec/nodeName'],
    );
    assert.equal(byName.get('no-node')?.namespace, 't1');
    assert.deepEqual(
      byName.get('sel')?.issues.map((i) => [i.code, i.path]),
      [['BGPD_ERR_SPEC_INVALID', '/spec/nodeSelector/matchExpressions/0/values']],
    );

    h.fake.upsert(bgpPeer('p1', { timers: { holdTimeSeconds: 2 } }));
    h.fake.upsert(bgpPeer('p2'));
    await waitFor(() => snap().invalid.some((r) => r.name === 'p1') && snap().bgpPeers.has('p2'));
    const p1 = snap().invalid.find((r) => r.name === 'p1');
    assert.equal(p1?.lastGoodInForce, true);
    assert.equal(p1.issues[0]?.path, '/spec/timers/holdTimeSeconds');
    assert.equal(snap().get('BgpPeer', '', 'p1')?.spec.timers.holdTimeSeconds, 180, 'last good in force');

    h.fake.upsert(bgpPeer('p1', { timers: { holdTimeSeconds: 30 } }));
    h.fake.remove(API_VERSION, 'BgpPeer', undefined, 'bad');
    await waitFor(() => snap().get('BgpPeer', '', 'p1')?.spec.timers.holdTimeSeconds === 30);
    await waitFor(() => !snap().invalid.some((r) => r.name === 'bad'));
    assert.deepEqual(
      snap()
        .invalid.map((r) => r.name)
        .sort(),
      ['no-node', 'sel'],
    );
  });

  it('ignores PortAttachments of other nodes, and drops one that moves away', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(port('t1', 'mine'));
    h.fake.upsert(port('t1', 'labelled-other', 'node-2', 'node-2'));
    h.fake.upsert(port('t1', 'spec-other', 'node-2', NODE));
    const { snap } = await start();
    assert.deepEqual(keys(snap().portAttachments), ['t1/mine']);
    assert.equal(snap().invalid.length, 0);

    h.fake.upsert(port('t1', 'moved', NODE, NODE));
    h.fake.upsert(port('t1', 'relabelled', NODE, NODE));
    await waitFor(() => snap().portAttachments.size === 3);
    const reqs = h.fake.requestsMatching({ resource: 'portattachments', method: 'GET' });
    assert.deepEqual(
      reqs.map((q) => [q.watch, q.query['labelSelector']]),
      [
        [false, `${NODE_LABEL}=${NODE}`],
        [true, `${NODE_LABEL}=${NODE}`],
      ],
    );
    h.fake.upsert(port('t1', 'moved', 'node-2', NODE));
    h.fake.upsert(port('t1', 'relabelled', 'node-2', 'node-2'));
    await waitFor(() => keys(snap().portAttachments).join() === 't1/mine', 5000, {
      describe: () => keys(snap().portAttachments),
    });
  });

  it('selects by spec.nodeName alone when the node name cannot be a label value', async () => {
    const long = `node-${'x'.repeat(70)}`;
    h.fake.upsert(node({}, long));
    h.fake.upsert(port('t1', 'mine', long, 'unlabelled'));
    h.fake.upsert(port('t1', 'other', 'node-2', 'node-2'));
    const { snap } = await start({ nodeName: long });
    assert.deepEqual(keys(snap().portAttachments), ['t1/mine']);
    const lists = h.fake.requestsMatching({ resource: 'portattachments', watch: false });
    assert.equal(lists[0]?.query['labelSelector'], undefined);
  });

  it('drops an object as soon as it is terminating', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert({ ...port('t1', 'a'), metadata: { ...port('t1', 'a').metadata, finalizers: ['x/y'] } });
    const { snap } = await start();
    assert.ok(snap().portAttachments.has('t1/a'));
    h.fake.remove(API_VERSION, 'PortAttachment', 't1', 'a');
    await waitFor(() => !snap().portAttachments.has('t1/a'), 5000, { what: 'terminating object gone' });
    assert.equal(snap().invalid.length, 0);
  });

  it('watches one namespace when told to; BgpPeers stay cluster-wide', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('p1'));
    h.fake.upsert(vpn('t1', 'v1'));
    h.fake.upsert(vpn('t2', 'v2'));
    h.fake.upsert(port('t2', 'a'));
    const { snap } = await start({ namespace: 't1' });
    assert.deepEqual(keys(snap().vpnInstances), ['t1/v1']);
    assert.equal(snap().portAttachments.size, 0);
    assert.ok(snap().bgpPeers.has('p1'));
    const paths = new Set(h.fake.requestsMatching({ method: 'GET' }).map((q) => q.path));
    assert.ok(paths.has('/apis/bagpipe.io/v1alpha1/namespaces/t1/vpninstances'));
    assert.ok(paths.has('/apis/bagpipe.io/v1alpha1/bgppeers'));
  });

  it('follows BgpPeer nodeSelectors as this Node’s labels change', async () => {
    h.fake.upsert(node({ rack: 'r1' }));
    h.fake.upsert(node({ rack: 'r2' }, 'node-2'));
    h.fake.upsert(bgpPeer('all'));
    h.fake.upsert(bgpPeer('r1', { nodeSelector: { matchLabels: { rack: 'r1' } } }));
    const notR1 = { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] };
    h.fake.upsert(bgpPeer('not-r1', { nodeSelector: notR1 }));
    // Invalid, but not for this node: neither valid nor invalid here.
    h.fake.upsert(bgpPeer('bad-r2', { port: 70_000, nodeSelector: { matchLabels: { rack: 'r2' } } }));
    const { snap } = await start();
    assert.deepEqual(keys(snap().bgpPeers), ['all', 'r1']);
    assert.equal(snap().invalid.length, 0);
    const nodeReqs = h.fake.requestsMatching({ resource: 'nodes' });
    assert.ok(nodeReqs.every((q) => q.query['fieldSelector'] === `metadata.name=${NODE}`));

    h.fake.upsert(node({ rack: 'r2' }));
    await waitFor(() => keys(snap().bgpPeers).join() === 'all,not-r1', 5000, {
      describe: () => keys(snap().bgpPeers),
    });
    await waitFor(() => snap().invalid.some((r) => r.name === 'bad-r2'));

    h.fake.upsert(node({ rack: 'r1', extra: 'x' }));
    await waitFor(() => keys(snap().bgpPeers).join() === 'all,r1' && snap().invalid.length === 0, 5000, {
      describe: () => keys(snap().bgpPeers),
    });
  });

  it('keeps nodeSelector peers out until this Node is known, and says when it is missing', async () => {
    h.fake.upsert(bgpPeer('all'));
    h.fake.upsert(bgpPeer('sel', { nodeSelector: { matchLabels: { rack: 'r1' } } }));
    const { snap, src } = await start();
    assert.deepEqual(keys(snap().bgpPeers), ['all']);
    assert.equal(src.error?.code, 'BGPD_ERR_KUBE_NODE_NOT_FOUND');
    assert.equal(snap().sources.get('kubernetes')?.error?.code, 'BGPD_ERR_KUBE_NODE_NOT_FOUND');
    h.fake.upsert(node({ rack: 'r1' }));
    await waitFor(() => snap().bgpPeers.has('sel') && snap().sources.get('kubernetes')?.error === undefined);
  });

  it('rides out a dropped watch and a 410 without removing anything, then catches up', async () => {
    h.fake.upsert(node({}));
    for (const n of ['p1', 'p2']) h.fake.upsert(bgpPeer(n));
    const { snap, store, clock } = await start();
    const sizes = peerSizes(store);
    await waitFor(() => h.fake.openWatches === 4, 5000, { what: 'four watches' });

    assert.equal(h.fake.dropWatches(), 4);
    h.fake.upsert(bgpPeer('p3'));
    await advanceUntil(clock, () => snap().bgpPeers.has('p3'), 'p3 after the drop');

    await advanceUntil(clock, () => h.fake.openWatches === 4, 'watching again');
    h.fake.dropWatches();
    h.fake.upsert(bgpPeer('p4'));
    h.fake.compact();
    await advanceUntil(clock, () => snap().bgpPeers.has('p4'), 'p4 after the relist');
    await advanceUntil(clock, () => h.fake.openWatches === 4, 'watching again');
    assert.equal(h.fake.expireWatches(), 4);
    h.fake.upsert(bgpPeer('p5'));
    await advanceUntil(clock, () => snap().bgpPeers.has('p5'), 'p5 after the ERROR 410');
    assert.deepEqual(keys(snap().bgpPeers), ['p1', 'p2', 'p3', 'p4', 'p5']);
    assertNeverDropped(sizes);
    assert.equal(snap().sources.get('kubernetes')?.error, undefined);
  });

  it('keeps everything while the API server is down, reports it, and converges after', async () => {
    h.fake.upsert(node({}));
    for (const n of ['p1', 'p2', 'p3']) h.fake.upsert(bgpPeer(n));
    h.fake.upsert(port('t1', 'a'));
    const { snap, store, clock, src } = await start();
    const sizes = peerSizes(store);
    await waitFor(() => h.fake.openWatches === 4);
    await h.fake.goDown();
    h.fake.upsert(bgpPeer('p4'));
    h.fake.upsert(bgpPeer('p1', { peerAddress: '192.0.2.42' }));
    h.fake.upsert(port('t1', 'b'));
    await advanceUntil(clock, () => src.error?.code === 'BGPD_ERR_KUBE_UNREACHABLE', 'unreachable');
    const err = snap().sources.get('kubernetes')?.error;
    assert.equal(err?.code, 'BGPD_ERR_KUBE_UNREACHABLE');
    assert.match(err.message, /API server unreachable/);
    clock.advance(60_000);
    assert.deepEqual(keys(snap().bgpPeers), ['p1', 'p2', 'p3']);
    assert.deepEqual(keys(snap().portAttachments), ['t1/a']);
    assertNeverDropped(sizes);

    await h.fake.comeBack();
    await advanceUntil(
      clock,
      () =>
        snap().bgpPeers.has('p4') &&
        snap().portAttachments.has('t1/b') &&
        snap().get('BgpPeer', '', 'p1')?.spec.peerAddress === '192.0.2.42' &&
        snap().sources.get('kubernetes')?.error === undefined,
      'caught up after the outage',
    );
    assert.equal(src.error, undefined);
    assertNeverDropped(sizes);
  });

  it('reports HTTP 500s on LIST and WATCH as a source error until they stop', async () => {
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('p1'));
    const { snap, clock, src } = await start();
    await waitFor(() => h.fake.openWatches === 4);
    h.fake.failNext(6, 500, { filter: { resource: 'bgppeers' } });
    h.fake.dropWatches();
    h.fake.compact();
    h.fake.upsert(bgpPeer('p2'));
    await advanceUntil(clock, () => src.error?.code === 'BGPD_ERR_KUBE_API', '500s reported', 200);
    assert.equal(src.error?.resource, 'bgppeers');
    assert.equal(src.error.status, 500);
    assert.ok(snap().bgpPeers.has('p1'));
    await advanceUntil(clock, () => snap().bgpPeers.has('p2') && src.error === undefined, 'recovered');
    assert.equal(h.fake.failures.pending, 0);
  });

  it('opens the store gate only once every reflector has synced', async () => {
    h.fake.upsert(node({ rack: 'r1' }));
    h.fake.upsert(bgpPeer('p1'));
    h.fake.upsert(bgpPeer('sel', { nodeSelector: { matchLabels: { rack: 'r1' } } }));
    h.fake.upsert(port('t1', 'a'));
    h.fake.failNext(3, 503, { filter: { resource: 'nodes', watch: false } });
    const { snap, store, clock, src } = await start({}, false);
    const files = store.register('file');
    files.markSynced();
    await waitFor(() => snap().bgpPeers.has('p1') && snap().portAttachments.has('t1/a'), 5000, {
      what: 'objects of the synced reflectors',
    });
    await waitFor(() => src.error?.code === 'BGPD_ERR_KUBE_API');
    assert.equal(store.synced, false);
    assert.equal(src.synced, false);
    assert.equal(snap().sources.get('kubernetes')?.synced, false);
    assert.equal(snap().bgpPeers.has('sel'), false, 'selector not evaluated before the Node is known');
    await advanceUntil(clock, () => store.synced, 'gate open', 200);
    assert.ok(snap().bgpPeers.has('sel'));
    assert.equal(src.error, undefined);
  });

  it('reads MD5 keys from Secrets, and names peer and Secret when one is missing', async () => {
    h.fake.store.create(resources.secrets, {
      metadata: { name: 'bgp-md5', namespace: 'bagpipe-system' },
      stringData: { 'rr-1': 's3cr3t' },
    });
    h.fake.upsert(node({}));
    h.fake.upsert(bgpPeer('rr-1', { passwordSecretRef: { name: 'bgp-md5', key: 'rr-1' } }));
    h.fake.upsert(bgpPeer('rr-2', { passwordSecretRef: { namespace: 'other', name: 'nope', key: 'k' } }));
    h.fake.upsert(bgpPeer('plain'));
    const { snap, src } = await start({ secretNamespace: 'bagpipe-system' });
    const spec = (name: string) => {
      const e = snap().get('BgpPeer', '', name);
      assert.ok(e);
      return e.spec;
    };
    assert.equal(await src.passwordFor(spec('rr-1')), 's3cr3t');
    assert.equal(await src.passwordFor(spec('plain')), undefined);
    await assert.rejects(src.passwordFor(spec('rr-2')), (e: unknown) => {
      assert.ok(e instanceof PeerSecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_NOT_FOUND');
      assert.equal(e.peer, 'rr-2');
      assert.deepEqual(e.ref, { namespace: 'other', name: 'nope', key: 'k' });
      assert.match(e.message, /BgpPeer rr-2: Secret other\/nope/);
      return true;
    });
  });

  it('stops every watch and timer; starting twice is refused', async () => {
    h.fake.upsert(node({}));
    const { src, clock } = await start();
    await waitFor(() => h.fake.openWatches === 4);
    await assert.rejects(
      src.start(),
      (e: unknown) => (e as { code?: string }).code === 'BGPD_ERR_DESIRED_STARTED',
    );
    await src.stop();
    await waitFor(() => h.fake.openWatches === 0, 5000, { what: 'watches closed' });
    assert.equal(clock.pending, 0);
  });
});
