import assert from 'node:assert/strict';
import { FAMILY, ORIGIN, PMSI_TUNNEL, rawFromLabel, TUNNEL } from '../../src/bgp/codec/index.js';
import type { Route } from '../../src/rib/types.js';
import {
  advertisedPrefix,
  evpnIpPrefixRoute,
  evpnMacIpRoute,
  evpnMulticastRoute,
  ipvpnEndpointRoute,
  ipvpnStaticRoute,
  needsEndpointRd,
  needsPortLabel,
  readvertisedRoute,
  unicastRoute,
  type OriginContext,
} from '../../src/vpn/routes.js';
import type { Endpoint } from '../../src/vpn/types.js';
import { BGP_ADDRESS, DATAPLANE_ADDRESS, vpnRoute } from './fixtures.js';

const ctx: OriginContext = {
  owner: 'vpn-a',
  rd: `${BGP_ADDRESS}:3`,
  vni: 5001,
  exportRTs: ['64512:10', '64512:11'],
  encaps: ['mpls'],
  localPref: 100,
  advertiseSubnet: false,
  dataplaneAddress: DATAPLANE_ADDRESS,
  bgpAddress: BGP_ADDRESS,
};

const ep = (over: Partial<Endpoint> = {}): Endpoint => ({
  name: 'ns/port-1',
  mac: '52:54:00:00:00:01',
  prefix: '10.0.0.5/24',
  ip: '10.0.0.5',
  ifname: 'tap1',
  direction: 'both',
  localPref: undefined,
  lbOrder: 0,
  ...over,
});

const ecTypes = (r: Route): string[] => (r.attributes.extCommunities ?? []).map((c) => c.type);

