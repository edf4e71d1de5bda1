/**
 * BgpListener + Session against a raw TCP peer sending malformed input: each case checks the
 * exact NOTIFICATION (RFC 4271 6, RFC 5492, RFC 6608) or, where RFC 7606 allows it, that the
 * route is withdrawn and the session kept; a second, healthy session on the same listener must
 * stay Established throughout.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { toHex } from '../../../src/bgp/codec/hex.js';
import type { DecodedUpdate } from '../../../src/bgp/codec/update.js';
import { BgpListener } from '../../../src/bgp/session/listener.js';
import { Session } from '../../../src/bgp/session/session.js';
import type { State } from '../../../src/bgp/session/types.js';
import { peerConfig } from '../../helpers/peer-config.js';
import {
  ATTRS,
  KEEPALIVE,
  RawPeer,
  VPN_KEY,
  attr,
  cap,
  frame,
  openMessage,
  updateMessage,
} from '../../helpers/raw-peer.js';
import { waitFor } from '../../helpers/wait.js';

const BAD = '127.0.0.21';
const GOOD = '127.0.0.22';
const ANNOUNCE = updateMessage([ATTRS.origin, ATTRS.asPath, ATTRS.localPref, ATTRS.vpnReach()]);

describe('BgpListener + Session: malformed input from a raw peer', () => {
  const clock = new ManualClock();
  const updates: DecodedUpdate[] = [];
  const goodStates: State[] = [];
  const bad = new Session(peerConfig({ peerAddress: BAD, passive: true }), {
    clock,
    log: silentLogger,
    handlers: { update: (_s, u) => updates.push(u) },
  });
  const good = new Session(peerConfig({ peerAddress: GOOD, passive: true }), {
    clock,
    log: silentLogger,
    handlers: { stateChanged: (_s, _from, to) => goodStates.push(to) },
  });
  const listener = new BgpListener(
    {
      accept: (peer, socket) => {
        const s = peer === BAD ? bad : peer === GOOD ? good : undefined;
        s?.accept(socket);
        return s !== undefined;
      },
    },
    silentLogger,
  );
  let port = 0;
  let goodPeer: RawPeer | undefined;
  let badPeer: RawPeer | undefined;

  /** A raw peer from `from` that has received our OPEN. */
  async function rawPeer(from: string): Promise<RawPeer> {
    const p = await RawPeer.connect('127.0.0.1', port, from);
    await waitFor(() => p.has('open'), 5000, { what: 'our OPEN' });
    return p;
  }

  async function establish(p: RawPeer, s: Session, id: string): Promise<void> {
    p.write(openMessage({ bgpId: id }));
    p.write(KEEPALIVE);
    await waitFor(() => s.state === 'Established', 5000, { what: `${id} Established` });
  }

  before(async () => {
    port = await listener.listen('127.0.0.1', 0);
    bad.start();
    good.start();
    goodPeer = await rawPeer(GOOD);
    await establish(goodPeer, good, '10.0.0.22');
  });
  afterEach(() => {
    badPeer?.destroy();
    badPeer = undefined;
  });
  after(async () => {
    // The healthy session never left Established while the other one was fed garbage.
    assert.equal(good.state, 'Established');
    assert.equal(goodStates.at(-1), 'Established');
    assert.equal(goodStates.filter((s) => s === 'Established').length, 1);
    assert.equal(goodPeer?.has('notification'), false);
    goodPeer.destroy();
    bad.stop();
    good.stop();
    await listener.close();
  });

  const fatal: [string, () => string[], [number, number], string?][] = [
    ['bad marker (1/1)', () => [frame(4, '', { marker: `00${'ff'.repeat(15)}` })], [1, 1]],
    ['length below 19 (1/2)', () => [frame(4, '', { length: 18 })], [1, 2], '0012'],
    [
      'length above 4096 without extended messages (1/2)',
      () => [frame(2, '', { length: 5000 })],
      [1, 2],
      '1388',
    ],
    ['unknown message type (1/3)', () => [frame(9, '')], [1, 3], '09'],
    ['KEEPALIVE with a body (1/2)', () => [frame(4, '00')], [1, 2], '0014'],
    ['OPEN version 3 (2/1, data: version 4)', () => [openMessage({ version: 3 })], [2, 1], '0004'],
    ['OPEN from the wrong AS (2/2)', () => [openMessage({ as: 65001 })], [2, 2], 'fde9'],
    ['OPEN with hold time 2 (2/6)', () => [openMessage({ holdTime: 2 })], [2, 6]],
    [
      'OPEN without a family we require (2/7, data: our multiprotocol capabilities)',
      () => [openMessage({ caps: [cap.mp(2, 1), cap.as4(64512)] })],
      [2, 7],
      '010400010080010400190046010400010084',
    ],
    ['UPDATE in OpenSent (5/1, RFC 6608)', () => [updateMessage([])], [5, 1]],
    [
      'unrecognized well-known attribute (3/2)',
      () => [openMessage(), KEEPALIVE, updateMessage([ATTRS.origin, ATTRS.asPath, attr(0x40, 99, '00')])],
      [3, 2],
    ],
    [
      'VPNv4 NLRI truncated after the label in MP_REACH_NLRI (3/9, RFC 4760 7)',
      () => [
        openMessage(),
        KEEPALIVE,
        updateMessage([ATTRS.origin, ATTRS.asPath, ATTRS.vpnReach('70 000641')]),
      ],
      [3, 9],
    ],
    [
      'truncated prefix in the NLRI field (3/10, RFC 7606 5.3)',
      () => [
        openMessage(),
        KEEPALIVE,
        updateMessage([ATTRS.origin, ATTRS.asPath, attr(0x40, 3, 'c0000201')], '18 0a01'),
      ],
      [3, 10],
    ],
  ];

  for (const [name, messages, [code, subcode], data] of fatal) {
    it(`${name}: NOTIFICATION to the peer, session Idle`, async () => {
      badPeer = await rawPeer(BAD);
      for (const m of messages()) badPeer.write(m);
      const n = await badPeer.notification();
      assert.deepEqual([n.code, n.subcode], [code, subcode]);
      if (data !== undefined) assert.equal(toHex(n.data), data);
      await waitFor(() => bad.state === 'Idle', 5000, { what: 'Idle' });
      assert.equal(bad.info().lastErrorCode?.startsWith('BGPD_ERR_WIRE_'), true);
      assert.equal(good.state, 'Established');
    });
  }

  const withdrawn: [string, string, [number, number]][] = [
    [
      'ORIGIN with the optional bit set (RFC 7606 3(c))',
      updateMessage([attr(0xc0, 1, '00'), ATTRS.asPath, ATTRS.vpnReach()]),
      [3, 4],
    ],
    [
      'ORIGIN of length 2 (RFC 7606 7.1)',
      updateMessage([attr(0x40, 1, '0000'), ATTRS.asPath, ATTRS.vpnReach()]),
      [3, 5],
    ],
    ['no ORIGIN (RFC 7606 3(d))', updateMessage([ATTRS.asPath, ATTRS.localPref, ATTRS.vpnReach()]), [3, 3]],
    [
      'last attribute overruns the attribute length (RFC 7606 4)',
      updateMessage([ATTRS.vpnReach(), ATTRS.origin, ATTRS.asPath, attr(0x40, 5, '00000064', 200)]),
      [3, 5],
    ],
  ];

  it('treat-as-withdraw (RFC 7606 2): the route goes, the session stays', async () => {
    badPeer = await rawPeer(BAD);
    await establish(badPeer, bad, '10.0.0.21');
    for (const [name, malformed, [code, subcode]] of withdrawn) {
      updates.length = 0;
      badPeer.write(ANNOUNCE);
      await waitFor(() => updates.length === 1, 5000, { what: `announce before ${name}` });
      assert.deepEqual(
        updates[0]?.update.mpReach?.nlri.map((n) => n.key),
        [VPN_KEY],
      );
      badPeer.write(malformed);
      const u = await waitFor(() => updates[1], 5000, { what: `withdraw for ${name}` });
      assert.equal(u.action, 'treat-as-withdraw', name);
      assert.ok(
        u.problems.some((p) => p.errorCode === code && p.subcode === subcode),
        name,
      );
      assert.equal(u.update.mpReach, undefined, name);
      assert.deepEqual(
        u.update.mpUnreach?.nlri.map((n) => n.key),
        [VPN_KEY],
        name,
      );
      assert.equal(bad.state, 'Established', name);
    }
    assert.equal(badPeer.has('notification'), false);
  });
});
