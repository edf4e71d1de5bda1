/**
 * KubeStatusSink against the fake API server through the real client-node: the
 * BagpipeNodeState created (owned by the Node when it exists) and its status patched only on
 * change, re-created after a deletion, PortAttachment statuses written only on change (also
 * across a restart, from the observed object), and Events on transitions.
 */
import { strict as assert } from 'node:assert';
import type { Condition } from '../../../src/api/gen/index.js';
import { ManualClock } from '../../../src/lib/clock.js';
import type { KubeObject } from '../../../src/reconcile/kube/types.js';
import { KubeStatusSink } from '../../../src/reconcile/status/kube-sink.js';
import type { StoredObject } from '../../helpers/fake-kube/index.js';
import { API_VERSION, attachment, useHarness } from '../kube/harness.js';

const NODE = 'node-1';
/** An Event's `involvedObject` (an ObjectReference). */
interface Involved {
  readonly kind?: string;
  readonly name?: string;
}
const cond = (type: string, status: Condition['status'], reason: string): Condition => ({
  type,
  status,
  lastTransitionTime: '2026-01-01T00:00:00Z',
  reason,
  message: `${type} ${reason}`,
});
const nodeStatus = (ready: Condition['status'], peers = 1) => ({
  conditions: [cond('Ready', ready, ready === 'True' ? 'Ready' : 'NoSessionEstablished')],
  summary: { peers },
});

describe('reconcile/status KubeStatusSink', () => {
  let sinks: KubeStatusSink[] = [];
  // Registered before the harness hooks, so sinks stop before the server closes.
  afterEach(async () => {
    for (const s of sinks) await s.stop();
    sinks = [];
  });
  const h = useHarness();

  function sink(): KubeStatusSink {
    const s = new KubeStatusSink({
      clients: h.clients,
      nodeName: NODE,
      clock: new ManualClock(),
      random: () => 0.5,
    });
    sinks.push(s);
    return s;
  }
  const stateType = () => h.fake.typeOf(API_VERSION, 'BagpipeNodeState');
  const stored = (): StoredObject | undefined => h.fake.store.tryGet(stateType(), undefined, NODE);
  const writes = (plural: string) => h.fake.statusWrites(plural).filter((r) => r.status === 200).length;

  it('creates the BagpipeNodeState owned by its Node and patches its status only on change', async () => {
    const node = h.fake.upsert({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    const s = sink();
    s.publishNode(nodeStatus('False'), [cond('Ready', 'False', 'NoSessionEstablished')]);
    await s.whenIdle();
    const obj = stored();
    assert.ok(obj);
    assert.deepEqual(obj.metadata['ownerReferences'], [
      { apiVersion: 'v1', kind: 'Node', name: NODE, uid: node.metadata.uid },
    ]);
    assert.deepEqual(obj['status'], nodeStatus('False'));
    assert.equal(writes('bagpipenodestates'), 1);

    s.publishNode(nodeStatus('False'), []);
    await s.whenIdle();
    assert.equal(writes('bagpipenodestates'), 1);
    s.publishNode(nodeStatus('True'), [cond('Ready', 'True', 'Ready')]);
    await s.whenIdle();
    assert.equal(writes('bagpipenodestates'), 2);
    assert.deepEqual(stored()?.['status'], nodeStatus('True'));
    assert.equal(h.fake.requestsMatching({ method: 'POST', path: /bagpipenodestates$/ }).length, 1);

    const events = h.fake
      .events()
      .map((e) => [e['type'], e['reason'], (e['involvedObject'] as Involved).kind]);
    assert.deepEqual(events, [
      ['Warning', 'NoSessionEstablished', 'BagpipeNodeState'],
      ['Normal', 'Ready', 'BagpipeNodeState'],
    ]);
  });

  it('creates it without an owner when the Node is unreadable, and again after a deletion', async () => {
    const s = sink();
    s.publishNode(nodeStatus('True'), []);
    await s.whenIdle();
    assert.equal(stored()?.metadata['ownerReferences'], undefined);
    h.fake.remove(API_VERSION, 'BagpipeNodeState', undefined, NODE);
    s.publishNode(nodeStatus('True', 2), []);
    await s.whenIdle();
    assert.equal(stored(), undefined);
    // The failed write makes the next pass read the object again, and create it.
    s.publishNode(nodeStatus('True', 2), []);
    await s.whenIdle();
    assert.deepEqual(stored()?.['status'], nodeStatus('True', 2));
  });

  it('writes PortAttachment statuses only on change, from the observed object on a restart', async () => {
    const pa = h.fake.upsert(attachment('tenant', 'pa1', NODE));
    const status = { observedGeneration: 1, conditions: [cond('Attached', 'True', 'Attached')] };
    const s1 = sink();
    s1.publishAttachments([{ key: 'tenant/pa1', object: pa as KubeObject, status, transitions: [] }]);
    await s1.whenIdle();
    s1.publishAttachments([{ key: 'tenant/pa1', object: pa as KubeObject, status, transitions: [] }]);
    await s1.whenIdle();
    assert.equal(writes('portattachments'), 1);
    const paType = h.fake.typeOf(API_VERSION, 'PortAttachment');
    const after = h.fake.store.get(paType, 'tenant', 'pa1');
    assert.deepEqual(after['status'], status);
    assert.equal(after.metadata.generation, 1);

    // A new process sees the object with our status: nothing to write.
    const s2 = sink();
    s2.publishAttachments([{ key: 'tenant/pa1', object: after as KubeObject, status, transitions: [] }]);
    await s2.whenIdle();
    assert.equal(writes('portattachments'), 1);
    const notReady = { ...status, conditions: [cond('Attached', 'False', 'InstanceNotFound')] };
    const flip = [cond('Attached', 'False', 'InstanceNotFound')];
    s2.publishAttachments([
      { key: 'tenant/pa1', object: after as KubeObject, status: notReady, transitions: flip },
    ]);
    await s2.whenIdle();
    assert.equal(writes('portattachments'), 2);
    assert.deepEqual(
      h.fake.events().map((e) => [e['reason'], (e['involvedObject'] as Involved).name]),
      [['InstanceNotFound', 'pa1']],
    );
    // Gone from the set: forgotten, nothing written.
    s2.publishAttachments([]);
    await s2.whenIdle();
    assert.equal(writes('portattachments'), 2);
  });
});
