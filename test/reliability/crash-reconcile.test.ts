/**
 * kill -9 in the middle of a bulk reconcile. The daemon peers with our own Session (in this
 * process, no graceful restart on our side, so what we hold is exactly what the daemon
 * advertises on the current session); 2,000 PortAttachments in 5 IP VPN instances (a /32 each)
 * and 5 E-VPN instances (MAC-only ports: an RD of their own each, from the allocator) are written
 * to desired.d, and the daemon is killed (SIGKILL) as soon as the first of their routes reaches
 * us, restarted, and killed again as soon as it re-advertises the first one. After the second
 * restart every one of the 2,000 routes is advertised exactly once, with the RD and label (a
 * per-port MPLS label for IP VPN ports) persisted in allocations.json (the same as before each crash for the routes seen then), the
 * looking glass counts are exact, and allocations.json is valid and matches.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { labelFromRaw } from '../../src/bgp/codec/nlri/label.js';
import type { Nlri } from '../../src/bgp/codec/nlri/types.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import { Session } from '../../src/bgp/session/session.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';
import { TestNode, bgpPeer, macOf, portAttachment, vpnInstance, type LgRoutes } from './harness.js';

const US = '127.0.0.7';
const INSTANCES = 10;
const PORTS_PER_INSTANCE = 200;
const TOTAL = INSTANCES * PORTS_PER_INSTANCE;
const HALF = TOTAL / 2;

/** What identifies a route's allocation: the RD and the label (or VNI). */
interface Held {
  readonly rd: string;
  readonly label: number;
}

interface AllocationsFile {
  version: number;
  instances: Record<
    string,
    { rd?: number; vni?: number; macs?: Record<string, number>; endpointRds?: Record<string, number> }
  >;
}

/** Even instances are IP VPNs (ports with an IP: one /32 each), odd ones E-VPNs (MAC-only ports). */
const isIpvpn = (j: number): boolean => j % 2 === 0;
const instanceName = (j: number): string => `${isIpvpn(j) ? 'vrf' : 'evi'}${String(j)}`;
const ipOf = (j: number, k: number): string =>
  `10.${String(100 + j)}.${String(k >> 8)}.${String((k & 255) + 1)}`;

/** Our view of a route: the endpoint it stands for (prefix or MAC) and its allocation. */
function endpointOf(n: Nlri): [string, Held] | undefined {
  if (n.kind === 'vpn') return [n.prefix, { rd: n.rd, label: labelFromRaw(n.labels[0] ?? 0) }];
  if (n.kind === 'evpn' && n.route === 'mac-ip') return [n.mac, { rd: n.rd, label: n.labels[0] ?? 0 }];
  return undefined;
}

