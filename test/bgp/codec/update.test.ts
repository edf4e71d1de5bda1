import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, encodeUpdate } from '../../../src/bgp/codec/message.js';
import { decodeUpdate, endOfRib, isEndOfRib } from '../../../src/bgp/codec/update.js';
import { ctx, hex, toHex } from './helpers.js';
import { SAMPLES } from './samples.js';

/** gobgpd's reflected VPNv4 route (corpus line 22), with MP_REACH_NLRI first (RFC 7606 5.1). */
const VPNV4 = hex`
  ffffffffffffffffffffffffffffffff  # marker
  0061 02                           # length 97, UPDATE
  0000                              # withdrawn routes length 0
  004a                              # total path attribute length 74
  800e 20                           # MP_REACH_NLRI, optional, 32 octets
    0001 80                         #   AFI 1, SAFI 128 (VPNv4)
    0c 0000000000000000 7f000002    #   next hop: 12 octets, RD 0, 127.0.0.2
    00                              #   reserved
    70                              #   NLRI of 112 bits
    000641                          #   label 100, bottom of stack
    0000 fde8 00000064              #   RD type 0, 65000:100
    0a0101                          #   10.1.1.0/24
  4001 01 02                        # ORIGIN incomplete
  4002 00                           # AS_PATH empty
  4005 04 00000064                  # LOCAL_PREF 100
  8009 04 7f000002                  # ORIGINATOR_ID 127.0.0.2
  800a 04 7f000001                  # CLUSTER_LIST 127.0.0.1
  c010 08 0002 fde8 00000064        # EXTENDED_COMMUNITIES: route target 65000:100
`;

/** gobgpd's EVPN type 2 MAC/IP route (corpus line 30), MP_REACH_NLRI first. */
const EVPN_MAC_IP = hex`
  ffffffffffffffffffffffffffffffff  # marker
  0079 02                           # length 121, UPDATE
  0000 0062                         # no withdrawals, 98 octets of attributes
  800e 30                           # MP_REACH_NLRI, 48 octets
    0019 46                         #   AFI 25, SAFI 70 (EVPN)
    04 7f000002 00                  #   next hop 127.0.0.2, reserved
    02 25                           #   route type 2 (MAC/IP), 37 octets
    0001 7f000002 0064              #   RD type 1, 127.0.0.2:100
    00000000000000000000            #   ESI 0
    00000000                        #   Ethernet tag 0
    30 aabbccddee01                 #   MAC length 48, aa:bb:cc:dd:ee:01
    20 0a000001                     #   IP length 32, 10.0.0.1
    002774                          #   label field: VNI 10100 (RFC 8365)
  4001 01 02                        # ORIGIN incomplete
  4002 00                           # AS_PATH empty
  4005 04 00000064                  # LOCAL_PREF 100
  8009 04 7f000002                  # ORIGINATOR_ID
  800a 04 7f000001                  # CLUSTER_LIST
  c010 10                           # EXTENDED_COMMUNITIES, 2
    0002 fde8 00000064              #   route target 65000:100
    030c 00000000 0008              #   encapsulation VXLAN (8)
`;

/** exabgp's plain IPv4 route (corpus line 34): already canonical. */
const IPV4 = hex`
  ffffffffffffffffffffffffffffffff  # marker
  0030 02                           # length 48, UPDATE
  0000 0015                         # no withdrawals, 21 octets of attributes
  4001 01 00                        # ORIGIN IGP
  4002 00                           # AS_PATH empty
  4003 04 c0000204                  # NEXT_HOP 192.0.2.4
  4005 04 00000064                  # LOCAL_PREF 100
  18 c63364                         # NLRI 198.51.100.0/24
`;

describe('UPDATE codec', () => {
  for (const [name, bytes] of [
    ['VPNv4', VPNV4],
    ['EVPN MAC/IP', EVPN_MAC_IP],
    ['IPv4', IPV4],
  ] as const) {
    it(`re-encodes the canonical ${name} fixture byte for byte`, () => {
      const m = decodeMessage(bytes, ctx());
      assert.equal(m.type, 'update');
      assert.equal(toHex(encodeMessage(m, ctx())), toHex(bytes));
    });
  }

  it('decodes the VPNv4 fixture fields', () => {
    const m = decodeMessage(VPNV4, ctx());
    assert.ok(m.type === 'update');
    assert.deepEqual(m.update.mpReach?.nlri, [
      { kind: 'vpn', key: '65000:100:10.1.1.0/24', rd: '65000:100', prefix: '10.1.1.0/24', labels: [0x641] },
    ]);
    assert.equal(m.update.mpReach.nextHop, '127.0.0.2');
    assert.deepEqual(m.update.attributes.extCommunities, [{ type: 'route-target', value: '65000:100' }]);
  });

  for (const s of SAMPLES) {
    it(`round-trips: ${s.name}`, () => {
      const bytes = encodeUpdate(s.update, s.ctx);
      const m = decodeMessage(bytes, s.ctx);
      assert.ok(m.type === 'update');
      assert.deepEqual(m.problems, []);
      assert.deepEqual(m.update, s.update);
      assert.equal(toHex(encodeUpdate(m.update, s.ctx)), toHex(bytes));
    });
  }

  it('never mutates its input', () => {
    for (const s of SAMPLES) {
      const before = JSON.stringify(s.update, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v));
      encodeUpdate(s.update, s.ctx);
      assert.equal(
        JSON.stringify(s.update, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)),
        before,
      );
    }
  });

  it('builds and recognises End-of-RIB markers (RFC 4724 2)', () => {
    assert.deepEqual(isEndOfRib(endOfRib(1, 1)), { afi: 1, safi: 1 });
    assert.deepEqual(isEndOfRib(endOfRib(25, 70)), { afi: 25, safi: 70 });
    const bytes = encodeUpdate(endOfRib(1, 132), ctx());
    assert.deepEqual(isEndOfRib(decodeUpdate(bytes.subarray(19), ctx()).update), { afi: 1, safi: 132 });
    assert.equal(isEndOfRib({ ...endOfRib(1, 1), attributes: { origin: 0 } }), undefined);
  });
});
