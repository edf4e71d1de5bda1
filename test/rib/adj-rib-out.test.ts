import assert from 'node:assert/strict';
import {
  decodeMessage,
  DEFAULT_CONTEXT,
  FAMILY,
  familyOf,
  packReach,
  packUnreach,
  rtcNlri,
  type PathAttributes,
} from '../../src/bgp/codec/index.js';
import {
  AdjRibOut,
  mayAdvertise,
  prependAs,
  type AdjRibOutOptions,
  type OutBatch,
} from '../../src/rib/adj-rib-out.js';
import { Rib } from '../../src/rib/rib.js';
import { ANY_RT, type PeerSource, type Route } from '../../src/rib/types.js';
import { LOCAL_AS, local, peer, vpn, withRts } from './helpers.js';

const A = withRts(['64512:1']);
const TARGET = peer('192.0.2.100', { bgpId: '10.0.0.100' });
const CLIENT = peer('192.0.2.101', { bgpId: '10.0.0.101', rrClient: true });
const NON_CLIENT = peer('192.0.2.102', { bgpId: '10.0.0.102' });
const EBGP = peer('198.51.100.1', { bgpId: '10.9.9.9', peerAs: 65099 });

function out(to: PeerSource, over: Partial<AdjRibOutOptions> = {}): AdjRibOut {
  return new AdjRibOut({ peer: to, localAddress: '192.0.2.254', clusterId: '10.0.0.1', ...over });
}

const add = (o: AdjRibOut, route: Route): void => {
  o.apply({ type: 'add', route });
};
const remove = (o: AdjRibOut, route: Route): void => {
  o.apply({ type: 'remove', route });
};

/** Drain everything; returns the batches. */
function drainAll(o: AdjRibOut): OutBatch[] {
  const batches: OutBatch[] = [];
  while (o.pending()) batches.push(...o.drain(10));
  return batches;
}

/** The one reach entry of a single drain. */
function sentOne(o: AdjRibOut): { attributes: PathAttributes; nextHop: string } {
  const [batch, ...rest] = drainAll(o);
  assert.equal(rest.length, 0);
  assert.equal(batch?.reach.length, 1);
  const reach = batch.reach[0]!;
  return { attributes: reach.attributes, nextHop: reach.nextHop };
}

describe('mayAdvertise (RFC 4456 6)', () => {
  const from = (source: PeerSource): Route => vpn(source, '10.0.0.0/24', A);
  const table: [string, Route, PeerSource, boolean][] = [
    ['local route to an iBGP peer', vpn(local('vpn-1'), '10.0.0.0/24', A), NON_CLIENT, true],
    ['local route to an eBGP peer', vpn(local('vpn-1'), '10.0.0.0/24', A), EBGP, true],
    ['from a client to a non-client', from(CLIENT), NON_CLIENT, true],
    ['from a client to another client', from(CLIENT), peer('192.0.2.103', { rrClient: true }), true],
    ['from a non-client to a client', from(NON_CLIENT), CLIENT, true],
    ['from a non-client to a non-client', from(NON_CLIENT), TARGET, false],
    ['eBGP-learned to a client', from(EBGP), CLIENT, true],
    ['eBGP-learned to a non-client', from(EBGP), NON_CLIENT, false],
    ['iBGP-learned to an eBGP peer', from(CLIENT), EBGP, false],
    ['back to the peer it came from', from(CLIENT), CLIENT, false],
    [
      'to the peer named by ORIGINATOR_ID',
      vpn(CLIENT, '10.0.0.0/24', { ...A, originatorId: '10.0.0.100' }),
      TARGET,
      false,
    ],
  ];
  for (const [what, route, to, expected] of table)
    it(`${what}: ${expected ? 'yes' : 'no'}`, () => {
      assert.equal(mayAdvertise(route, to), expected);
    });
});

