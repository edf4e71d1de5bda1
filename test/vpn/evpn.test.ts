import assert from 'node:assert/strict';
import { evpnIpPrefix, PMSI_TUNNEL } from '../../src/bgp/codec/index.js';
import type { Route } from '../../src/rib/types.js';
import { EvpnInstance } from '../../src/vpn/evpn.js';
import type { AttachmentSpec } from '../../src/vpn/types.js';
import {
  attachment,
  BGP_ADDRESS,
  DATAPLANE_ADDRESS,
  harness,
  instanceSpec,
  macRoute,
  multicastRoute,
  published,
  type Harness,
} from './fixtures.js';

const MAC1 = '52:54:00:00:00:01';
const REMOTE = '52:54:00:00:00:99';
const P1 = attachment({ mac: MAC1, ipAddress: '10.0.0.1/24', ifname: 'tap1' });
const ports = (...list: [string, AttachmentSpec][]): Map<string, AttachmentSpec> => new Map(list);
const routeOf = (h: Harness, kind: 'mac-ip' | 'multicast' | 'ip-prefix'): Route[] =>
  published(h.rib, 'vpn-a').filter((r) => r.nlri.kind === 'evpn' && r.nlri.route === kind);
const rtsOf = (r: Route | undefined): string[] =>
  (r?.attributes.extCommunities ?? [])
    .filter((c) => c.type === 'route-target')
    .map((c) => (c as { value: string }).value);

function evi(h: Harness = harness(['vxlan']), spec = instanceSpec({ type: 'evpn' })): EvpnInstance {
  const e = new EvpnInstance(spec, h.ctx);
  e.setPorts(ports(['ns/p1', P1]));
  return e;
}