describe('reliability: kill -9 during a bulk reconcile', function () {
  this.timeout(180_000);
  let node: TestNode;
  const stops: (() => unknown)[] = [];

  afterEach(async () => {
    try {
      for (const f of stops.splice(0).reverse()) await f();
    } finally {
      await node.close();
    }
  });

  it(`converges all ${String(TOTAL)} attachments after a restart, nothing duplicated`, async () => {
    const port = await freePort(US);
    node = new TestNode();

    // What we hold from the daemon, by NLRI key; cleared when the session drops (no GR here).
    const held = new Map<string, Nlri>();
    let eors = new Set<number>();
    let sessions = 0;
    const families = [FAMILY.ipv4Vpn, FAMILY.evpn];
    const s = new Session(
      peerConfig({
        peerAddress: node.address,
        port: 179,
        localAddress: US,
        routerId: '10.0.0.7',
        passive: true,
        families,
        gracefulRestart: { enabled: false, restartTime: 120 },
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: {
          update: (_s, u) => {
            for (const n of u.update.mpUnreach?.nlri ?? []) held.delete(n.key);
            for (const n of u.update.mpReach?.nlri ?? []) held.set(n.key, n);
          },
          endOfRib: (_s, f) => eors.add(f),
          stateChanged: (_s, _from, to) => {
            if (to === 'Established') sessions++;
            if (to === 'Idle') {
              held.clear();
              eors = new Set();
            }
          },
        },
      },
    );
    const listener = new BgpListener(
      { accept: (peer, sock) => (peer === node.address ? (s.accept(sock), true) : false) },
      silentLogger,
    );
    await listener.listen(US, port);
    s.start();
    stops.push(
      () => listener.close(),
      () => {
        s.stop();
      },
    );

    node.write('peer.json', [
      bgpPeer('us', {
        peerAddress: US,
        port,
        families: ['ipv4-vpn', 'l2vpn-evpn'],
        timers: { connectRetrySeconds: 1 },
      }),
    ]);
    const instances = Array.from({ length: INSTANCES }, (_, j) =>
      vpnInstance('bulk', instanceName(j), isIpvpn(j) ? 'ipvpn' : 'evpn', `64512:${String(100 + j)}`),
    );
    node.write('instances.json', instances);
    await node.start();
    await waitFor(() => s.state === 'Established' && eors.size === 2, 20_000, {
      what: 'the session and its End-of-RIBs',
    });
    assert.equal(held.size, INSTANCES / 2, 'the E-VPN multicast routes');

    // The bulk: 10 files of 200 attachments, then SIGKILL at the first port route we receive.
    /** Endpoint (a /32 or a MAC) -> its instance index and MAC. */
    const endpoints = new Map<string, { j: number; mac: string }>();
    for (let j = 0; j < INSTANCES; j++) {
      const ports = [];
      for (let k = 0; k < PORTS_PER_INSTANCE; k++) {
        const i = j * PORTS_PER_INSTANCE + k;
        const mac = macOf(i + 1);
        const p = portAttachment(
          'bulk',
          `port-${String(i)}`,
          instanceName(j),
          mac,
          `${ipOf(j, k)}/16`,
          `tap${String(i)}`,
        );
        if (isIpvpn(j)) endpoints.set(`${ipOf(j, k)}/32`, { j, mac });
        else {
          endpoints.set(mac, { j, mac });
          delete (p['spec'] as Record<string, unknown>)['ipAddress'];
        }
        ports.push(p);
      }
      node.write(`ports-${String(j)}.json`, ports);
    }
    const portRoutes = (): Map<string, Held[]> => {
      const out = new Map<string, Held[]>();
      for (const n of held.values()) {
        const e = endpointOf(n);
        if (e !== undefined) out.set(e[0], [...(out.get(e[0]) ?? []), e[1]]);
      }
      return out;
    };
    // Two crashes: at the first port route of the bulk, then at the first one re-advertised after
    // the restart. What we saw before each must come back with the same RD and label.
    const seen = new Map<string, Held[]>();
    for (const when of ['the first port route', 'the first port route after the restart']) {
      await waitFor(() => s.state === 'Established' && portRoutes().size > 0, 60_000, {
        what: when,
        intervalMs: 1,
      });
      for (const [e, hs] of portRoutes()) seen.set(e, hs);
      await node.kill();
      await waitFor(() => s.state !== 'Established', 20_000, { what: 'our side sees the crash' });
      await node.start();
    }
    // Every port route, the five E-VPN multicast routes, then End-of-RIB for both families.
    await waitFor(() => sessions === 3 && held.size === TOTAL + INSTANCES / 2 && eors.size === 2, 60_000, {
      what: 'all routes again after the restart, then End-of-RIB',
      describe: () => ({ state: s.state, held: held.size, eors: [...eors], sessions }),
    });
    assert.ok(seen.size > 0);

    // Exactly one route per attachment: no endpoint under two RDs or labels.
    const after = portRoutes();
    assert.deepEqual([...after.keys()].sort(), [...endpoints.keys()].sort(), 'a route per endpoint');
    for (const [e, hs] of after) assert.equal(hs.length, 1, `${e} advertised ${String(hs.length)} times`);

    // allocations.json: valid; an RD and a VNI per instance, a label per IP VPN port (MPLS) and an
    // RD per MAC-only E-VPN port; every RD distinct, every label and VNI distinct (one pool).
    const alloc = JSON.parse(readFileSync(join(node.state, 'allocations.json'), 'utf8')) as AllocationsFile;
    assert.equal(alloc.version, 1);
    const names = instances.map((_, j) => instanceName(j));
    assert.deepEqual(Object.keys(alloc.instances).sort(), [...names].sort(), 'allocations per instance');
    const all = names.map((n) => alloc.instances[n]);
    const rds = all.flatMap((a) => [a?.rd, ...Object.values(a?.endpointRds ?? {})]);
    assert.equal(rds.length, INSTANCES + HALF, 'an RD per instance and per MAC-only endpoint');
    assert.equal(new Set(rds).size, rds.length, 'RDs all distinct');
    const labels = all.flatMap((a) => [a?.vni, ...Object.values(a?.macs ?? {})]);
    assert.equal(labels.length, INSTANCES + HALF, 'a VNI per instance and a label per IP VPN port');
    assert.equal(new Set(labels).size, labels.length, 'labels and VNIs all distinct');
    const rdText = (n: number | undefined): string => `${node.address}:${String(n)}`;
    for (const [e, { j, mac }] of endpoints) {
      const a = alloc.instances[instanceName(j)];
      const h = after.get(e)?.[0];
      if (isIpvpn(j)) {
        assert.equal(h?.rd, rdText(a?.rd), `${e}: the instance RD`);
        assert.equal(h.label, a?.macs?.[mac], `${e}: the port's persisted label`);
      } else {
        assert.ok(
          Object.values(a?.endpointRds ?? {})
            .map(rdText)
            .includes(h?.rd ?? ''),
          `${e}: a persisted RD`,
        );
        assert.equal(h?.label, a?.vni, `${e}: the instance VNI`);
      }
      // Routes seen before a crash come back with the same RD and label.
      const old = seen.get(e);
      if (old !== undefined) assert.deepEqual(old, [h], `${e} kept its RD and label`);
    }

    // The daemon's own counts are exact.
    const counts = await node.lg<{ local: Record<string, number> }>('bgp/route_counts');
    assert.deepEqual(
      counts.local,
      { 'IPv4/mpls-vpn': HALF, 'L2VPN/evpn': HALF + INSTANCES / 2 },
      'route_counts',
    );
    const peer = await node.peer(US);
    assert.deepEqual(
      peer.routes.advertised,
      { 'IPv4/mpls-vpn': HALF, 'L2VPN/evpn': HALF + INSTANCES / 2 },
      'advertised',
    );
    const routes = await node.lg<LgRoutes>('bgp/routes');
    for (const [family, n] of [
      ['IPv4/mpls-vpn', HALF],
      ['L2VPN/evpn', HALF + INSTANCES / 2],
    ] as const) {
      const local = (routes[`${family},*`] ?? []).flatMap((e) => Object.keys(e));
      assert.equal(new Set(local).size, n, family);
      assert.equal(local.length, n, family);
    }
    const desired = await node.lg<{ counts: unknown }>('desired');
    assert.deepEqual(
      desired.counts,
      { objects: TOTAL + INSTANCES + 1, invalid: 0, with_problems: 0 },
      'desired',
    );
    assert.equal((await node.lg<unknown[]>('vpns/instances')).length, INSTANCES);
  });
});
