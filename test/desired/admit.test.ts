import assert from 'node:assert/strict';
import { admit, admitOrThrow, type AdmitOptions } from '../../src/desired/admit.js';
import { DesiredSpecError } from '../../src/desired/errors.js';
import { createValidator } from '../../src/desired/validate.js';
import { BgpdError, SpecError } from '../../src/lib/errors.js';
import { bgpPeer, fileAdmitOptions, portAttachment, vpnInstance } from './fixtures.js';

const files = fileAdmitOptions;
const crs: AdmitOptions = {
  ...files,
  validator: createValidator({ strict: false }),
  source: 'k8s',
  requireNodeName: true,
};

/** [code, path] of every issue of a rejected object. */
function issues(raw: unknown, opts = files): [string, string][] {
  const r = admit(raw, opts);
  if (r.ok) assert.fail(`expected a rejection of ${r.entry.key}`);
  return r.issues.map((i) => [i.code, i.path]);
}

describe('admit', () => {
  it('accepts a valid object, names it, and freezes it', () => {
    const r = admit(vpnInstance('vpn1'), files);
    assert.ok(r.ok);
    assert.deepEqual(
      [r.entry.kind, r.entry.namespace, r.entry.name, r.entry.key],
      ['VpnInstance', 'tenant', 'vpn1', 'VpnInstance/tenant/vpn1'],
    );
    assert.deepEqual([r.entry.source, r.entry.origin], ['file', 'x.json']);
    assert.ok(Object.isFrozen(r.entry.object.spec));
  });

  it('puts namespaced objects without a namespace in "default"', () => {
    const raw = vpnInstance('vpn1');
    delete (raw['metadata'] as Record<string, unknown>)['namespace'];
    const r = admit(raw, files);
    assert.ok(r.ok);
    assert.equal(r.entry.namespace, 'default');
  });

  it('checks apiVersion and kind before the schema', () => {
    assert.deepEqual(issues({ ...vpnInstance('a'), apiVersion: 'v1', kind: 'Pod' }), [
      ['BGPD_ERR_SPEC_API_VERSION', '/apiVersion'],
      ['BGPD_ERR_SPEC_KIND', '/kind'],
    ]);
    assert.deepEqual(issues({ ...bgpPeer('a'), kind: 'BagpipeNodeState' }), [
      ['BGPD_ERR_SPEC_KIND', '/kind'],
    ]);
    assert.deepEqual(issues([1, 2]), [['BGPD_ERR_SPEC_SCHEMA', '']]);
  });

  it('refuses a namespace on a cluster-scoped object in a file', () => {
    const raw = bgpPeer('rr1');
    (raw['metadata'] as Record<string, unknown>)['namespace'] = 'x';
    assert.deepEqual(issues(raw), [['BGPD_ERR_SPEC_UNKNOWN_FIELD', '/metadata/namespace']]);
  });

  it('accepts unknown fields from custom resources (the API server prunes them)', () => {
    const raw = portAttachment('p', { nodeName: 'node-2' });
    (raw['metadata'] as Record<string, unknown>)['creationTimestamp'] = '2026-01-01T00:00:00Z';
    assert.ok(admit(raw, crs).ok);
    assert.deepEqual(issues(raw), [['BGPD_ERR_SPEC_UNKNOWN_FIELD', '/metadata/creationTimestamp']]);
  });

  it('applies semantic rules after the schema', () => {
    assert.deepEqual(issues(bgpPeer('a', { timers: { holdTimeSeconds: 90, keepaliveTimeSeconds: 31 } })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/timers/keepaliveTimeSeconds'],
    ]);
    assert.deepEqual(issues(bgpPeer('a', { timers: { holdTimeSeconds: 2 } })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/timers/holdTimeSeconds'],
    ]);
    assert.deepEqual(
      issues(bgpPeer('a', { passwordFile: '/k', passwordSecretRef: { name: 's', key: 'k' } })),
      [['BGPD_ERR_SPEC_INVALID', '/spec/passwordFile']],
    );
  });

  it('needs exactly one local port on a PortAttachment, and a nodeName from custom resources', () => {
    const both = { localPort: { linuxInterface: 'tap1', ovs: { portName: 'qvo1' } } };
    assert.deepEqual(issues(portAttachment('p', both)), [['BGPD_ERR_SPEC_INVALID', '/spec/localPort']]);
    assert.deepEqual(issues(portAttachment('p', { localPort: {} })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/localPort'],
    ]);
    assert.deepEqual(issues(portAttachment('p', { localPort: { ovs: { vlan: 3 } } })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/localPort/ovs'],
    ]);
    assert.deepEqual(issues(portAttachment('p'), crs), [['BGPD_ERR_SPEC_SCHEMA', '/spec/nodeName']]);
  });

  it('checks the VpnInstance type rules', () => {
    assert.deepEqual(
      issues(vpnInstance('u', { type: 'unicast', staticRoutes: [{ prefix: '10.0.0.0/8' }] })),
      [
        ['BGPD_ERR_SPEC_INVALID', '/spec/importRTs'],
        ['BGPD_ERR_SPEC_INVALID', '/spec/exportRTs'],
      ],
    );
    const unicast = vpnInstance('u', {
      type: 'unicast',
      staticRoutes: [{ prefix: '203.0.113.7', nextHop: '10.0.0.1' }],
    });
    const spec = unicast['spec'] as Record<string, unknown>;
    delete spec['importRTs'];
    delete spec['exportRTs'];
    assert.ok(admit(unicast, files).ok);
    const noRts = vpnInstance('e', { type: 'evpn' });
    delete (noRts['spec'] as Record<string, unknown>)['exportRTs'];
    assert.deepEqual(issues(noRts), [['BGPD_ERR_SPEC_SCHEMA', '/spec/exportRTs']]);
    assert.deepEqual(
      issues(vpnInstance('e', { type: 'evpn', readvertise: { fromRTs: ['1:1'], toRTs: ['1:2'] } })),
      [['BGPD_ERR_SPEC_INVALID', '/spec/readvertise']],
    );
    assert.deepEqual(issues(vpnInstance('i', { linuxBridge: 'br0' })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/linuxBridge'],
    ]);
  });

  it('checks attractTraffic as bagpipe does', () => {
    const classifier = { destinationPort: '80', protocol: 'tcp' };
    assert.deepEqual(issues(vpnInstance('i', { attractTraffic: { redirectRTs: ['1:9'], classifier } })), [
      ['BGPD_ERR_SPEC_INVALID', '/spec/attractTraffic/toRT'],
    ]);
    const readvertise = { fromRTs: ['1:1'], toRTs: ['1:2', '1:3'] };
    assert.deepEqual(
      issues(vpnInstance('i', { readvertise, attractTraffic: { redirectRTs: ['1:9'], classifier } })),
      [['BGPD_ERR_SPEC_INVALID', '/spec/readvertise/toRTs']],
    );
    const staticOnly = { redirectRTs: ['1:9'], classifier, staticDestinationPrefixes: ['10.1.0.0/16'] };
    assert.deepEqual(
      issues(
        vpnInstance('i', { readvertise: { fromRTs: ['1:1'], toRTs: ['1:2'] }, attractTraffic: staticOnly }),
      ),
      [['BGPD_ERR_SPEC_INVALID', '/spec/attractTraffic/staticDestinationPrefixes']],
    );
    assert.ok(admit(vpnInstance('i', { attractTraffic: { ...staticOnly, toRT: '1:2' } }), files).ok);
  });

  it('throws a DesiredSpecError (a SpecError) carrying every issue', () => {
    assert.throws(
      () => admitOrThrow(vpnInstance('a', { vni: 0, localPref: -1 }), files),
      (e: unknown) =>
        BgpdError.is(e) &&
        e instanceof SpecError &&
        e instanceof DesiredSpecError &&
        e.code === 'BGPD_ERR_SPEC_SCHEMA' &&
        e.path === 'VpnInstance tenant/a/spec/vni' &&
        e.issues.length === 2,
    );
  });
});
