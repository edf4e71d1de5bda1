/**
 * Which instance each desired attachment goes to (cross-object rules the schema cannot
 * check, CRDS.md): the VpnInstance it names must exist in its namespace and be running, it must
 * be for this node, and one interface belongs to at most one instance of a type (a VRF or a
 * bridge owns its ports). A claim that held before keeps the interface, so a newcomer never
 * steals a working port; otherwise the first attachment in key order wins.
 */
import {
  keyIn,
  namespaceOf,
  portIfname,
  VPN_ERR,
  type AttachmentSpec,
  type Problem,
  type VpnType,
} from './types.js';

export interface PlacementInput {
  readonly attachments: ReadonlyMap<string, AttachmentSpec>;
  /** Desired instance key -> its running instance (id and type), or undefined when it failed. */
  readonly instances: ReadonlyMap<string, { readonly id: string; readonly type: VpnType } | undefined>;
  /** This node; attachments for other nodes are skipped (undefined: accept every node). */
  readonly nodeName: string | undefined;
  /** `${type}|${ifname}` -> the attachment key that held it last time. */
  readonly previousClaims: ReadonlyMap<string, string>;
}

export interface Placement {
  /** Instance id -> its attachments, by key. */
  readonly byInstance: Map<string, Map<string, AttachmentSpec>>;
  readonly claims: Map<string, string>;
  readonly problems: Problem[];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function placeAttachments(input: PlacementInput): Placement {
  const out: Placement = { byInstance: new Map(), claims: new Map(), problems: [] };
  const held = new Set(input.previousClaims.values());
  const keys = [...input.attachments.keys()].sort(
    (a, b) => Number(!held.has(a)) - Number(!held.has(b)) || compareText(a, b),
  );
  for (const key of keys) {
    const a = input.attachments.get(key);
    if (
      a === undefined ||
      (input.nodeName !== undefined && a.nodeName !== undefined && a.nodeName !== input.nodeName)
    ) {
      continue;
    }
    placeOne(input, out, key, a);
  }
  return out;
}

function placeOne(input: PlacementInput, out: Placement, key: string, a: AttachmentSpec): void {
  const problem = (code: string, reason: string, message: string): void => {
    out.problems.push({ kind: 'PortAttachment', name: key, code, reason, message });
  };
  const instanceKey = keyIn(namespaceOf(key), a.vpnInstanceName);
  if (!input.instances.has(instanceKey)) {
    problem(VPN_ERR.instanceNotFound, 'InstanceNotFound', `VpnInstance ${instanceKey} does not exist`);
    return;
  }
  const inst = input.instances.get(instanceKey);
  if (inst === undefined) {
    problem(VPN_ERR.instanceFailed, 'InstanceFailed', `VpnInstance ${instanceKey} could not be set up`);
    return;
  }
  const ifname = portIfname(a.localPort);
  if (ifname !== undefined) {
    const claim = `${inst.type}|${ifname}`;
    const other = out.claims.get(claim);
    const otherInstance =
      other === undefined
        ? undefined
        : keyIn(namespaceOf(other), input.attachments.get(other)?.vpnInstanceName ?? '');
    if (other !== undefined && otherInstance !== instanceKey) {
      problem(
        VPN_ERR.portConflict,
        'PortConflict',
        `port ${ifname} of VpnInstance ${instanceKey} is already attached to ${inst.type} VpnInstance ${otherInstance ?? ''} by ${other}`,
      );
      return;
    }
    if (other === undefined) out.claims.set(claim, key);
  }
  let mine = out.byInstance.get(inst.id);
  if (mine === undefined) out.byInstance.set(inst.id, (mine = new Map<string, AttachmentSpec>()));
  mine.set(key, a);
}
