/**
 * The `status` of this node's BagpipeNodeState, computed (purely) from the daemon's status, the
 * desired snapshot and the controller's problems: sessions, VPN instances, rejected desired
 * objects and the node conditions Ready, ConfigValid and Degraded. Conditions keep their
 * `lastTransitionTime` from `previous` while their status holds.
 */
import type {
  BagpipeNodeStateStatus,
  FailedResource,
  PeerState,
  VpnInstanceState,
} from '../../api/gen/index.js';
import { FAMILY_BY_NAME } from '../../daemon/peer-config.js';
import type { InstanceStatus, PeerStatus } from '../../daemon/status-types.js';
import { reasonOf } from '../../desired/errors.js';
import type { InvalidReport } from '../../desired/types.js';
import { buildConditions, fieldPath, rfc3339, truncate, type ConditionInput } from './conditions.js';
import { splitName, StatusIndex, type StatusInput } from './inputs.js';

type FamilyName = keyof typeof FAMILY_BY_NAME;
const FAMILY_NAMES = new Map(
  Object.entries(FAMILY_BY_NAME).map(([name, key]) => [key, name as FamilyName] as const),
);
const FAMILY_ORDER = Object.keys(FAMILY_BY_NAME);
const MAX_FAILED = 4096;
const MAX_LISTED = 5;

export function computeNodeState(
  input: StatusInput,
  previous: BagpipeNodeStateStatus | undefined,
  now: number,
): BagpipeNodeStateStatus {
  const ix = new StatusIndex(input);
  const peers = peerStates(ix);
  const vpnInstances = input.status.instances.map((i) => vpnInstanceState(ix, i, previous, now));
  const failedResources = failedResourcesOf(ix);
  const established = peers.filter((p) => p.state === 'Established').length;
  return {
    conditions: buildConditions(nodeConditions(ix, peers, failedResources), previous?.conditions, now),
    summary: {
      peers: peers.length,
      peersEstablished: established,
      vpnInstances: vpnInstances.length,
      ports: vpnInstances.reduce((n, v) => n + (v.ports ?? 0), 0),
      failedResources: failedResources.length,
    },
    peers,
    vpnInstances,
    failedResources,
  };
}

/** BgpPeer name per address: the object in force for it (a Conflict loser is not). */
function peerNames(ix: StatusIndex): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of ix.input.desired.bgpPeers.values()) {
    if (ix.problemsOf('BgpPeer', e.name).some((p) => p.reason === 'Conflict')) continue;
    if (!names.has(e.spec.peerAddress)) names.set(e.spec.peerAddress, e.name);
  }
  return names;
}

function peerStates(ix: StatusIndex): PeerState[] {
  const names = peerNames(ix);
  const used = new Set<string>();
  const out = ix.input.status.peers.map((p) => {
    let name = names.get(p.address) ?? p.address;
    if (used.has(name)) name = `${name}@${p.address}`;
    used.add(name);
    return peerState(name, p);
  });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function peerState(name: string, p: PeerStatus): PeerState {
  const n = p.negotiated;
  const families = (n?.families ?? []).flatMap((f) => FAMILY_NAMES.get(f) ?? []);
  return {
    name,
    address: p.address,
    state: p.state,
    ...(p.state === 'Established' ? { establishedTime: rfc3339(p.lastTransitionTime) } : {}),
    ...(p.lastError === undefined ? {} : { lastError: truncate(p.lastError, 4096) }),
    ...(n === undefined
      ? {}
      : {
          families: sortFamilies(families),
          holdTimeSeconds: n.holdTime,
          keepaliveTimeSeconds: n.keepaliveTime,
        }),
    routes: routeCounts(p),
  };
}

function sortFamilies(names: FamilyName[]): FamilyName[] {
  return [...new Set(names)].sort((a, b) => FAMILY_ORDER.indexOf(a) - FAMILY_ORDER.indexOf(b));
}

function routeCounts(p: PeerStatus): NonNullable<PeerState['routes']> {
  const keys = new Set([...p.received.keys(), ...p.advertised.keys()]);
  const named = [...keys].flatMap((k) => {
    const family = FAMILY_NAMES.get(k);
    return family === undefined ? [] : [{ key: k, family }];
  });
  return named
    .sort((a, b) => FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family))
    .map(({ key, family }) => ({
      family,
      received: p.received.get(key) ?? 0,
      advertised: p.advertised.get(key) ?? 0,
    }));
}

