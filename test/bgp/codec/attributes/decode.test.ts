/**
 * RFC 7606 (and RFC 4271 6.3) error handling of the attribute loop and the per-attribute
 * decoders: each case asserts the action and the NOTIFICATION code/subcode, never the text.
 */
import assert from 'node:assert/strict';
import type { WireAction } from '../../../../src/bgp/codec/errors.js';
import { stronger, WireError } from '../../../../src/bgp/codec/errors.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { decodeUpdate, type DecodedUpdate } from '../../../../src/bgp/codec/update.js';
import { ctx, hex, toHex, wire } from '../helpers.js';

const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 00';
const NEXT_HOP = '40 03 04 c0000201';
const BASE = `${ORIGIN} ${AS_PATH} ${NEXT_HOP}`;
const NLRI = '18 c63364'; // 198.51.100.0/24
const VPN_REACH = '80 0e 20 0001 80 0c 0000000000000000 c0000204 00 70 000641 0000fde800000064 0a0101';

/** An UPDATE body: withdrawn routes, attributes, NLRI (hex, lengths computed). */
function body(attrs: string, nlri = NLRI, withdrawn = ''): Uint8Array {
  const w = hex`${withdrawn}`;
  const a = hex`${attrs}`;
  const n = hex`${nlri}`;
  return Uint8Array.of(w.length >> 8, w.length & 255, ...w, a.length >> 8, a.length & 255, ...a, ...n);
}

function expect(d: DecodedUpdate, action: WireAction, codes: readonly [number, number][]): void {
  assert.equal(d.action, action);
  assert.deepEqual(
    d.problems.map((p) => [p.errorCode, p.subcode]),
    codes,
  );
}

const withdrawnAll = (d: DecodedUpdate): void => {
  assert.deepEqual(d.update.nlri, []);
  assert.deepEqual(d.update.attributes, {});
  assert.deepEqual(
    d.update.withdrawn.map((n) => n.key),
    ['198.51.100.0/24'],
  );
};

