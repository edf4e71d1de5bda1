import assert from 'node:assert/strict';
import type { AsPath, PathAttributes } from '../../src/bgp/codec/index.js';
import {
  asPathLength,
  byAsPathLength,
  byClusterListLength,
  byEbgp,
  byLocalOrigin,
  byLocalPref,
  byMed,
  byOrigin,
  byPeerAddress,
  byRouterId,
  compareAddresses,
  compareRoutes,
  neighborAs,
  LOCAL_AS as LOCAL,
  selectBest,
} from '../../src/rib/best-path.js';
import type { Route, Source } from '../../src/rib/types.js';
import { LOCAL_AS, local, peer, vpn } from './helpers.js';

const PREFIX = '10.0.0.0/24';
const route = (source: Source, attributes: PathAttributes = {}): Route =>
  vpn(source, PREFIX, { origin: 0, asPath: [], ...attributes });
const P1 = peer('192.0.2.1');
const P2 = peer('192.0.2.2');
const seq = (...asns: number[]): AsPath => [{ type: 'sequence', asns }];

/** Every ordering of `xs`, to check the result does not depend on the input order. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** `better` beats `worse` with this step, with compareRoutes and with selectBest, in both orders. */
function wins(step: (a: Route, b: Route) => number, better: Route, worse: Route): void {
  assert.ok(step(better, worse) < 0, 'step');
  assert.ok(step(worse, better) > 0, 'step (reversed)');
  assert.ok(compareRoutes(better, worse) < 0, 'compareRoutes');
  assert.equal(selectBest([worse, better])[0], better);
  assert.equal(selectBest([better, worse])[0], better);
}

describe('best path steps (RFC 4271 9.1.2.2)', () => {
  it('1. highest LOCAL_PREF; a missing one counts 100 (RFC 4271 5.1.5)', () => {
    wins(byLocalPref, route(P2, { localPref: 200 }), route(P1, { localPref: 100 }));
    wins(byLocalPref, route(P2), route(P1, { localPref: 99 }));
    assert.equal(byLocalPref(route(P2), route(P1, { localPref: 100 })), 0);
  });

  it('2. a local route beats a peer route of equal LOCAL_PREF, not one of higher LOCAL_PREF', () => {
    wins(byLocalOrigin, route(local('vpn-9')), route(P1));
    assert.equal(selectBest([route(local('vpn-9')), route(P1, { localPref: 101 })])[0]?.source, P1);
  });

  it('3. shortest AS_PATH: an AS_SET counts 1, confederation segments 0', () => {
    assert.equal(
      asPathLength([
        { type: 'sequence', asns: [1, 2] },
        { type: 'set', asns: [3, 4, 5] },
        { type: 'confed-sequence', asns: [6, 7] },
        { type: 'confed-set', asns: [8] },
      ]),
      3,
    );
    wins(byAsPathLength, route(P2, { asPath: seq(1) }), route(P1, { asPath: seq(1, 2) }));
    wins(
      byAsPathLength,
      route(P2, { asPath: [{ type: 'set', asns: [1, 2, 3] }] }),
      route(P1, { asPath: seq(1, 2) }),
    );
  });

  it('4. lowest ORIGIN; a missing one counts INCOMPLETE', () => {
    wins(byOrigin, route(P2, { origin: 0 }), route(P1, { origin: 1 }));
    wins(byOrigin, route(P2, { origin: 1 }), route(P1, { origin: 2 }));
    const noOrigin: Route = { ...route(P1), attributes: { asPath: [] } };
    assert.equal(byOrigin(route(P2, { origin: 2 }), noOrigin), 0);
  });

  it('5. lowest MED only between routes of the same neighbouring AS; a missing MED counts 0', () => {
    wins(byMed, route(P2, { asPath: seq(65001), med: 10 }), route(P1, { asPath: seq(65001, 7), med: 20 }));
    wins(byMed, route(P2, { asPath: seq(65001) }), route(P1, { asPath: seq(65001), med: 1 }));
    assert.equal(
      byMed(route(P2, { asPath: seq(65001), med: 10 }), route(P1, { asPath: seq(65002), med: 20 })),
      0,
    );
    assert.equal(
      neighborAs(route(P1, { asPath: [{ type: 'confed-sequence', asns: [9] }, ...seq(65001)] })),
      65001,
    );
    assert.equal(neighborAs(route(P1, { asPath: [{ type: 'set', asns: [65001] }] })), LOCAL);
    assert.equal(neighborAs(route(P1)), LOCAL);
  });

  it('5. MED elimination is per neighbouring AS and independent of the input order', () => {
    // Pairwise MED is not transitive: a(AS1, 10) < b(AS1, 20); b ? c(AS2, 5) by router id; c ? a likewise.
    const a = route(peer('192.0.2.3'), { asPath: seq(65001), med: 10 });
    const b = route(peer('192.0.2.1'), { asPath: seq(65001), med: 20 });
    const c = route(peer('192.0.2.2'), { asPath: seq(65002), med: 5 });
    for (const order of permutations([a, b, c])) {
      assert.deepEqual(selectBest(order), [c]);
      assert.deepEqual(selectBest(order, { multipath: true }), [c, a]);
    }
  });

  it('6. eBGP-learned over iBGP-learned', () => {
    const ebgp = peer('192.0.2.9', { peerAs: 65001 });
    wins(byEbgp, route(ebgp, { asPath: seq(65001) }), route(P1, { asPath: seq(65002) }));
  });

  it('7. lowest router id: the ORIGINATOR_ID when present (RFC 4456 9), else the BGP identifier', () => {
    const low = peer('192.0.2.2', { bgpId: '9.0.0.1' });
    const high = peer('192.0.2.1', { bgpId: '10.0.0.1' });
    wins(byRouterId, route(low), route(high));
    wins(byRouterId, route(high, { originatorId: '1.1.1.1' }), route(low));
    // numeric, not textual: "9.x" < "10.x"
    assert.ok(byRouterId(route(low), route(high)) < 0);
  });

  it('8. shortest CLUSTER_LIST (RFC 4456 9)', () => {
    const a = peer('192.0.2.2', { bgpId: '1.1.1.1' });
    const b = peer('192.0.2.1', { bgpId: '1.1.1.1' });
    wins(
      byClusterListLength,
      route(a, { clusterList: ['1.1.1.1'] }),
      route(b, { clusterList: ['1.1.1.1', '2.2.2.2'] }),
    );
  });

  it('9. lowest peer address (numeric, IPv4 before IPv6); between local routes the owner', () => {
    const a = peer('192.0.2.10', { bgpId: '1.1.1.1' });
    const b = peer('192.0.2.9', { bgpId: '1.1.1.1' });
    wins(byPeerAddress, route(b), route(a));
    assert.ok(compareAddresses('192.0.2.1', '2001:db8::1') < 0);
    assert.ok(compareAddresses('2001:db8::2', '2001:db8::10') < 0);
    assert.equal(compareAddresses('2001:db8::1', '2001:db8:0::1'), 0);
    wins(byPeerAddress, route(local('a-vpn')), route(local('b-vpn')));
  });
});

