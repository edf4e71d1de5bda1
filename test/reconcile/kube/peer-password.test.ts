/** PeerPasswords: the Secret namespace default, names in errors, other read failures. */
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { bgpPeerSpec } from '../../../src/desired/defaults.js';
import { makeKubeClients, type KubeClients } from '../../../src/reconcile/kube/client.js';
import { PeerPasswords, PeerSecretError } from '../../../src/reconcile/kube/peer-password.js';
import { SecretError, type SecretKeyRef } from '../../../src/reconcile/kube/secrets.js';
import { kubeconfigYaml } from '../../helpers/fake-kube/index.js';

function clients(namespaceLine?: string): KubeClients {
  const kc = new KubeConfig();
  let yaml = kubeconfigYaml('http://127.0.0.1:1');
  yaml = yaml.replace('    namespace: default', namespaceLine ?? '');
  kc.loadFromString(yaml);
  return makeKubeClients(kc);
}

describe('reconcile/kube PeerPasswords', () => {
  const withRef = bgpPeerSpec({ peerAddress: '192.0.2.7', passwordSecretRef: { name: 's', key: 'k' } });

  it('defaults the Secret namespace to the option, then the context, then "default"', async () => {
    const seen: SecretKeyRef[] = [];
    const readSecret = (ref: SecretKeyRef): Promise<string> => {
      seen.push(ref);
      return Promise.resolve('pw');
    };
    for (const p of [
      new PeerPasswords({ clients: clients(), secretNamespace: 'bagpipe-system', readSecret }),
      new PeerPasswords({ clients: clients('    namespace: from-context'), readSecret }),
      new PeerPasswords({ clients: clients(), readSecret }),
    ]) {
      assert.equal(await p.passwordFor(withRef), 'pw');
    }
    assert.deepEqual(
      seen.map((r) => r.namespace),
      ['bagpipe-system', 'from-context', 'default'],
    );
    assert.deepEqual(seen[0], { namespace: 'bagpipe-system', name: 's', key: 'k' });
  });

  it('names the peer (by name once remembered, else by address) and keeps the Secret code', async () => {
    const ref = { namespace: 'default', name: 's', key: 'k' };
    const readSecret = (): Promise<string> =>
      Promise.reject(new SecretError('BGPD_ERR_SECRET_KEY_MISSING', ref, 'Secret default/s has no key "k"'));
    const p = new PeerPasswords({ clients: clients(), readSecret });
    await assert.rejects(p.passwordFor(withRef), (e: unknown) => {
      assert.ok(e instanceof PeerSecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_KEY_MISSING');
      assert.equal(e.peer, '192.0.2.7');
      return true;
    });
    p.remember(withRef, 'rr-7');
    await assert.rejects(p.passwordFor(withRef), (e: unknown) => {
      assert.ok(e instanceof PeerSecretError);
      assert.match(e.message, /^BgpPeer rr-7: Secret default\/s has no key "k"/);
      return true;
    });
  });

  it('wraps any other failure as a read error naming the Secret', async () => {
    const p = new PeerPasswords({ clients: clients(), readSecret: () => Promise.reject(new Error('boom')) });
    await assert.rejects(p.passwordFor(withRef), (e: unknown) => {
      assert.ok(e instanceof PeerSecretError);
      assert.equal(e.code, 'BGPD_ERR_SECRET_READ');
      assert.match(e.message, /BgpPeer 192\.0\.2\.7: Secret default\/s: cannot read: boom/);
      return true;
    });
  });
});
