import assert from 'node:assert/strict';
import { OPEN_ERR, UPDATE_ERR } from '../../../src/bgp/codec/notify.js';
import { prefixNlri, vpnNlri } from '../../../src/bgp/codec/nlri/build.js';
import type { AsPath } from '../../../src/bgp/codec/attributes/types.js';
import type { Open } from '../../../src/bgp/codec/open.js';
import type { DecodedUpdate, Update } from '../../../src/bgp/codec/update.js';
import { peerAsOf, validateOpen, validateUpdate, type PeerFacts } from '../../../src/bgp/codec/validate.js';

const IBGP: PeerFacts = {
  ebgp: false,
  localAs: 65000,
  peerAs: 65000,
  routerId: '192.0.2.1',
  clusterId: '192.0.2.1',
};
const EBGP: PeerFacts = { ebgp: true, localAs: 65000, peerAs: 65001, localAddresses: new Set(['192.0.2.1']) };

const ok = (update: Update): DecodedUpdate => ({ update, action: undefined, problems: [] });
const route: Update = {
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.2' },
  nlri: [prefixNlri('10.0.0.0/8')],
};
const codes = (d: DecodedUpdate): [number, number, string][] =>
  d.problems.map((p) => [p.errorCode, p.subcode, p.action]);

describe('validate (session semantics)', () => {
  it('accepts a valid eBGP route unchanged', () => {
    const d = ok(route);
    assert.equal(validateUpdate(d, EBGP), d);
  });

  it('treats missing well-known attributes as withdraw, data = type code (RFC 7606 3(d))', () => {
    const d = validateUpdate(ok({ ...route, attributes: {} }), EBGP);
    assert.deepEqual(codes(d), [
      [3, UPDATE_ERR.missingWellKnown, 'treat-as-withdraw'],
      [3, UPDATE_ERR.missingWellKnown, 'treat-as-withdraw'],
      [3, UPDATE_ERR.missingWellKnown, 'treat-as-withdraw'],
    ]);
    assert.deepEqual(
      d.problems.map((p) => p.data[0]),
      [1, 2, 3],
    );
    assert.deepEqual(
      d.update.withdrawn.map((n) => n.key),
      ['10.0.0.0/8'],
    );
  });

  it('does not require NEXT_HOP for MP-only updates (RFC 4760 3)', () => {
    const mp: Update = {
      withdrawn: [],
      nlri: [],
      attributes: { origin: 0, asPath: [] },
      mpReach: { afi: 1, safi: 128, nextHop: '192.0.2.4', nlri: [vpnNlri('1:1', '10.0.0.0/8', [0x641])] },
    };
    assert.deepEqual(validateUpdate(ok(mp), IBGP).problems, []);
  });

  it('discards LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from eBGP (RFC 7606 7.5, 7.9, 7.10)', () => {
    const d = validateUpdate(
      ok({
        ...route,
        attributes: { ...route.attributes, localPref: 5, originatorId: '1.1.1.1', clusterList: ['1.1.1.1'] },
      }),
      EBGP,
    );
    assert.equal(d.action, 'attribute-discard');
    assert.deepEqual(d.update.attributes, route.attributes);
    assert.deepEqual(d.update.nlri, route.nlri);
  });

  it('withdraws on a wrong first AS, confederation segments from eBGP, AS 0, and AS loops', () => {
    const attrs = (asPath: AsPath): DecodedUpdate =>
      ok({ ...route, attributes: { ...route.attributes, asPath } });
    for (const [path, sub] of [
      [[{ type: 'sequence', asns: [65002] }], UPDATE_ERR.malformedAsPath],
      [
        [
          { type: 'confed-sequence', asns: [65001] },
          { type: 'sequence', asns: [65001] },
        ],
        UPDATE_ERR.malformedAsPath,
      ],
      [[{ type: 'sequence', asns: [65001, 0] }], UPDATE_ERR.malformedAsPath],
      [[{ type: 'sequence', asns: [65001, 65000] }], UPDATE_ERR.asRoutingLoop],
    ] as const) {
      const d = validateUpdate(attrs(path), EBGP);
      assert.equal(d.action, 'treat-as-withdraw');
      assert.equal(d.problems[0]?.subcode, sub);
    }
    assert.deepEqual(
      validateUpdate(attrs([{ type: 'sequence', asns: [65002] }]), { ...EBGP, enforceFirstAs: false })
        .problems,
      [],
    );
  });

  it('withdraws on invalid next hops and route reflection loops (RFC 4271 6.3, RFC 4456 8)', () => {
    for (const nh of ['0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.2.1']) {
      const d = validateUpdate(ok({ ...route, attributes: { ...route.attributes, nextHop: nh } }), EBGP);
      assert.deepEqual(codes(d), [[3, UPDATE_ERR.invalidNextHop, 'treat-as-withdraw']], nh);
    }
    const looped = validateUpdate(
      ok({ ...route, attributes: { ...route.attributes, originatorId: '192.0.2.1' } }),
      IBGP,
    );
    assert.deepEqual(codes(looped), [[3, UPDATE_ERR.asRoutingLoop, 'treat-as-withdraw']]);
  });

  it('checks OPEN hold time, BGP identifier and peer AS (RFC 4271 6.2, RFC 6286)', () => {
    const open: Open = {
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpId: '192.0.2.2',
      capabilities: [{ type: 'as4', asn: 4200000000 }],
    };
    const facts = { localAs: 65000, localBgpId: '192.0.2.1', peerAs: 4200000000 };
    assert.equal(peerAsOf(open), 4200000000);
    assert.equal(validateOpen(open, facts), undefined);
    assert.equal(validateOpen({ ...open, holdTime: 2 }, facts)?.subcode, OPEN_ERR.unacceptableHoldTime);
    assert.equal(validateOpen({ ...open, bgpId: '0.0.0.0' }, facts)?.subcode, OPEN_ERR.badBgpId);
    assert.equal(validateOpen(open, { ...facts, peerAs: 65001 })?.subcode, OPEN_ERR.badPeerAs);
    const ibgp = { ...open, capabilities: [], myAs: 65000, bgpId: '192.0.2.1' };
    assert.equal(validateOpen(ibgp, { localAs: 65000, localBgpId: '192.0.2.1' })?.subcode, OPEN_ERR.badBgpId);
  });
});
