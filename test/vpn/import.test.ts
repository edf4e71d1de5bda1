import assert from 'node:assert/strict';
import { PMSI_TUNNEL, rawFromLabel, TUNNEL } from '../../src/bgp/codec/index.js';
import {
  carriesRt,
  floodEntry,
  highestSequence,
  ipvpnNextHop,
  readvertiseLooped,
  remoteMac,
  selectMacRoute,
} from '../../src/vpn/import.js';
import { macRoute, multicastRoute, vpnRoute } from './fixtures.js';

describe('vpn/import', () => {
  it('imports on any matching RT (bagpipe 4.2)', () => {
    const r = vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24', rts: ['64512:1', '64512:2'] });
    assert.equal(carriesRt(r.attributes, new Set(['64512:2'])), true);
    assert.equal(carriesRt(r.attributes, new Set(['64512:3'])), false);
  });

  describe('IP VPN next hop', () => {
    it('gives vtep, MPLS label, encapsulation and the peer CHSO', () => {
      const r = vpnRoute({
        from: '10.0.0.2',
        prefix: '10.1.0.0/24',
        label: 300,
        extra: [{ type: 'consistent-hash-sort-order', order: 4 }],
      });
      assert.deepEqual(ipvpnNextHop(r, ['mpls']), {
        vtep: '10.0.0.2',
        label: 300,
        encap: 'mpls',
        lbOrder: 4,
      });
    });

    it('rejects zero or two labels, and incompatible encapsulations', () => {
      const two = vpnRoute({
        from: '10.0.0.2',
        prefix: '10.1.0.0/24',
        labels: [rawFromLabel(1, false), rawFromLabel(2)],
      });
      assert.equal(ipvpnNextHop(two, ['mpls']), undefined);
      assert.equal(
        ipvpnNextHop(vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24', labels: [] }), ['mpls']),
        undefined,
      );
      const gre = vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24', tunnels: [TUNNEL.gre] });
      assert.equal(ipvpnNextHop(gre, ['mpls']), undefined);
      assert.equal(ipvpnNextHop(gre, ['mpls', 'mpls-gre'])?.encap, 'mpls-gre');
    });

    it('accepts a route without encapsulation community with our preferred encapsulation', () => {
      const r = vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24', tunnels: [], label: 40 });
      assert.deepEqual(ipvpnNextHop(r, ['mpls-gre', 'mpls']), {
        vtep: '10.0.0.2',
        label: 40,
        encap: 'mpls-gre',
      });
    });

    it('reads the label field as an MPLS label whose value is the VNI (RFC 4364 4.3.4), whatever the encapsulation', () => {
      const vx = vpnRoute({
        from: '10.0.0.2',
        prefix: '10.1.0.0/24',
        tunnels: [TUNNEL.vxlan],
        label: 5001,
      });
      assert.deepEqual(ipvpnNextHop(vx, ['vxlan']), { vtep: '10.0.0.2', label: 5001, encap: 'vxlan' });
      const both = vpnRoute({
        from: '10.0.0.2',
        prefix: '10.1.0.0/24',
        tunnels: [TUNNEL.mpls, TUNNEL.vxlan],
        label: 77,
      });
      assert.deepEqual(ipvpnNextHop(both, ['vxlan']), { vtep: '10.0.0.2', label: 77, encap: 'vxlan' });
    });
  });

  it('turns a MAC/IP route into a remote MAC with the raw VNI', () => {
    const r = macRoute({ from: '10.0.0.3', mac: '52:54:00:00:00:09', ip: '10.0.0.9', vni: 7000 });
    assert.deepEqual(remoteMac(r, ['vxlan']), {
      mac: '52:54:00:00:00:09',
      vtep: '10.0.0.3',
      vni: 7000,
      ip: '10.0.0.9',
    });
    assert.equal(
      remoteMac(macRoute({ from: '10.0.0.3', mac: '52:54:00:00:00:09', tunnels: [TUNNEL.mpls] }), ['vxlan']),
      undefined,
    );
    assert.equal(remoteMac(multicastRoute({ from: '10.0.0.3' }), ['vxlan']), undefined);
  });

  it('turns an ingress-replication multicast route into a flood entry (PMSI tunnel, label as VNI)', () => {
    const r = multicastRoute({ from: '10.0.0.3', tunnel: '172.16.0.3', vni: 7000 });
    assert.deepEqual(floodEntry(r, ['vxlan']), { vtep: '172.16.0.3', vni: 7000 });
    assert.equal(
      floodEntry(multicastRoute({ from: '10.0.0.3', pmsiType: PMSI_TUNNEL.noInfo }), ['vxlan']),
      undefined,
    );
  });

  describe('per-MAC selection (RFC 7432 15)', () => {
    const mac = '52:54:00:00:00:09';
    it('prefers the highest sequence number over LOCAL_PREF', () => {
      const old = macRoute({ from: '10.0.0.3', mac, localPref: 500 });
      const moved = macRoute({ from: '10.0.0.4', mac, mobility: { sequence: 1 } });
      assert.equal(selectMacRoute([old, moved]), moved);
      assert.equal(highestSequence([old, moved]), 1);
    });

    it('prefers a sticky (static) MAC whatever the sequence numbers', () => {
      const sticky = macRoute({ from: '10.0.0.5', mac, mobility: { sequence: 0, sticky: true } });
      const moved = macRoute({ from: '10.0.0.4', mac, mobility: { sequence: 9 } });
      assert.equal(selectMacRoute([moved, sticky]), sticky);
    });

    it('breaks a tie with the decision process, whatever the input order', () => {
      const a = macRoute({ from: '10.0.0.4', mac, mobility: { sequence: 2 } });
      const b = macRoute({ from: '10.0.0.3', mac, mobility: { sequence: 2 } });
      assert.equal(selectMacRoute([a, b]), b);
      assert.equal(selectMacRoute([b, a]), b);
      assert.equal(selectMacRoute([]), undefined);
    });
  });

  it('detects a readvertise loop from the RT-Records', () => {
    const r = vpnRoute({
      from: '10.0.0.2',
      prefix: '10.1.0.0/24',
      extra: [{ type: 'rt-record', value: '64512:60' }],
    });
    assert.equal(readvertiseLooped(r.attributes, new Set(['64512:60'])), true);
    assert.equal(readvertiseLooped(r.attributes, new Set(['64512:61'])), false);
  });
});