describe('AdjRibOut attributes', () => {
  it('iBGP: local routes keep their next hop and get LOCAL_PREF 100 when missing', () => {
    const o = out(TARGET);
    add(o, vpn(local('vpn-1'), '10.0.0.0/24', A, { nextHop: '192.0.2.254' }));
    const s = sentOne(o);
    assert.equal(s.nextHop, '192.0.2.254');
    assert.equal(s.attributes.localPref, 100);
    assert.equal(s.attributes.originatorId, undefined);
    assert.equal(s.attributes.clusterList, undefined);
  });

  it('iBGP reflection: ORIGINATOR_ID set when absent, our cluster id first in CLUSTER_LIST', () => {
    let o = out(TARGET);
    add(o, vpn(CLIENT, '10.0.0.0/24', { ...A, localPref: 300 }));
    let s = sentOne(o);
    assert.equal(s.attributes.originatorId, '10.0.0.101');
    assert.deepEqual(s.attributes.clusterList, ['10.0.0.1']);
    assert.equal(s.attributes.localPref, 300);
    assert.equal(s.nextHop, '192.0.2.101', 'next hop unchanged');
    o = out(TARGET);
    add(o, vpn(CLIENT, '10.0.0.0/24', { ...A, originatorId: '10.7.7.7', clusterList: ['10.0.0.2'] }));
    s = sentOne(o);
    assert.equal(s.attributes.originatorId, '10.7.7.7');
    assert.deepEqual(s.attributes.clusterList, ['10.0.0.1', '10.0.0.2']);
  });

  it('eBGP: local AS prepended, next hop self, no LOCAL_PREF, ORIGINATOR_ID or CLUSTER_LIST', () => {
    const o = out(EBGP);
    const attrs: PathAttributes = {
      ...A,
      asPath: [{ type: 'sequence', asns: [65010] }],
      localPref: 200,
      originatorId: '1.1.1.1',
      clusterList: ['2.2.2.2'],
      med: 5,
    };
    add(o, vpn(local('vpn-1'), '10.0.0.0/24', attrs, { nextHop: '192.0.2.77' }));
    const s = sentOne(o);
    assert.equal(s.nextHop, '192.0.2.254');
    assert.deepEqual(s.attributes, {
      origin: 0,
      asPath: [{ type: 'sequence', asns: [LOCAL_AS, 65010] }],
      med: 5,
      extCommunities: A.extCommunities,
    });
  });

  it('prepends to a sequence, or starts a new one before a set, a full sequence or nothing', () => {
    assert.deepEqual(prependAs(undefined, 1), [{ type: 'sequence', asns: [1] }]);
    assert.deepEqual(prependAs([{ type: 'set', asns: [2, 3] }], 1), [
      { type: 'sequence', asns: [1] },
      { type: 'set', asns: [2, 3] },
    ]);
    assert.deepEqual(
      prependAs(
        [
          { type: 'confed-sequence', asns: [9] },
          { type: 'sequence', asns: [2] },
        ],
        1,
      ),
      [{ type: 'sequence', asns: [1, 2] }],
      'RFC 5065 5.3: confederation segments do not leave the confederation',
    );
    const full = Array.from({ length: 255 }, (_, i) => i + 1);
    assert.equal(prependAs([{ type: 'sequence', asns: full }], 1).length, 2);
  });
});

