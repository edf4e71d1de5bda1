/**
 * Deterministic, valid and distinct object names for REST-made objects.
 */
import assert from 'node:assert/strict';
import { attachmentName, fileName, instanceName } from '../../../src/reconcile/rest/index.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('REST object names', () => {
  it('keeps a vpn_instance_id that is already a short DNS label', () => {
    assert.equal(instanceName('ipvpn-bagpipe-test'), 'ipvpn-bagpipe-test');
  });

  it('hashes any other id into a valid, stable, distinct name', () => {
    const ids = [
      'ipvpn_8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab',
      'IPVPN_8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab',
      'ipvpn-8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab-',
      'evpn_portassoc_5b6c7d8e_bgpvpn_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      'x'.repeat(64),
      '___',
      'vpn-0123456789ab',
    ];
    const names = ids.map(instanceName);
    assert.equal(new Set(names).size, ids.length);
    for (const n of names) {
      assert.match(n, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?-[0-9a-f]{12}$/);
      assert.ok(n.length <= 63, n);
    }
    assert.deepEqual(ids.map(instanceName), names);
    assert.match(instanceName(ids[0] as string), /^ipvpn-8a3f6f0e-1d2b-4c5a-9e7f-0123456789-[0-9a-f]{12}$/);
  });

  it('names an attachment by instance, MAC and canonical prefix, as a DNS subdomain', () => {
    assert.equal(attachmentName('vrf1', '52:54:00:aa:00:01', undefined), 'vrf1.525400aa0001');
    assert.equal(
      attachmentName('vrf1', '52:54:00:aa:00:01', '10.0.0.1/32'),
      'vrf1.525400aa0001.ip-10-0-0-1-32',
    );
    const a = attachmentName('vrf1', '52:54:00:aa:00:01', '1::2:3/128');
    const b = attachmentName('vrf1', '52:54:00:aa:00:01', '1:2::3/128');
    assert.notEqual(a, b);
    for (const n of [a, b, attachmentName('v', '00:00:00:00:00:00', '::/0')]) assert.match(n, SUBDOMAIN);
    assert.equal(fileName('vrf1'), 'vrf1.json');
  });
});
