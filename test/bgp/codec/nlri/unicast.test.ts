import assert from 'node:assert/strict';
import { FAMILY } from '../../../../src/bgp/codec/context.js';
import { canonicalPrefix } from '../../../../src/bgp/codec/nlri/prefix.js';
import { prefixNlri } from '../../../../src/bgp/codec/nlri/build.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { addPath, hex, toHex, wire } from '../helpers.js';
import { family } from './families.js';

const v4 = family(1, 1);
const v6 = family(2, 1);

describe('unicast NLRI (1/1, 2/1)', () => {
  it('decodes IPv4 and IPv6 prefixes, masking trailing bits (RFC 4271 4.3)', () => {
    const b = hex`18 c63364  20 0a000001  00  19 cb007181  # /24, /32, /0, /25 with a stray bit`;
    assert.deepEqual(
      v4.decode(b).map((n) => n.key),
      ['198.51.100.0/24', '10.0.0.1/32', '0.0.0.0/0', '203.0.113.128/25'],
    );
    assert.deepEqual(
      v6.decode(hex`30 20010db80001  00  41 20010db8000000008f  # /48, /0, /65`).map((n) => n.key),
      ['2001:db8:1::/48', '::/0', '2001:db8:0:0:8000::/65'],
    );
  });

  it('round-trips with ADD-PATH', () => {
    const c = addPath(FAMILY.ipv4Unicast);
    const list = [prefixNlri('10.0.0.0/8', 1), prefixNlri('10.0.0.0/8', 2)];
    const b = v4.encode(list, c);
    assert.equal(toHex(b), '00000001080a00000002080a');
    assert.deepEqual(v4.decode(b, c), list);
  });

  it('rejects a prefix longer than the address (RFC 7606 5.3)', () => {
    assert.throws(() => v4.decode(hex`21 0a00000100`), wire(ERR.update, UPDATE_ERR.invalidNetworkField));
  });

  it('canonicalises prefixes', () => {
    assert.equal(canonicalPrefix('10.1.1.5/24'), '10.1.1.0/24');
    assert.equal(canonicalPrefix('10.1.1.5/32'), '10.1.1.5/32');
    assert.equal(canonicalPrefix('2001:DB8:0:0::1/64'), '2001:db8::/64');
  });
});
