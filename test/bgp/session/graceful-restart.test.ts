/**
 * Graceful restart at the session level (RFC 4724, RFC 8538): the capability in our OPEN, the
 * keep-as-stale decision when a session drops, the Hard Reset wrapper, and End-of-RIB per family.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FAMILY, type FamilyKey } from '../../../src/bgp/codec/context.js';
import { toHex } from '../../../src/bgp/codec/hex.js';
import type { OpenMessage } from '../../../src/bgp/codec/message.js';
import { notification, shutdownNotification } from '../../../src/bgp/codec/notification.js';
import { asHardReset, staleFamilies, type SessionEnd } from '../../../src/bgp/session/graceful-restart.js';
import { negotiate } from '../../../src/bgp/session/negotiate.js';
import type { OpenOptions } from '../../../src/bgp/session/negotiate.js';
import { Session } from '../../../src/bgp/session/session.js';
import type { Negotiated, Reason } from '../../../src/bgp/session/types.js';
import { peerConfig } from '../../helpers/peer-config.js';
import {
  KEEPALIVE,
  RawPeer,
  behindListener,
  attr,
  cap,
  frame,
  openMessage,
  updateMessage,
} from '../../helpers/raw-peer.js';
import { waitFor } from '../../helpers/wait.js';

/** VPNv4, E-VPN and IPv4 unicast; graceful restart on (restart time 120 s). */
const config = peerConfig({ families: [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.ipv4Unicast] });

