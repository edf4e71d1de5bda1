/**
 * A looking-glass source over real parts: desired objects admitted into a real DesiredStore
 * (one invalid), a real RIB and VpnManager (an IP VPN instance whose id needs URL quoting, and
 * an E-VPN instance, each with a port), real dummy drivers fed the intents, routes received
 * from a peer, and hand-made peer statuses in several FSM states.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAMILY, ORIGIN, rtcNlri, type FamilyKey } from '../../../src/bgp/codec/index.js';
import type { PeerConfig } from '../../../src/bgp/session/types.js';
import { registerLookingGlass, type LookingGlassSource } from '../../../src/api/http/looking-glass.js';
import { Router } from '../../../src/api/http/router.js';
import type { PeerStatus } from '../../../src/daemon/speaker.js';
import type { DataplaneIntent, InstanceType } from '../../../src/dataplane/intent.js';
import { DummyDriver } from '../../../src/dataplane/dummy.js';
import { admit } from '../../../src/desired/admit.js';
import { DesiredStore } from '../../../src/desired/store.js';
import type { AnyDesiredEntry, InvalidReport } from '../../../src/desired/types.js';
import { Rib } from '../../../src/rib/rib.js';
import type { Route, Source } from '../../../src/rib/types.js';
import { Allocator } from '../../../src/vpn/allocator.js';
import { VpnManager } from '../../../src/vpn/manager.js';
import { bgpPeer, fileAdmitOptions, portAttachment, vpnInstance } from '../../desired/fixtures.js';
import { peerConfig } from '../../helpers/peer-config.js';
import { macRoute, peer, vpnRoute } from '../../vpn/fixtures.js';

/** The IP VPN's external id: a space, a slash, and URL delimiters. */
export const RED_ID = 'red vpn/1?&#%é';
export const GREEN_ID = 'green';
export const SCRIPT = '<script>alert("x")</script>';
export const LOCAL = '192.0.2.1';
export const UP = '192.0.2.10';
export const START = Date.UTC(2024, 0, 2, 3, 4, 5);

const raws = [
  bgpPeer('rr', { peerAddress: UP }),
  vpnInstance('red', { vpnInstanceId: RED_ID, gatewayIP: '10.0.0.254', description: SCRIPT }),
  vpnInstance('green', { type: 'evpn', importRTs: ['64512:2', '64512:3'], exportRTs: ['64512:2'] }),
  portAttachment('p1', { vpnInstanceRef: { name: 'red' }, description: 'web <1>' }),
  portAttachment('p2', {
    vpnInstanceRef: { name: 'green' },
    macAddress: '52:54:00:aa:00:02',
    ipAddress: undefined,
    localPort: { linuxInterface: 'tap2' },
  }),
  portAttachment('p3', { vpnInstanceRef: { name: 'missing' }, macAddress: '52:54:00:aa:00:03' }),
];
const bad = vpnInstance('broken', { importRTs: ['not-a-route-target'] });

function desired(): DesiredStore {
  const store = new DesiredStore();
  const writer = store.register('file');
  const entries: AnyDesiredEntry[] = [];
  const invalid: InvalidReport[] = [];
  for (const raw of [...raws, bad]) {
    const r = admit(raw, { ...fileAdmitOptions, origin: 'lab.json' });
    if (r.ok) entries.push(r.entry);
    else
      invalid.push({
        source: 'file',
        origin: 'lab.json',
        index: 6,
        ...r.identity,
        issues: r.issues,
        lastGoodInForce: false,
      });
  }
  writer.replace(entries, invalid);
  return store;
}

const counters = (announced: [FamilyKey, number][] = []): PeerStatus['counters'] => ({
  messagesIn: { open: 1, keepalive: 3, update: 4 },
  messagesOut: { open: 1, keepalive: 3, update: 2 },
  announced: new Map(announced),
  withdrawn: new Map(),
  staleSwept: 0,
});

function peerStatus(config: PeerConfig, over: Partial<PeerStatus>): PeerStatus {
  return {
    address: config.peerAddress,
    config,
    state: 'Idle',
    previousState: 'Idle',
    lastTransitionTime: START + 1000,
    lastError: undefined,
    flaps: 0,
    negotiated: undefined,
    counters: counters(),
    received: new Map(),
    stale: 0,
    advertised: new Map(),
    ...over,
  };
}

function peers(rib: Rib): PeerStatus[] {
  const up = peerConfig({ peerAddress: UP, localAddress: LOCAL });
  const families = [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc];
  const ctx = { asn4: true, addPath: new Set<FamilyKey>(), extendedMessage: false };
  const received = new Map<FamilyKey, number>();
  for (const r of rib.routesOf(peer(UP))) received.set(r.family, (received.get(r.family) ?? 0) + 1);
  return [
    peerStatus(up, {
      state: 'Established',
      previousState: 'OpenConfirm',
      negotiated: {
        ...{ peerAs: 64512, peerBgpId: UP, holdTime: 90, keepaliveTime: 30, families, rx: ctx, tx: ctx },
        ...{
          routeRefresh: true,
          enhancedRouteRefresh: false,
          peerGracefulRestart: undefined,
          peerHostname: 'rr-1',
        },
      },
      counters: counters([[FAMILY.ipv4Vpn, 1]]),
      received,
      advertised: new Map([[FAMILY.ipv4Vpn, 1]]),
    }),
    peerStatus(peerConfig({ peerAddress: '192.0.2.11' }), {
      state: 'Active',
      previousState: 'Connect',
      flaps: 2,
    }),
    peerStatus(peerConfig({ peerAddress: '192.0.2.12', peerAs: 65001 }), {
      lastError: 'connection refused <&>',
      previousState: 'Connect',
    }),
    peerStatus(peerConfig({ peerAddress: '192.0.2.13' }), { state: 'OpenSent', previousState: 'Connect' }),
  ];
}