describe('RFC 7606 error handling', () => {
  it('bad ORIGIN value: treat-as-withdraw, 3/6 (7.1), data is the attribute', () => {
    const d = decodeUpdate(body(`40 01 01 03 ${AS_PATH} ${NEXT_HOP}`), ctx());
    expect(d, 'treat-as-withdraw', [[3, UPDATE_ERR.invalidOrigin]]);
    assert.equal(toHex(d.problems[0]?.data ?? new Uint8Array()), '40010103');
    withdrawnAll(d);
  });

  it('ORIGIN of the wrong length: treat-as-withdraw, 3/5 (7.1)', () => {
    expect(decodeUpdate(body(`40 01 02 0000 ${AS_PATH} ${NEXT_HOP}`), ctx()), 'treat-as-withdraw', [[3, 5]]);
    expect(decodeUpdate(body(`40 01 00 ${AS_PATH} ${NEXT_HOP}`), ctx()), 'treat-as-withdraw', [[3, 5]]);
  });

  it('conflicting attribute flags: treat-as-withdraw, 3/4 (3(c))', () => {
    const d = decodeUpdate(body(`c0 01 01 00 ${AS_PATH} ${NEXT_HOP}`), ctx());
    expect(d, 'treat-as-withdraw', [[3, UPDATE_ERR.attributeFlags]]);
    withdrawnAll(d);
  });

  it('MP_REACH_NLRI with wrong flags is still read, and its NLRI withdrawn', () => {
    const d = decodeUpdate(body(`${BASE} c0${VPN_REACH.slice(2)}`, ''), ctx());
    expect(d, 'treat-as-withdraw', [[3, 4]]);
    assert.equal(d.update.mpReach, undefined);
    assert.deepEqual(
      d.update.mpUnreach?.nlri.map((n) => n.key),
      ['65000:100:10.1.1.0/24'],
    );
  });

  it('attribute length overrunning the attributes: treat-as-withdraw (4)', () => {
    const d = decodeUpdate(body(`${BASE} 40 05 08 00000064`), ctx());
    expect(d, 'treat-as-withdraw', [[3, UPDATE_ERR.attributeLength]]);
    withdrawnAll(d);
  });

  it('fewer octets than an attribute header left: treat-as-withdraw (4)', () => {
    expect(decodeUpdate(body(`${BASE} 40 05`), ctx()), 'treat-as-withdraw', [
      [3, UPDATE_ERR.malformedAttributeList],
    ]);
    expect(decodeUpdate(body(`${BASE} 50 05 00`), ctx()), 'treat-as-withdraw', [
      [3, UPDATE_ERR.malformedAttributeList],
    ]);
  });

  it('duplicate MP_REACH_NLRI: session reset, 3/1 (3(g))', () => {
    assert.throws(
      () => decodeUpdate(body(`${VPN_REACH} ${VPN_REACH} ${ORIGIN} ${AS_PATH}`, ''), ctx()),
      wire(3, 1, 'session-reset'),
    );
  });

  it('other duplicates: later copies discarded (3(g))', () => {
    const d = decodeUpdate(body(`${BASE} 40 05 04 00000064 40 05 04 000000c8`), ctx());
    expect(d, 'attribute-discard', [[3, 1]]);
    assert.equal(d.update.attributes.localPref, 100);
    assert.equal(d.update.nlri.length, 1);
  });

  it('malformed AS_PATH: treat-as-withdraw, 3/11 (7.2)', () => {
    for (const path of ['40 02 04 05 01 fde8', '40 02 02 02 00', '40 02 04 02 02 fde8']) {
      const d = decodeUpdate(body(`${ORIGIN} ${path} ${NEXT_HOP}`), ctx({ asn4: false }));
      assert.equal(d.action, 'treat-as-withdraw', path);
      assert.ok(
        [UPDATE_ERR.malformedAsPath, UPDATE_ERR.attributeLength].includes(d.problems[0]?.subcode as 5 | 11),
      );
      withdrawnAll(d);
    }
  });

  it('NEXT_HOP, MED, LOCAL_PREF, ORIGINATOR_ID, COMMUNITIES, CLUSTER_LIST, EXT/LARGE COMMUNITIES of bad length: treat-as-withdraw', () => {
    for (const bad of [
      '40 03 03 c00002',
      '80 04 02 0000',
      '40 05 05 0000006400',
      '80 09 00',
      'c0 08 03 000000',
      '80 0a 00',
      'c0 10 07 00020000000000',
      'c0 20 08 0000000000000000',
      'c0 16 02 0000',
    ]) {
      const d = decodeUpdate(body(`${ORIGIN} ${AS_PATH} ${bad}`), ctx());
      assert.equal(d.action, 'treat-as-withdraw', bad);
      assert.deepEqual(
        [d.problems[0]?.errorCode, d.problems[0]?.subcode],
        [3, UPDATE_ERR.attributeLength],
        bad,
      );
    }
  });

  it('ATOMIC_AGGREGATE and AGGREGATOR of bad length: attribute-discard (7.6, 7.7)', () => {
    const d = decodeUpdate(body(`${BASE} 40 06 01 00 c0 07 07 00fde8c0000201`), ctx());
    expect(d, 'attribute-discard', [
      [3, 5],
      [3, 5],
    ]);
    assert.equal(d.update.attributes.atomicAggregate, undefined);
    assert.equal(d.update.attributes.aggregator, undefined);
    assert.equal(d.update.nlri.length, 1);
  });

  it('truncated NLRI: session reset, 3/10 (5.3)', () => {
    assert.throws(
      () => decodeUpdate(body(BASE, '18 c633'), ctx()),
      wire(3, UPDATE_ERR.invalidNetworkField, 'session-reset'),
    );
    assert.throws(
      () => decodeUpdate(body(BASE, '21 c6336400ff'), ctx()),
      wire(3, UPDATE_ERR.invalidNetworkField),
    );
    assert.throws(
      () => decodeUpdate(body(BASE, NLRI, '18 c6'), ctx()),
      wire(3, UPDATE_ERR.invalidNetworkField),
    );
  });

  it('truncated NLRI inside MP_REACH_NLRI: AFI/SAFI disable for that family (7.11)', () => {
    const d = decodeUpdate(
      body(`80 0e 15 0001 80 0c 0000000000000000 c0000204 00 70 000641 ${ORIGIN} ${AS_PATH}`, ''),
      ctx(),
    );
    expect(d, 'afisafi-disable', [[3, UPDATE_ERR.optionalAttribute]]);
    assert.deepEqual([d.problems[0]?.afi, d.problems[0]?.safi], [1, 128]);
    assert.equal(d.update.mpReach, undefined);
  });

  it('MP_REACH_NLRI with a bad next hop length or an unknown family: AFI/SAFI disable', () => {
    const nh = decodeUpdate(body(`80 0e 0a 0001 80 05 0000000000 00 ${ORIGIN} ${AS_PATH}`, ''), ctx());
    expect(nh, 'afisafi-disable', [[3, UPDATE_ERR.optionalAttribute]]);
    const fam = decodeUpdate(body(`80 0e 05 0001 05 00 00 ${ORIGIN} ${AS_PATH}`, ''), ctx());
    expect(fam, 'afisafi-disable', [[3, UPDATE_ERR.optionalAttribute]]);
    assert.deepEqual([fam.problems[0]?.afi, fam.problems[0]?.safi], [1, 5]);
  });

  it('MP_REACH_NLRI too short for its AFI/SAFI: session reset (7.11)', () => {
    assert.throws(
      () => decodeUpdate(body('80 0e 02 0001', ''), ctx()),
      wire(3, UPDATE_ERR.attributeLength, 'session-reset'),
    );
  });

  it('unrecognized well-known attribute: session reset, 3/2 (RFC 4271 6.3)', () => {
    assert.throws(
      () => decodeUpdate(body(`${BASE} 40 c8 00`), ctx()),
      wire(3, UPDATE_ERR.unrecognizedWellKnown, 'session-reset'),
    );
  });

  it('unknown optional attributes: transitive kept with the partial bit, non-transitive dropped', () => {
    const d = decodeUpdate(body(`${BASE} 80 c8 01 aa d0 c9 0001 bb`), ctx());
    assert.deepEqual(d.problems, []);
    assert.deepEqual(d.update.attributes.unknown, [{ code: 201, flags: 0xe0, data: Uint8Array.of(0xbb) }]);
  });

  it('Withdrawn Routes or Total Attribute Length too large: session reset, 3/1 (RFC 4271 6.3)', () => {
    assert.throws(() => decodeUpdate(hex`0010 00`, ctx()), wire(3, 1, 'session-reset'));
    assert.throws(() => decodeUpdate(hex`0000 0010 400101`, ctx()), wire(3, 1, 'session-reset'));
    assert.throws(() => decodeUpdate(hex`00`, ctx()), wire(3, 1, 'session-reset'));
  });

  it('a malformed AS4_PATH from a 2-octet AS peer is discarded (RFC 6793 6)', () => {
    const d = decodeUpdate(body(`${BASE} c0 11 03 020100`), ctx({ asn4: false }));
    expect(d, 'attribute-discard', [[3, 5]]);
    assert.deepEqual(d.update.attributes.asPath, []);
  });

  it('keeps the strongest action (3(h)) and exposes stronger()', () => {
    const d = decodeUpdate(body(`40 01 01 05 ${AS_PATH} ${NEXT_HOP} 40 06 01 00`), ctx());
    expect(d, 'treat-as-withdraw', [
      [3, 6],
      [3, 5],
    ]);
    assert.equal(stronger('attribute-discard', 'treat-as-withdraw'), 'treat-as-withdraw');
    assert.equal(stronger('session-reset', 'afisafi-disable'), 'session-reset');
    assert.equal(stronger(undefined, 'attribute-discard'), 'attribute-discard');
    assert.equal(stronger(undefined, undefined), undefined);
    assert.ok(d.problems.every((p) => p instanceof WireError && p.errorCode === ERR.update));
  });

  it('merges treat-as-withdraw MP_REACH NLRI into an MP_UNREACH of the same family', () => {
    const unreach = '80 0f 12 0001 80 70 800000 0000fde800000064 0a0909';
    const d = decodeUpdate(body(`${VPN_REACH} ${unreach} 40 01 01 07 ${AS_PATH}`, ''), ctx());
    assert.equal(d.action, 'treat-as-withdraw');
    assert.deepEqual(
      d.update.mpUnreach?.nlri.map((n) => n.key),
      ['65000:100:10.9.9.0/24', '65000:100:10.1.1.0/24'],
    );
  });
});