describe('graceful restart (RFC 4724, RFC 8538)', () => {
  describe('staleFamilies: which routes a helper keeps when the session drops', () => {
    const open = (grFlags: number | undefined): OpenMessage => ({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: '10.0.0.9',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 128 },
        { type: 'multiprotocol', afi: 25, safi: 70 },
        { type: 'multiprotocol', afi: 1, safi: 1 },
        ...(grFlags === undefined
          ? []
          : [
              {
                type: 'graceful-restart' as const,
                flags: grFlags,
                restartTime: 120,
                // The peer lists VPNv4 and E-VPN, not IPv4 unicast.
                families: [
                  { afi: 1, safi: 128, flags: 0x80 },
                  { afi: 25, safi: 70, flags: 0 },
                ],
              },
            ]),
      ],
    });
    const local = { ...open(0x4), bgpId: '10.0.0.1' };
    const n = (grFlags: number | undefined): Negotiated => {
      const r = negotiate(config, local, open(grFlags));
      assert.ok(!(r instanceof Error));
      return r;
    };
    const sent = (code: number, subcode: number): SessionEnd['notification'] => ({
      direction: 'sent',
      code,
      subcode,
    });
    const received = (code: number, subcode: number): SessionEnd['notification'] => ({
      direction: 'received',
      code,
      subcode,
    });
    const GR = [FAMILY.ipv4Vpn, FAMILY.evpn];
    const cases: [string, number | undefined, Reason, SessionEnd['notification'], FamilyKey[]][] = [
      ['TCP loss, peer without GR', undefined, 'tcp-closed', undefined, []],
      ['TCP loss, GR: the families of its capability only', 0, 'tcp-closed', undefined, GR],
      [
        'hold timer expiry without the N bit (RFC 4724: a NOTIFICATION was sent)',
        0,
        'hold-timer-expired',
        sent(4, 0),
        [],
      ],
      ['hold timer expiry with the N bit (RFC 8538 4)', 0x4, 'hold-timer-expired', sent(4, 0), GR],
      ['UPDATE error we sent, with the N bit', 0x4, 'message-error', sent(3, 1), GR],
      ['UPDATE error we sent, without the N bit', 0, 'message-error', sent(3, 1), []],
      ['Cease received without the N bit', 0, 'notification-received', received(6, 6), []],
      ['soft Cease received with the N bit', 0x4, 'notification-received', received(6, 6), GR],
      ['Hard Reset received (RFC 8538 3)', 0x4, 'notification-received', received(6, 9), []],
      [
        'Administrative Shutdown received is hard (RFC 8538 5)',
        0x4,
        'notification-received',
        received(6, 2),
        [],
      ],
      ['our own stop', 0x4, 'admin-shutdown', sent(6, 9), []],
    ];
    for (const [name, flags, reason, note, want] of cases) {
      it(name, () => {
        const end: SessionEnd = { reason, ...(note ? { notification: note } : {}) };
        assert.deepEqual(staleFamilies(n(flags), config, end), want);
      });
    }

    it('nothing is kept when we did not offer graceful restart ourselves', () => {
      const off = peerConfig({ ...config, gracefulRestart: { enabled: false, restartTime: 0 } });
      assert.deepEqual(staleFamilies(n(0x4), off, { reason: 'tcp-closed' }), []);
    });
  });

  it('asHardReset wraps the hard Ceases and leaves the others (RFC 8538 3.1)', () => {
    const shut = shutdownNotification('bye');
    const wrapped = asHardReset(shut);
    assert.deepEqual([wrapped.code, wrapped.subcode], [6, 9]);
    assert.equal(toHex(wrapped.data), `0602${toHex(shut.data)}`);
    const collision = notification(6, 7);
    assert.equal(asHardReset(collision), collision);
    const hold = notification(4, 0);
    assert.equal(asHardReset(hold), hold);
  });

  describe('over a connection', () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    /** A passive session behind a listener and a raw peer connected to it that got our OPEN. */
    async function setup(openOptions?: OpenOptions, clock = new ManualClock()) {
      const events: { down: [Reason, boolean, readonly FamilyKey[]][]; eor: FamilyKey[] } = {
        down: [],
        eor: [],
      };
      const s = new Session(peerConfig({ ...config, passive: true }), {
        clock,
        log: silentLogger,
        ...(openOptions ? { openOptions } : {}),
        handlers: {
          down: (_s, reason, retain, families) => events.down.push([reason, retain, families]),
          endOfRib: (_s, f) => events.eor.push(f),
        },
      });
      const peer = await behindListener(s, cleanups);
      return { s, peer, events, clock };
    }

    async function establish(peer: RawPeer, s: Session, grFlags: number): Promise<void> {
      const caps = [cap.mp(1, 128), cap.mp(25, 70), cap.mp(1, 1), cap.as4(64512)];
      caps.push(
        cap.gracefulRestart(grFlags, 120, [
          [1, 128, 0x80],
          [25, 70, 0],
        ]),
      );
      peer.write(openMessage({ caps }));
      peer.write(KEEPALIVE);
      await waitFor(() => s.state === 'Established', 5000, { what: 'Established' });
    }

    it('our OPEN carries R when restarting, N always, and F only for the families kept', async () => {
      const { peer } = await setup({ restarting: true, forwardingKept: [FAMILY.evpn] });
      const open = peer.messages.find((m): m is OpenMessage => m.type === 'open');
      const gr = open?.capabilities.find((c) => c.type === 'graceful-restart');
      assert.ok(gr?.type === 'graceful-restart');
      assert.equal(gr.flags, 0x8 | 0x4);
      assert.equal(gr.restartTime, 120);
      assert.deepEqual(
        gr.families.map((f) => [f.afi, f.safi, f.flags]),
        [
          [1, 128, 0],
          [25, 70, 0x80],
          [1, 1, 0],
        ],
      );
    });

    it('without a restart: no R bit, no F bit', async () => {
      const { peer } = await setup();
      const open = peer.messages.find((m): m is OpenMessage => m.type === 'open');
      const gr = open?.capabilities.find((c) => c.type === 'graceful-restart');
      assert.ok(gr?.type === 'graceful-restart');
      assert.equal(gr.flags, 0x4);
      assert.ok(gr.families.every((f) => f.flags === 0));
    });

    it('End-of-RIB is reported per family: empty MP_UNREACH_NLRI, and the empty UPDATE for IPv4', async () => {
      const { s, peer, events } = await setup();
      await establish(peer, s, 0);
      peer.write(updateMessage([attr(0x80, 15, '0019 46')]));
      peer.write(updateMessage([attr(0x80, 15, '0001 80')]));
      peer.write(frame(2, '00000000'));
      await waitFor(() => events.eor.length === 3, 5000, { what: 'three End-of-RIB' });
      assert.deepEqual(events.eor, [FAMILY.evpn, FAMILY.ipv4Vpn, FAMILY.ipv4Unicast]);
    });

    it('TCP loss keeps the routes of the families in the peer capability as stale', async () => {
      const { s, peer, events } = await setup();
      await establish(peer, s, 0);
      peer.destroy();
      await waitFor(() => events.down.length === 1, 5000, { what: 'down' });
      assert.deepEqual(events.down[0], ['tcp-closed', true, [FAMILY.ipv4Vpn, FAMILY.evpn]]);
    });

    it('hold timer expiry keeps them only with the N bit; we send 4/0 either way', async () => {
      for (const [flags, retain] of [
        [0x4, true],
        [0, false],
      ] as const) {
        const { s, peer, events, clock } = await setup();
        await establish(peer, s, flags);
        clock.advance(90_000);
        assert.equal(s.state, 'Idle');
        const n = await peer.notification();
        assert.deepEqual([n.code, n.subcode], [4, 0]);
        assert.deepEqual(events.down[0]?.slice(0, 2), ['hold-timer-expired', retain]);
      }
    });

    it('our stop is sent as Hard Reset once the N bit was exchanged, and keeps nothing', async () => {
      const { s, peer, events } = await setup();
      await establish(peer, s, 0x4);
      s.stop('maintenance');
      const n = await peer.notification();
      assert.deepEqual([n.code, n.subcode], [6, 9]);
      assert.deepEqual([...n.data.subarray(0, 2)], [6, 2]);
      assert.deepEqual(events.down[0], ['admin-shutdown', false, []]);
    });

    it('a graceful stop (we restart) closes without a NOTIFICATION, so the peer keeps our routes', async () => {
      const { s, peer } = await setup();
      await establish(peer, s, 0x4);
      s.stop('restarting', { graceful: true });
      await waitFor(() => peer.closed, 5000, { what: 'connection closed' });
      assert.equal(peer.has('notification'), false);
      assert.equal(s.state, 'Idle');
    });
  });
});