export interface Fixture {
  readonly source: LookingGlassSource;
  readonly rib: Rib;
  readonly store: DesiredStore;
  close(): Promise<void>;
}

/** Everything applied and settled: the intents reached the drivers. */
export async function buildFixture(): Promise<Fixture> {
  const store = desired();
  const snap = store.snapshot();
  const rib = new Rib();
  const drivers = { ipvpn: new DummyDriver({ type: 'ipvpn' }), evpn: new DummyDriver({ type: 'evpn' }) };
  const queue: (() => void)[] = [];
  const passes: Promise<unknown>[] = [];
  const manager = new VpnManager({
    rib,
    allocator: new Allocator({ localAddress: LOCAL }),
    localAddress: LOCAL,
    dataplaneAddress: LOCAL,
    encapsulations: { ipvpn: ['mpls'], evpn: ['vxlan'] },
    nodeName: 'node-1',
    onIntent: (type: InstanceType, intent: DataplaneIntent) => passes.push(drivers[type].apply(intent)),
    schedule: (fn) => queue.push(fn),
  });
  const specs = <T extends { spec: unknown }>(m: ReadonlyMap<string, T>) =>
    new Map([...m].map(([k, e]) => [k, e.spec as T['spec']]));
  const problems = manager.setDesired(specs(snap.vpnInstances), specs(snap.portAttachments));
  rib.set(vpnRoute({ from: UP, prefix: '10.0.1.0/24', label: 200 }));
  rib.set(macRoute({ from: UP, mac: '52:54:00:bb:00:01', ip: '10.1.0.5', rts: ['64512:2'] }));
  const rtc: Route = {
    family: FAMILY.rtc,
    nlri: rtcNlri(64512, '64512:1'),
    attributes: { origin: ORIGIN.igp, asPath: [] },
    nextHop: UP,
    source: peer(UP),
  };
  rib.set(rtc);
  while (queue.length > 0) queue.shift()?.();
  await Promise.all(passes);
  const sources = (): Source[] => [
    peer(UP),
    ...manager.instanceIds().map((owner): Source => ({ kind: 'local', owner })),
  ];
  const source: LookingGlassSource = {
    status: () => ({
      peers: peers(rib),
      instances: manager.instanceIds().flatMap((id) => manager.status(id) ?? []),
      drivers: [drivers.ipvpn.status(), drivers.evpn.status()],
      routeTargets: ['64512:1', '64512:2', '64512:3'],
      ribSize: rib.size,
    }),
    desired: () => store.snapshot(),
    problems: () => problems,
    config: () => ({
      BGP: { local_address: LOCAL, my_as: 64512, enable_rtc: true },
      API: { host: '127.0.0.1', port: 8082 },
      DATAPLANE_DRIVER_IPVPN: { dataplane_driver: 'dummy' },
      DATAPLANE_DRIVER_EVPN: { dataplane_driver: 'dummy' },
    }),
    logs: () => [
      { level: 'ERROR', time: '2024-01-02 03:04:06', name: 'bgp', message: 'peer 192.0.2.12 <down>' },
      { level: 'WARNING', time: '2024-01-02 03:04:05', message: 'slow' },
    ],
    routes: (family) => sources().flatMap((s) => rib.routesOf(s).filter((r) => r.family === family)),
    startTime: START,
    version: '0.1.0',
  };
  return {
    source,
    rib,
    store,
    close: async () => {
      manager.close();
      await Promise.all([drivers.ipvpn.stop(), drivers.evpn.stop()]);
    },
  };
}

export interface Served {
  /** "http://127.0.0.1:<port>" */
  readonly base: string;
  get(path: string, accept?: string): Promise<{ status: number; type: string; body: string }>;
  close(): Promise<void>;
}

/** A real HTTP server (node:http, Router) with only the looking glass registered. */
export async function serve(source: LookingGlassSource): Promise<Served> {
  const router = new Router();
  registerLookingGlass(router, source);
  const server = createServer(router.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${String(port)}`;
  return {
    base,
    get: async (path, accept) => {
      const res = await fetch(`${base}${path}`, accept === undefined ? {} : { headers: { accept } });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** Mocha hooks around the calling suite: build and serve the fixture before, close both after. */
export function servedFixture(): { readonly f: Fixture; readonly s: Served } {
  let f: Fixture | undefined;
  let s: Served | undefined;
  before(async () => {
    f = await buildFixture();
    s = await serve(f.source);
  });
  after(async () => {
    await s?.close();
    await f?.close();
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the fixture is not built yet');
    return v;
  };
  return {
    get f() {
      return ready(f);
    },
    get s() {
      return ready(s);
    },
  };
}
