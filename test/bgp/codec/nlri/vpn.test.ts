import assert from 'node:assert/strict';
import { FAMILY } from '../../../../src/bgp/codec/context.js';
import { EncodeError } from '../../../../src/bgp/codec/errors.js';
import { vpnNlri } from '../../../../src/bgp/codec/nlri/build.js';
import { labelFromRaw, rawFromLabel, WITHDRAW_LABEL } from '../../../../src/bgp/codec/nlri/label.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { addPath, hex, toHex, wire } from '../helpers.js';
import { family } from './families.js';

const v4 = family(1, 128);
const v6 = family(2, 128);

const THREE = hex`
  70 000641 0000 fde8 00000064 0a0101          # /112: label 100 BoS, RD 0 65000:100, 10.1.1.0/24
  70 000651 0001 7f000002 0064 0a0102          # label 101, RD 1 127.0.0.2:100, 10.1.2.0/24
  89 000100 fffff1 0002 fa56ea00 0005 0a0103 80 # /137: labels 16, 1048575 BoS; RD 2 4200000000:5; 10.1.3.128/25
`;

describe('VPN NLRI (1/128, 2/128)', () => {
  it('decodes RD types 0/1/2 and label stacks', () => {
    assert.deepEqual(v4.decode(THREE), [
      vpnNlri('65000:100', '10.1.1.0/24', [rawFromLabel(100)]),
      vpnNlri('127.0.0.2:100', '10.1.2.0/24', [rawFromLabel(101)]),
      vpnNlri('4200000000:5', '10.1.3.128/25', [rawFromLabel(16, false), rawFromLabel(1048575)]),
    ]);
    assert.equal(toHex(v4.encode(v4.decode(THREE))), toHex(THREE));
  });

  it('accepts withdrawal labels 0x800000 and 0x000000 as the end of the stack', () => {
    const b = hex`70 800000 0000fde800000064 0a0101   70 000000 0000fde800000064 0a0102`;
    const [a, z] = v4.decode(b);
    assert.deepEqual([a?.key, z?.key], ['65000:100:10.1.1.0/24', '65000:100:10.1.2.0/24']);
    assert.equal(
      toHex(v4.encode([vpnNlri('65000:100', '10.1.1.0/24', [])])),
      '708000000000fde8000000640a0101',
    );
    assert.equal(labelFromRaw(rawFromLabel(100)), 100);
    assert.equal(WITHDRAW_LABEL, 0x800000);
  });

  it('reads ADD-PATH identifiers when the context says so (RFC 7911 3)', () => {
    const b = hex`00000007  70 000641 0000fde800000064 0a0101  # path id 7`;
    const c = addPath(FAMILY.ipv4Vpn);
    assert.deepEqual(v4.decode(b, c), [vpnNlri('65000:100', '10.1.1.0/24', [rawFromLabel(100)], 7)]);
    assert.equal(v4.decode(b, c)[0]?.key, '65000:100:10.1.1.0/24#7');
    assert.equal(toHex(v4.encode(v4.decode(b, c), c)), toHex(b));
  });

  it('decodes VPNv6', () => {
    const b = hex`88 002581 0000fde800000258 20010db80006  # /136: label 600, RD 65000:600, 2001:db8:6::/48`;
    assert.deepEqual(v6.decode(b), [vpnNlri('65000:600', '2001:db8:6::/48', [rawFromLabel(600)])]);
  });

  it('rejects NLRI too short for label and RD, or a prefix too long (RFC 7606 5.3)', () => {
    assert.throws(() => v4.decode(hex`50 000641 0000fde8`), wire(ERR.update, UPDATE_ERR.invalidNetworkField));
    assert.throws(
      () => v4.decode(hex`79 000641 0000fde800000064 0a010101`),
      wire(ERR.update, UPDATE_ERR.invalidNetworkField),
    );
    assert.throws(
      () => v4.decode(hex`70 000641 0000fde8`),
      (e) => (e as Error).name === 'OverrunError',
    );
  });

  it('refuses bad values on encode', () => {
    assert.throws(
      () =>
        v4.encode([
          vpnNlri('65000:1', '10.0.0.0/8', [1]),
          { kind: 'prefix', key: 'x', prefix: '10.0.0.0/8' },
        ]),
      EncodeError,
    );
    assert.throws(() => v4.encode([{ ...vpnNlri('65000:1', '10.0.0.0/8', [1]), rd: 'nope' }]), EncodeError);
    assert.throws(
      () => v4.encode([{ ...vpnNlri('65000:1', '10.0.0.0/8', [1]), prefix: '10.0.0.0/33' }]),
      EncodeError,
    );
    assert.throws(
      () => v4.encode([vpnNlri('65000:1', '10.0.0.0/8', new Array<number>(8).fill(16))]),
      EncodeError,
    );
  });
});
