import assert from 'node:assert/strict';
import { TUNNEL } from '../../src/bgp/codec/index.js';
import {
  chooseEncap,
  chsoOf,
  encapCommunities,
  encapsOf,
  macMobilityOf,
  rtRecordCommunities,
  rtRecordsOf,
} from '../../src/vpn/communities.js';

const enc = (...t: number[]) => ({
  extCommunities: t.map((tunnelType) => ({ type: 'encapsulation' as const, tunnelType })),
});

describe('vpn/communities', () => {
  it('writes one encapsulation community per distinct encapsulation', () => {
    assert.deepEqual(encapCommunities(['mpls', 'mpls', 'vxlan']), [
      { type: 'encapsulation', tunnelType: TUNNEL.mpls },
      { type: 'encapsulation', tunnelType: TUNNEL.vxlan },
    ]);
  });

  it('reads encapsulations: none at all is "default", unknown tunnel types are dropped', () => {
    assert.equal(encapsOf({}), undefined);
    assert.deepEqual(encapsOf(enc(TUNNEL.mplsInGre, TUNNEL.gre, 99)), ['mpls-gre']);
    assert.deepEqual(encapsOf(enc(99)), []);
  });

  it('chooses the first of our encapsulations the route offers (our preference order)', () => {
    assert.equal(chooseEncap({}, ['vxlan', 'mpls']), 'vxlan', 'default: our preferred one');
    assert.equal(chooseEncap(enc(TUNNEL.mpls, TUNNEL.vxlan), ['vxlan', 'mpls']), 'vxlan');
    assert.equal(chooseEncap(enc(TUNNEL.mpls), ['vxlan', 'mpls']), 'mpls');
    assert.equal(chooseEncap(enc(TUNNEL.gre), ['vxlan', 'mpls']), undefined);
    assert.equal(chooseEncap(enc(99), ['vxlan']), undefined, 'only unknown encapsulations: incompatible');
  });

  it('reads CHSO, RT-Records (canonical) and MAC Mobility (RFC 7432 7.7 default: sequence 0)', () => {
    const a = {
      extCommunities: [
        { type: 'consistent-hash-sort-order' as const, order: 9 },
        { type: 'rt-record' as const, value: '64512:5' },
        { type: 'mac-mobility' as const, sticky: true, sequence: 3 },
      ],
    };
    assert.equal(chsoOf(a), 9);
    assert.equal(chsoOf({}), undefined);
    assert.deepEqual(rtRecordsOf(a), ['64512:5']);
    assert.deepEqual(macMobilityOf(a), { sticky: true, sequence: 3 });
    assert.deepEqual(macMobilityOf({}), { sticky: false, sequence: 0 });
    assert.deepEqual(rtRecordCommunities(['64512:9', '64512:5', '64512:9']), [
      { type: 'rt-record', value: '64512:5' },
      { type: 'rt-record', value: '64512:9' },
    ]);
  });
});
