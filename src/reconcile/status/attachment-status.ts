/**
 * `PortAttachment.status`, computed (purely) per attachment: `Attached` (its VpnInstance exists
 * and took it) and `Ready` (attached, and the dataplane driver's last pass programmed it without
 * an error), with reasons and messages that name the field or the other object. While the
 * answer is not known yet (the controller or the driver has not caught up), the previous
 * condition stays, so a restart does not flip a working attachment.
 */
import type { Condition, PortAttachmentStatus } from '../../api/gen/index.js';
import type { DesiredSnapshot } from '../../desired/store.js';
import type { DesiredEntry, InvalidReport } from '../../desired/types.js';
import { buildConditions, type ConditionInput } from './conditions.js';
import { splitName, type PortPlacement, type StatusIndex } from './inputs.js';
import { reportMessage, reportReason } from './node-state.js';

/** One attachment of a source: in force (`entry`), rejected (`report`), or both (last good kept). */
export interface AttachmentRef {
  /** `namespace/name`. */
  readonly key: string;
  readonly entry: DesiredEntry<'PortAttachment'> | undefined;
  readonly report: InvalidReport | undefined;
}

/** The attachments `source` provides, valid or not, sorted by key. */
export function attachmentsOf(snap: DesiredSnapshot, source: string): AttachmentRef[] {
  const refs = new Map<string, { entry?: DesiredEntry<'PortAttachment'>; report?: InvalidReport }>();
  for (const [key, entry] of snap.portAttachments) if (entry.source === source) refs.set(key, { entry });
  for (const r of snap.invalid) {
    if (r.source !== source || r.kind !== 'PortAttachment' || r.name === undefined) continue;
    const key = `${r.namespace ?? 'default'}/${r.name}`;
    refs.set(key, { ...refs.get(key), report: r });
  }
  return [...refs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, v]) => ({ key, entry: v.entry, report: v.report }));
}

export function computeAttachmentStatus(
  ix: StatusIndex,
  ref: AttachmentRef,
  previous: readonly Condition[] | undefined,
  now: number,
): PortAttachmentStatus {
  const placement = ref.entry === undefined ? undefined : ix.portOf(ref.key);
  const attached = attachedCondition(ix, ref, placement) ?? keep(previous, 'Attached', pendingAttach(ref));
  const ready = readyCondition(ix, ref, attached, placement) ?? keep(previous, 'Ready', pendingDataplane());
  const generation = ref.entry?.object.metadata.generation;
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    conditions: buildConditions([attached, ready], previous, now, generation),
  };
}

function keep(
  previous: readonly Condition[] | undefined,
  type: string,
  fallback: ConditionInput,
): ConditionInput {
  const c = previous?.find((p) => p.type === type);
  return c === undefined ? fallback : { type, status: c.status, reason: c.reason, message: c.message };
}

function pendingAttach(ref: AttachmentRef): ConditionInput {
  const instance = ref.entry?.spec.vpnInstanceName ?? '';
  const message = `waiting for VpnInstance ${instanceKey(ref.key, instance)} to take it`;
  return { type: 'Attached', status: 'Unknown', reason: 'Pending', message };
}

function pendingDataplane(): ConditionInput {
  const message = 'waiting for the dataplane driver to program it';
  return { type: 'Ready', status: 'Unknown', reason: 'DataplanePending', message };
}

function instanceKey(attachmentKey: string, instanceName: string): string {
  const { namespace } = splitName(attachmentKey);
  return namespace === '' ? instanceName : `${namespace}/${instanceName}`;
}

/** Attached, or why not; undefined when not known yet. */
function attachedCondition(
  ix: StatusIndex,
  ref: AttachmentRef,
  placement: PortPlacement | undefined,
): ConditionInput | undefined {
  const entry = ref.entry;
  if (entry === undefined) {
    const report = ref.report;
    const reason = report === undefined ? 'Invalid' : reportReason(report);
    const message = report === undefined ? 'rejected' : reportMessage(report);
    return { type: 'Attached', status: 'False', reason, message };
  }
  const ref2 = entry.spec.vpnInstanceName;
  const inst = instanceKey(ref.key, ref2);
  const notAttached = (reason: string, message: string): ConditionInput => ({
    type: 'Attached',
    status: 'False',
    reason,
    message,
  });
  if (placement !== undefined) {
    const { instance, endpoint } = placement;
    const message = `attached to ${instance.type} VpnInstance ${inst} (instance ${instance.id}) on ${endpoint.ifname}`;
    return { type: 'Attached', status: 'True', reason: 'Attached', message };
  }
  const problem = ix.problemsOf('PortAttachment', ref.key)[0];
  if (problem?.reason === 'InstanceFailed') {
    const cause = ix.problemsOf('VpnInstance', inst)[0];
    const why = cause === undefined ? 'could not be set up' : `failed: ${cause.reason}: ${cause.message}`;
    return notAttached(problem.reason, `spec.vpnInstanceRef.name ${ref2}: VpnInstance ${inst} ${why}`);
  }
  if (problem?.reason === 'InstanceNotFound' || !ix.input.desired.vpnInstances.has(inst)) {
    return notAttached('InstanceNotFound', `spec.vpnInstanceRef.name ${ref2}: no VpnInstance ${inst}`);
  }
  if (problem !== undefined) return notAttached(problem.reason, withField(problem.reason, problem.message));
  return undefined;
}

/** The field a VPN-layer port problem is about, unless its message already says. */
function withField(reason: string, message: string): string {
  if (message.startsWith('spec.')) return message;
  const field: Readonly<Record<string, string>> = {
    PortConflict: 'spec.localPort',
    Unsupported: 'spec.localPort.evpn',
    EndpointConflict: 'spec.macAddress',
    AllocationFailed: 'spec.macAddress',
  };
  const f =
    reason === 'InvalidPort'
      ? message.includes('ipAddress')
        ? 'spec.ipAddress'
        : 'spec.localPort'
      : field[reason];
  return f === undefined ? message : `${f}: ${message}`;
}

/** Ready, or why not; undefined when the dataplane has not caught up yet. */
function readyCondition(
  ix: StatusIndex,
  ref: AttachmentRef,
  attached: ConditionInput,
  placement: PortPlacement | undefined,
): ConditionInput | undefined {
  if (ref.report !== undefined && ref.entry !== undefined) {
    const message = reportMessage(ref.report);
    return { type: 'Ready', status: 'False', reason: reportReason(ref.report), message };
  }
  if (attached.status !== 'True') {
    const status = attached.status === 'Unknown' ? 'Unknown' : 'False';
    return { type: 'Ready', status, reason: attached.reason, message: attached.message };
  }
  // Attached as before, not placed yet: Ready holds too.
  if (placement === undefined) return undefined;
  const driver = ix.driverOf(placement.instance);
  if (driver === undefined)
    return { type: 'Ready', status: 'True', reason: 'Ready', message: 'no dataplane to program' };
  const errors = ix.portErrors(placement);
  const first = errors[0];
  if (first !== undefined) {
    const message = `dataplane driver ${driver.driver}: ${first.entry}: ${first.message}`;
    return { type: 'Ready', status: 'False', reason: 'DataplaneError', message };
  }
  const wanted = driver.desired?.instances
    .find((i) => i.id === placement.instance.id)
    ?.localPorts.some((p) => p.ifname === placement.endpoint.ifname);
  if (driver.last === undefined || wanted !== true) return undefined;
  const message = `programmed by the ${driver.driver} ${driver.type} dataplane driver`;
  return { type: 'Ready', status: 'True', reason: 'Ready', message };
}
