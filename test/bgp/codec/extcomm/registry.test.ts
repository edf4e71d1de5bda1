import assert from 'node:assert/strict';
import { Reader } from '../../../../src/lib/reader.js';
import { Writer } from '../../../../src/lib/writer.js';
import { EncodeError } from '../../../../src/bgp/codec/errors.js';
import { decodeExtCommunity, encodeExtCommunity } from '../../../../src/bgp/codec/extcomm/registry.js';
import type { ExtCommunity } from '../../../../src/bgp/codec/extcomm/types.js';
import { hex, toHex } from '../helpers.js';

const CASES: readonly [string, ExtCommunity][] = [
  ['0002 fde8 00000064', { type: 'route-target', value: '65000:100' }], // 2-octet AS RT
  ['0102 0a000001 0005', { type: 'route-target', value: '10.0.0.1:5' }], // IPv4 RT
  ['0202 fa56ea00 0007', { type: 'route-target', value: '4200000000:7' }], // 4-octet AS RT
  ['0202 0000fde8 0007', { type: 'route-target', value: '65000L:7' }], // 4-octet form, small AS
  ['0003 fde8 00000001', { type: 'route-origin', value: '65000:1' }], // route origin
  ['0013 fde9 00000002', { type: 'rt-record', value: '65001:2' }], // RT record
  ['0113 0a000001 0002', { type: 'rt-record', value: '10.0.0.1:2' }], // RT record, IPv4
  ['030c 00000000 0008', { type: 'encapsulation', tunnelType: 8 }], // VXLAN
  ['030c 00000000 000d', { type: 'encapsulation', tunnelType: 13 }], // MPLS in UDP
  ['030d 0000 00000000', { type: 'default-gateway' }], // default gateway
  ['0314 00000003 0000', { type: 'consistent-hash-sort-order', order: 3 }], // bagpipe CHSO
  ['0603 020000000055', { type: 'router-mac', mac: '02:00:00:00:00:55' }], // router's MAC
  ['0600 01 00 00000005', { type: 'mac-mobility', sticky: true, sequence: 5 }], // MAC mobility
  ['0601 01 0000 000641', { type: 'esi-label', singleActive: true, label: 0x641 }], // ESI label
  ['8008 fde8 000000c8', { type: 'redirect-vrf', value: '65000:200' }], // redirect, AS2
  ['8108 0a000001 0003', { type: 'redirect-vrf', value: '10.0.0.1:3' }], // redirect, IPv4
  ['8208 fa56ea00 0009', { type: 'redirect-vrf', value: '4200000000:9' }], // redirect, AS4
  ['8006 fde8 447a2000', { type: 'traffic-rate', asn: 65000, rate: 1000.5 }], // rate limit
  ['8007 0000000000 02', { type: 'traffic-action', sample: true, terminal: false }], // action
  ['8009 0000000000 2e', { type: 'traffic-marking', dscp: 46 }], // DSCP 46
  ['4300 0000 00000001', { type: 'opaque', hex: '4300000000000001' }], // unknown: opaque
  ['030c 00000001 0008', { type: 'opaque', hex: '030c000000010008' }], // reserved bits set: opaque
  ['0600 02 00 00000005', { type: 'opaque', hex: '0600020000000005' }], // unknown flag: opaque
];

describe('extended communities', () => {
  for (const [wire, value] of CASES) {
    it(`${wire} <-> ${JSON.stringify(value)}`, () => {
      const bytes = hex`${wire}`;
      assert.deepEqual(decodeExtCommunity(new Reader(bytes)), value);
      const w = new Writer();
      encodeExtCommunity(w, value);
      assert.equal(toHex(w.finish()), toHex(bytes));
    });
  }

  it('refuses values it cannot encode', () => {
    const bad: ExtCommunity[] = [
      { type: 'route-target', value: '65000' },
      { type: 'route-target', value: '4200000000:70000' },
      { type: 'router-mac', mac: 'nope' },
      { type: 'opaque', hex: '00' },
    ];
    for (const v of bad)
      assert.throws(() => {
        encodeExtCommunity(new Writer(), v);
      }, EncodeError);
  });
});
