import assert from 'node:assert/strict';
import { DummyDriver } from '../../src/dataplane/dummy.js';
import { evpn, intent, ipvpn } from './linux/fixtures.js';

describe('DummyDriver', () => {
  it('keeps its type of instances and counts instance-level changes', async () => {
    const d = new DummyDriver({ type: 'evpn' });
    const r1 = await d.apply(intent(evpn('a'), evpn('b'), ipvpn()));
    assert.deepEqual(r1.ops, ['add evpn a', 'add evpn b']);
    assert.equal((await d.apply(intent(evpn('b'), evpn('a')))).changes, 0);
    const r3 = await d.apply(intent(evpn('a', { vni: 7 })));
    assert.deepEqual(r3.ops, ['update evpn a', 'remove evpn b']);
    assert.equal(d.instance('a')?.vni, 7);
    assert.deepEqual(
      d.intent().instances.map((i) => i.id),
      ['a'],
    );
    assert.equal(d.status().counters.opsApplied, 4);
    assert.equal((await d.repair())?.changes, 0);
  });
});