describe('selectBest', () => {
  it('returns nothing for nothing, and the only route', () => {
    assert.deepEqual(selectBest([]), []);
    const r = route(P1);
    assert.deepEqual(selectBest([r]), [r]);
  });

  it('applies the steps in order: an earlier step decides before a later one', () => {
    const longPathHighPref = route(P1, { localPref: 200, asPath: seq(1, 2, 3), origin: 2 });
    const shortPath = route(P2, { asPath: seq(1), origin: 0 });
    assert.equal(selectBest([shortPath, longPathHighPref])[0], longPathHighPref);
    const igpLongPath = route(P1, { asPath: seq(1, 2), origin: 0 });
    const incompleteShort = route(P2, { asPath: seq(1), origin: 2 });
    assert.equal(selectBest([igpLongPath, incompleteShort])[0], incompleteShort);
  });

  it('breaks full ties deterministically, whatever the input order', () => {
    const routes = ['192.0.2.3', '192.0.2.1', '192.0.2.2'].map((a) => route(peer(a)));
    for (const order of permutations(routes)) assert.equal(selectBest(order)[0]?.source, routes[1]?.source);
  });

  it('multipath: every route equal through eBGP over iBGP, ordered by the later steps', () => {
    const r1 = route(peer('192.0.2.3', { bgpId: '3.3.3.3' }), { asPath: seq(65001) });
    const r2 = route(peer('192.0.2.1', { bgpId: '2.2.2.2' }), {
      asPath: seq(65002),
      clusterList: ['1.1.1.1'],
    });
    const r3 = route(peer('192.0.2.2', { bgpId: '1.1.1.1' }), { asPath: seq(65003) });
    const worse = route(peer('192.0.2.4'), { asPath: seq(65001, 1) });
    for (const order of permutations([r1, r2, r3, worse]))
      assert.deepEqual(selectBest(order, { multipath: true }), [r3, r2, r1]);
    assert.deepEqual(selectBest([r1, r2, r3, worse]), [r3]);
  });

  it('multipath keeps only local routes when a local route is best', () => {
    const mine = route(local('vpn-1'));
    const theirs = route(P1);
    assert.deepEqual(selectBest([theirs, mine], { multipath: true }), [mine]);
    const other = route(local('vpn-0'));
    assert.deepEqual(selectBest([theirs, mine, other], { multipath: true }), [other, mine]);
  });

  it('multipath separates eBGP from iBGP routes', () => {
    const ebgp = route(peer('192.0.2.9', { peerAs: 65001, localAs: LOCAL_AS }), { asPath: seq(65001) });
    const ibgp = route(P1, { asPath: seq(65002) });
    assert.deepEqual(selectBest([ibgp, ebgp], { multipath: true }), [ebgp]);
  });
});
