/** readSecretKey against the fake API server: decoding and errors that name Secret and key. */
import { strict as assert } from 'node:assert';
import { readSecretKey, readSecretKeyBytes, SecretError } from '../../../src/reconcile/kube/secrets.js';
import { resources } from '../../helpers/fake-kube/index.js';
import { useHarness } from './harness.js';

describe('reconcile/kube secrets', () => {
  const h = useHarness();

  beforeEach(() => {
    h.fake.store.create(resources.secrets, {
      metadata: { name: 'bgp-md5', namespace: 'kube-system' },
      data: { binary: Buffer.from([0, 1, 254]).toString('base64') },
      stringData: { 'rr-1': 's3cr3t pass' },
    });
  });

  it('reads and decodes a key', async () => {
    const ref = { namespace: 'kube-system', name: 'bgp-md5', key: 'rr-1' };
    assert.equal(await readSecretKey(h.clients.core, ref), 's3cr3t pass');
    const bytes = await readSecretKeyBytes(h.clients.core, { ...ref, key: 'binary' });
    assert.deepEqual([...bytes], [0, 1, 254]);
    assert.deepEqual(
      h.fake.requestsMatching({ resource: 'secrets' }).map((q) => q.path),
      ['/api/v1/namespaces/kube-system/secrets/bgp-md5', '/api/v1/namespaces/kube-system/secrets/bgp-md5'],
    );
  });

  it('names the Secret when it is missing', async () => {
    const ref = { namespace: 'kube-system', name: 'nope', key: 'rr-1' };
    await assert.rejects(readSecretKey(h.clients.core, ref), (e: unknown) => {
      assert.ok(e instanceof SecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_NOT_FOUND');
      assert.equal(e.status, 404);
      assert.deepEqual(e.ref, ref);
      assert.match(e.message, /Secret kube-system\/nope/);
      return true;
    });
  });

  it('names the Secret and the key when the key is missing', async () => {
    const ref = { namespace: 'kube-system', name: 'bgp-md5', key: 'rr-2' };
    await assert.rejects(readSecretKey(h.clients.core, ref), (e: unknown) => {
      assert.ok(e instanceof SecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_KEY_MISSING');
      assert.match(e.message, /Secret kube-system\/bgp-md5 has no key "rr-2" \(keys: binary, rr-1\)/);
      return true;
    });
  });

  it('reports other failures as read errors', async () => {
    h.fake.failNext(1, 500);
    const ref = { namespace: 'kube-system', name: 'bgp-md5', key: 'rr-1' };
    await assert.rejects(readSecretKey(h.clients.core, ref), (e: unknown) => {
      assert.ok(e instanceof SecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_READ');
      assert.equal(e.status, 500);
      return true;
    });
  });
});
