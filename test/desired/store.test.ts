import assert from 'node:assert/strict';
import { admitOrThrow } from '../../src/desired/admit.js';
import { DesiredStore, type DesiredSnapshot } from '../../src/desired/store.js';
import type { AnyDesiredEntry, InvalidReport } from '../../src/desired/types.js';
import { createValidator } from '../../src/desired/validate.js';
import { BgpdError } from '../../src/lib/errors.js';
import { bgpPeer, vpnInstance } from './fixtures.js';

const validator = createValidator({ strict: false });
const entry = (raw: unknown, source = 'k8s'): AnyDesiredEntry =>
  admitOrThrow(raw, { validator, source, origin: source, requireNodeName: true });
const report = (name: string): InvalidReport => ({
  source: 'k8s',
  origin: 'k8s',
  index: undefined,
  kind: 'VpnInstance',
  namespace: 'tenant',
  name,
  issues: [{ code: 'BGPD_ERR_SPEC_SCHEMA', path: '/spec/vni', message: 'must be >= 1' }],
  lastGoodInForce: true,
});
const ref = (name: string) => ({ kind: 'VpnInstance' as const, namespace: 'tenant', name });
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DesiredStore', () => {
  it('opens the sync gate only when every registered source has synced', async () => {
    const store = new DesiredStore();
    const files = store.register('file');
    const k8s = store.register('k8s');
    const seen: DesiredSnapshot[] = [];
    store.subscribe((s) => seen.push(s));
    files.replace([entry(vpnInstance('a'), 'file')], []);
    k8s.upsert(entry(vpnInstance('b')));
    await flush();
    assert.equal(store.synced, false);
    assert.equal(seen.length, 0);
    const synced = store.whenSynced();
    k8s.markSynced();
    const snap = await synced;
    assert.equal(snap.synced, true);
    assert.deepEqual([...snap.vpnInstances.keys()], ['tenant/a', 'tenant/b']);
    await flush();
    assert.equal(seen.length, 1);
    assert.equal(seen[0], snap);
  });

  it('coalesces changes in one tick into one versioned, frozen snapshot', async () => {
    const store = new DesiredStore();
    const w = store.register('k8s');
    w.markSynced();
    const seen: DesiredSnapshot[] = [];
    store.subscribe((s) => seen.push(s));
    await flush();
    const v0 = store.snapshot();
    w.upsert(entry(vpnInstance('a')));
    w.upsert(entry(vpnInstance('b')));
    await flush();
    assert.equal(seen.length, 2);
    assert.ok(seen[1]!.version > v0.version);
    assert.equal(seen[1]!.vpnInstances.size, 2);
    assert.equal(v0.vpnInstances.size, 0, 'an old snapshot does not change');
    assert.ok(Object.isFrozen(seen[1]));
    assert.ok(Object.isFrozen(seen[1]!.get('VpnInstance', 'tenant', 'a')?.object.spec));
  });

  it('keeps the last valid version of a rejected object, and drops both on remove', () => {
    const store = new DesiredStore();
    const w = store.register('k8s');
    w.upsert(entry(vpnInstance('a', { localPref: 10 })));
    w.reject(ref('a'), report('a'));
    let snap = store.snapshot();
    assert.equal(snap.get('VpnInstance', 'tenant', 'a')?.spec.localPref, 10);
    assert.deepEqual(snap.invalid, [report('a')]);
    assert.equal(store.desiredInvalidObjects(), 1);
    w.upsert(entry(vpnInstance('a', { localPref: 20 })));
    assert.deepEqual(store.snapshot().invalid, [], 'a valid version clears the report');
    w.reject(ref('a'), report('a'));
    w.remove(ref('a'));
    snap = store.snapshot();
    assert.equal(snap.get('VpnInstance', 'tenant', 'a'), undefined);
    assert.deepEqual(snap.invalid, []);
  });

  it('never empties a source that errors', () => {
    const store = new DesiredStore();
    const w = store.register('k8s');
    w.replace([entry(vpnInstance('a')), entry(bgpPeer('rr1'))], []);
    w.setError(new BgpdError('BGPD_ERR_DESIRED_DISCONNECTED', 'watch failed'));
    const snap = store.snapshot();
    assert.equal(snap.vpnInstances.size, 1);
    assert.ok(snap.get('BgpPeer', '', 'rr1'));
    assert.deepEqual(snap.sources.get('k8s'), {
      synced: true,
      error: { code: 'BGPD_ERR_DESIRED_DISCONNECTED', message: 'watch failed' },
    });
    w.setError(undefined);
    assert.equal(store.snapshot().sources.get('k8s')?.error, undefined);
  });

  it('resolves a name defined by two sources in favour of the first registered', () => {
    const store = new DesiredStore();
    const files = store.register('file');
    const k8s = store.register('k8s');
    k8s.replace([entry(vpnInstance('a', { localPref: 2 }), 'k8s')], []);
    files.replace([entry(vpnInstance('a', { localPref: 1 }), 'file')], []);
    const snap = store.snapshot();
    assert.equal(snap.get('VpnInstance', 'tenant', 'a')?.source, 'file');
    assert.deepEqual(
      snap.invalid.map((r) => [r.source, r.name, r.issues[0]?.code]),
      [['k8s', 'a', 'BGPD_ERR_SPEC_CONFLICT']],
    );
    assert.deepEqual(
      store.desiredObjects().filter((c) => c.kind === 'VpnInstance'),
      [
        { kind: 'VpnInstance', source: 'file', count: 1 },
        { kind: 'VpnInstance', source: 'k8s', count: 0 },
      ],
    );
  });

  it('delivers the current snapshot to a late subscriber, and stops after unsubscribe', async () => {
    const store = new DesiredStore();
    const w = store.register('file');
    w.markSynced();
    const seen: number[] = [];
    const off = store.subscribe((s) => seen.push(s.version));
    await flush();
    assert.deepEqual(seen, [store.snapshot().version]);
    off();
    w.upsert(entry(vpnInstance('a')));
    await flush();
    assert.equal(seen.length, 1);
  });

  it('refuses a source name twice', () => {
    const store = new DesiredStore();
    store.register('file');
    assert.throws(() => store.register('file'));
  });
});
