import assert from 'node:assert/strict';
import { schemas } from '../../src/api/gen/schemas.js';
import { closeObjects, createValidator } from '../../src/desired/validate.js';
import { bgpPeer, portAttachment, vpnInstance } from './fixtures.js';

const strict = createValidator({ strict: true });
const open = createValidator({ strict: false });
const paths = (
  kind: 'BgpPeer' | 'VpnInstance' | 'PortAttachment',
  raw: unknown,
  v = strict,
): [string, string][] => v.validate(kind, raw).map((i) => [i.code, i.path]);

describe('createValidator', () => {
  it('accepts the fixtures', () => {
    assert.deepEqual(strict.validate('BgpPeer', bgpPeer('rr1')), []);
    assert.deepEqual(strict.validate('VpnInstance', vpnInstance('v')), []);
    assert.deepEqual(strict.validate('PortAttachment', portAttachment('p')), []);
  });

  it('reports every error with the path of the offending field', () => {
    const raw = bgpPeer('RR_1', { port: 0, families: ['rtc', 'rtc', 'ipv9'], peerAddress: '10.0.0.300' });
    assert.deepEqual(paths('BgpPeer', raw), [
      ['BGPD_ERR_SPEC_SCHEMA', '/metadata/name'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/peerAddress'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/port'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/families/2'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/families/1'],
    ]);
  });

  it('names the missing field and lists enum values', () => {
    const raw = portAttachment('p', { direction: 'sideways' });
    delete (raw['spec'] as Record<string, unknown>)['macAddress'];
    const issues = strict.validate('PortAttachment', raw);
    assert.deepEqual(
      issues.map((i) => [i.path, i.message]),
      [
        ['/spec/macAddress', 'required field is missing'],
        ['/spec/direction', 'must be one of "both", "to-port", "from-port"'],
      ],
    );
  });

  it('checks the custom formats', () => {
    const raw = vpnInstance('v', {
      importRTs: ['65536:65536', '1.2.3.4:1', '4200000000:7'],
      routeDistinguisher: '1.2.3:4',
      staticRoutes: [{ prefix: '10.0.0.0/33' }, { prefix: '2001:db8::/64', nextHop: 'fe80::1' }],
      fallback: { srcMac: '00:00:5e:2a:10:00', dstMac: 'zz:00:5e:2a:10:00', ovsPortNumber: 2 },
      attractTraffic: { redirectRTs: ['1:1'], classifier: { sourcePort: '90:80' }, toRT: '1:2' },
    });
    assert.deepEqual(paths('VpnInstance', raw), [
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/importRTs/0'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/routeDistinguisher'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/staticRoutes/0/prefix'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/attractTraffic/classifier/sourcePort'],
      ['BGPD_ERR_SPEC_SCHEMA', '/spec/fallback/dstMac'],
    ]);
  });

  it('rejects duplicate keys of a map list', () => {
    const raw = vpnInstance('v', {
      staticRoutes: [{ prefix: '10.0.0.0/8' }, { prefix: '10.0.0.0/8', nextHop: '1.1.1.1' }],
    });
    assert.deepEqual(paths('VpnInstance', raw), [['BGPD_ERR_SPEC_SCHEMA', '/spec/staticRoutes/1']]);
  });

  it('is strict about unknown fields only when asked', () => {
    const raw = vpnInstance('v', { bogus: true });
    (raw['metadata'] as Record<string, unknown>)['labels'] = { any: 'label' };
    assert.deepEqual(paths('VpnInstance', raw), [['BGPD_ERR_SPEC_UNKNOWN_FIELD', '/spec/bogus']]);
    assert.deepEqual(paths('VpnInstance', raw, open), []);
  });

  it('closes objects without touching maps or the source schema', () => {
    const closed = closeObjects(schemas.VpnInstance) as {
      additionalProperties?: unknown;
      properties: Record<
        string,
        { additionalProperties?: unknown; properties?: Record<string, { additionalProperties?: unknown }> }
      >;
    };
    assert.equal(closed.additionalProperties, false);
    assert.equal(closed.properties['spec']?.additionalProperties, false);
    assert.deepEqual(closed.properties['metadata']?.properties?.['labels']?.additionalProperties, {
      type: 'string',
    });
    assert.equal((schemas.VpnInstance as { additionalProperties?: unknown }).additionalProperties, undefined);
  });
});