/** The instance's numbers: a VNI for E-VPN and VXLAN, an MPLS label for MPLS encapsulations. */
function numbers(i: InstanceStatus): Pick<VpnInstanceState, 'vni' | 'label'> {
  if (i.vni === undefined) return {};
  if (i.type === 'evpn') return { vni: i.vni };
  const mpls = i.encapsulations.some((e) => e !== 'vxlan') && i.vni <= 1_048_575;
  return {
    ...(i.encapsulations.includes('vxlan') ? { vni: i.vni } : {}),
    ...(mpls ? { label: i.vni } : {}),
  };
}

function vpnInstanceState(
  ix: StatusIndex,
  i: InstanceStatus,
  previous: BagpipeNodeStateStatus | undefined,
  now: number,
): VpnInstanceState {
  const key = ix.instanceKey(i);
  // An instance no object claims (being deleted) goes by its id.
  const { namespace, name } =
    key === undefined ? { namespace: '', name: truncate(i.id, 253) } : splitName(key);
  const before = previous?.vpnInstances?.find((v) => v.namespace === namespace && v.name === name);
  return {
    namespace,
    name,
    type: i.type,
    ...(i.rd === undefined ? {} : { routeDistinguisher: i.rd }),
    ...numbers(i),
    ports: i.ports.length,
    routesImported: i.receivedRoutes,
    routesExported: i.advertisedRoutes.length,
    conditions: buildConditions([instanceReady(ix, i, key)], before?.conditions, now),
  };
}

function instanceReady(ix: StatusIndex, i: InstanceStatus, key: string | undefined): ConditionInput {
  const problem = key === undefined ? undefined : ix.problemsOf('VpnInstance', key)[0];
  if (problem !== undefined)
    return { type: 'Ready', status: 'False', reason: problem.reason, message: problem.message };
  const errors = ix.instanceErrors(i);
  const first = errors[0];
  if (first !== undefined) {
    const driver = ix.driverOf(i)?.driver ?? '';
    const message = `${String(errors.length)} dataplane entries failed in the last ${driver} pass; ${first.entry}: ${first.message}`;
    return { type: 'Ready', status: 'False', reason: 'DataplaneError', message };
  }
  const ports = `${String(i.ports.length)} port${i.ports.length === 1 ? '' : 's'}`;
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Realised',
    message: `instance ${i.id} runs with ${ports}`,
  };
}

/** "file lab.json" for files, the source name alone for Kubernetes. */
function sourceLabel(source: string, origin: string): string {
  return source === 'kubernetes' || origin === '' ? source : `${source} ${origin}`;
}

function failedResourcesOf(ix: StatusIndex): FailedResource[] {
  const snap = ix.input.desired;
  const out: FailedResource[] = [];
  for (const p of ix.input.problems) {
    const { namespace, name } = splitName(p.name);
    const e = snap.get(p.kind, namespace, name);
    const source = e === undefined ? 'unknown' : sourceLabel(e.source, e.origin);
    out.push({
      kind: p.kind,
      namespace,
      name,
      source,
      reason: p.reason,
      message: truncate(p.message, 32_768),
    });
  }
  for (const r of snap.invalid) out.push(reportResource(r));
  const key = (f: FailedResource): string =>
    [f.kind, f.namespace ?? '', f.name, f.source, f.reason, f.message ?? ''].join('\u0000');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).slice(0, MAX_FAILED);
}

/** One rejected object: the first issue's reason, every issue with its field. */
export function reportReason(r: InvalidReport): string {
  const first = r.issues[0];
  return first === undefined ? 'Invalid' : reasonOf(first.code);
}