describe('vpn/evpn', () => {
  it('advertises one type 3 and one type 2 per port, and builds the intent', () => {
    const h = harness(['vxlan']);
    const e = evi(h);
    const ids = h.allocator.instance('vpn-a', {});
    assert.deepEqual(e.intent(), {
      type: 'evpn',
      id: 'vpn-a',
      vni: ids.vni,
      localPorts: [{ ifname: 'tap1', mac: MAC1, ip: '10.0.0.1' }],
      remoteMacs: [],
      floodList: [],
    });
    const [imet] = routeOf(h, 'multicast');
    assert.deepEqual(imet?.attributes.pmsiTunnel, {
      flags: 0,
      tunnelType: PMSI_TUNNEL.ingressReplication,
      label: ids.vni,
      tunnelId: DATAPLANE_ADDRESS,
    });
    assert.equal(imet.nextHop, BGP_ADDRESS);
    const [mac] = routeOf(h, 'mac-ip');
    assert.deepEqual(
      mac?.nlri.kind === 'evpn' &&
        mac.nlri.route === 'mac-ip' && [mac.nlri.rd, mac.nlri.mac, mac.nlri.labels],
      [ids.rd, MAC1, [ids.vni]],
    );
  });

  it('re-advertises the type 3 route with the new export RTs (the original did not)', () => {
    const h = harness(['vxlan']);
    const e = evi(h);
    e.intent();
    e.update(instanceSpec({ type: 'evpn', exportRTs: ['64512:77'] }));
    e.intent();
    assert.deepEqual(rtsOf(routeOf(h, 'multicast')[0]), ['64512:77']);
    assert.deepEqual(rtsOf(routeOf(h, 'mac-ip')[0]), ['64512:77']);
  });

  it('advertises an IP-less port with its endpoint RD, and static routes as type 5', () => {
    const h = harness(['vxlan']);
    const e = evi(h, instanceSpec({ type: 'evpn', staticRoutes: [{ prefix: '172.16.0.0/24' }] }));
    e.setPorts(ports(['ns/p2', attachment({ mac: '52:54:00:00:00:02', ifname: 'tap2' })]));
    e.intent();
    const rd = h.allocator.holdings('vpn-a').endpointRds.get('52:54:00:00:00:02|');
    const [mac] = routeOf(h, 'mac-ip');
    assert.equal(mac?.nlri.kind === 'evpn' && mac.nlri.route === 'mac-ip' && mac.nlri.rd, rd);
    assert.equal(routeOf(h, 'ip-prefix').length, 1);
  });

  it('programs the remote MACs and the flood list from received type 2 and type 3 routes', () => {
    const h = harness(['vxlan']);
    const e = evi(h);
    h.rib.set(macRoute({ from: '10.9.0.1', mac: REMOTE, ip: '10.0.0.99', vni: 7000 }));
    h.rib.set(multicastRoute({ from: '10.9.0.1', tunnel: '172.16.9.1', vni: 7000 }));
    h.rib.set(
      multicastRoute({ from: '10.9.0.2', tunnel: '172.16.9.2', vni: 7000, pmsiType: PMSI_TUNNEL.noInfo }),
    );
    h.rib.set(macRoute({ from: '10.9.0.3', mac: '52:54:00:00:00:98', rts: ['64512:99'] }));
    const intent = e.intent();
    assert.deepEqual(intent.remoteMacs, [{ mac: REMOTE, vtep: '10.9.0.1', vni: 7000, ip: '10.0.0.99' }]);
    assert.deepEqual(intent.floodList, [{ vtep: '172.16.9.1', vni: 7000 }]);
    h.rib.deleteSource({
      kind: 'peer',
      address: '10.9.0.1',
      peerAs: 64512,
      localAs: 64512,
      bgpId: '10.9.0.1',
      rrClient: false,
    });
    assert.deepEqual(e.intent().remoteMacs, []);
    assert.deepEqual(e.intent().floodList, []);
  });

  it('keeps one route per MAC: the highest MAC Mobility sequence, a sticky MAC above all', () => {
    const h = harness(['vxlan']);
    const e = evi(h);
    h.rib.set(macRoute({ from: '10.9.0.1', mac: REMOTE, localPref: 300 }));
    h.rib.set(macRoute({ from: '10.9.0.2', mac: REMOTE, ip: '10.0.0.99', mobility: { sequence: 1 } }));
    assert.deepEqual(
      e.intent().remoteMacs.map((m) => m.vtep),
      ['10.9.0.2'],
    );
    h.rib.set(macRoute({ from: '10.9.0.3', mac: REMOTE, mobility: { sequence: 0, sticky: true } }));
    assert.deepEqual(
      e.intent().remoteMacs.map((m) => m.vtep),
      ['10.9.0.3'],
    );
    assert.equal(e.status().bestRoutes.length, 1);
  });

  it('advertises a MAC that moved here with the highest sequence seen plus one (RFC 7432 15)', () => {
    const h = harness(['vxlan']);
    const e = new EvpnInstance(instanceSpec({ type: 'evpn' }), h.ctx);
    h.rib.set(macRoute({ from: '10.9.0.1', mac: MAC1, mobility: { sequence: 4 } }));
    e.setPorts(ports(['ns/p1', P1]));
    const intent = e.intent();
    const [mine] = routeOf(h, 'mac-ip');
    assert.deepEqual(
      mine?.attributes.extCommunities?.find((c) => c.type === 'mac-mobility'),
      {
        type: 'mac-mobility',
        sticky: false,
        sequence: 5,
      },
    );
    assert.deepEqual(intent.remoteMacs, [], 'a local MAC is not programmed as remote');
    const fresh = harness(['vxlan']);
    evi(fresh).intent();
    assert.equal(
      routeOf(fresh, 'mac-ip')[0]?.attributes.extCommunities?.some((c) => c.type === 'mac-mobility'),
      false,
      'no community for a MAC nobody else advertised',
    );
  });

  it('subscribes to the E-VPN family per import RT and ignores other route types', () => {
    const h = harness(['vxlan']);
    const e = evi(h);
    assert.deepEqual(e.importedRouteTargets(), new Set(['64512:1']));
    const t5 = macRoute({ from: '10.9.0.1', mac: REMOTE });
    h.rib.set({ ...t5, nlri: evpnIpPrefix({ rd: '10.9.0.1:1', prefix: '10.7.0.0/24', label: 7000 }) });
    assert.equal(e.status().receivedRoutes, 0, 'a type 5 route is not tracked');
    assert.deepEqual(e.intent().remoteMacs, []);
    assert.equal(e.status().type, 'evpn');
    e.close(true);
    assert.equal(published(h.rib, 'vpn-a').length, 0);
  });
});
