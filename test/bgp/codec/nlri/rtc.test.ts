import assert from 'node:assert/strict';
import { rtcNlri } from '../../../../src/bgp/codec/nlri/build.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { hex, toHex, wire } from '../helpers.js';
import { family } from './families.js';

const rtc = family(1, 132);

const ROUTES = hex`
  60 0000fde8 0002fde800000064        # /96: origin AS 65000, RT 65000:100
  60 0000fde8 01020a0000010007        # /96: RT 10.0.0.1:7
  60 0000fde8 0202fa56ea000008        # /96: RT 4200000000:8 (4-octet AS)
  40 0000fde8 0002fde8                # /64: partial, type 0 RT of AS 65000
  28 0000fde8 00                      # /40: only the type octet
  20 0000fde8                         # /32: origin AS only
  00                                  # default route
`;

describe('RT constraint NLRI (1/132)', () => {
  it('decodes full, partial and default routes (RFC 4684 4)', () => {
    assert.deepEqual(rtc.decode(ROUTES), [
      rtcNlri(65000, '65000:100'),
      rtcNlri(65000, '10.0.0.1:7'),
      rtcNlri(65000, '4200000000:8'),
      rtcNlri(65000, '65000:0', 64),
      rtcNlri(65000, '0x0000000000000000', 40),
      rtcNlri(65000),
      rtcNlri(),
    ]);
    assert.deepEqual(
      rtc.decode(ROUTES).map((n) => n.key),
      [
        '65000:65000:100',
        '65000:10.0.0.1:7',
        '65000:4200000000:8',
        '65000:65000:0/64',
        '65000:0x0000000000000000/40',
        '65000/32',
        'default',
      ],
    );
    assert.equal(toHex(rtc.encode(rtc.decode(ROUTES))), toHex(ROUTES));
  });

  it('rejects prefix lengths 1-31 and above 96', () => {
    assert.throws(() => rtc.decode(hex`10 0000`), wire(ERR.update, UPDATE_ERR.invalidNetworkField));
    assert.throws(
      () => rtc.decode(hex`61 0000fde8 0002fde80000006400`),
      wire(ERR.update, UPDATE_ERR.invalidNetworkField),
    );
  });
});