export function reportMessage(r: InvalidReport): string {
  const issues = r.issues.map((i) => (i.path === '' ? i.message : `${fieldPath(i.path)}: ${i.message}`));
  const kept = r.lastGoodInForce ? '; the last valid version stays in force' : '';
  return truncate(`${issues.join('; ')}${kept}`, 32_768);
}

function reportResource(r: InvalidReport): FailedResource {
  return {
    kind: r.kind ?? '',
    namespace: r.namespace ?? '',
    name: r.name ?? '',
    source: sourceLabel(r.source, r.index === undefined ? r.origin : `${r.origin}#${String(r.index)}`),
    reason: reportReason(r),
    message: reportMessage(r),
  };
}

function listed(items: readonly string[]): string {
  const more = items.length > MAX_LISTED ? ` and ${String(items.length - MAX_LISTED)} more` : '';
  return `${items.slice(0, MAX_LISTED).join(', ')}${more}`;
}

function nodeConditions(
  ix: StatusIndex,
  peers: readonly PeerState[],
  failed: readonly FailedResource[],
): ConditionInput[] {
  return [readyCondition(ix, peers), configValidCondition(failed), degradedCondition(ix, peers)];
}

function readyCondition(ix: StatusIndex, peers: readonly PeerState[]): ConditionInput {
  const snap = ix.input.desired;
  const waiting = [...snap.sources].filter(([, s]) => !s.synced).map(([n]) => n);
  if (!snap.synced) {
    const message = `waiting for the desired sources to sync: ${listed(waiting)}`;
    return { type: 'Ready', status: 'False', reason: 'NotSynced', message };
  }
  const up = peers.filter((p) => p.state === 'Established').length;
  if (peers.length > 0 && up === 0) {
    const message = `none of the ${String(peers.length)} BGP peers is Established: ${listed(peers.map((p) => `${p.name} ${p.state ?? ''}`))}`;
    return { type: 'Ready', status: 'False', reason: 'NoSessionEstablished', message };
  }
  const instances = ix.input.status.instances.length;
  const message = `${String(up)} of ${String(peers.length)} BGP peers Established; ${String(instances)} VPN instances`;
  return { type: 'Ready', status: 'True', reason: 'Ready', message };
}

function configValidCondition(failed: readonly FailedResource[]): ConditionInput {
  if (failed.length === 0)
    return {
      type: 'ConfigValid',
      status: 'True',
      reason: 'Valid',
      message: 'every desired object is in force',
    };
  const names = failed.map(
    (f) => `${f.kind} ${f.namespace === '' ? '' : `${f.namespace ?? ''}/`}${f.name} (${f.reason})`,
  );
  const message = `${String(failed.length)} desired objects rejected or not realised: ${listed(names)}`;
  return { type: 'ConfigValid', status: 'False', reason: 'ResourcesFailed', message };
}

/** Degraded: working, but a source, the dataplane or some sessions are in trouble. */
function degradedCondition(ix: StatusIndex, peers: readonly PeerState[]): ConditionInput {
  const degraded = (reason: string, message: string): ConditionInput => ({
    type: 'Degraded',
    status: 'True',
    reason,
    message,
  });
  const sourceErrors = [...ix.input.desired.sources].flatMap(([n, s]) =>
    s.error === undefined ? [] : [`${n}: ${s.error.message}`],
  );
  if (sourceErrors.length > 0) return degraded('SourceError', listed(sourceErrors));
  const driverErrors = ix.input.status.drivers.flatMap((d) => {
    const errors = d.last?.errors ?? [];
    const first = errors[0];
    return first === undefined
      ? []
      : [`${d.driver} ${d.type}: ${String(errors.length)} entries failed (${first.entry}: ${first.message})`];
  });
  if (driverErrors.length > 0) return degraded('DataplaneError', listed(driverErrors));
  const down = peers.filter((p) => p.state !== 'Established');
  if (down.length > 0) {
    const message = `${String(down.length)} of ${String(peers.length)} BGP peers not Established: ${listed(down.map((p) => `${p.name} ${p.state ?? ''}`))}`;
    return degraded('PeersDown', message);
  }
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no known problem' };
}
