/**
 * Sessions with a real FRR 8.4 `bgpd` (alone, -Z) in a network namespace joined to ours by a
 * veth: both directions, VPNv4 and E-VPN both ways, End-of-RIB both ways. FRR 8.4 has no RTC
 * (so it is not negotiated) and, without zebra, originates only static VPNv4 and E-VPN type-5
 * routes; type-2/3 it only receives.
 */
import assert from 'node:assert/strict';
import { FAMILY, type FamilyKey } from '../../src/bgp/codec/context.js';
import { labelFromRaw } from '../../src/bgp/codec/nlri/label.js';
import type { EvpnIpPrefix, Nlri, VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import type { Session } from '../../src/bgp/session/session.js';
import { FrrBgpd, hasFrr } from '../helpers/frr.js';
import { Netns, isRoot } from '../helpers/netns.js';
import { sessionFacing, type Recorded } from '../helpers/ns-session.js';
import { findReach, macIpUpdate, multicastUpdate, routeTargets, vpnUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';

/** FRR's config: iBGP AS 64512, VPNv4 + E-VPN, one static route of each it can originate. */
function frrConfig(ns: Netns, ourPort: number, passive: boolean): string {
  return `frr defaults traditional
hostname bt-frr
! route-map before its use by the static VPN network (../shared/interop gotcha)
route-map SET-RT permit 10
 set extcommunity rt 64512:100
exit
router bgp 64512
 bgp router-id ${ns.nsAddress}
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor ${ns.hostAddress} remote-as 64512
 neighbor ${ns.hostAddress} port ${ourPort}
 neighbor ${ns.hostAddress} timers connect 1
 ${passive ? `neighbor ${ns.hostAddress} passive` : '!'}
 address-family ipv4 vpn
  neighbor ${ns.hostAddress} activate
  network 10.5.1.0/24 rd 64512:5 label 500 route-map SET-RT
 exit-address-family
 address-family l2vpn evpn
  neighbor ${ns.hostAddress} activate
  network 10.55.0.0/24 rd 64512:55 ethtag 0 label 5500 esi 00:00:00:00:00:00:00:00:00:00 gwip 0.0.0.0 routermac 02:00:00:00:00:55
 exit-address-family
exit
`;
}

const isVpn = (n: Nlri): n is VpnNlri => n.kind === 'vpn';
const isType5 = (n: Nlri): n is EvpnIpPrefix => n.kind === 'evpn' && n.route === 'ip-prefix';

/** The parts of FRR's JSON route dumps the test reads. */
interface FrrPath {
  paths: {
    remoteLabel?: number;
    extendedCommunity?: { string: string };
    nexthops: { ip: string }[];
  }[];
}
type FrrDetail = Record<string, FrrPath | undefined>;
interface FrrRoutes {
  routes: { routeDistinguishers: Record<string, Record<string, unknown> | undefined> };
}

describe('interop: sessions with FRR 8.4 bgpd', function () {
  this.timeout(30000);
  let ns: Netns | undefined;
  let frr: FrrBgpd | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!isRoot()) this.skip(); // namespaces need root
    if (!hasFrr()) this.skip(); // no /usr/lib/frr/bgpd or vtysh
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await frr?.stop();
    await ns?.destroy();
    frr = undefined;
    ns = undefined;
  });

  /** FRR in a fresh namespace and our session with it, Established. */
  async function up(passiveFrr: boolean): Promise<{ s: Session; rec: Recorded }> {
    ns = await Netns.create('frr');
    const { s, rec, port } = await sessionFacing(ns, { passive: !passiveFrr }, stops);
    frr = new FrrBgpd(ns, frrConfig(ns, port, passiveFrr));
    await frr.start();
    s.start();
    await waitFor(() => s.state === 'Established', 15000, { what: 'Established with FRR' });
    // RTC is offered by us and not by FRR 8.4, so only VPNv4 and E-VPN are negotiated.
    assert.deepEqual(s.negotiated?.families, [FAMILY.ipv4Vpn, FAMILY.evpn]);
    return { s, rec };
  }

  async function run(passiveFrr: boolean): Promise<void> {
    const { s, rec } = await up(passiveFrr);
    await exchange(s, rec.received, rec.eors);
  }

  async function exchange(s: Session, received: Update[], eors: FamilyKey[]): Promise<void> {
    const me = s.config.localAddress ?? '';
    s.send(vpnUpdate({ prefix: '10.2.2.0/24', rd: `${me}:1`, label: 100, rt: '64512:100', nextHop: me }));
    s.send(
      macIpUpdate({
        rd: `${me}:2`,
        mac: '02:00:00:00:00:01',
        ip: '10.20.0.1',
        vni: 1000,
        rt: '64512:1000',
        nextHop: me,
      }),
    );
    s.send(multicastUpdate({ rd: `${me}:2`, vni: 1000, rt: '64512:1000', nextHop: me }));
    s.sendEndOfRib(FAMILY.ipv4Vpn);
    s.sendEndOfRib(FAMILY.evpn);
    // FRR's static routes arrive decoded with the values of its config.
    const vpn = await waitFor(() => findReach(received, isVpn), 10000, { what: 'FRR VPNv4 route' });
    assert.deepEqual(
      [vpn.nlri.rd, vpn.nlri.prefix, vpn.nlri.labels.map(labelFromRaw), vpn.update.mpReach?.nextHop],
      ['64512:5', '10.5.1.0/24', [500], frr?.ns.nsAddress],
    );
    assert.deepEqual(routeTargets(vpn.update), ['64512:100']);
    const t5 = await waitFor(() => findReach(received, isType5), 10000, { what: 'FRR E-VPN type-5 route' });
    assert.deepEqual(
      [t5.nlri.rd, t5.nlri.prefix, t5.nlri.etag, labelFromRaw(t5.nlri.label)],
      ['64512:55', '10.55.0.0/24', 0, 5500],
    );
    await waitFor(() => eors.includes(FAMILY.ipv4Vpn) && eors.includes(FAMILY.evpn), 10000, {
      what: 'End-of-RIB from FRR',
      describe: () => eors,
    });
    // Ours are in FRR's tables with the RD, label, RT and next hop we sent.
    const vpnPath = await waitFor(
      async () => (await frr?.json<FrrDetail>('show bgp ipv4 vpn 10.2.2.0/24 json'))?.[`${me}:1`]?.paths[0],
      10000,
      { what: 'our VPNv4 route in FRR' },
    );
    assert.deepEqual(
      [vpnPath.remoteLabel, vpnPath.extendedCommunity?.string, vpnPath.nexthops[0]?.ip],
      [100, 'RT:64512:100', me],
    );
    const evpn = await waitFor(
      async () => {
        const rd = (await frr?.json<Record<string, FrrDetail | undefined>>('show bgp l2vpn evpn json'))?.[
          `${me}:2`
        ];
        const t2 = rd?.['[2]:[0]:[48]:[02:00:00:00:00:01]:[32]:[10.20.0.1]'];
        const t3 = rd?.[`[3]:[0]:[32]:[${me}]`];
        return t2 && t3 && [t2, t3];
      },
      10000,
      { what: 'our E-VPN type-2 and type-3 in FRR' },
    );
    assert.deepEqual(
      evpn.map((r) => [r.paths[0]?.extendedCommunity?.string, r.paths[0]?.nexthops[0]?.ip]),
      [
        ['RT:64512:1000 ET:8', me],
        ['RT:64512:1000 ET:8', me],
      ],
    );
    // FRR's graceful-restart bookkeeping saw our End-of-RIB for both families.
    const nbr = await frr?.json<Record<string, { gracefulRestartInfo?: { endOfRibRecv?: object } }>>(
      `show bgp neighbors ${me} json`,
    );
    assert.deepEqual(nbr?.[me]?.gracefulRestartInfo?.endOfRibRecv, { ipv4Vpn: true, l2VpnEvpn: true });
  }

  it('FRR connects to our listener; routes and End-of-RIB both ways', async () => {
    await run(false);
  });

  it('we connect to a passive FRR; routes and End-of-RIB both ways', async () => {
    await run(true);
  });

  it('enhanced route refresh both ways (RFC 7313): FRR sweeps what we did not re-advertise', async () => {
    const { s, rec } = await up(true);
    const { received, eors } = rec;
    assert.equal(s.negotiated?.enhancedRouteRefresh, true);
    const me = s.config.localAddress ?? '';
    const route = (prefix: string): Update =>
      vpnUpdate({ prefix, rd: `${me}:1`, label: 100, rt: '64512:100', nextHop: me });
    s.send(route('10.3.1.0/24'));
    s.send(route('10.3.2.0/24'));
    s.sendEndOfRib(FAMILY.ipv4Vpn);
    const inFrr = async (): Promise<string[]> =>
      Object.keys(
        (await frr?.json<FrrRoutes>('show bgp ipv4 vpn json'))?.routes.routeDistinguishers[`${me}:1`] ?? {},
      );
    await waitFor(async () => (await inFrr()).length === 2, 10000, { what: 'both routes in FRR' });
    // A refresh of our VPNv4 Adj-RIB-Out that re-advertises one route only: FRR drops the other.
    s.sendRefreshMarker(FAMILY.ipv4Vpn, 'begin');
    s.send(route('10.3.1.0/24'));
    s.sendRefreshMarker(FAMILY.ipv4Vpn, 'end');
    await waitFor(async () => (await inFrr()).join() === '10.3.1.0/24', 10000, {
      what: 'FRR swept the route we did not re-advertise',
    });
    // We ask FRR to re-advertise VPNv4: it answers with BoRR, its routes, EoRR.
    await waitFor(() => findReach(received, isVpn), 10000, { what: 'FRR VPNv4 route' });
    const before = received.length;
    assert.equal(s.requestRefresh(FAMILY.ipv4Vpn), true);
    await waitFor(() => rec.markers.length === 2, 10000, { what: 'BoRR and EoRR from FRR' });
    assert.deepEqual(rec.markers, [
      [FAMILY.ipv4Vpn, 'begin'],
      [FAMILY.ipv4Vpn, 'end'],
    ]);
    assert.ok(findReach(received.slice(before), isVpn), 'the route came again between the markers');
    // FRR asks us (clear soft in): our routeRefresh handler hears it.
    await frr?.vtysh(`clear bgp ipv4 vpn ${me} soft in`);
    await waitFor(() => rec.requests.includes(FAMILY.ipv4Vpn), 10000, { what: 'ROUTE-REFRESH from FRR' });
    assert.ok(eors.includes(FAMILY.ipv4Vpn));
    assert.equal(s.state, 'Established');
  });
});
