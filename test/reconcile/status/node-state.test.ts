/**
 * computeNodeState over real parts (the looking-glass fixture: admitted objects, a VpnManager,
 * dummy drivers, peers in several states): schema-valid output, peer names and counters,
 * instance numbers, failed resources with their source and field, the node conditions and
 * their transition times.
 */
import { strict as assert } from 'node:assert';
import type { BagpipeNodeStateStatus } from '../../../src/api/gen/index.js';
import type { DaemonStatus } from '../../../src/daemon/daemon.js';
import { DesiredStore } from '../../../src/desired/store.js';
import { createValidator } from '../../../src/desired/validate.js';
import type { StatusInput } from '../../../src/reconcile/status/inputs.js';
import { computeNodeState } from '../../../src/reconcile/status/node-state.js';
import { buildFixture, RED_ID, UP, type Fixture } from '../../api/http/looking-glass-fixture.js';

const NOW = Date.UTC(2026, 0, 1);
const validator = createValidator({ strict: true });

function assertSchemaValid(status: BagpipeNodeStateStatus): void {
  const doc = {
    apiVersion: 'bagpipe.io/v1alpha1',
    kind: 'BagpipeNodeState',
    metadata: { name: 'node-1' },
    status,
  };
  assert.deepEqual(validator.validate('BagpipeNodeState', doc), []);
}

describe('reconcile/status computeNodeState', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await buildFixture();
  });
  afterEach(() => fx.close());

  const input = (over: Partial<DaemonStatus> = {}): StatusInput => ({
    status: { ...fx.source.status(), ...over },
    desired: fx.source.desired(),
    problems: fx.source.problems(),
  });

  it('describes sessions, instances and rejected objects, schema-valid', () => {
    const s = computeNodeState(input(), undefined, NOW);
    assertSchemaValid(s);
    assert.deepEqual(s.summary, {
      peers: 4,
      peersEstablished: 1,
      vpnInstances: 2,
      ports: 2,
      failedResources: 2,
    });
    const rr = s.peers?.find((p) => p.name === 'rr');
    assert.deepEqual(rr, {
      name: 'rr',
      address: UP,
      state: 'Established',
      establishedTime: '2024-01-02T03:04:06Z',
      families: ['ipv4-vpn', 'l2vpn-evpn', 'rtc'],
      holdTimeSeconds: 90,
      keepaliveTimeSeconds: 30,
      routes: [
        { family: 'ipv4-vpn', received: 1, advertised: 1 },
        { family: 'l2vpn-evpn', received: 1, advertised: 0 },
        { family: 'rtc', received: 1, advertised: 0 },
      ],
    });
    const idle = s.peers?.find((p) => p.address === '192.0.2.12');
    assert.ok(idle);
    assert.deepEqual(
      [idle.name, idle.lastError, idle.establishedTime],
      ['192.0.2.12', 'connection refused <&>', undefined],
    );

    const red = s.vpnInstances?.find((v) => v.name === 'red');
    assert.ok(red);
    assert.deepEqual(
      [red.namespace, red.type, red.ports, typeof red.label, red.vni],
      ['tenant', 'ipvpn', 1, 'number', undefined],
    );
    const ready = red.conditions?.[0];
    assert.ok(ready);
    assert.equal(ready.status, 'True');
    assert.ok(ready.message.includes(RED_ID));
    const green = s.vpnInstances?.find((v) => v.name === 'green');
    assert.equal(typeof green?.vni, 'number');

    assert.deepEqual(
      s.failedResources?.map((f) => [f.kind, f.namespace, f.name, f.source, f.reason]),
      [
        ['PortAttachment', 'tenant', 'p3', 'file lab.json', 'InstanceNotFound'],
        ['VpnInstance', 'tenant', 'broken', 'file lab.json#6', 'SchemaViolation'],
      ],
    );
    const broken = s.failedResources.find((f) => f.name === 'broken');
    assert.match(broken?.message ?? '', /^spec\.importRTs\[0\]: /);
  });

  it('sets Ready, ConfigValid and Degraded, keeping transition times while they hold', () => {
    const s1 = computeNodeState(input(), undefined, NOW);
    const byType = (s: BagpipeNodeStateStatus) =>
      Object.fromEntries(
        (s.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.lastTransitionTime]]),
      );
    assert.deepEqual(byType(s1), {
      Ready: ['True', 'Ready', '2026-01-01T00:00:00Z'],
      ConfigValid: ['False', 'ResourcesFailed', '2026-01-01T00:00:00Z'],
      Degraded: ['True', 'PeersDown', '2026-01-01T00:00:00Z'],
    });
    // Every session down: Ready flips, the others hold (Degraded's reason stays PeersDown).
    const down = input();
    const peers = down.status.peers.map((p) => ({ ...p, state: 'Active' as const }));
    const s2 = computeNodeState({ ...down, status: { ...down.status, peers } }, s1, NOW + 60_000);
    assert.deepEqual(byType(s2), {
      Ready: ['False', 'NoSessionEstablished', '2026-01-01T00:01:00Z'],
      ConfigValid: ['False', 'ResourcesFailed', '2026-01-01T00:00:00Z'],
      Degraded: ['True', 'PeersDown', '2026-01-01T00:00:00Z'],
    });
    assertSchemaValid(s2);
  });

  it('reports dataplane errors on the instance and the node, and sources not synced', () => {
    const base = input();
    const drivers = base.status.drivers.map((d) =>
      d.type !== 'ipvpn' || d.last === undefined
        ? d
        : { ...d, last: { ...d.last, errors: [{ entry: `ipvpn ${RED_ID} vxlan vx-1`, message: 'EPERM' }] } },
    );
    const s = computeNodeState({ ...base, status: { ...base.status, drivers } }, undefined, NOW);
    const red = s.vpnInstances?.find((v) => v.name === 'red')?.conditions?.[0];
    assert.deepEqual([red?.status, red?.reason], ['False', 'DataplaneError']);
    const degraded = s.conditions?.find((c) => c.type === 'Degraded');
    assert.deepEqual([degraded?.reason, degraded?.message.includes('EPERM')], ['DataplaneError', true]);
    assertSchemaValid(s);

    const store = new DesiredStore();
    store.register('kubernetes');
    const waiting = computeNodeState({ ...base, desired: store.snapshot() }, s, NOW);
    const ready = waiting.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'NotSynced']);
    assert.match(ready?.message ?? '', /kubernetes/);
  });
});
