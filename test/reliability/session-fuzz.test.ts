/**
 * Session fuzzing over TCP against the real daemon process (`[BGP] listen`). Two configured
 * peers: a healthy one (our own Session in this process, holding 20 VPNv4 routes in the
 * daemon's RIB) and a raw peer that sends a mutated stream: after a valid OPEN, one mutated
 * UPDATE per case (seeded: flipped octets, wrong lengths, bad attribute flags, random NLRI…),
 * then enough KEEPALIVEs to complete any message whose length field was made too large, then a
 * ROUTE-REFRESH. Each case ends either in a NOTIFICATION with a valid code (the raw peer then
 * reconnects) or with the session kept, which the daemon proves by answering the ROUTE-REFRESH
 * (it re-sends the one route it advertises). Throughout, the daemon must not exit, the healthy
 * session must stay Established (no flap on either side) with all its routes in the RIB, and the
 * looking glass must keep rendering the RIB.
 */
import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/context.js';
import type { Message, NotificationMessage } from '../../src/bgp/codec/message.js';
import { Session } from '../../src/bgp/session/session.js';
import type { State } from '../../src/bgp/session/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { KEEPALIVE, RawPeer, bytesOf, frame, openMessage } from '../helpers/raw-peer.js';
import { vpnUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';
import { UpdateFuzzer } from './fuzz.js';
import {
  Prng,
  TestNode,
  bgpPeer,
  portAttachment,
  routesFrom,
  vpnInstance,
  type LgRoutes,
} from './harness.js';

const HEALTHY = '127.0.0.2';
const FUZZ = '127.0.0.3';
const CASES = 300;
const SEED = 0x5eed_b69;
const HEALTHY_ROUTES = 20;

/** Valid (code, subcodes) of a NOTIFICATION (RFC 4271 4.5, 4486, 5492, 6608, 7313, 8538, 9234). */
const VALID_CODES: Readonly<Record<number, readonly number[]>> = {
  1: [1, 2, 3],
  2: [0, 1, 2, 3, 4, 6, 7, 8, 11],
  3: [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
  4: [0],
  5: [0, 1, 2, 3],
  6: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  7: [1],
};

/** Enough KEEPALIVEs (4,104 octets) to complete any pending message of at most 4,096 octets. */
const FILLER = bytesOf(KEEPALIVE.repeat(216));
/** ROUTE-REFRESH for VPNv4 (AFI 1, subtype 0, SAFI 128). */
const REFRESH = bytesOf(frame(5, '0001 00 80'));

/** UPDATEs carrying routes (not End-of-RIB) the daemon sent the raw peer. */
const routeUpdates = (p: RawPeer): number =>
  p.messages.filter((m) => m.type === 'update' && (m.update.mpReach?.nlri.length ?? 0) > 0).length;

const isNotification = (m: Message): m is NotificationMessage => m.type === 'notification';

describe('reliability: session fuzzing over TCP', function () {
  this.timeout(180_000);
  let node: TestNode;
  let healthy: Session | undefined;
  let fuzz: RawPeer | undefined;

  afterEach(async () => {
    fuzz?.destroy();
    healthy?.stop();
    await node.close();
  });

  it(`keeps the healthy session and its routes through ${String(CASES)} mutated UPDATE streams`, async () => {
    const listenPort = await freePort('127.0.0.1');
    node = new TestNode({ listenPort });
    const families = ['ipv4-vpn'];
    node.write('peers.json', [
      bgpPeer('healthy', { peerAddress: HEALTHY, passive: true, families }),
      bgpPeer('fuzz', { peerAddress: FUZZ, passive: true, families }),
    ]);
    // One local route, advertised to both peers: the raw peer's proof that the session is kept.
    node.write('vpn.json', [
      vpnInstance('t', 'red', 'ipvpn', '64512:20'),
      portAttachment('t', 'p1', 'red', '02:00:00:00:00:01', '10.20.0.1/24', 'tap1'),
    ]);
    await node.start();

    const healthyStates: State[] = [];
    healthy = new Session(
      peerConfig({
        peerAddress: '127.0.0.1',
        port: listenPort,
        localAddress: HEALTHY,
        routerId: '10.0.0.2',
        families: [FAMILY.ipv4Vpn],
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: { stateChanged: (_s, _from, to) => healthyStates.push(to) },
      },
    );
    healthy.start();
    const h = healthy;
    await waitFor(() => h.state === 'Established', 15_000, { what: 'the healthy session' });
    const prefixes: string[] = [];
    for (let i = 0; i < HEALTHY_ROUTES; i++) {
      const prefix = `10.50.${String(i)}.0/24`;
      prefixes.push(`${HEALTHY}:1:${prefix}`);
      h.send(vpnUpdate({ prefix, rd: `${HEALTHY}:1`, label: 200 + i, rt: '64512:50', nextHop: HEALTHY }));
    }
    const healthyRoutes = async (): Promise<string[]> =>
      routesFrom(await node.lg<LgRoutes>('bgp/routes'), 'IPv4/mpls-vpn', `BGP-${HEALTHY}`).map((r) =>
        r.replace(/ label \d+$/, ''),
      );
    await waitFor(async () => (await healthyRoutes()).length === HEALTHY_ROUTES, 10_000, {
      what: 'the healthy routes in the RIB',
    });
    const before = await healthyRoutes();
    assert.deepEqual(before, [...prefixes].sort(), 'the healthy routes');

    const fuzzer = new UpdateFuzzer(new Prng(SEED), FUZZ);
    const connectFuzz = async (): Promise<RawPeer> => {
      const p = await RawPeer.connect('127.0.0.1', listenPort, FUZZ);
      await waitFor(() => p.has('open') || p.closed, 10_000, { what: 'the daemon OPEN' });
      assert.ok(p.has('open'), 'the daemon accepted the raw peer');
      p.write(openMessage({ bgpId: '10.0.0.3' }));
      p.write(KEEPALIVE);
      await waitFor(() => routeUpdates(p) > 0 || p.closed, 10_000, { what: 'the route advertised to us' });
      assert.ok(!p.closed, 'raw peer session established');
      return p;
    };

    // The valid corpus first: each UPDATE is accepted and the session kept.
    let current = await connectFuzz();
    fuzz = current;
    for (const bytes of fuzzer.valid()) {
      const p = current;
      const n = routeUpdates(p);
      p.write(Buffer.concat([bytes, REFRESH]));
      await waitFor(() => routeUpdates(p) > n || p.closed, 10_000, { what: 'valid UPDATE then refresh' });
      assert.equal(p.has('notification'), false, 'a valid UPDATE is accepted');
    }

    const outcomes = { notification: 0, kept: 0 };
    const codes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      if (current.closed || current.has('notification')) {
        current.destroy();
        current = await connectFuzz();
        fuzz = current;
      }
      const p = current;
      const m = fuzzer.next();
      const start = p.messages.length;
      const routesBefore = routeUpdates(p);
      p.write(Buffer.concat([m.bytes, FILLER, REFRESH]));
      const what = `case ${String(i)} (${m.name}: ${Buffer.from(m.bytes).toString('hex')})`;
      const outcome = await waitFor(
        () => {
          const n = p.messages.slice(start).find(isNotification);
          if (n !== undefined) return { kind: 'notification' as const, n };
          if (routeUpdates(p) > routesBefore) return { kind: 'kept' as const };
          if (p.closed) return { kind: 'closed without NOTIFICATION' as const };
          return undefined;
        },
        15_000,
        {
          what,
          describe: () => ({ alive: node.alive, received: p.messages.slice(start).map((x) => x.type) }),
        },
      );
      assert.notEqual(outcome.kind, 'closed without NOTIFICATION', what);
      if (outcome.kind === 'notification') {
        const { code, subcode } = outcome.n;
        assert.ok(
          VALID_CODES[code]?.includes(subcode),
          `${what}: NOTIFICATION ${String(code)}/${String(subcode)}`,
        );
        outcomes.notification++;
        const k = `${String(code)}/${String(subcode)}`;
        codes.set(k, (codes.get(k) ?? 0) + 1);
      } else outcomes.kept++;
      assert.ok(node.alive, `daemon alive after ${what}`);
      if (i % 50 === 49) {
        const hp = await node.peer(HEALTHY);
        assert.equal(hp.protocol.state, 'Established', `healthy peer after case ${String(i)}`);
        assert.equal(hp.flaps, 0);
      }
    }

    // Both kinds of ending were exercised (the seed fixes how many of each).
    const seen = `${JSON.stringify(outcomes)} ${JSON.stringify([...codes])}`;
    assert.ok(outcomes.notification > 0 && outcomes.kept > 0 && codes.size >= 3, seen);
    assert.ok(node.alive, 'the daemon never exited');
    assert.equal(h.state, 'Established');
    assert.deepEqual(
      healthyStates.filter((s) => s === 'Established').length,
      1,
      'no flap seen by the healthy peer',
    );
    assert.equal(healthyStates.at(-1), 'Established');
    const hp = await node.peer(HEALTHY);
    assert.equal(hp.protocol.state, 'Established');
    assert.equal(hp.flaps, 0, 'no flap in the looking glass');
    assert.deepEqual(hp.routes.received, { 'IPv4/mpls-vpn': HEALTHY_ROUTES }, 'healthy routes received');
    assert.deepEqual(await healthyRoutes(), before, 'the healthy routes are all still in the RIB');
    // Each NOTIFICATION ended an Established session of the raw peer: a flap each.
    const fp = await node.peer(FUZZ);
    assert.ok(fp.flaps >= outcomes.notification, `fuzz peer flaps ${String(fp.flaps)}`);
  });
});
