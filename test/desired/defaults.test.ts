import assert from 'node:assert/strict';
import { admitOrThrow } from '../../src/desired/admit.js';
import type { AnyDesiredEntry, DesiredEntry, DesiredKind } from '../../src/desired/types.js';
import { bgpPeer, fileAdmitOptions, portAttachment, vpnInstance } from './fixtures.js';

function spec<K extends DesiredKind>(kind: K, raw: unknown): DesiredEntry<K>['spec'] {
  const e: AnyDesiredEntry = admitOrThrow(raw, fileAdmitOptions);
  assert.equal(e.kind, kind);
  return (e as DesiredEntry<K>).spec;
}

describe('defaults', () => {
  it('fills a BgpPeer', () => {
    assert.deepEqual(spec('BgpPeer', bgpPeer('rr1', { peerAddress: '2001:DB8:0:0::1' })), {
      peerAddress: '2001:db8::1',
      peerASN: undefined,
      localASN: undefined,
      port: 179,
      localAddress: undefined,
      passive: false,
      routeReflectorClient: false,
      families: ['ipv4-vpn', 'l2vpn-evpn', 'rtc'],
      timers: { holdTimeSeconds: 180, keepaliveTimeSeconds: 60, connectRetrySeconds: 5 },
      gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
      passwordSecretRef: undefined,
      passwordFile: undefined,
      ebgpMultihopTTL: undefined,
      nodeSelector: undefined,
      description: undefined,
    });
  });

  it('derives the keepalive from the hold time', () => {
    assert.equal(
      spec('BgpPeer', bgpPeer('rr1', { timers: { holdTimeSeconds: 9 } })).timers.keepaliveTimeSeconds,
      3,
    );
    assert.equal(
      spec('BgpPeer', bgpPeer('rr1', { timers: { holdTimeSeconds: 0 } })).timers.keepaliveTimeSeconds,
      0,
    );
  });

  it('fills a VpnInstance and makes its values canonical', () => {
    const s = spec(
      'VpnInstance',
      vpnInstance('blue', {
        importRTs: ['064512:01', '192.0.2.1:7'],
        staticRoutes: [{ prefix: '2001:db8:0::/48' }, { prefix: '10.0.0.7', nextHop: '10.0.0.1' }],
        fallback: { srcMac: '00-00-5E-2A-10-00', dstMac: 'aabb.ccdd.eeff', ovsPortNumber: 3 },
      }),
    );
    assert.equal(s.vpnInstanceId, 'blue');
    assert.deepEqual(s.importRTs, ['64512:1', '192.0.2.1:7']);
    assert.deepEqual(
      [s.localPref, s.advertiseSubnet, s.encapsulations, s.routeDistinguisher, s.vni],
      [100, false, undefined, undefined, undefined],
    );
    assert.deepEqual(s.staticRoutes, [
      { prefix: '2001:db8::/48', nextHop: undefined },
      { prefix: '10.0.0.7/32', nextHop: '10.0.0.1' },
    ]);
    assert.deepEqual(s.fallback, {
      srcMac: '00:00:5e:2a:10:00',
      dstMac: 'aa:bb:cc:dd:ee:ff',
      ovsPortNumber: 3,
    });
  });

  it('defaults the attractTraffic protocol to tcp', () => {
    const s = spec(
      'VpnInstance',
      vpnInstance('i', { attractTraffic: { redirectRTs: ['1:9'], classifier: {}, toRT: '1:2' } }),
    );
    assert.equal(s.attractTraffic?.classifier.protocol, 'tcp');
    assert.deepEqual(s.attractTraffic.staticDestinationPrefixes, []);
  });

  it('fills a PortAttachment and tags its local port', () => {
    const s = spec('PortAttachment', portAttachment('p', { ipAddress: '10.0.0.5' }));
    assert.deepEqual(s, {
      vpnInstanceName: 'vpn1',
      nodeName: 'node-1',
      macAddress: '52:54:00:aa:00:01',
      ipAddress: '10.0.0.5/32',
      localPort: { type: 'linuxInterface', linuxInterface: 'tap1', vlan: undefined },
      direction: 'both',
      localPref: undefined,
      lbConsistentHashOrder: 0,
      description: undefined,
    });
    const ovs = spec(
      'PortAttachment',
      portAttachment('p', { localPort: { ovs: { portNumber: 4, vlan: 12 } } }),
    );
    assert.deepEqual(ovs.localPort, {
      type: 'ovs',
      ovs: { portNumber: 4, vlan: 12, plugged: false },
      vlan: undefined,
    });
    const evpn = spec(
      'PortAttachment',
      portAttachment('p', { localPort: { evpn: { vpnInstanceRef: { name: 'e1' } }, vlan: 5 } }),
    );
    assert.deepEqual(evpn.localPort, { type: 'evpn', evpnInstance: 'e1', vlan: 5 });
  });
});