describe('AdjRibOut state', () => {
  it('suppresses identical state and re-sends a change (a new label is a change)', () => {
    const o = out(TARGET);
    add(o, vpn(CLIENT, '10.0.0.0/24', A));
    assert.equal(drainAll(o).length, 1);
    add(o, vpn(CLIENT, '10.0.0.0/24', withRts(['64512:1'])));
    assert.equal(o.pending(), true);
    assert.deepEqual(drainAll(o), [], 'equal attributes in a new object: nothing to send');
    add(o, vpn(CLIENT, '10.0.0.0/24', A, { labels: [17 << 4] }));
    assert.equal(drainAll(o)[0]?.reach[0]?.nlri.length, 1);
  });

  it('withdraws only what was sent', () => {
    const o = out(TARGET);
    const r = vpn(CLIENT, '10.0.0.0/24', A);
    add(o, r);
    remove(o, r);
    assert.deepEqual(drainAll(o), [], 'added and removed before any drain');
    const notEligible = vpn(NON_CLIENT, '10.0.1.0/24', A);
    add(o, notEligible);
    remove(o, notEligible);
    assert.equal(o.pending(), false, 'never a candidate');
    add(o, r);
    drainAll(o);
    remove(o, r);
    assert.deepEqual(drainAll(o), [{ family: FAMILY.ipv4Vpn, reach: [], unreach: [r.nlri] }]);
    assert.equal(o.advertisedCount(FAMILY.ipv4Vpn), 0);
  });

  it('sends the best eligible candidate, and replaces rather than withdraws when it goes', () => {
    const o = out(TARGET);
    const low = vpn(CLIENT, '10.0.0.0/24', { ...A, localPref: 100 });
    const high = vpn(peer('192.0.2.103', { rrClient: true }), '10.0.0.0/24', { ...A, localPref: 200 });
    add(o, low);
    add(o, high);
    add(o, vpn(NON_CLIENT, '10.0.0.0/24', { ...A, localPref: 999 }));
    assert.equal(sentOne(o).attributes.localPref, 200);
    remove(o, high);
    const [batch] = drainAll(o);
    assert.deepEqual(batch?.unreach, []);
    assert.equal(batch.reach[0]?.attributes.localPref, 100);
    assert.equal(o.advertised(FAMILY.ipv4Vpn)[0]?.nextHop, '192.0.2.101');
  });

  it('groups NLRI by attributes object and respects batch size and maxBatches', () => {
    const o = out(TARGET, { batchSize: 1000 });
    const shared = withRts(['64512:1']);
    for (let i = 0; i < 2500; i++) add(o, vpn(CLIENT, `10.${i >> 8}.${i & 255}.0/24`, shared));
    add(o, vpn(CLIENT, '10.200.0.0/24', withRts(['64512:2'])));
    const first = o.drain(2);
    assert.equal(first.length, 2);
    assert.deepEqual(
      first.map((b) => b.reach.map((r) => r.nlri.length)),
      [[1000], [1000]],
    );
    assert.equal(o.pending(), true);
    const rest = o.drain(5);
    assert.deepEqual(
      rest.map((b) => b.reach.map((r) => r.nlri.length)),
      [[500, 1]],
    );
    assert.equal(o.pending(), false);
    assert.equal(o.advertisedCount(FAMILY.ipv4Vpn), 2501);
  });

  it('drains RTC before the VPN families (RFC 4684 6)', () => {
    const o = out(TARGET);
    add(o, vpn(local('vpn-1'), '10.0.0.0/24', A, { family: FAMILY.evpn }));
    add(o, vpn(local('vpn-1'), '10.0.0.0/24', A));
    add(o, {
      family: FAMILY.rtc,
      nlri: rtcNlri(LOCAL_AS, '64512:1'),
      attributes: {},
      nextHop: '192.0.2.254',
      source: local('rtc'),
    });
    assert.deepEqual(
      o.drain(10).map((b) => b.family),
      [FAMILY.rtc, FAMILY.ipv4Vpn, FAMILY.evpn],
    );
  });

  it('resendAll (RFC 2918) sends everything advertised again, identical or not', () => {
    const o = out(TARGET);
    add(o, vpn(CLIENT, '10.0.0.0/24', A));
    add(o, vpn(CLIENT, '10.0.1.0/24', A));
    drainAll(o);
    o.resendAll(FAMILY.ipv4Vpn);
    o.resendAll(FAMILY.evpn);
    const again = drainAll(o);
    assert.equal(again.length, 1);
    assert.equal(again[0]?.reach[0]?.nlri.length, 2);
    assert.deepEqual(drainAll(o), []);
  });

  it('packs with the codec: what the daemon sends decodes to the advertised routes', () => {
    const rib = new Rib();
    const o = out(TARGET);
    rib.subscribe(o.listener).add(FAMILY.ipv4Vpn, ANY_RT);
    const shared = withRts(['64512:1']);
    const routes = Array.from({ length: 250 }, (_, i) => vpn(local('vpn-1'), `10.1.${i}.0/24`, shared));
    for (const r of routes) rib.set(r);
    rib.delete(local('vpn-1'), FAMILY.ipv4Vpn, routes[0]!.nlri.key);
    const keys = new Set<string>();
    for (const batch of drainAll(o)) {
      const { afi, safi } = familyOf(batch.family);
      const msgs = batch.reach.flatMap((r) =>
        packReach(r.attributes, { afi, safi, nextHop: r.nextHop, nlri: r.nlri }, DEFAULT_CONTEXT),
      );
      if (batch.unreach.length) msgs.push(...packUnreach(afi, safi, batch.unreach, DEFAULT_CONTEXT));
      for (const m of msgs) {
        const d = decodeMessage(m, DEFAULT_CONTEXT);
        assert.ok(d.type === 'update');
        assert.equal(d.update.attributes.localPref, 100);
        for (const n of d.update.mpReach?.nlri ?? []) keys.add(n.key);
      }
    }
    assert.equal(keys.size, 249);
    assert.equal(o.advertisedCount(FAMILY.ipv4Vpn), 249);
  });
});
