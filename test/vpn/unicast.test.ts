import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/index.js';
import { Rib } from '../../src/rib/rib.js';
import { UnicastInstance } from '../../src/vpn/unicast.js';
import { attachment, BGP_ADDRESS, instanceSpec, published } from './fixtures.js';

describe('vpn/unicast', () => {
  it('advertises the static routes as plain unicast, follows spec changes, withdraws on close(true)', () => {
    const rib = new Rib();
    const spec = instanceSpec(
      { type: 'unicast', staticRoutes: [{ prefix: '203.0.113.10/32', nextHop: '10.0.0.7' }] },
      'fip',
    );
    const u = new UnicastInstance(spec, { rib, bgpAddress: BGP_ADDRESS });
    const [r] = published(rib, 'fip');
    assert.equal(r?.family, FAMILY.ipv4Unicast);
    assert.equal(r.nextHop, '10.0.0.7');
    u.update(instanceSpec({ type: 'unicast', staticRoutes: [{ prefix: '2001:db8::/64' }] }, 'fip'));
    assert.deepEqual(
      published(rib, 'fip').map((x) => [x.family, x.nlri.key, x.nextHop]),
      [[FAMILY.ipv6Unicast, '2001:db8::/64', BGP_ADDRESS]],
    );
    assert.equal(u.intent(), undefined);
    assert.equal(u.status().advertisedRoutes.length, 1);
    assert.equal(u.importedRouteTargets().size, 0);
    u.close(false);
    assert.equal(rib.size, 1, 'a shutdown keeps the routes');
    u.close(true);
    assert.equal(rib.size, 0);
  });

  it('refuses ports', () => {
    const u = new UnicastInstance(instanceSpec({ type: 'unicast' }, 'fip'), {
      rib: new Rib(),
      bgpAddress: BGP_ADDRESS,
    });
    const problems = u.setPorts(new Map([['ns/p', attachment({ mac: '52:54:00:00:00:01' }, 'fip')]]));
    assert.deepEqual(
      problems.map((p) => [p.name, p.code]),
      [['ns/p', 'BGPD_ERR_VPN_UNSUPPORTED']],
    );
  });
});
