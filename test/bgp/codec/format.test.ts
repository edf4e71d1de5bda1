import assert from 'node:assert/strict';
import {
  formatAttributes,
  formatExtCommunity,
  formatNlri,
  formatUpdate,
  jsonAttributes,
  toJson,
} from '../../../src/bgp/codec/format.js';
import { SAMPLES, EXT_COMMUNITIES, FLOW_EXT_COMMUNITIES } from './samples.js';

describe('format', () => {
  it('describes every sample in text', () => {
    for (const s of SAMPLES) assert.ok(formatUpdate(s.update).length > 0, s.name);
    const vpn = SAMPLES[2]?.update.mpReach?.nlri[0];
    assert.ok(vpn !== undefined);
    assert.equal(formatNlri(vpn), '65000:100:10.1.1.0/24 label 100');
    assert.match(
      formatUpdate(SAMPLES[11]?.update ?? { withdrawn: [], attributes: {}, nlri: [] }),
      /^end-of-rib ipv4-vpn$/,
    );
  });

  it('formats ext-communities the exabgp/gobgp way', () => {
    const text = [...EXT_COMMUNITIES, ...FLOW_EXT_COMMUNITIES].map(formatExtCommunity);
    assert.deepEqual(text.slice(0, 7), [
      'target:65000:100',
      'target:10.0.0.1:5',
      'target:4200000000:7',
      'target:65000L:7',
      'origin:65000:1',
      'rt-record:65001:2',
      'encap:vxlan',
    ]);
    assert.ok(text.includes('redirect:65000:200') && text.includes('0x4300000000000001'));
  });

  it('gives JSON-friendly attributes', () => {
    const a = SAMPLES[0]?.update.attributes ?? {};
    const j = jsonAttributes(a);
    assert.equal(j['origin'], 'egp');
    assert.equal(j['asPath'], '65001 4200000000 {65003,65004}');
    assert.deepEqual(JSON.parse(JSON.stringify(toJson(a.unknown))), [
      { code: 201, flags: 224, data: '010203' },
    ]);
    assert.ok(formatAttributes(a).includes('next-hop 192.0.2.1'));
  });
});
