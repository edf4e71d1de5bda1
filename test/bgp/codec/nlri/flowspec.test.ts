import assert from 'node:assert/strict';
import { EncodeError } from '../../../../src/bgp/codec/errors.js';
import { flowspecNlri } from '../../../../src/bgp/codec/nlri/build.js';
import { formatRules, numericOp } from '../../../../src/bgp/codec/nlri/flowspec-rules.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { hex, toHex, wire } from '../helpers.js';
import { FLOW_RULES } from '../samples.js';
import { family } from './families.js';

const fs = family(1, 134);

const RULE = hex`
  20                                  # NLRI length 32
  0000fde800000001                    # RD 65000:1
  01 18 0a0000                        # destination 10.0.0.0/24
  02 10 0a01                          # source 10.1.0.0/16
  03 01 06 81 11                      # protocol ==6 or ==17 (end)
  05 13 0400 d5 0800                  # dest port >=1024 and <=2048 (2-octet values)
  06 81 50                            # source port ==80
`;

describe('FlowSpec VPN NLRI (1/134)', () => {
  it('decodes the components bagpipe uses with numeric operators (RFC 8955 4.2)', () => {
    const [n] = fs.decode(RULE);
    assert.deepEqual(n, flowspecNlri('65000:1', FLOW_RULES));
    assert.equal(n.key, '65000:1|dst 10.0.0.0/24 src 10.1.0.0/16 proto =6,=17 dport >=1024&<=2048 sport =80');
    assert.equal(toHex(fs.encode(fs.decode(RULE))), toHex(RULE));
  });

  it('uses a 2-octet length from 240 octets on (RFC 8955 4.1)', () => {
    const ops = Array.from({ length: 80 }, (_, i) => numericOp('==', 1000 + i));
    const bytes = fs.encode([flowspecNlri('65000:3', [{ type: 5, ops }])]);
    assert.equal(toHex(bytes.subarray(0, 2)), 'f0f9');
    assert.deepEqual(fs.decode(bytes), [flowspecNlri('65000:3', [{ type: 5, ops }])]);
  });

  it('formats other components and bitmask operators', () => {
    assert.equal(
      formatRules([
        {
          type: 9,
          ops: [
            { op: 0x01, value: 2 },
            { op: 0x42, value: 0x10 },
          ],
        },
      ]),
      'tcp-flags =0x2&!0x10',
    );
    assert.equal(
      formatRules([
        {
          type: 10,
          ops: [
            { op: 0x06, value: 1500 },
            { op: 0x07, value: 0 },
          ],
        },
      ]),
      'length !=1500,true',
    );
  });

  it('rejects out-of-order and unknown components', () => {
    assert.throws(
      () => fs.decode(hex`0d 0000fde800000001 02 10 0a01 01 08 0a`),
      wire(ERR.update, UPDATE_ERR.invalidNetworkField),
    );
    assert.throws(
      () => fs.decode(hex`0b 0000fde800000001 0d 81 01`),
      wire(ERR.update, UPDATE_ERR.invalidNetworkField),
    );
    assert.throws(() => fs.encode([flowspecNlri('65000:1', [{ type: 3, ops: [] }])]), EncodeError);
    assert.throws(
      () => fs.encode([flowspecNlri('65000:1', [{ type: 3, ops: [{ op: 0x01, value: 300 }] }])]),
      EncodeError,
    );
  });
});
