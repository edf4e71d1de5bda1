/**
 * Sessions with a real gobgpd 3.10 on loopback, both directions, exchanging VPNv4 and RTC routes
 * with End-of-RIB both ways. (Never a default RTC route: gobgpd 3.10 crashes on it.)
 */
import assert from 'node:assert/strict';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { FAMILY, type FamilyKey } from '../../src/bgp/codec/context.js';
import type { Update } from '../../src/bgp/codec/update.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import { Session } from '../../src/bgp/session/session.js';
import type { PeerConfig } from '../../src/bgp/session/types.js';
import type { VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import { labelFromRaw, rawFromLabel } from '../../src/bgp/codec/nlri/label.js';
import { Gobgpd, freePort, hasGobgpd } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const FAMILIES = ['l3vpn-ipv4-unicast', 'l2vpn-evpn', 'rtc'];

/** We are 127.0.0.2; gobgpd is 127.0.0.1. */
const ours = (over: Partial<PeerConfig>): PeerConfig =>
  peerConfig({ routerId: '127.0.0.2', localAddress: '127.0.0.2', ...over });

const rtcRoute = (rt: string, originAs: number, nextHop: string): Update => ({
  withdrawn: [],
  nlri: [],
  attributes: { origin: 0, asPath: [], localPref: 100 },
  mpReach: {
    afi: 1,
    safi: 132,
    nextHop,
    nlri: [{ kind: 'rtc', key: `${originAs}:${rt}`, prefixLength: 96, originAs, routeTarget: rt }],
  },
});

const vpnRoute = (prefix: string, rd: string, label: number, rt: string, nextHop: string): Update => ({
  withdrawn: [],
  nlri: [],
  attributes: {
    origin: 0,
    asPath: [],
    localPref: 100,
    extCommunities: [
      { type: 'route-target', value: rt },
      { type: 'encapsulation', tunnelType: 8 },
    ],
  },
  mpReach: {
    afi: 1,
    safi: 128,
    nextHop,
    nlri: [{ kind: 'vpn', key: `${rd}:${prefix}`, rd, prefix, labels: [rawFromLabel(label)] }],
  },
});

describe('interop: sessions with gobgpd 3.10', function () {
  this.timeout(60000);
  let gobgp: Gobgpd | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!hasGobgpd()) this.skip();
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await gobgp?.stop();
    gobgp = undefined;
  });

  it('we connect to gobgpd; VPNv4 and RTC routes and End-of-RIB flow both ways', async () => {
    const port = await freePort();
    gobgp = new Gobgpd({
      as: 64512,
      routerId: '127.0.0.1',
      listen: '127.0.0.1',
      port,
      neighbors: [{ address: '127.0.0.2', passive: true, families: FAMILIES, gracefulRestart: true }],
    });
    await gobgp.start();
    const received: Update[] = [];
    const eors: FamilyKey[] = [];
    const s = new Session(ours({ port }), {
      clock: systemClock,
      log: silentLogger,
      handlers: { update: (_s, u) => received.push(u.update), endOfRib: (_s, f) => eors.push(f) },
    });
    stops.push(() => {
      s.stop();
    });
    s.start();
    await waitFor(() => s.state === 'Established', 20000, { what: 'Established with gobgpd' });
    assert.deepEqual(s.negotiated?.families, [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc]);
    assert.ok(s.negotiated.peerGracefulRestart, 'gobgpd offered graceful restart');
    // Ask for RT 64512:100 (RFC 4684), advertise a VPNv4 route, then End-of-RIB per family.
    s.send(rtcRoute('64512:100', 64512, '127.0.0.2'));
    s.send(vpnRoute('10.2.2.0/24', '127.0.0.2:1', 100, '64512:100', '127.0.0.2'));
    for (const f of [FAMILY.rtc, FAMILY.ipv4Vpn, FAMILY.evpn]) s.sendEndOfRib(f);
    await gobgp.cli(
      'global',
      'rib',
      'add',
      '-a',
      'vpnv4',
      '10.1.1.0/24',
      'label',
      '200',
      'rd',
      '64512:5',
      'rt',
      '64512:100',
      'nexthop',
      '192.0.2.9',
    );
    await waitFor(
      () =>
        received.some(
          (u) => u.mpReach?.nlri.some((n) => n.kind === 'vpn' && n.prefix === '10.1.1.0/24') === true,
        ),
      15000,
      { what: 'gobgpd route' },
    );
    const got = received.find((u) =>
      u.mpReach?.nlri.some((n) => n.kind === 'vpn' && n.prefix === '10.1.1.0/24'),
    );
    assert.ok(got);
    const nlri = got.mpReach?.nlri.find((n): n is VpnNlri => n.kind === 'vpn');
    assert.ok(nlri);
    assert.equal(nlri.rd, '64512:5');
    assert.deepEqual(nlri.labels.map(labelFromRaw), [200]);
    assert.equal(got.mpReach?.nextHop, '192.0.2.9');
    assert.ok(
      got.attributes.extCommunities?.some((e) => e.type === 'route-target' && e.value === '64512:100'),
    );
    // gobgpd holds our route, with our RT.
    const rib = await gobgp.json<
      Record<string, { nlri: { prefix: string; rd: { admin: string | number } } }[]>
    >('global', 'rib', '-a', 'vpnv4');
    const mine = Object.values(rib)
      .flat()
      .find((p) => p.nlri.prefix === '10.2.2.0/24');
    assert.ok(mine, `our route in gobgpd's RIB: ${JSON.stringify(rib)}`);
    const text = await gobgp.cli('global', 'rib', '-a', 'vpnv4');
    assert.match(text, /127\.0\.0\.2:1:10\.2\.2\.0\/24\s+\[100\]/, text);
    await waitFor(() => eors.includes(FAMILY.ipv4Vpn) && eors.includes(FAMILY.rtc), 15000, {
      what: 'End-of-RIB from gobgpd',
    });
  });

  it('gobgpd connects to our listener (passive side)', async () => {
    const ourPort = await freePort('127.0.0.3');
    gobgp = new Gobgpd({
      as: 64512,
      routerId: '127.0.0.1',
      listen: '127.0.0.1',
      port: -1,
      neighbors: [
        { address: '127.0.0.3', remotePort: ourPort, localAddress: '127.0.0.1', families: FAMILIES },
      ],
    });
    const s = new Session(ours({ passive: true, routerId: '127.0.0.3', localAddress: '127.0.0.3' }), {
      clock: systemClock,
      log: silentLogger,
      handlers: {},
    });
    const listener = new BgpListener(
      { accept: (peer, sock) => (peer === '127.0.0.1' ? (s.accept(sock), true) : false) },
      silentLogger,
    );
    await listener.listen('127.0.0.3', ourPort);
    stops.push(
      () => listener.close(),
      () => {
        s.stop();
      },
    );
    s.start();
    await gobgp.start();
    await waitFor(() => s.state === 'Established', 30000, { what: 'gobgpd connected to us' });
    const states = await gobgp.neighborStates();
    assert.equal(states['127.0.0.3'], 6);
  });
});
