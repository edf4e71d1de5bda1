/**
 * 100 flaps of one peer against the real daemon: a raw peer connects, establishes, sends five
 * VPNv4 routes (new prefixes each time), receives the daemon's routes, then goes away (a Cease
 * NOTIFICATION or a bare TCP close, alternately). After each flap the daemon holds no route of
 * that peer; a second, stable peer stays Established with its routes throughout; and the daemon's
 * heap and RSS (from /metrics, lowest of each window so a scavenge in between does not count) after
 * the 100 flaps are within 30 % of what they were after the first 10.
 */
import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { Session } from '../../src/bgp/session/session.js';
import type { State } from '../../src/bgp/session/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { KEEPALIVE, RawPeer, frame, openMessage } from '../helpers/raw-peer.js';
import { vpnUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';
import { TestNode, bgpPeer, portAttachment, routesFrom, vpnInstance, type LgRoutes } from './harness.js';

const STABLE = '127.0.0.2';
const FLAPPER = '127.0.0.4';
const FLAPS = 100;
const ROUTES_PER_FLAP = 5;
const LOCAL_ROUTES = 3;
/** Cease / Administrative Shutdown (RFC 4486). */
const CEASE = frame(3, '0602');

/**
 * A 1 MiB young generation in the daemon: its heap then shows live data plus at most a MiB or two
 * of young garbage, instead of a 16-32 MiB sawtooth that would drown a 30 % bound.
 */
const SMALL_YOUNG_GENERATION = `${process.env['NODE_OPTIONS'] ?? ''} --max-semi-space-size=1`.trim();

interface Memory {
  heap: number;
  rss: number;
}

describe('reliability: 100 peer flaps', function () {
  this.timeout(180_000);
  let node: TestNode;
  let stable: Session | undefined;
  let flapper: RawPeer | undefined;

  afterEach(async () => {
    flapper?.destroy();
    stable?.stop();
    await node.close();
  });

  it('leaves no route of the flapping peer, keeps the other session, and does not grow', async () => {
    const listenPort = await freePort('127.0.0.1');
    node = new TestNode({ listenPort, env: { NODE_OPTIONS: SMALL_YOUNG_GENERATION } });
    const families = ['ipv4-vpn'];
    node.write('peers.json', [
      bgpPeer('stable', { peerAddress: STABLE, passive: true, families }),
      bgpPeer('flapper', { peerAddress: FLAPPER, passive: true, families }),
    ]);
    const ports = Array.from({ length: LOCAL_ROUTES }, (_, i) =>
      portAttachment(
        't',
        `p${String(i)}`,
        'red',
        `02:00:00:00:01:0${String(i)}`,
        `10.20.1.${String(i + 1)}/24`,
        `tap${String(i)}`,
      ),
    );
    node.write('vpn.json', [vpnInstance('t', 'red', 'ipvpn', '64512:20'), ...ports]);
    await node.start();

    const stableStates: State[] = [];
    stable = new Session(
      peerConfig({
        peerAddress: '127.0.0.1',
        port: listenPort,
        localAddress: STABLE,
        routerId: '10.0.0.2',
        families: [FAMILY.ipv4Vpn],
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: { stateChanged: (_s, _f, to) => stableStates.push(to) },
      },
    );
    stable.start();
    const s = stable;
    await waitFor(() => s.state === 'Established', 15_000, { what: 'the stable session' });
    for (let i = 0; i < 10; i++)
      s.send(
        vpnUpdate({
          prefix: `10.51.${String(i)}.0/24`,
          rd: `${STABLE}:1`,
          label: 300 + i,
          rt: '64512:51',
          nextHop: STABLE,
        }),
      );
    const stableRoutes = async (): Promise<string[]> =>
      routesFrom(await node.lg<LgRoutes>('bgp/routes'), 'IPv4/mpls-vpn', `BGP-${STABLE}`);
    await waitFor(async () => (await stableRoutes()).length === 10, 10_000, { what: 'the stable routes' });
    const stableBefore = await stableRoutes();

    const memory = async (): Promise<Memory> => ({
      heap: (await node.metric('nodejs_heap_size_used_bytes')) ?? NaN,
      rss: (await node.metric('process_resident_memory_bytes')) ?? NaN,
    });
    const early: Memory[] = [];
    const late: Memory[] = [];

    for (let i = 0; i < FLAPS; i++) {
      const p = await RawPeer.connect('127.0.0.1', listenPort, FLAPPER);
      flapper = p;
      await waitFor(() => p.has('open') || p.closed, 10_000, { what: `flap ${String(i)}: the daemon OPEN` });
      p.write(openMessage({ bgpId: '10.0.0.4' }));
      p.write(KEEPALIVE);
      await waitFor(() => p.has('keepalive') || p.closed, 10_000, { what: `flap ${String(i)}: KEEPALIVE` });
      assert.ok(!p.closed, `flap ${String(i)}: session accepted`);
      for (let k = 0; k < ROUTES_PER_FLAP; k++) {
        const prefix = `10.${String(60 + (i >> 6))}.${String((i & 63) * 4 + (k >> 2))}.${String((k & 3) * 64)}/26`;
        p.send({
          type: 'update',
          update: vpnUpdate({ prefix, rd: `${FLAPPER}:1`, label: 400 + k, rt: '64512:60', nextHop: FLAPPER }),
        });
      }
      await waitFor(
        async () => {
          const lp = await node.peer(FLAPPER);
          const advertised = p.messages.filter(
            (m) => m.type === 'update' && (m.update.mpReach?.nlri.length ?? 0) > 0,
          );
          const got = advertised.reduce(
            (n, m) => n + (m.type === 'update' ? (m.update.mpReach?.nlri.length ?? 0) : 0),
            0,
          );
          return lp.routes.received['IPv4/mpls-vpn'] === ROUTES_PER_FLAP && got === LOCAL_ROUTES;
        },
        10_000,
        { what: `flap ${String(i)}: routes exchanged` },
      );
      if (i % 2 === 0) {
        p.write(CEASE);
        p.socket.end();
      } else p.destroy();
      await waitFor(
        async () => {
          const lp = await node.peer(FLAPPER);
          return lp.protocol.state !== 'Established' && Object.keys(lp.routes.received).length === 0;
        },
        10_000,
        { what: `flap ${String(i)}: the peer down and its routes gone` },
      );
      p.destroy();
      if (i >= 5 && i < 10) early.push(await memory());
      if (i >= FLAPS - 5) late.push(await memory());
    }

    const low = (ms: Memory[], k: keyof Memory): number => Math.min(...ms.map((m) => m[k]));
    const summary = JSON.stringify({ early, late });
    for (const k of ['heap', 'rss'] as const)
      assert.ok(
        low(late, k) < low(early, k) * 1.3,
        `${k} grew more than 30 % over ${String(FLAPS)} flaps: ${summary}`,
      );

    const lp = await node.peer(FLAPPER);
    assert.deepEqual(lp.routes.received, {}, 'no route left from the flapping peer');
    assert.equal(lp.flaps, FLAPS);
    const routes = await node.lg<LgRoutes>('bgp/routes');
    assert.deepEqual(
      routesFrom(routes, 'IPv4/mpls-vpn', `BGP-${FLAPPER}`),
      [],
      'no flapper route in bgp/routes',
    );
    // The stable session never noticed.
    assert.ok(node.alive);
    assert.equal(s.state, 'Established');
    assert.equal(stableStates.filter((x) => x === 'Established').length, 1);
    const sp = await node.peer(STABLE);
    assert.equal(sp.flaps, 0);
    assert.deepEqual(await stableRoutes(), stableBefore, 'the stable routes');
    assert.deepEqual(
      sp.routes.advertised,
      { 'IPv4/mpls-vpn': LOCAL_ROUTES },
      'advertised to the stable peer',
    );
  });
});
