/** RFC 6793: AS4_PATH / AS4_AGGREGATOR towards and from a 2-octet-AS speaker. */
import assert from 'node:assert/strict';
import { fromWire, toWire } from '../../../../src/bgp/codec/attributes/as4.js';
import type { AsPath } from '../../../../src/bgp/codec/attributes/types.js';
import { encodeUpdate } from '../../../../src/bgp/codec/message.js';
import { decodeUpdate } from '../../../../src/bgp/codec/update.js';
import { ctx, hex, toHex } from '../helpers.js';

const old = ctx({ asn4: false });
const seq = (...asns: number[]): AsPath[number] => ({ type: 'sequence', asns });

describe('AS4_PATH and AS4_AGGREGATOR (RFC 6793)', () => {
  it('sends AS_TRANS in AS_PATH/AGGREGATOR plus AS4 attributes to an old speaker (4.2.2)', () => {
    const bytes = encodeUpdate(
      {
        withdrawn: [],
        nlri: [],
        attributes: {
          asPath: [seq(65001, 4200000000)],
          aggregator: { asn: 4200000002, address: '192.0.2.9' },
        },
      },
      old,
    );
    assert.equal(
      toHex(bytes.subarray(23)),
      toHex(hex`
        40 02 06 02 02 fde9 5ba0                   # AS_PATH: 65001 AS_TRANS
        c0 07 06 5ba0 c0000209                     # AGGREGATOR: AS_TRANS 192.0.2.9
        c0 11 0a 02 02 0000fde9 fa56ea00           # AS4_PATH: 65001 4200000000
        c0 12 08 fa56ea02 c0000209                 # AS4_AGGREGATOR
      `),
    );
  });

  it('sends no AS4 attributes when every AS fits in 2 octets, nor to a new speaker', () => {
    const attrs = { asPath: [seq(65001)], aggregator: { asn: 65002, address: '192.0.2.9' } };
    assert.deepEqual(toWire(attrs, old), attrs);
    assert.deepEqual(toWire({ asPath: [seq(4200000000)] }, ctx()), { asPath: [seq(4200000000)] });
  });

  it('reconstructs the path from AS_PATH and AS4_PATH (4.2.3)', () => {
    const wire = { asPath: [seq(65010, 65001, 23456, 23456)], as4Path: [seq(65001, 4200000000, 4200000001)] };
    assert.deepEqual(fromWire(wire, old), { asPath: [seq(65010, 65001, 4200000000, 4200000001)] });
  });

  it('ignores an AS4_PATH longer than AS_PATH, and keeps sets and confederation segments in front', () => {
    assert.deepEqual(fromWire({ asPath: [seq(1)], as4Path: [seq(2, 3)] }, old), { asPath: [seq(1)] });
    const wire = {
      asPath: [
        { type: 'confed-sequence', asns: [64512] },
        { type: 'set', asns: [1, 2] },
        seq(23456),
      ] as AsPath,
      as4Path: [seq(4200000000)],
    };
    assert.deepEqual(fromWire(wire, old).asPath, [...wire.asPath.slice(0, 2), seq(4200000000)]);
  });

  it('uses AS4_AGGREGATOR only when AGGREGATOR is AS_TRANS; otherwise ignores both AS4 attributes', () => {
    const a4 = { asn: 4200000002, address: '192.0.2.9' };
    assert.deepEqual(fromWire({ aggregator: { asn: 23456, address: '192.0.2.9' }, as4Aggregator: a4 }, old), {
      aggregator: a4,
    });
    const path = { asPath: [seq(23456)], as4Path: [seq(4200000000)] };
    const plain = { asn: 65002, address: '192.0.2.9' };
    assert.deepEqual(fromWire({ ...path, aggregator: plain, as4Aggregator: a4 }, old), {
      asPath: [seq(23456)],
      aggregator: plain,
    });
  });

  it('discards AS4 attributes between new speakers (3) and confederation segments in AS4_PATH (5)', () => {
    assert.deepEqual(fromWire({ asPath: [seq(1)], as4Path: [seq(2)] }, ctx()), { asPath: [seq(1)] });
    const body = hex`
      0000 0018                                 # no withdrawals, 24 octets of attributes
      40 02 06 02 02 fde9 5ba0                  # AS_PATH 65001 AS_TRANS
      c0 11 0c 03 01 0000fc00 02 01 fa56ea00    # AS4_PATH: (64512) 4200000000
    `;
    assert.deepEqual(decodeUpdate(body, old).update.attributes.asPath, [seq(65001, 4200000000)]);
  });
});
