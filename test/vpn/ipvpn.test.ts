import assert from 'node:assert/strict';
import { rawFromLabel, TUNNEL, type ExtCommunity } from '../../src/bgp/codec/index.js';
import type { Route } from '../../src/rib/types.js';
import { IpvpnInstance } from '../../src/vpn/ipvpn.js';
import type { AttachmentSpec } from '../../src/vpn/types.js';
import {
  attachment,
  DATAPLANE_ADDRESS,
  harness,
  instanceSpec,
  published,
  vpnRoute,
  type Harness,
} from './fixtures.js';

const P1 = attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24', ifname: 'tap1' });
const P2 = attachment({ mac: '52:54:00:00:00:02', ipAddress: '10.0.0.2/24', ifname: 'tap2' });
const ports = (...list: [string, AttachmentSpec][]): Map<string, AttachmentSpec> => new Map(list);
const rtsOf = (r: Route): string[] =>
  (r.attributes.extCommunities ?? [])
    .filter((c) => c.type === 'route-target')
    .map((c) => (c as { value: string }).value);
const vpnPrefixes = (routes: Route[]): string[] =>
  routes.map((r) => (r.nlri.kind === 'vpn' ? `${r.nlri.rd} ${r.nlri.prefix}` : r.nlri.key)).sort();

function vrf(
  h: Harness = harness(),
  spec = instanceSpec({ type: 'ipvpn', gatewayIP: '10.0.0.254' }),
): IpvpnInstance {
  const v = new IpvpnInstance(spec, h.ctx);
  v.setPorts(ports(['ns/p1', P1]));
  return v;
}

