/**
 * Root only: kill -9 in the middle of a dataplane batch. The daemon runs in a namespace we create
 * (veth to this process), with the linux E-VPN driver; our own Session sends it 2,000 remote E-VPN
 * MAC/IP routes for one instance, and the daemon is killed (SIGKILL) as soon as the first of their
 * fdb entries shows in the namespace's kernel. After a restart (the routes sent again, then
 * End-of-RIB, which releases the intents held for graceful restart) the kernel holds exactly one
 * `self` entry (dst our VTEP), one bridge `master` entry and one permanent neighbour per remote
 * MAC, one flood entry, nothing twice, and the driver's last pass has no error.
 */
import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import { Session } from '../../src/bgp/session/session.js';
import { parseFdb, parseNeigh } from '../../src/dataplane/linux/observe.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { freePort } from '../helpers/gobgpd.js';
import { isRoot, Netns } from '../helpers/netns.js';
import { peerConfig } from '../helpers/peer-config.js';
import { macIpUpdate, multicastUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';
import { TestNode, bgpPeer, macOf, vpnInstance } from './harness.js';

const MACS = 2000;
const VNI = 5010;
const RT = '64512:10';

const ipOf = (i: number): string => `10.30.${String((i + 1) >> 8)}.${String((i + 1) & 255)}`;

describe('reliability: kill -9 during a dataplane batch (linux E-VPN driver, netns, root)', function () {
  this.timeout(240_000);
  let ns: Netns | undefined;
  let node: TestNode | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!isRoot()) this.skip(); // namespaces, bridges and VXLAN need CAP_NET_ADMIN
  });

  afterEach(async () => {
    try {
      for (const f of stops.splice(0).reverse()) await f();
      await node?.close();
    } finally {
      await ns?.destroy();
      node = undefined;
      ns = undefined;
    }
  });

  it(`programs each of ${String(MACS)} remote MACs exactly once after a crash mid-batch`, async () => {
    const netns = await Netns.create('rel');
    ns = netns;
    const port = await freePort(netns.hostAddress);
    const n = new TestNode({
      address: netns.nsAddress,
      apiHost: netns.nsAddress,
      netns: netns.name,
      evpnDriver: 'linux',
    });
    node = n;

    const expected = new Map<string, string>();
    for (let i = 0; i < MACS; i++) expected.set(macOf(0x100000 + i), ipOf(i));
    // Our side: the 2,000 routes and End-of-RIB on every session (the daemon's intents are held
    // after a restart until it has End-of-RIB from us).
    const rd = `${netns.hostAddress}:1`;
    const s = new Session(
      peerConfig({
        peerAddress: netns.nsAddress,
        localAddress: netns.hostAddress,
        routerId: netns.hostAddress,
        passive: true,
        families: [FAMILY.evpn],
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: {
          established: (session) => {
            session.send(multicastUpdate({ rd, vni: VNI, rt: RT, nextHop: netns.hostAddress }));
            for (const [mac, ip] of expected)
              session.send(macIpUpdate({ rd, mac, ip, vni: VNI, rt: RT, nextHop: netns.hostAddress }));
            session.sendEndOfRib(FAMILY.evpn);
          },
        },
      },
    );
    const listener = new BgpListener(
      { accept: (peer, sock) => (peer === netns.nsAddress ? (s.accept(sock), true) : false) },
      silentLogger,
    );
    await listener.listen(netns.hostAddress, port);
    s.start();
    stops.push(
      () => listener.close(),
      () => {
        s.stop();
      },
    );

    n.write('peer.json', [
      bgpPeer('us', {
        peerAddress: netns.hostAddress,
        port,
        families: ['l2vpn-evpn'],
        timers: { connectRetrySeconds: 1 },
      }),
    ]);
    n.write('vpn.json', [vpnInstance('t', 'blue', 'evpn', RT, { vni: VNI })]);

    const kernel = async (): Promise<{
      self: string[];
      master: string[];
      neigh: string[];
      flood: number;
    }> => {
      const fdb = parseFdb(await netns.exec('bridge', ['-j', 'fdb', 'show']));
      const neigh = parseNeigh(await netns.exec('ip', ['-j', 'neigh', 'show', 'nud', 'permanent']));
      const ours = fdb.filter((e) => expected.has(e.mac));
      return {
        self: ours.filter((e) => e.self && e.dst === netns.hostAddress).map((e) => e.mac),
        master: ours.filter((e) => e.master !== undefined).map((e) => e.mac),
        neigh: neigh.filter((x) => x.permanent).map((x) => `${x.dst} ${x.lladdr ?? ''}`),
        flood: fdb.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst === netns.hostAddress).length,
      };
    };

    await n.start();
    await waitFor(async () => (await kernel()).self.length > 0, 90_000, {
      what: 'the first remote MAC in the kernel',
      describe: () => ({ session: s.state, log: n.daemon?.lines.slice(-5).map((l) => l.msg) }),
    });
    await n.kill();
    await waitFor(() => s.state !== 'Established', 20_000, { what: 'our side sees the crash' });

    await n.start();
    let last: Awaited<ReturnType<typeof kernel>> | undefined;
    await waitFor(
      async () => {
        last = await kernel();
        return last.self.length >= MACS && last.master.length >= MACS && last.neigh.length >= MACS;
      },
      60_000,
      {
        what: 'every remote MAC programmed after the restart',
        describe: () => ({ self: last?.self.length, master: last?.master.length, neigh: last?.neigh.length }),
      },
    );
    const k = await kernel();
    const macs = [...expected.keys()].sort();
    assert.deepEqual([...k.self].sort(), macs, 'one self entry per remote MAC, none twice');
    assert.deepEqual([...k.master].sort(), macs, 'one bridge entry per remote MAC, none twice');
    const pairs = [...expected].map(([mac, ip]) => `${ip} ${mac}`).sort();
    assert.deepEqual([...k.neigh].sort(), pairs, 'one neighbour per remote IP, with its MAC');
    assert.equal(k.flood, 1, 'one flood entry');
    const d = await n.lg<{ last_pass: { errors: unknown[] } | null; desired: { remote_entries: number } }>(
      'dataplane/evpn',
    );
    assert.deepEqual(d.last_pass?.errors, [], 'the last dataplane pass had no error');
    assert.equal(d.desired.remote_entries, MACS + 1);
    assert.ok(n.alive);
  });
});
