import assert from 'node:assert/strict';
import { CEASE, ERR, HEADER_ERR, OPEN_ERR, ROUTE_REFRESH_ERR } from '../../../src/bgp/codec/notify.js';
import {
  decodeMessage,
  encodeKeepalive,
  encodeMessage,
  type OutMessage,
} from '../../../src/bgp/codec/message.js';
import { notificationFor, shutdownNotification } from '../../../src/bgp/codec/notification.js';
import { EncodeError, WireError } from '../../../src/bgp/codec/errors.js';
import { ctx, hex, message, toHex, wire } from './helpers.js';
import { CAPABILITIES } from './samples.js';

const OPEN = hex`
  ffffffffffffffffffffffffffffffff  # marker
  0047 01                           # length 71, OPEN
  04                                # version 4
  5ba0                              # My AS 23456 (AS_TRANS)
  005a                              # hold time 90
  c0000201                          # BGP identifier 192.0.2.1
  2a                                # optional parameters length 42
  02 28                             # capabilities parameter, 40 octets
    01 04 0001 00 80                #   multiprotocol 1/128
    02 00                           #   route refresh
    46 00                           #   enhanced route refresh
    06 00                           #   extended message
    40 06 8078 0001 80 80           #   graceful restart: R, 120 s; 1/128 forwarding
    41 04 fa56ea00                  #   4-octet AS 4200000000
    45 04 0001 80 03                #   ADD-PATH 1/128 send+receive
    49 04 02 6e31 00                #   FQDN "n1", domain ""
    47 00                           #   code 71 (long-lived GR), kept as unknown
`;

const ROUND_TRIPS: readonly OutMessage[] = [
  {
    type: 'open',
    version: 4,
    myAs: 65000,
    holdTime: 180,
    bgpId: '10.0.0.1',
    capabilities: [
      { type: 'extended-next-hop', entries: [{ afi: 1, safi: 128, nextHopAfi: 2 }] },
      { type: 'unknown', code: 128, data: new Uint8Array(0) },
    ],
  },
  { type: 'open', version: 4, myAs: 65000, holdTime: 0, bgpId: '10.0.0.1', capabilities: [] },
  { type: 'notification', code: ERR.update, subcode: 11, data: Uint8Array.of(0x40, 2, 0) },
  { type: 'notification', ...shutdownNotification('going down for maintenance, back at 10:00 ✓') },
  { type: 'keepalive' },
  { type: 'route-refresh', afi: 1, safi: 128, subtype: 0 },
  { type: 'route-refresh', afi: 25, safi: 70, subtype: 2 },
];