describe('vpn/ipvpn', () => {
  it('publishes one VPNv4 host route per port and builds the intent (ports with their labels, gateway, VNI)', () => {
    const h = harness();
    const v = vrf(h);
    const intent = v.intent();
    const ids = h.allocator.instance('vpn-a', {});
    const label = h.allocator.holdings('vpn-a').labels.get('52:54:00:00:00:01')!;
    assert.deepEqual(intent, {
      type: 'ipvpn',
      id: 'vpn-a',
      vni: ids.vni,
      localPorts: [{ ifname: 'tap1', mac: '52:54:00:00:00:01', ip: '10.0.0.1', label }],
      gateway: { ip: '10.0.0.254', prefixLength: 24 },
      remotePrefixes: [],
    });
    const [r] = published(h.rib, 'vpn-a');
    assert.deepEqual(r?.nlri.kind === 'vpn' && [r.nlri.rd, r.nlri.prefix, r.nlri.labels], [
      ids.rd,
      '10.0.0.1/32',
      [rawFromLabel(label)],
    ]);
    assert.equal(r?.nextHop, DATAPLANE_ADDRESS);
  });

  it('withdraws the route of a removed port and advertises an added one', () => {
    const h = harness();
    const v = vrf(h);
    v.intent();
    v.setPorts(ports(['ns/p2', P2]));
    v.intent();
    assert.deepEqual(
      published(h.rib, 'vpn-a').map((r) => r.nlri.kind === 'vpn' && r.nlri.prefix),
      ['10.0.0.2/32'],
    );
  });

  it('imports only routes with an import RT, a compatible encapsulation and exactly one label', () => {
    const h = harness();
    const v = vrf(h);
    h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.1.0.0/24', label: 100 }));
    h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.2.0.0/24', rts: ['64512:99'] }));
    h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.3.0.0/24', tunnels: [TUNNEL.vxlan] }));
    h.rib.set(
      vpnRoute({
        from: '10.9.0.1',
        prefix: '10.4.0.0/24',
        labels: [rawFromLabel(1, false), rawFromLabel(2)],
      }),
    );
    assert.deepEqual(v.intent().remotePrefixes, [
      { prefix: '10.1.0.0/24', nextHops: [{ vtep: '10.9.0.1', label: 100, encap: 'mpls' }] },
    ]);
    assert.equal(v.status().receivedRoutes, 3, 'the off-RT route is never received');
  });

  it('keeps every equal route as ECMP next hops, and only the best when LOCAL_PREF differs', () => {
    const h = harness();
    const v = vrf(h);
    const chso: ExtCommunity[] = [{ type: 'consistent-hash-sort-order', order: 2 }];
    h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.1.0.0/24', label: 100 }));
    h.rib.set(vpnRoute({ from: '10.9.0.2', prefix: '10.1.0.0/24', label: 200, extra: chso }));
    assert.deepEqual(v.intent().remotePrefixes[0]?.nextHops, [
      { vtep: '10.9.0.1', label: 100, encap: 'mpls' },
      { vtep: '10.9.0.2', label: 200, encap: 'mpls', lbOrder: 2 },
    ]);
    h.rib.set(vpnRoute({ from: '10.9.0.2', prefix: '10.1.0.0/24', label: 200, localPref: 200 }));
    assert.deepEqual(v.intent().remotePrefixes[0]?.nextHops, [
      { vtep: '10.9.0.2', label: 200, encap: 'mpls' },
    ]);
    assert.equal(v.status().bestRoutes.length, 1);
    h.rib.deleteSource({
      kind: 'peer',
      address: '10.9.0.2',
      peerAs: 64512,
      localAs: 64512,
      bgpId: '10.9.0.2',
      rrClient: false,
    });
    assert.deepEqual(v.intent().remotePrefixes[0]?.nextHops, [
      { vtep: '10.9.0.1', label: 100, encap: 'mpls' },
    ]);
  });

  it('imports the port routes of another local instance with a shared RT (local leaking)', () => {
    const h = harness();
    const a = vrf(h);
    const b = new IpvpnInstance(instanceSpec({ type: 'ipvpn' }, 'vpn-b'), h.ctx);
    a.intent();
    const label = h.allocator.holdings('vpn-a').labels.get('52:54:00:00:00:01')!;
    assert.deepEqual(b.intent().remotePrefixes, [
      { prefix: '10.0.0.1/32', nextHops: [{ vtep: DATAPLANE_ADDRESS, label, encap: 'mpls', lbOrder: 0 }] },
    ]);
    assert.deepEqual(a.intent().remotePrefixes, [], 'its own route is not imported');
  });

  it('re-publishes every exported route with the new RTs when the export RTs change', () => {
    const h = harness();
    const v = vrf(h, instanceSpec({ type: 'ipvpn', staticRoutes: [{ prefix: '172.16.0.0/16' }] }));
    v.intent();
    assert.deepEqual(published(h.rib, 'vpn-a').map(rtsOf), [['64512:1'], ['64512:1']]);
    v.update(
      instanceSpec({
        type: 'ipvpn',
        exportRTs: ['64512:5', '64512:6'],
        staticRoutes: [{ prefix: '172.16.0.0/16' }],
      }),
    );
    v.intent();
    assert.deepEqual(published(h.rib, 'vpn-a').map(rtsOf), [
      ['64512:5', '64512:6'],
      ['64512:5', '64512:6'],
    ]);
  });

  it('advertises the subnet with the endpoint RD under advertiseSubnet, and the VNI as label over VXLAN', () => {
    const h = harness(['vxlan']);
    const v = vrf(h, instanceSpec({ type: 'ipvpn', advertiseSubnet: true }));
    assert.deepEqual(v.intent().localPorts, [{ ifname: 'tap1', mac: '52:54:00:00:00:01', ip: '10.0.0.1' }]);
    const rd = h.allocator.holdings('vpn-a').endpointRds.get('52:54:00:00:00:01|10.0.0.1/24');
    const [r] = published(h.rib, 'vpn-a');
    const vni = h.allocator.instance('vpn-a', {}).vni;
    assert.deepEqual(r?.nlri.kind === 'vpn' && [r.nlri.rd, r.nlri.prefix, r.nlri.labels], [
      rd,
      '10.0.0.0/24',
      [rawFromLabel(vni)],
    ]);
    assert.equal(h.allocator.holdings('vpn-a').labels.size, 0, 'no per-port MPLS label over VXLAN');
  });

  describe('readvertise (bagpipe 4.5)', () => {
    const spec = instanceSpec({ type: 'ipvpn', readvertise: { fromRTs: ['64512:50'], toRTs: ['64512:60'] } });

    it('re-advertises a best route carrying a fromRT once per port, with RT-Records; withdraws it with the source', () => {
      const h = harness();
      const v = vrf(h, spec);
      v.setPorts(ports(['ns/p1', P1], ['ns/p2', P2]));
      const src = vpnRoute({ from: '10.9.0.1', prefix: '192.168.0.0/24', rts: ['64512:50'] });
      h.rib.set(src);
      const intent = v.intent();
      assert.deepEqual(intent.remotePrefixes, [], 'a fromRT alone does not import into the VRF');
      const rds = h.allocator.holdings('vpn-a').endpointRds;
      const copies = published(h.rib, 'vpn-a').filter(
        (r) => r.nlri.kind === 'vpn' && r.nlri.prefix === '192.168.0.0/24',
      );
      assert.deepEqual(vpnPrefixes(copies), [...rds.values()].map((rd) => `${rd} 192.168.0.0/24`).sort());
      for (const c of copies) {
        assert.deepEqual(rtsOf(c), ['64512:60']);
        assert.deepEqual(
          c.attributes.extCommunities?.filter((e) => e.type === 'rt-record'),
          [{ type: 'rt-record', value: '64512:50' }],
        );
        assert.equal(c.nextHop, DATAPLANE_ADDRESS);
      }
      h.rib.delete(src.source, src.family, src.nlri.key);
      v.intent();
      assert.equal(
        published(h.rib, 'vpn-a').filter((r) => r.nlri.kind === 'vpn' && r.nlri.prefix === '192.168.0.0/24')
          .length,
        0,
      );
    });

    it('follows the ports: a new port gets its copy', () => {
      const h = harness();
      const v = vrf(h, spec);
      h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '192.168.0.0/24', rts: ['64512:50'] }));
      v.intent();
      v.setPorts(ports(['ns/p1', P1], ['ns/p2', P2]));
      v.intent();
      assert.equal(
        published(h.rib, 'vpn-a').filter((r) => r.nlri.kind === 'vpn' && r.nlri.prefix === '192.168.0.0/24')
          .length,
        2,
      );
    });

    it('does not re-advertise a route whose RT-Records hold one of its toRTs (loop guard)', () => {
      const h = harness();
      const v = vrf(h, spec);
      h.rib.set(
        vpnRoute({
          from: '10.9.0.1',
          prefix: '192.168.0.0/24',
          rts: ['64512:50'],
          extra: [{ type: 'rt-record', value: '64512:60' }],
        }),
      );
      v.intent();
      assert.deepEqual(vpnPrefixes(published(h.rib, 'vpn-a')).length, 1, 'only the port route');
    });

    it('stops two local instances leaking into each other from looping', () => {
      const h = harness();
      const a = vrf(
        h,
        instanceSpec({
          type: 'ipvpn',
          importRTs: ['64512:1'],
          readvertise: { fromRTs: ['64512:50'], toRTs: ['64512:60'] },
        }),
      );
      const b = new IpvpnInstance(
        instanceSpec(
          {
            type: 'ipvpn',
            importRTs: ['64512:2'],
            readvertise: { fromRTs: ['64512:60'], toRTs: ['64512:50'] },
          },
          'vpn-b',
        ),
        h.ctx,
      );
      b.setPorts(
        ports([
          'ns/q',
          attachment({ mac: '52:54:00:00:00:09', ipAddress: '10.5.0.9/24', ifname: 'tap9' }, 'vpn-b'),
        ]),
      );
      h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '192.168.0.0/24', rts: ['64512:50'] }));
      for (let i = 0; i < 4; i++) {
        a.intent();
        b.intent();
      }
      const copiesOf = (owner: string): number =>
        published(h.rib, owner).filter((r) => r.nlri.kind === 'vpn' && r.nlri.prefix === '192.168.0.0/24')
          .length;
      assert.equal(copiesOf('vpn-a'), 1, 'a re-advertises the peer route');
      assert.equal(copiesOf('vpn-b'), 0, "b sees a's copy, which records 64512:50, one of b's toRTs");
    });
  });

  it('uses the ovs port name as the interface, and withdraws all on close(true)', () => {
    const h = harness();
    const v = new IpvpnInstance(instanceSpec({ type: 'ipvpn' }), h.ctx);
    const ovs = attachment({ mac: '52:54:00:00:00:03', ipAddress: '10.0.0.3/24' });
    v.setPorts(ports(['ns/o', { ...ovs, localPort: { type: 'ovs', ovs: { portName: 'qvo123' } } }]));
    const label = h.allocator.holdings('vpn-a').labels.get('52:54:00:00:00:03');
    assert.deepEqual(v.intent().localPorts, [
      { ifname: 'qvo123', mac: '52:54:00:00:00:03', ip: '10.0.0.3', label },
    ]);
    assert.equal(v.status().advertisedRoutes.length, 1);
    assert.equal(v.status().rd, h.allocator.instance('vpn-a', {}).rd);
    assert.deepEqual(v.importedRouteTargets(), new Set(['64512:1']));
    v.close(true);
    assert.equal(h.rib.size, 0);
  });
});
