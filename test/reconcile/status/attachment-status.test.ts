/**
 * computeAttachmentStatus over the looking-glass fixture: Attached and Ready for a working
 * port, reasons naming the field and the other object, conditions kept while the controller or
 * the driver has not caught up, dataplane errors, and a rejected newer version.
 */
import { strict as assert } from 'node:assert';
import type { Condition } from '../../../src/api/gen/index.js';
import type { ObjectProblem } from '../../../src/daemon/control.js';
import type { InvalidReport } from '../../../src/desired/types.js';
import {
  attachmentsOf,
  computeAttachmentStatus,
  type AttachmentRef,
} from '../../../src/reconcile/status/attachment-status.js';
import { StatusIndex, type StatusInput } from '../../../src/reconcile/status/inputs.js';
import { buildFixture, RED_ID, type Fixture } from '../../api/http/looking-glass-fixture.js';

const NOW = Date.UTC(2026, 0, 1);

type Summary = Record<string, [string, string, string]>;
const summary = (conditions: readonly Condition[] | undefined): Summary =>
  Object.fromEntries((conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));

describe('reconcile/status computeAttachmentStatus', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await buildFixture();
  });
  afterEach(() => fx.close());

  const input = (): StatusInput => ({
    status: fx.source.status(),
    desired: fx.source.desired(),
    problems: fx.source.problems(),
  });
  const refOf = (inp: StatusInput, key: string): AttachmentRef => {
    const ref = attachmentsOf(inp.desired, 'file').find((r) => r.key === key);
    assert.ok(ref, key);
    return ref;
  };
  const compute = (inp: StatusInput, key: string, previous?: readonly Condition[]) =>
    computeAttachmentStatus(new StatusIndex(inp), refOf(inp, key), previous, NOW);

  it('lists the attachments of one source', () => {
    assert.deepEqual(
      attachmentsOf(input().desired, 'file').map((r) => r.key),
      ['tenant/p1', 'tenant/p2', 'tenant/p3'],
    );
    assert.deepEqual(attachmentsOf(input().desired, 'kubernetes'), []);
  });

  it('is Attached and Ready once the instance took it and the driver programmed it', () => {
    const s = compute(input(), 'tenant/p1');
    assert.equal(s.observedGeneration, undefined);
    assert.deepEqual(summary(s.conditions), {
      Attached: ['True', 'Attached', `attached to ipvpn VpnInstance tenant/red (instance ${RED_ID}) on tap1`],
      Ready: ['True', 'Ready', 'programmed by the dummy ipvpn dataplane driver'],
    });
    assert.equal(s.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  });

  it('names the field and the missing or failed instance', () => {
    const missing = 'spec.vpnInstanceRef.name missing: no VpnInstance tenant/missing';
    assert.deepEqual(summary(compute(input(), 'tenant/p3').conditions), {
      Attached: ['False', 'InstanceNotFound', missing],
      Ready: ['False', 'InstanceNotFound', missing],
    });
    const inp = input();
    const problems: ObjectProblem[] = [
      { kind: 'PortAttachment', name: 'tenant/p2', reason: 'InstanceFailed', message: 'could not be set up' },
      { kind: 'VpnInstance', name: 'tenant/green', reason: 'CreateFailed', message: 'no VNI left' },
    ];
    const instances = inp.status.instances.filter((i) => i.type !== 'evpn');
    const s = compute({ ...inp, problems, status: { ...inp.status, instances } }, 'tenant/p2');
    assert.deepEqual(summary(s.conditions)['Attached'], [
      'False',
      'InstanceFailed',
      'spec.vpnInstanceRef.name green: VpnInstance tenant/green failed: CreateFailed: no VNI left',
    ]);
  });

  it('keeps the previous conditions while the controller and the driver catch up', () => {
    const inp = input();
    const notYet = { ...inp, status: { ...inp.status, instances: [] } };
    assert.deepEqual(summary(compute(notYet, 'tenant/p1').conditions), {
      Attached: ['Unknown', 'Pending', 'waiting for VpnInstance tenant/red to take it'],
      Ready: ['Unknown', 'Pending', 'waiting for VpnInstance tenant/red to take it'],
    });
    const before = compute(inp, 'tenant/p1').conditions;
    const later = computeAttachmentStatus(
      new StatusIndex(notYet),
      refOf(notYet, 'tenant/p1'),
      before,
      NOW + 60_000,
    );
    assert.deepEqual(later.conditions, before);
    // The instance took it, but the driver has no pass yet.
    const drivers = inp.status.drivers.map((d) => ({ ...d, last: undefined }));
    const noPass = { ...inp, status: { ...inp.status, drivers } };
    assert.deepEqual(summary(compute(noPass, 'tenant/p1').conditions)['Ready'], [
      'Unknown',
      'DataplanePending',
      'waiting for the dataplane driver to program it',
    ]);
  });

  it('is not Ready when the last pass failed for its port, or its newer version is rejected', () => {
    const inp = input();
    const error = { entry: `ipvpn ${RED_ID} port tap1`, message: 'port tap1 does not exist' };
    const drivers = inp.status.drivers.map((d) =>
      d.type === 'ipvpn' && d.last !== undefined ? { ...d, last: { ...d.last, errors: [error] } } : d,
    );
    assert.deepEqual(
      summary(compute({ ...inp, status: { ...inp.status, drivers } }, 'tenant/p1').conditions)['Ready'],
      [
        'False',
        'DataplaneError',
        `dataplane driver dummy: ipvpn ${RED_ID} port tap1: port tap1 does not exist`,
      ],
    );

    const report: InvalidReport = {
      ...{ source: 'file', origin: 'lab.json', index: undefined, kind: 'PortAttachment' },
      ...{ namespace: 'tenant', name: 'p1', lastGoodInForce: true },
      issues: [
        { code: 'BGPD_ERR_SPEC_SCHEMA', path: '/spec/macAddress', message: 'must match format "mac"' },
      ],
    };
    const ref = { ...refOf(inp, 'tenant/p1'), report };
    const s = computeAttachmentStatus(new StatusIndex(inp), ref, undefined, NOW);
    assert.deepEqual(summary(s.conditions), {
      Attached: ['True', 'Attached', `attached to ipvpn VpnInstance tenant/red (instance ${RED_ID}) on tap1`],
      Ready: [
        'False',
        'SchemaViolation',
        'spec.macAddress: must match format "mac"; the last valid version stays in force',
      ],
    });
  });
});
