/**
 * The wanted state container: flows indexed by table, priority and match, and the refusal of a
 * second flow with the same identity (named after both entries).
 */
import assert from 'node:assert/strict';
import { entryOf, type Flow, FlowIndex, flowText, Wanted } from '../../../src/dataplane/ovs/wanted.js';

const flow = (over: Partial<Flow> = {}): Flow => ({
  table: 2,
  priority: 36768,
  match: 'ip,reg0=0x5,nw_dst=10.0.0.3',
  cookie: '0xb9b9000000000005',
  actions: 'drop',
  entry: 'ipvpn v prefix',
  detail: '10.0.0.3/32',
  ...over,
});

describe('ovs wanted state', () => {
  it('indexes flows by table, priority and match', () => {
    const i = new FlowIndex<string>();
    i.set(2, 10, 'ip', 'a');
    i.set(2, 11, 'ip', 'b');
    i.set(3, 10, 'ip', 'c');
    i.set(2, 10, 'ip', 'a2');
    assert.deepEqual([i.size, i.get(2, 10, 'ip'), i.get(2, 10, 'arp')], [3, 'a2', undefined]);
    i.delete(2, 11, 'ip');
    i.delete(2, 11, 'ip');
    assert.deepEqual([i.size, [...i.values()]], [2, ['a2', 'c']]);
  });

  it('refuses a second flow with the same identity, naming both entries', () => {
    const w = new Wanted();
    assert.equal(w.add(flow()), true);
    const { detail: _detail, ...port } = flow({ entry: 'ipvpn w port tap1', actions: 'output:2' });
    assert.equal(w.add(port), false);
    assert.deepEqual(w.errors, [
      {
        entry: 'ipvpn w port tap1',
        message: 'conflicts with ipvpn v prefix 10.0.0.3/32 (same table, priority and match)',
      },
    ]);
    assert.equal(entryOf(flow()), 'ipvpn v prefix 10.0.0.3/32');
    assert.equal(
      flowText(flow()),
      'cookie=0xb9b9000000000005,table=2,priority=36768,ip,reg0=0x5,nw_dst=10.0.0.3 actions=drop',
    );
  });
});
