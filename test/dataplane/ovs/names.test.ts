/**
 * Identifiers of the OVS IP VPN driver: cookies and VRF numbers derived from the instance id
 * (stable across restarts, marked as ours), and bagpipe's priorities.
 */
import assert from 'node:assert/strict';
import {
  DEFAULT_PRIORITY,
  DRIVER_COOKIE,
  FALLBACK_PRIORITY,
  instanceIds,
  OWNED_COOKIES,
  prefixPriority,
} from '../../../src/dataplane/ovs/names.js';

describe('ovs names', () => {
  it('derives a stable cookie and VRF number from the instance id', () => {
    assert.deepEqual(instanceIds('vrf-1'), { cookie: '0xb9b9f05e4f1b4358', vrf: 0x4f1b4358 });
    assert.deepEqual(instanceIds('vrf-1'), instanceIds('vrf-1'));
    assert.notEqual(instanceIds('vrf-2').cookie, instanceIds('vrf-1').cookie);
  });

  it('marks every cookie it writes with the bits the owned-cookie filter selects', () => {
    const [value, mask] = OWNED_COOKIES.split('/').map((x) => BigInt(x)) as [bigint, bigint];
    for (const cookie of [DRIVER_COOKIE, instanceIds('a').cookie, instanceIds('some-other-vrf').cookie])
      assert.equal(BigInt(cookie) & mask, value);
    assert.equal(OWNED_COOKIES, '0xb9b9000000000000/0xffff000000000000');
  });

  it('uses bagpipe priorities: longest prefix first, fallback below every prefix', () => {
    assert.deepEqual(
      [DEFAULT_PRIORITY, prefixPriority(32), prefixPriority(24), prefixPriority(0), FALLBACK_PRIORITY],
      [36864, 36768, 36760, 36736, 36608],
    );
  });
});
