/**
 * Route refresh at the session level: RFC 2918 requests both ways, and the RFC 7313 BoRR/EoRR
 * markers, sent with `sendRefreshMarker` and reported to `refreshMarker` (bounded by a timer).
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.js';
import { BgpdError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FAMILY, type FamilyKey } from '../../../src/bgp/codec/context.js';
import type { RouteRefreshMessage } from '../../../src/bgp/codec/message.js';
import { EORR_WAIT_MS, RefreshTracker, type RefreshMarker } from '../../../src/bgp/session/refresh.js';
import { Session } from '../../../src/bgp/session/session.js';
import { peerConfig } from '../../helpers/peer-config.js';
import { KEEPALIVE, RawPeer, behindListener, cap, frame, openMessage } from '../../helpers/raw-peer.js';
import { waitFor } from '../../helpers/wait.js';

/** ROUTE-REFRESH for AFI 1 / SAFI 128 with `subtype` (RFC 7313 3: AFI, subtype, SAFI). */
const refresh = (subtype: number, afi = '0001', safi = '80'): string =>
  frame(5, `${afi}${subtype.toString(16).padStart(2, '0')}${safi}`);

describe('route refresh (RFC 2918, RFC 7313)', () => {
  describe('RefreshTracker', () => {
    it('BoRR begins, EoRR ends; an EoRR without BoRR is ignored; a lost EoRR times out', () => {
      const clock = new ManualClock();
      const seen: [FamilyKey, RefreshMarker, boolean][] = [];
      const t = new RefreshTracker(clock, (f, m, timedOut) => seen.push([f, m, timedOut]));
      assert.equal(t.receive(FAMILY.ipv4Vpn, 2), false);
      assert.equal(t.receive(FAMILY.ipv4Vpn, 1), true);
      assert.equal(t.receive(FAMILY.evpn, 1), true);
      assert.equal(t.receive(FAMILY.ipv4Vpn, 2), true);
      assert.equal(t.receive(FAMILY.ipv4Vpn, 2), false);
      clock.advance(EORR_WAIT_MS - 1);
      assert.equal(seen.length, 3);
      clock.advance(1);
      assert.deepEqual(seen, [
        [FAMILY.ipv4Vpn, 'begin', false],
        [FAMILY.evpn, 'begin', false],
        [FAMILY.ipv4Vpn, 'end', false],
        [FAMILY.evpn, 'end', true],
      ]);
      t.receive(FAMILY.rtc, 1);
      t.clear();
      clock.advance(EORR_WAIT_MS);
      assert.equal(seen.length, 5);
    });
  });

  describe('over a connection', () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function setup(peerCaps: string[], holdTime = 90) {
      const clock = new ManualClock();
      const requests: [FamilyKey, number][] = [];
      const markers: [FamilyKey, RefreshMarker, boolean][] = [];
      const s = new Session(peerConfig({ passive: true, holdTime }), {
        clock,
        log: silentLogger,
        handlers: {
          routeRefresh: (_s, f, subtype) => requests.push([f, subtype]),
          refreshMarker: (_s, f, m, timedOut) => markers.push([f, m, timedOut]),
        },
      });
      const peer = await behindListener(s, cleanups);
      peer.write(openMessage({ caps: [cap.mp(1, 128), cap.mp(25, 70), cap.as4(64512), ...peerCaps] }));
      peer.write(KEEPALIVE);
      await waitFor(() => s.state === 'Established', 5000, { what: 'Established' });
      return { s, peer, requests, markers, clock };
    }

    const refreshes = (p: RawPeer): number[][] =>
      p.messages
        .filter((m): m is RouteRefreshMessage => m.type === 'route-refresh')
        .map((m) => [m.afi, m.safi, m.subtype]);

    it('with enhanced route refresh: markers both ways, requests both ways', async () => {
      const { s, peer, requests, markers } = await setup([cap.routeRefresh, cap.enhancedRouteRefresh]);
      assert.equal(s.negotiated?.enhancedRouteRefresh, true);
      // We re-advertise VPNv4 between BoRR and EoRR (RFC 7313 4), and ask for E-VPN.
      s.sendRefreshMarker(FAMILY.ipv4Vpn, 'begin');
      s.sendEndOfRib(FAMILY.ipv4Vpn);
      s.sendRefreshMarker(FAMILY.ipv4Vpn, 'end');
      assert.equal(s.requestRefresh(FAMILY.evpn), true);
      await waitFor(() => refreshes(peer).length === 3, 5000, { what: 'BoRR, EoRR, request' });
      assert.deepEqual(refreshes(peer), [
        [1, 128, 1],
        [1, 128, 2],
        [25, 70, 0],
      ]);
      // The peer asks for VPNv4, then refreshes its own VPNv4 routes.
      peer.write(refresh(0));
      peer.write(refresh(1));
      peer.write(refresh(2));
      // Ignored: a family not negotiated (RFC 2918 4), an unknown subtype (RFC 7313 5).
      peer.write(refresh(0, '0002', '01'));
      peer.write(refresh(7));
      peer.write(KEEPALIVE);
      await waitFor(() => markers.length === 2, 5000, { what: 'BoRR and EoRR reported' });
      assert.deepEqual(requests, [[FAMILY.ipv4Vpn, 0]]);
      assert.deepEqual(markers, [
        [FAMILY.ipv4Vpn, 'begin', false],
        [FAMILY.ipv4Vpn, 'end', false],
      ]);
      assert.equal(s.state, 'Established');
    });

    it('a BoRR whose EoRR never comes ends by timer; the session going down clears it', async () => {
      // Hold time 0 (no keepalives), so that only the EoRR wait runs on the clock.
      const { s, peer, markers, clock } = await setup([cap.routeRefresh, cap.enhancedRouteRefresh], 0);
      peer.write(refresh(1));
      peer.write(frame(5, `0019 01 46`.replace(/ /g, '')));
      await waitFor(() => markers.length === 2, 5000, { what: 'two BoRR' });
      peer.write(refresh(2));
      await waitFor(() => markers.length === 3, 5000, { what: 'EoRR' });
      clock.advance(EORR_WAIT_MS);
      assert.deepEqual(markers.at(-1), [FAMILY.evpn, 'end', true]);
      assert.equal(s.state, 'Established');
      peer.write(refresh(1));
      await waitFor(() => markers.length === 5, 5000, { what: 'another BoRR' });
      peer.destroy();
      await waitFor(() => s.state === 'Idle', 5000, { what: 'Idle' });
      clock.advance(EORR_WAIT_MS);
      assert.equal(markers.length, 5);
    });

    it('without enhanced route refresh: markers are refused locally and ignored when received', async () => {
      const { s, peer, requests, markers } = await setup([cap.routeRefresh]);
      assert.throws(
        () => s.sendRefreshMarker(FAMILY.ipv4Vpn, 'begin'),
        (e) => BgpdError.is(e) && e.code === 'BGPD_ERR_SESSION_NO_ENHANCED_REFRESH',
      );
      peer.write(refresh(1));
      peer.write(refresh(0));
      await waitFor(() => requests.length === 1, 5000, { what: 'the request' });
      assert.deepEqual(markers, []);
    });

    it('a BoRR of the wrong length is a ROUTE-REFRESH error 7/1 (RFC 7313 5)', async () => {
      const { s, peer } = await setup([cap.routeRefresh, cap.enhancedRouteRefresh]);
      peer.write(frame(5, '0001018000'));
      const n = await peer.notification();
      assert.deepEqual([n.code, n.subcode], [7, 1]);
      await waitFor(() => s.state === 'Idle', 5000, { what: 'Idle' });
    });
  });
});