describe('messages', () => {
  it('decodes and re-encodes the OPEN fixture, unknown capability included', () => {
    const m = decodeMessage(OPEN, ctx());
    assert.ok(m.type === 'open');
    assert.deepEqual(m.capabilities, [
      ...CAPABILITIES,
      { type: 'unknown', code: 71, data: new Uint8Array(0) },
    ]);
    assert.equal(toHex(encodeMessage(m, ctx())), toHex(OPEN));
  });

  for (const m of ROUND_TRIPS) {
    it(`round-trips ${m.type} ${JSON.stringify(m).slice(0, 60)}`, () => {
      const bytes = encodeMessage(m, ctx());
      const back = decodeMessage(bytes, ctx());
      assert.deepEqual(back, m);
      assert.equal(toHex(encodeMessage(back as OutMessage, ctx())), toHex(bytes));
    });
  }

  it('uses RFC 9072 extended optional parameters when capabilities exceed 255 octets', () => {
    const caps = Array.from({ length: 70 }, (_, i) => ({ type: 'multiprotocol', afi: 1, safi: i }) as const);
    const m = {
      type: 'open',
      version: 4,
      myAs: 1,
      holdTime: 90,
      bgpId: '10.0.0.1',
      capabilities: caps,
    } as const;
    const bytes = encodeMessage(m, ctx());
    assert.equal(toHex(bytes.subarray(28, 31)), 'ffff01');
    assert.deepEqual(decodeMessage(bytes, ctx()), m);
  });

  it('decodes a shutdown communication (RFC 9003) and cuts it to 255 octets', () => {
    const m = decodeMessage(
      hex`ffffffffffffffffffffffffffffffff 0019 03  06 02  03 627965  # Cease/2 "bye"`,
      ctx(),
    );
    assert.deepEqual(m, {
      type: 'notification',
      code: 6,
      subcode: CEASE.adminShutdown,
      data: hex`03627965`,
      shutdown: 'bye',
    });
    const long = shutdownNotification('é'.repeat(200));
    assert.equal(long.data.length, 255);
    assert.equal(long.shutdown, 'é'.repeat(127));
    const bad = decodeMessage(message(3, hex`06 04 02 c328  # invalid UTF-8`), ctx());
    assert.ok(bad.type === 'notification' && bad.shutdown === undefined);
  });

  it('builds the NOTIFICATION for a wire error', () => {
    const e = new WireError(
      { errorCode: 3, subcode: 5, action: 'session-reset', data: Uint8Array.of(1) },
      'x',
    );
    assert.deepEqual(notificationFor(e), { code: 3, subcode: 5, data: Uint8Array.of(1) });
    assert.equal(e.code, 'BGPD_ERR_WIRE_UPDATE_ATTRIBUTE_LENGTH');
  });

  it('encodes KEEPALIVE as 19 octets', () => {
    assert.equal(toHex(encodeKeepalive()), `${'ff'.repeat(16)}001304`);
  });

  it('rejects header errors (RFC 4271 6.1)', () => {
    assert.throws(
      () => decodeMessage(message(9, new Uint8Array(0)), ctx()),
      wire(ERR.header, HEADER_ERR.badMessageType),
    );
    assert.throws(
      () => decodeMessage(message(4, Uint8Array.of(0)), ctx()),
      wire(ERR.header, HEADER_ERR.badMessageLength),
    );
    assert.throws(
      () => decodeMessage(message(1, new Uint8Array(5)), ctx()),
      wire(ERR.header, HEADER_ERR.badMessageLength),
    );
    const wrongLength = message(4, new Uint8Array(0));
    wrongLength.set([0, 20], 16);
    assert.throws(() => decodeMessage(wrongLength, ctx()), wire(ERR.header, HEADER_ERR.badMessageLength));
    const marker = encodeKeepalive();
    marker.set([0], 3);
    assert.throws(() => decodeMessage(marker, ctx()), wire(ERR.header, HEADER_ERR.connectionNotSynchronized));
  });

  it('rejects OPEN errors (RFC 4271 6.2)', () => {
    const body = (v: string, params: string): Uint8Array =>
      message(1, hex`${v} fde8 005a c0000201 ${params}`);
    assert.throws(
      () => decodeMessage(body('03', '00'), ctx()),
      (e) => wire(ERR.open, OPEN_ERR.unsupportedVersion)(e) && toHex((e as WireError).data) === '0004',
    );
    assert.throws(
      () => decodeMessage(body('04', '04 01 02 0000'), ctx()),
      wire(ERR.open, OPEN_ERR.unsupportedOptionalParameter),
    );
    assert.throws(
      () => decodeMessage(body('04', '04 02 02 4105'), ctx()),
      wire(ERR.open, OPEN_ERR.unspecific),
    );
    assert.throws(
      () => decodeMessage(body('04', '06 02 04 410500'), ctx()),
      wire(ERR.open, OPEN_ERR.unspecific),
    );
    assert.throws(() => decodeMessage(body('04', '00 00'), ctx()), wire(ERR.open, OPEN_ERR.unspecific));
  });

  it('rejects a BoRR/EoRR of the wrong length with 7/1 (RFC 7313 5)', () => {
    assert.throws(
      () => decodeMessage(message(5, hex`0001 01 80 00`), ctx()),
      wire(ERR.routeRefresh, ROUTE_REFRESH_ERR.invalidLength),
    );
    const normal = decodeMessage(message(5, hex`0001 00 80 00`), ctx());
    assert.deepEqual(normal, { type: 'route-refresh', afi: 1, safi: 128, subtype: 0 });
  });

  it('refuses to encode a message over the negotiated size', () => {
    const big = { type: 'notification', code: 6, subcode: 0, data: new Uint8Array(5000) } as const;
    assert.throws(() => encodeMessage(big, ctx()), EncodeError);
    assert.equal(encodeMessage(big, ctx({ extendedMessage: true })).length, 5021);
  });
});
