import assert from 'node:assert/strict';
import { Rib } from '../../src/rib/rib.js';
import type { RibEvent, Route } from '../../src/rib/types.js';
import { Publisher, routeKey } from '../../src/vpn/publisher.js';
import { vpnRoute } from './fixtures.js';

const mine = (r: Route): Route => ({ ...r, source: { kind: 'local', owner: 'vpn-a' } });

describe('vpn/publisher', () => {
  it('sets new and changed routes only, and deletes unwanted ones', () => {
    const rib = new Rib();
    const events: RibEvent[] = [];
    rib
      .subscribe((e) => events.push(e))
      .add(vpnRoute({ from: '10.0.0.1', prefix: '10.0.0.0/24' }).family, '*');
    const p = new Publisher(rib, 'vpn-a');
    const a = mine(vpnRoute({ from: '10.0.0.1', prefix: '10.1.0.0/24' }));
    const b = mine(vpnRoute({ from: '10.0.0.1', prefix: '10.2.0.0/24' }));
    const want = new Map([a, b].map((r) => [routeKey(r), r]));
    assert.equal(
      p.sync(want.keys(), (k) => want.get(k)),
      2,
    );
    assert.equal(
      p.sync(want.keys(), (k) => want.get(k)),
      0,
      'an equal route is not set again',
    );
    const a2 = mine(vpnRoute({ from: '10.0.0.1', prefix: '10.1.0.0/24', localPref: 300 }));
    want.set(routeKey(a2), a2);
    want.delete(routeKey(b));
    assert.equal(
      p.sync([routeKey(a2), routeKey(b)], (k) => want.get(k)),
      2,
    );
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.route.nlri.key} ${e.route.attributes.localPref ?? '-'}`),
      [
        'add 10.0.0.1:1:10.1.0.0/24 -',
        'add 10.0.0.1:1:10.2.0.0/24 -',
        'add 10.0.0.1:1:10.1.0.0/24 300',
        'remove 10.0.0.1:1:10.2.0.0/24 -',
      ],
    );
    assert.equal(p.size, 1);
    assert.equal(p.withdrawAll(), 1);
    assert.equal(rib.size, 0);
  });
});
