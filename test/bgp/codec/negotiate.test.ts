import assert from 'node:assert/strict';
import { FAMILY } from '../../../src/bgp/codec/context.js';
import { commonFamilies, negotiate } from '../../../src/bgp/codec/negotiate.js';
import type { Open } from '../../../src/bgp/codec/open.js';

const open = (caps: Open['capabilities']): Open => ({
  version: 4,
  myAs: 65000,
  holdTime: 90,
  bgpId: '10.0.0.1',
  capabilities: caps,
});

describe('negotiate', () => {
  it('derives rx/tx contexts from both OPENs (RFC 5492 3, 6793, 8654, 7911)', () => {
    const local = open([
      { type: 'multiprotocol', afi: 1, safi: 128 },
      { type: 'multiprotocol', afi: 25, safi: 70 },
      { type: 'as4', asn: 65000 },
      { type: 'extended-message' },
      {
        type: 'add-path',
        families: [
          { afi: 1, safi: 128, sendReceive: 1 },
          { afi: 25, safi: 70, sendReceive: 3 },
        ],
      },
    ]);
    const remote = open([
      { type: 'multiprotocol', afi: 1, safi: 128 },
      { type: 'as4', asn: 65001 },
      {
        type: 'add-path',
        families: [
          { afi: 1, safi: 128, sendReceive: 3 },
          { afi: 25, safi: 70, sendReceive: 1 },
        ],
      },
    ]);
    const { rx, tx } = negotiate(local, remote);
    assert.equal(rx.asn4, true);
    assert.equal(rx.extendedMessage, false);
    assert.deepEqual([...rx.addPath], [FAMILY.ipv4Vpn]);
    assert.deepEqual([...tx.addPath], [FAMILY.evpn]);
    assert.deepEqual([...commonFamilies(local, remote)], [FAMILY.ipv4Vpn]);
    assert.equal(negotiate(local, open([])).rx.asn4, false);
  });
});
