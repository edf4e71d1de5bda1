/**
 * Two bagpipe-bgp daemons (real processes, dummy dataplane, desired.d files) are route reflector
 * clients of a gobgpd 3.10 on 127.0.0.1, with RTC (RFC 4684) on every session. Node A
 * (127.0.0.2) has an E-VPN (RT 64512:10) and an IP VPN (RT 64512:20) with a port each; node B
 * (127.0.0.3) imports 64512:10 and an unrelated IP VPN (64512:99), and has no port.
 *
 * 1. A's E-VPN routes reach B through the reflector with bagpipe's attributes (§4.3), the RR
 *    sends B no VPNv4 route of RT 64512:20 (RTC), gobgpd holds exactly the RTC routes both nodes
 *    originate (never a default one), and removing A's ports, then its instances, withdraws
 *    them, then its RTC routes.
 * 2. Graceful restart (RFC 4724) through the reflector: A killed with SIGKILL keeps its routes
 *    (stale) at gobgpd and at B; restarted with one port fewer, after its End-of-RIB only that
 *    port's route is withdrawn, at gobgpd and at B, and nothing else flapped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../helpers/daemon.js';
import { Gobgpd, freePort, hasGobgpd, type GobgpPath } from '../helpers/gobgpd.js';
import { waitFor } from '../helpers/wait.js';

const API = 'bagpipe.io/v1alpha1';
const RR = '127.0.0.1';
const A = '127.0.0.2';
const B = '127.0.0.3';
const FAMILIES = ['l3vpn-ipv4-unicast', 'l2vpn-evpn', 'rtc'];
const VNI = 5010;
const MAC_A = '02:00:00:00:0a:01';
const IP_A = '10.10.0.1';
const RED_A = '10.20.0.1';

interface Node {
  readonly address: string;
  readonly desired: string;
  readonly conf: string;
  daemon?: DaemonProcess;
  api?: number;
}

/** One route of a looking-glass route list (`{<nlri repr>: {...}}`). */
interface LgRoute {
  readonly key: string;
  readonly 'afi-safi': string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly next_hop: string;
  readonly route_targets: readonly string[];
}

interface LgPeer {
  readonly protocol: { readonly state: string };
  readonly flaps: number;
  readonly routes: {
    readonly withdrawn: Readonly<Record<string, number>>;
    readonly stale_swept: number;
  };
}

function write(dir: string, name: string, objects: unknown[]): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(objects));
  renameSync(tmp, join(dir, name));
}

const instance = (name: string, type: 'evpn' | 'ipvpn', rt: string): unknown => ({
  apiVersion: API,
  kind: 'VpnInstance',
  metadata: { name, namespace: 'demo' },
  spec: { type, importRTs: [rt], exportRTs: [rt], ...(type === 'evpn' ? { vni: VNI } : {}) },
});

const port = (name: string, vpn: string, mac: string, ip: string, ifname: string): unknown => ({
  apiVersion: API,
  kind: 'PortAttachment',
  metadata: { name, namespace: 'demo' },
  spec: {
    vpnInstanceRef: { name: vpn },
    macAddress: mac,
    ipAddress: ip,
    localPort: { linuxInterface: ifname },
  },
});

const BLUE_PORT_A = port('blue-a', 'blue', MAC_A, `${IP_A}/24`, 'tap-ba');
const RED_PORT_A = port('red-a', 'red', '02:00:00:00:0a:02', `${RED_A}/24`, 'tap-ra');

async function lg<T>(node: Node, path: string): Promise<T | undefined> {
  const r = await fetch(`http://127.0.0.1:${String(node.api)}/looking-glass/${path}`);
  return r.status === 200 ? ((await r.json()) as T) : undefined;
}

async function lgRoutes(node: Node, path: string): Promise<LgRoute[]> {
  const list = (await lg<Record<string, Omit<LgRoute, 'key'>>[]>(node, path)) ?? [];
  return list.flatMap((o) => Object.entries(o).map(([key, r]) => ({ key, ...r })));
}