describe('vpn/routes', () => {
  describe('IP VPN endpoint route (bagpipe 4.2)', () => {
    it('is a VPNv4 host route with the instance RD, the port label, our next hop and every attribute', () => {
      const r = ipvpnEndpointRoute(ctx, ep(), { portLabel: 17 })!;
      assert.equal(r.family, FAMILY.ipv4Vpn);
      assert.deepEqual(r.nlri, {
        kind: 'vpn',
        key: `${BGP_ADDRESS}:3:10.0.0.5/32`,
        rd: `${BGP_ADDRESS}:3`,
        prefix: '10.0.0.5/32',
        labels: [rawFromLabel(17)],
      });
      assert.equal(r.nextHop, DATAPLANE_ADDRESS);
      assert.deepEqual(r.source, { kind: 'local', owner: 'vpn-a' });
      assert.deepEqual(r.attributes, {
        origin: ORIGIN.igp,
        asPath: [],
        localPref: 100,
        extCommunities: [
          { type: 'encapsulation', tunnelType: TUNNEL.mpls },
          { type: 'route-target', value: '64512:10' },
          { type: 'route-target', value: '64512:11' },
          { type: 'consistent-hash-sort-order', order: 0 },
        ],
      });
    });

    it('advertises the subnet with the endpoint RD under advertiseSubnet', () => {
      const sub = { ...ctx, advertiseSubnet: true };
      assert.equal(advertisedPrefix(sub, ep()), '10.0.0.0/24');
      assert.equal(needsEndpointRd('ipvpn', sub, ep(), false), true);
      const r = ipvpnEndpointRoute(sub, ep(), { portLabel: 17, endpointRd: `${BGP_ADDRESS}:9` })!;
      assert.equal(r.nlri.kind === 'vpn' && r.nlri.rd, `${BGP_ADDRESS}:9`);
      assert.equal(r.nlri.kind === 'vpn' && r.nlri.prefix, '10.0.0.0/24');
      // a /32 port stays a host route with the instance RD even under advertiseSubnet
      const host = ipvpnEndpointRoute(sub, ep({ prefix: '10.0.0.5/32' }), { portLabel: 17 })!;
      assert.equal(host.nlri.kind === 'vpn' && host.nlri.rd, ctx.rd);
    });

    it('takes the port localPref over the instance one, and the CHSO order of the port', () => {
      const r = ipvpnEndpointRoute(ctx, ep({ localPref: 250, lbOrder: 7 }), { portLabel: 17 })!;
      assert.equal(r.attributes.localPref, 250);
      assert.deepEqual(r.attributes.extCommunities?.at(-1), { type: 'consistent-hash-sort-order', order: 7 });
    });

    it('carries the VNI as its MPLS label value (bottom of stack) with VXLAN as the only encapsulation', () => {
      const vx = { ...ctx, encaps: ['vxlan'] as const };
      assert.equal(needsPortLabel('ipvpn', vx.encaps), false);
      assert.equal(needsPortLabel('ipvpn', ['mpls', 'vxlan']), true);
      const r = ipvpnEndpointRoute(vx, ep(), {})!;
      assert.deepEqual(r.nlri.kind === 'vpn' && r.nlri.labels, [rawFromLabel(5001)]);
      assert.deepEqual(r.attributes.extCommunities?.[0], { type: 'encapsulation', tunnelType: TUNNEL.vxlan });
    });

    it('sends GRE (2) for mpls-gre, as bagpipe does, one community per encapsulation', () => {
      const r = ipvpnEndpointRoute({ ...ctx, encaps: ['mpls-gre', 'vxlan'] }, ep(), { portLabel: 20 })!;
      assert.deepEqual(
        r.attributes.extCommunities?.filter((c) => c.type === 'encapsulation'),
        [
          { type: 'encapsulation', tunnelType: TUNNEL.gre },
          { type: 'encapsulation', tunnelType: TUNNEL.vxlan },
        ],
      );
    });

    it('advertises nothing for from-port or IP-less endpoints', () => {
      assert.equal(ipvpnEndpointRoute(ctx, ep({ direction: 'from-port' }), { portLabel: 17 }), undefined);
      assert.equal(
        ipvpnEndpointRoute(ctx, ep({ ip: undefined, prefix: undefined }), { portLabel: 17 }),
        undefined,
      );
      assert.equal(needsEndpointRd('ipvpn', ctx, ep({ direction: 'from-port' }), true), false);
      assert.notEqual(ipvpnEndpointRoute(ctx, ep({ direction: 'to-port' }), { portLabel: 17 }), undefined);
    });
  });

  it('builds static IP VPN routes with the instance RD and label and the given next hop', () => {
    const r = ipvpnStaticRoute(ctx, { prefix: '172.16.0.0/16', nextHop: '10.0.0.254' });
    assert.deepEqual(r.nlri.kind === 'vpn' && [r.nlri.rd, r.nlri.prefix, r.nlri.labels], [
      ctx.rd,
      '172.16.0.0/16',
      [rawFromLabel(5001)],
    ]);
    assert.equal(r.nextHop, '10.0.0.254');
    assert.equal(
      ipvpnStaticRoute(ctx, { prefix: '172.16.0.0/16', nextHop: undefined }).nextHop,
      DATAPLANE_ADDRESS,
    );
  });

  describe('readvertised route (bagpipe 4.5)', () => {
    it('uses the endpoint RD and label, toRTs, our next hop, and records the source RTs and RT-Records', () => {
      const src = vpnRoute({
        from: '203.0.113.9',
        prefix: '192.168.0.0/24',
        rts: ['64512:50'],
        extra: [{ type: 'rt-record', value: '64512:7' }],
      });
      const r = readvertisedRoute(
        ctx,
        ep({ lbOrder: 3 }),
        { portLabel: 17, endpointRd: `${BGP_ADDRESS}:8` },
        '192.168.0.0/24',
        [src],
        ['64512:60'],
      )!;
      assert.deepEqual(r.nlri.kind === 'vpn' && [r.nlri.rd, r.nlri.prefix, r.nlri.labels], [
        `${BGP_ADDRESS}:8`,
        '192.168.0.0/24',
        [rawFromLabel(17)],
      ]);
      assert.equal(r.nextHop, DATAPLANE_ADDRESS);
      assert.deepEqual(r.attributes.extCommunities, [
        { type: 'encapsulation', tunnelType: TUNNEL.mpls },
        { type: 'route-target', value: '64512:60' },
        { type: 'consistent-hash-sort-order', order: 3 },
        { type: 'rt-record', value: '64512:50' },
        { type: 'rt-record', value: '64512:7' },
      ]);
    });

    it('needs an endpoint RD', () => {
      assert.equal(
        readvertisedRoute(ctx, ep(), { portLabel: 17 }, '192.168.0.0/24', [], ['64512:60']),
        undefined,
      );
      assert.equal(needsEndpointRd('ipvpn', ctx, ep(), true), true);
      assert.equal(needsEndpointRd('ipvpn', ctx, ep(), false), false);
    });
  });

  describe('E-VPN routes (bagpipe 4.3)', () => {
    const ev: OriginContext = { ...ctx, encaps: ['vxlan'] };

    it('type 3: instance RD, tag 0, BGP originator and next hop, PMSI IR to the dataplane with the raw VNI', () => {
      const r = evpnMulticastRoute(ev);
      assert.equal(r.family, FAMILY.evpn);
      assert.deepEqual(r.nlri, {
        kind: 'evpn',
        route: 'multicast',
        key: `3|${ctx.rd}|0|${BGP_ADDRESS}`,
        rd: ctx.rd,
        etag: 0,
        originator: BGP_ADDRESS,
      });
      assert.equal(r.nextHop, BGP_ADDRESS);
      assert.deepEqual(r.attributes.pmsiTunnel, {
        flags: 0,
        tunnelType: PMSI_TUNNEL.ingressReplication,
        label: 5001,
        tunnelId: DATAPLANE_ADDRESS,
      });
      assert.deepEqual(ecTypes(r), ['encapsulation', 'route-target', 'route-target']);
      assert.equal(r.attributes.localPref, undefined);
    });

    it('type 2: instance RD with an IP, endpoint RD without, raw VNI label, encap, RTs, CHSO, LOCAL_PREF', () => {
      const r = evpnMacIpRoute(ev, ep(), {}, 0)!;
      assert.deepEqual(
        r.nlri.kind === 'evpn' &&
          r.nlri.route === 'mac-ip' && [
            r.nlri.rd,
            r.nlri.mac,
            r.nlri.ip,
            r.nlri.labels,
            r.nlri.esi,
            r.nlri.etag,
          ],
        [ctx.rd, '52:54:00:00:00:01', '10.0.0.5', [5001], '00:00:00:00:00:00:00:00:00:00', 0],
      );
      assert.equal(r.nextHop, DATAPLANE_ADDRESS);
      assert.equal(r.attributes.localPref, 100);
      assert.deepEqual(ecTypes(r), [
        'encapsulation',
        'route-target',
        'route-target',
        'consistent-hash-sort-order',
      ]);
      const noIp = ep({ ip: undefined, prefix: undefined });
      assert.equal(needsEndpointRd('evpn', ev, noIp, false), true);
      assert.equal(evpnMacIpRoute(ev, noIp, {}, 0), undefined);
      const r2 = evpnMacIpRoute(ev, noIp, { endpointRd: `${BGP_ADDRESS}:12` }, 0)!;
      assert.equal(r2.nlri.kind === 'evpn' && r2.nlri.route === 'mac-ip' && r2.nlri.rd, `${BGP_ADDRESS}:12`);
    });

    it('type 2 carries MAC Mobility once the MAC moved here (RFC 7432 15)', () => {
      const r = evpnMacIpRoute(ev, ep(), {}, 4)!;
      assert.deepEqual(r.attributes.extCommunities?.at(-1), {
        type: 'mac-mobility',
        sticky: false,
        sequence: 4,
      });
    });

    it('type 5 (RFC 9136): instance RD, zero gateway, raw VNI, explicit or own next hop', () => {
      const r = evpnIpPrefixRoute(ev, { prefix: '172.16.1.0/24', nextHop: undefined });
      assert.deepEqual(
        r.nlri.kind === 'evpn' &&
          r.nlri.route === 'ip-prefix' && [r.nlri.rd, r.nlri.prefix, r.nlri.gateway, r.nlri.label],
        [ctx.rd, '172.16.1.0/24', '0.0.0.0', 5001],
      );
      assert.equal(r.nextHop, DATAPLANE_ADDRESS);
      assert.equal(
        evpnIpPrefixRoute(ev, { prefix: '172.16.1.0/24', nextHop: '10.1.1.1' }).nextHop,
        '10.1.1.1',
      );
    });
  });

  it('plain unicast routes per family with the explicit next hop, else the BGP address', () => {
    const v4 = unicastRoute('fip', { prefix: '203.0.113.10/32', nextHop: '10.0.0.7' }, BGP_ADDRESS, 100);
    assert.equal(v4.family, FAMILY.ipv4Unicast);
    assert.deepEqual(v4.nlri, { kind: 'prefix', key: '203.0.113.10/32', prefix: '203.0.113.10/32' });
    assert.equal(v4.nextHop, '10.0.0.7');
    assert.deepEqual(v4.attributes, { origin: ORIGIN.igp, asPath: [], localPref: 100 });
    const v6 = unicastRoute('fip', { prefix: '2001:db8::/64', nextHop: undefined }, BGP_ADDRESS, 100);
    assert.equal(v6.family, FAMILY.ipv6Unicast);
    assert.equal(v6.nextHop, BGP_ADDRESS);
  });
});
