/**
 * Sessions with a real BIRD 2.0.12 in a network namespace joined to ours by a veth: both
 * directions, VPNv4 (vpn4 mpls) and IPv4 unicast both ways with End-of-RIB, and enhanced route
 * refresh both ways. BIRD 2.0 has no E-VPN and no RTC channel (so neither is negotiated); its
 * graceful-restart capability in the default "aware" mode lists no families.
 */
import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { labelFromRaw } from '../../src/bgp/codec/nlri/label.js';
import type { VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import type { Session } from '../../src/bgp/session/session.js';
import { Bird, hasBird } from '../helpers/bird.js';
import { Netns, isRoot } from '../helpers/netns.js';
import { sessionFacing, type Recorded } from '../helpers/ns-session.js';
import { findReach, routeTargets, vpnUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';

function birdConfig(ns: Netns, ourPort: number, passive: boolean): string {
  return `router id ${ns.nsAddress};
log stderr all;
vpn4 table vpntab;
protocol device { }
protocol direct { ipv4; interface "eth0"; }   # makes BGP next hops on the veth resolvable
protocol static vpnstatic {
  vpn4 { table vpntab; import filter { bgp_ext_community.add((rt, 64512, 100)); accept; }; };
  route 64512:6 10.6.1.0/24 via ${ns.nsAddress} mpls 600;
}
protocol static v4static { ipv4; route 198.51.100.0/24 via ${ns.nsAddress}; }
protocol bgp ours {
  local ${ns.nsAddress} as 64512;
  neighbor ${ns.hostAddress} port ${ourPort} as 64512;
  ${passive ? 'passive on;' : ''}
  connect delay time 1;
  connect retry time 1;
  ipv4 { import all; export all; };
  vpn4 mpls { table vpntab; import all; export all; };   # no "next hop self": it would set label 3
}
`;
}

const isVpn = (n: { kind: string }): n is VpnNlri => n.kind === 'vpn';

describe('interop: sessions with BIRD 2.0', function () {
  this.timeout(30000);
  let ns: Netns | undefined;
  let bird: Bird | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!isRoot()) this.skip(); // namespaces need root
    if (!hasBird()) this.skip(); // no bird/birdc
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await bird?.stop();
    await ns?.destroy();
    bird = undefined;
    ns = undefined;
  });

  interface Up extends Recorded {
    s: Session;
  }

  /** BIRD in a fresh namespace and our session with it, Established. */
  async function up(passiveBird: boolean): Promise<Up> {
    ns = await Netns.create('bird');
    const families = [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc, FAMILY.ipv4Unicast];
    const { s, rec, port } = await sessionFacing(ns, { passive: !passiveBird, families }, stops);
    bird = new Bird(ns, birdConfig(ns, port, passiveBird));
    await bird.start();
    s.start();
    await waitFor(() => s.state === 'Established', 15000, { what: 'Established with BIRD' });
    assert.deepEqual(s.negotiated?.families, [FAMILY.ipv4Vpn, FAMILY.ipv4Unicast]);
    return { s, ...rec };
  }

  async function exchange({ s, received, eors }: Up): Promise<void> {
    const me = s.config.localAddress ?? '';
    s.send(vpnUpdate({ prefix: '10.2.2.0/24', rd: `${me}:1`, label: 100, rt: '64512:100', nextHop: me }));
    s.send({
      withdrawn: [],
      attributes: { origin: 0, asPath: [], localPref: 100, nextHop: me, med: 7 },
      nlri: [{ kind: 'prefix', key: '192.0.2.0/24', prefix: '192.0.2.0/24' }],
    });
    s.sendEndOfRib(FAMILY.ipv4Vpn);
    s.sendEndOfRib(FAMILY.ipv4Unicast);
    const vpn = await waitFor(() => findReach(received, isVpn), 10000, { what: 'BIRD VPNv4 route' });
    assert.deepEqual(
      [vpn.nlri.rd, vpn.nlri.prefix, vpn.nlri.labels.map(labelFromRaw), vpn.update.mpReach?.nextHop],
      ['64512:6', '10.6.1.0/24', [600], ns?.nsAddress],
    );
    assert.deepEqual(routeTargets(vpn.update), ['64512:100']);
    const v4 = await waitFor(
      () => received.find((x) => x.nlri.some((n) => n.prefix === '198.51.100.0/24')),
      10000,
      { what: 'BIRD IPv4 route' },
    );
    assert.equal(v4.attributes.nextHop, ns?.nsAddress);
    await waitFor(() => eors.includes(FAMILY.ipv4Vpn) && eors.includes(FAMILY.ipv4Unicast), 10000, {
      what: 'End-of-RIB from BIRD',
      describe: () => eors,
    });
    const table = await waitFor(
      async () => {
        const out = (await bird?.birdc('show route all table vpntab')) ?? '';
        return out.includes(`${me}:1 10.2.2.0/24`) && out;
      },
      10000,
      { what: 'our VPNv4 route in BIRD' },
    );
    const ours = table.slice(table.indexOf(`${me}:1 10.2.2.0/24`));
    assert.match(ours, new RegExp(`via ${me.replace(/\./g, '\\.')} on eth0 mpls 100`));
    assert.match(ours, /BGP\.ext_community: \(rt, 64512, 100\)/);
    const v4Out = await waitFor(
      async () => {
        const out = (await bird?.birdc('show route 192.0.2.0/24 all')) ?? '';
        return out.includes('192.0.2.0/24') && out;
      },
      10000,
      { what: 'our IPv4 route in BIRD' },
    );
    assert.match(v4Out, /BGP\.med: 7/);
  }

  it('BIRD connects to our listener; VPNv4 and IPv4 routes and End-of-RIB both ways', async () => {
    await exchange(await up(false));
  });

  it('we connect to a passive BIRD; VPNv4 and IPv4 routes and End-of-RIB both ways', async () => {
    await exchange(await up(true));
  });

  it('enhanced route refresh both ways (RFC 7313): BIRD sweeps what we did not re-advertise', async () => {
    const u = await up(true);
    const { s } = u;
    assert.equal(s.negotiated?.enhancedRouteRefresh, true);
    assert.deepEqual(s.negotiated.peerGracefulRestart?.families, []);
    const me = s.config.localAddress ?? '';
    const route = (prefix: string): Update =>
      vpnUpdate({ prefix, rd: `${me}:1`, label: 100, rt: '64512:100', nextHop: me });
    const mine = async (): Promise<number> =>
      ((await bird?.birdc('show route table vpntab')) ?? '')
        .split('\n')
        .filter((l) => l.startsWith(`${me}:1 `)).length;
    s.send(route('10.3.1.0/24'));
    s.send(route('10.3.2.0/24'));
    // BIRD takes a BoRR only once the initial load ended with End-of-RIB.
    s.sendEndOfRib(FAMILY.ipv4Vpn);
    await waitFor(async () => (await mine()) === 2, 10000, { what: 'both routes in BIRD' });
    s.sendRefreshMarker(FAMILY.ipv4Vpn, 'begin');
    s.send(route('10.3.2.0/24'));
    s.sendRefreshMarker(FAMILY.ipv4Vpn, 'end');
    await waitFor(async () => (await mine()) === 1, 10000, {
      what: 'BIRD swept the route not re-advertised',
    });
    assert.match((await bird?.birdc('show route table vpntab')) ?? '', /10\.3\.2\.0\/24/);
    // We ask BIRD to re-advertise VPNv4: BoRR, its routes, EoRR.
    await waitFor(() => findReach(u.received, isVpn), 10000, { what: 'BIRD VPNv4 route' });
    s.requestRefresh(FAMILY.ipv4Vpn);
    await waitFor(() => u.markers.length === 2, 10000, { what: 'BoRR and EoRR from BIRD' });
    assert.deepEqual(u.markers, [
      [FAMILY.ipv4Vpn, 'begin'],
      [FAMILY.ipv4Vpn, 'end'],
    ]);
    // BIRD asks us ("reload in"): our routeRefresh handler hears it for each channel.
    await bird?.birdc('reload in ours');
    await waitFor(
      () => u.requests.includes(FAMILY.ipv4Vpn) && u.requests.includes(FAMILY.ipv4Unicast),
      10000,
      {
        what: 'ROUTE-REFRESH from BIRD',
      },
    );
    assert.equal(s.state, 'Established');
  });
});