const attr = (p: GobgpPath, type: number): Readonly<Record<string, unknown>> | undefined =>
  p.attrs.find((a) => a.type === type);
const extComms = (p: GobgpPath): unknown[] => (attr(p, 16)?.['value'] as unknown[] | undefined) ?? [];
const rdOf = (p: GobgpPath): string => {
  const rd = (p.nlri.value?.['rd'] ?? p.nlri.rd) as { admin: string | number; assigned: number };
  return `${String(rd.admin)}:${String(rd.assigned)}`;
};
const from = (paths: readonly GobgpPath[], source: string): GobgpPath[] =>
  paths.filter((p) => p['source-id'] === source);
const macRoute = (paths: readonly GobgpPath[]): GobgpPath | undefined =>
  paths.find((p) => p.nlri.type === 2 && p.nlri.value?.['mac'] === MAC_A);
const imetRoute = (paths: readonly GobgpPath[]): GobgpPath | undefined =>
  paths.find((p) => p.nlri.type === 3 && p.nlri.value?.['ip'] === A);
/** RTC paths as "source>prefix", sorted. */
const rtcSet = (paths: readonly GobgpPath[]): string[] =>
  paths.map((p) => `${p['source-id']}>${String(p.nlri.prefix)}`).sort();

describe('e2e: two daemons as clients of a gobgpd 3.10 route reflector, with RTC', function () {
  this.timeout(60000);
  const nodes: Node[] = [];
  let root: string;
  let rr: Gobgpd | undefined;

  async function start(node: Node): Promise<void> {
    node.daemon = new DaemonProcess(['--config-file', node.conf]);
    node.api = await node.daemon.apiPort();
  }

  before(function () {
    if (!hasGobgpd()) this.skip(); // no gobgpd/gobgp binaries
  });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'bgpd-e2e-rr-'));
    const bgpPort = await freePort(RR);
    rr = new Gobgpd({
      as: 64512,
      routerId: RR,
      listen: RR,
      port: bgpPort,
      neighbors: [A, B].map((address) => ({
        address,
        passive: true,
        rrClient: true,
        families: FAMILIES,
        gracefulRestart: true,
      })),
    });
    await rr.start();
    nodes.length = 0;
    for (const address of [A, B]) {
      const dir = join(root, address);
      const desired = join(dir, 'desired.d');
      mkdirSync(desired, { recursive: true });
      const conf = join(dir, 'bgp.conf');
      writeFileSync(
        conf,
        `[BGP]\nlocal_address = ${address}\nmy_as = 64512\nenable_rtc = True\n` +
          `[API]\nhost = 127.0.0.1\nport = 0\n` +
          `[DESIRED]\ndirectory = ${desired}\nnode_name = ${address}\nstate_directory = ${join(dir, 'state')}\n` +
          `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = dummy\n`,
      );
      const peer = {
        peerAddress: RR,
        port: bgpPort,
        families: ['ipv4-vpn', 'l2vpn-evpn', 'rtc'],
        timers: { connectRetrySeconds: 1 },
      };
      write(desired, 'peer.json', [
        { apiVersion: API, kind: 'BgpPeer', metadata: { name: 'rr' }, spec: peer },
      ]);
      if (address === A) {
        write(desired, 'vpn.json', [
          instance('blue', 'evpn', '64512:10'),
          instance('red', 'ipvpn', '64512:20'),
        ]);
        write(desired, 'ports.json', [BLUE_PORT_A, RED_PORT_A]);
      } else {
        write(desired, 'vpn.json', [
          instance('blue', 'evpn', '64512:10'),
          instance('green', 'ipvpn', '64512:99'),
        ]);
      }
      nodes.push({ address, desired, conf });
    }
    for (const n of nodes) await start(n);
    const b = nodes[1] as Node;
    // Converged: both sessions up, A's E-VPN routes at B, A's VPNv4 route and every RTC route at the RR.
    await waitFor(
      async () => {
        const s = await (rr as Gobgpd).neighborStates();
        return s[A] === 6 && s[B] === 6;
      },
      30000,
      { what: 'both nodes Established with gobgpd' },
    );
    await waitFor(
      async () => {
        const keys = (await lgRoutes(b, 'vpns/instances/blue/received_routes')).map((r) => r.key).join();
        return keys.includes(`mac ${MAC_A}`) && keys.includes(`originator ${A}`);
      },
      20000,
      { what: "A's E-VPN MAC/IP and multicast routes in B's instance" },
    );
    await waitFor(async () => from(await (rr as Gobgpd).paths('vpnv4'), A).length === 1, 20000, {
      what: "A's VPNv4 route at gobgpd",
    });
    const want = [`${A}>64512:64512:10`, `${A}>64512:64512:20`, `${B}>64512:64512:10`, `${B}>64512:64512:99`];
    await waitFor(
      async () => JSON.stringify(rtcSet(await (rr as Gobgpd).paths('rtc'))) === JSON.stringify(want),
      20000,
      { what: 'the four RTC routes of A and B at gobgpd' },
    );
  });

  afterEach(async () => {
    for (const n of nodes) await n.daemon?.stop();
    await rr?.stop();
    rr = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("reflects A's E-VPN routes to B with bagpipe's attributes; RTC keeps RT 64512:20 from B; withdrawals", async () => {
    const g = rr as Gobgpd;
    const [a, b] = nodes as [Node, Node];
    const blueRd = (await lg<{ rd: string }>(a, 'vpns/instances/blue'))?.rd;
    const redRd = (await lg<{ rd: string }>(a, 'vpns/instances/red'))?.rd;
    assert.ok(blueRd?.startsWith(`${A}:`), `A's E-VPN RD is type 1 on its BGP address: ${String(blueRd)}`);
    assert.ok(redRd?.startsWith(`${A}:`) && redRd !== blueRd, `A's IP VPN RD: ${String(redRd)}`);

    // At the RR, as A sent them (bagpipe §4.3).
    const evpn = from(await g.paths('evpn'), A);
    const mac = macRoute(evpn);
    assert.ok(mac, `A's MAC/IP route at gobgpd: ${JSON.stringify(evpn)}`);
    assert.equal(rdOf(mac), blueRd, 'type 2 RD = the instance RD (an endpoint with an IP)');
    const t2 = mac.nlri.value ?? {};
    assert.equal(t2['esi'], 'single-homed');
    assert.equal(t2['etag'], 0);
    assert.equal(t2['ip'], IP_A);
    assert.deepEqual(t2['labels'], [VNI], 'label field = the raw VNI');
    assert.equal(attr(mac, 14)?.['nexthop'], A, 'next hop = the dataplane address');
    assert.deepEqual([attr(mac, 14)?.['afi'], attr(mac, 14)?.['safi']], [25, 70]);
    assert.equal(attr(mac, 1)?.['value'], 0, 'ORIGIN IGP');
    assert.deepEqual(attr(mac, 2)?.['as_paths'], [], 'empty AS_PATH');
    assert.equal(attr(mac, 5)?.['value'], 100, 'LOCAL_PREF 100');
    assert.deepEqual(extComms(mac), [
      { type: 3, subtype: 12, tunnel_type: 8 }, // encapsulation VXLAN (RFC 9012)
      { type: 0, subtype: 2, value: '64512:10' }, // RT = export RT
      { type: 3, subtype: 20, value: Buffer.from('14000000000000', 'hex').toString('base64') }, // CHSO 0
    ]);
    const imet = imetRoute(evpn);
    assert.ok(imet, `A's multicast route at gobgpd: ${JSON.stringify(evpn)}`);
    assert.equal(rdOf(imet), blueRd, 'type 3 RD = the instance RD');
    assert.equal(imet.nlri.value?.['etag'], 0);
    assert.equal(attr(imet, 14)?.['nexthop'], A);
    assert.deepEqual(attr(imet, 22), {
      type: 22,
      'is-leaf-info-required': false,
      'tunnel-type': 6, // ingress replication
      label: VNI, // raw VNI
      'tunnel-id': A,
    });
    assert.deepEqual(extComms(imet), [
      { type: 3, subtype: 12, tunnel_type: 8 },
      { type: 0, subtype: 2, value: '64512:10' },
    ]);
    assert.equal(evpn.length, 2, 'A has no other E-VPN route');

    // Reflected to B: same NLRI and next hop, ORIGINATOR_ID A, CLUSTER_LIST the RR.
    const toB = await g.paths('evpn', { neighbor: B, dir: 'adj-out' });
    for (const p of [macRoute(toB), imetRoute(toB)]) {
      assert.ok(p, `A's routes in gobgpd's Adj-RIB-Out to B: ${JSON.stringify(toB)}`);
      assert.equal(attr(p, 14)?.['nexthop'], A);
      assert.equal(attr(p, 9)?.['value'], A, 'ORIGINATOR_ID');
      assert.deepEqual(attr(p, 10)?.['value'], [RR], 'CLUSTER_LIST');
    }

    // In B's instance, as received and as best routes.
    for (const which of ['received_routes', 'best_routes']) {
      const routes = (await lgRoutes(b, `vpns/instances/blue/${which}`)).filter((r) => r.next_hop === A);
      const t2 = routes.find((r) => r.key.startsWith('mac-ip '));
      const t3 = routes.find((r) => r.key.startsWith('multicast '));
      assert.equal(
        t2?.key,
        `mac-ip ${String(blueRd)} esi 00:00:00:00:00:00:00:00:00:00 etag 0 mac ${MAC_A} ip ${IP_A} label-field ${String(VNI)}`,
        which,
      );
      assert.equal(t2['afi-safi'], 'L2VPN/evpn');
      assert.equal(
        t2.attributes['ext-communities'],
        'encap:vxlan target:64512:10 consistent-hash-sort-order:0',
      );
      assert.equal(t2.attributes['originator-id'], A);
      assert.equal(t2.attributes['cluster-list'], RR);
      assert.deepEqual(t2.route_targets, ['target:64512:10']);
      assert.equal(t3?.key, `multicast ${String(blueRd)} etag 0 originator ${A}`, which);
      assert.equal(
        t3.attributes['pmsi-tunnel'],
        `ingress-replication label-field ${String(VNI)} tunnel ${A}`,
      );
      assert.equal(t3.attributes['ext-communities'], 'encap:vxlan target:64512:10');
      assert.equal(routes.length, 2, `${which}: only A's two routes come from A`);
    }

    // RTC: gobgpd holds A's RT 64512:20 route, yet sends B no VPNv4 route (B never asked for it).
    const vpn = from(await g.paths('vpnv4'), A);
    assert.equal(vpn.length, 1);
    const red = vpn[0] as GobgpPath;
    assert.equal(red.nlri.prefix, `${RED_A}/32`);
    assert.equal(rdOf(red), redRd);
    assert.ok(extComms(red).some((e) => JSON.stringify(e) === '{"type":0,"subtype":2,"value":"64512:20"}'));
    const vpnToB = await g.paths('vpnv4', { neighbor: B, dir: 'adj-out' });
    assert.deepEqual(vpnToB, [], 'no VPNv4 route (RT 64512:20 included) in the Adj-RIB-Out to B');
    assert.deepEqual(await lgRoutes(b, 'vpns/instances/green/received_routes'), []);

    // RTC routes: exactly the nodes' import RTs (no default route), next hop = the originator.
    const rtc = await g.paths('rtc');
    for (const p of rtc) {
      assert.match(
        String(p.nlri.prefix),
        /^64512:64512:(10|20|99)$/,
        'an explicit RT membership, never default',
      );
      assert.equal(attr(p, 14)?.['nexthop'], p['source-id']);
    }
    const metricsA = await (await fetch(`http://127.0.0.1:${String(a.api)}/metrics`)).text();
    assert.match(metricsA, /^bagpipe_rtc_route_targets 2$/m);
    const metricsB = await (await fetch(`http://127.0.0.1:${String(b.api)}/metrics`)).text();
    assert.match(metricsB, /^bagpipe_bgp_session_up\{peer="127.0.0.1"\} 1$/m);
    assert.match(metricsB, /^bagpipe_vpn_routes_received\{type="evpn"\} 2$/m);
    assert.match(metricsB, /^bagpipe_vpn_routes_received\{type="ipvpn"\} 0$/m);

    // A's ports removed: its MAC/IP and VPNv4 routes are withdrawn at the RR and at B.
    write(a.desired, 'ports.json', []);
    await waitFor(
      async () => {
        const e = from(await g.paths('evpn'), A);
        return !macRoute(e) && imetRoute(e) && from(await g.paths('vpnv4'), A).length === 0;
      },
      20000,
      { what: "A's port routes withdrawn at gobgpd (its multicast route stays)" },
    );
    await waitFor(
      async () =>
        !(await lgRoutes(b, 'vpns/instances/blue/received_routes')).some((r) => r.key.includes(MAC_A)),
      20000,
      { what: "A's MAC/IP route withdrawn at B" },
    );
    assert.equal(macRoute(await g.paths('evpn', { neighbor: B, dir: 'adj-out' })), undefined);

    // A's instances removed: its multicast route and its RTC routes go too; B's stay.
    write(a.desired, 'vpn.json', []);
    await waitFor(
      async () => {
        for (const f of ['evpn', 'vpnv4', 'rtc']) if (from(await g.paths(f), A).length > 0) return false;
        return true;
      },
      20000,
      { what: 'no route of A left at gobgpd (E-VPN, VPNv4, RTC)' },
    );
    assert.deepEqual(rtcSet(await g.paths('rtc')), [`${B}>64512:64512:10`, `${B}>64512:64512:99`]);
    await waitFor(
      async () => (await lgRoutes(b, 'vpns/instances/blue/received_routes')).length === 0,
      20000,
      {
        what: "B's instance has no route of A left",
      },
    );
    assert.equal(g.proc?.exitCode, null, 'gobgpd is still running');
  });

  it('SIGKILL of A: gobgpd and B keep its routes; A back with one port fewer: only that route goes', async () => {
    const g = rr as Gobgpd;
    const [a, b] = nodes as [Node, Node];
    const peerOfB = async (): Promise<LgPeer | undefined> => lg<LgPeer>(b, `bgp/peers/${RR}`);
    assert.deepEqual((await peerOfB())?.routes.withdrawn, {}, 'B has seen no withdrawal yet');
    const redBefore = from(await g.paths('vpnv4'), A).map((p) => [rdOf(p), p.nlri.labels]);

    // Watch B (its instance, its session, what it was sent) and the RR for the whole window.
    // A's MAC/IP route may go only once A is Established again (read after the routes).
    const problems: string[] = [];
    let phase: 'up' | 'down' | 'back' = 'up';
    let downSamples = 0;
    let done = false;
    const watch = waitFor(
      async () => {
        const atB = (await lgRoutes(b, 'vpns/instances/blue/received_routes')).map((r) => r.key).join();
        const toB = await g.paths('evpn', { neighbor: B, dir: 'adj-out' });
        const peer = await peerOfB();
        const aState = (await g.neighborStates())[A];
        if (phase === 'up' && aState !== 6) phase = 'down';
        else if (phase === 'down' && aState === 6) phase = 'back';
        if (phase === 'down') downSamples++;
        const seen = `${phase}: B has ${atB}; RR to B: ${String(toB.length)}; B's peer ${JSON.stringify(peer?.routes)}`;
        if (!atB.includes(`originator ${A}`) || !imetRoute(toB))
          problems.push(`multicast route lost, ${seen}`);
        if (peer?.protocol.state !== 'Established' || peer.flaps !== 0) problems.push(`B's session, ${seen}`);
        if (phase !== 'back') {
          if (!atB.includes(`mac ${MAC_A}`) || !macRoute(toB)) problems.push(`MAC/IP route lost, ${seen}`);
          if (Object.keys(peer?.routes.withdrawn ?? {}).length > 0) problems.push(`withdrawal at B, ${seen}`);
        }
        return done;
      },
      50000,
      { intervalMs: 20, what: 'the end of the restart window' },
    ).catch((e: unknown) => {
      problems.push(String(e));
    });
    try {
      const killed = await a.daemon?.kill();
      assert.equal(killed?.signal, 'SIGKILL');
      // gobgpd (GR helper) keeps every route of A, marked stale.
      await waitFor(
        async () => {
          const mine = (await Promise.all(['evpn', 'vpnv4', 'rtc'].map((f) => g.paths(f)))).map((p) =>
            from(p, A),
          );
          return mine.every((p) => p.length > 0 && p.every((x) => x.stale)) && mine.flat().length === 5;
        },
        15000,
        { what: "A's 5 routes (type 2, type 3, VPNv4, 2 RTC) stale at gobgpd" },
      );
      await waitFor(() => downSamples >= 3, 15000, { what: 'B watched while A is down' });
      // gobgpd holds a peer in Idle for 5 s after any session loss (holdtimeIdle) and closes the
      // connections it accepts meanwhile: restart A once it listens for A again (Active).
      await waitFor(async () => (await g.neighborStates())[A] === 3, 15000, {
        what: "gobgpd's session to A in Active again",
      });

      // A comes back without its E-VPN port.
      write(a.desired, 'ports.json', [RED_PORT_A]);
      await start(a);
      await waitFor(
        async () => {
          const e = from(await g.paths('evpn'), A);
          const all = [...e, ...from(await g.paths('vpnv4'), A), ...from(await g.paths('rtc'), A)];
          return !macRoute(e) && imetRoute(e) && all.length === 4 && all.every((p) => !p.stale);
        },
        30000,
        { what: "after A's End-of-RIB: its MAC/IP route swept at gobgpd, the other 4 fresh" },
      );
      await waitFor(
        async () =>
          !(await lgRoutes(b, 'vpns/instances/blue/received_routes')).some((r) => r.key.includes(MAC_A)),
        20000,
        { what: "A's MAC/IP route withdrawn at B" },
      );
    } finally {
      done = true;
      await watch;
    }
    assert.deepEqual(problems, []);
    assert.equal(phase, 'back');

    // Nothing else flapped: B got exactly one withdrawal (the MAC/IP route), kept its session.
    const peer = await peerOfB();
    assert.deepEqual(peer?.routes.withdrawn, { 'L2VPN/evpn': 1 });
    assert.equal(peer.flaps, 0);
    assert.equal(peer.routes.stale_swept, 0);
    const keys = (await lgRoutes(b, 'vpns/instances/blue/received_routes')).map((r) => r.key);
    assert.equal(keys.length, 1, `B keeps A's multicast route only: ${keys.join()}`);
    assert.ok(keys[0]?.startsWith('multicast '));
    assert.deepEqual(await g.paths('vpnv4', { neighbor: B, dir: 'adj-out' }), []);
    // The port that stayed is re-advertised with the same RD and label (persisted allocations).
    const redAfter = from(await g.paths('vpnv4'), A).map((p) => [rdOf(p), p.nlri.labels]);
    assert.deepEqual(redAfter, redBefore);
    // A restarted with the Restart State bit (0x08 in apipb.GracefulRestartCapability's flags).
    const neighbors =
      await g.json<
        { state: { neighbor_address: string; remote_cap: { type_url: string; value?: string }[] } }[]
      >('neighbor');
    const nA = neighbors.find((n) => n.state.neighbor_address === A);
    const gr = nA?.state.remote_cap.find((c) => c.type_url.endsWith('GracefulRestartCapability'));
    const bytes = Buffer.from(gr?.value ?? '', 'base64');
    assert.equal(bytes[0], 0x08, 'field 1 (flags) comes first');
    assert.ok(((bytes[1] ?? 0) & 0x08) !== 0, `R bit in ${bytes.toString('hex')}`);
  });
});
