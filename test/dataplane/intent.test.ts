import assert from 'node:assert/strict';
import { canonicalIntent, instanceEquals, instancesOf, intentEquals } from '../../src/dataplane/intent.js';
import { evpn, intent, ipvpn } from './linux/fixtures.js';

describe('intent', () => {
  it('compares structurally, ignoring list order and MAC case', () => {
    const a = evpn();
    const b = evpn('vpn-1', {
      remoteMacs: [...a.remoteMacs].reverse().map((m) => ({ ...m, mac: m.mac.toUpperCase() })),
      floodList: [...a.floodList].reverse(),
    });
    assert.ok(intentEquals(intent(a, ipvpn()), intent(ipvpn(), b)));
    assert.ok(instanceEquals(a, b));
  });

  it('sees every difference', () => {
    assert.ok(!intentEquals(intent(evpn()), intent(evpn('vpn-1', { vni: 101 }))));
    assert.ok(!intentEquals(intent(evpn()), intent()));
    assert.ok(
      !intentEquals(
        intent(ipvpn()),
        intent(ipvpn('vrf-1', { gateway: { ip: '10.0.0.254', prefixLength: 24 } })),
      ),
    );
    const nh = ipvpn('vrf-1', {
      remotePrefixes: [
        { prefix: '10.0.0.3/32', nextHops: [{ vtep: '192.0.2.2', label: 5002, encap: 'vxlan', lbOrder: 1 }] },
      ],
    });
    assert.ok(!intentEquals(intent(ipvpn()), intent(nh)));
  });

  it('canonical form is stable and keeps optional fields absent', () => {
    const c = canonicalIntent(intent(ipvpn(), evpn()));
    assert.deepEqual(
      c.instances.map((i) => i.type),
      ['evpn', 'ipvpn'],
    );
    assert.equal(JSON.stringify(canonicalIntent(c)), JSON.stringify(c));
    assert.ok(!('ip' in (c.instances[0]?.localPorts[0] ?? {})));
    assert.equal(instancesOf(c, 'ipvpn').length, 1);
  });
});
