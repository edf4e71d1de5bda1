/**
 * Rules the schema cannot express (or that the Kubernetes structural subset keeps out of it),
 * checked on one schema-valid object. Cross-object rules (ipAddress required when the
 * VpnInstance is ipvpn, VNI uniqueness) belong to the reconcilers.
 */
import type { BgpPeerSpec, PortAttachmentSpec, VpnInstanceSpec } from '../api/gen/index.js';
import { bgpPeerDefaults } from './defaults.js';
import { DesiredCodes, issue, type Issue } from './errors.js';
import type { DeepReadonly } from './readonly.js';

export interface SemanticContext {
  /** Custom resources must name their node; files default to this node. */
  readonly requireNodeName: boolean;
}

const invalid = (path: string, message: string): Issue => issue(DesiredCodes.invalid, path, message);

export function checkBgpPeer(spec: DeepReadonly<BgpPeerSpec>): Issue[] {
  const out: Issue[] = [];
  const hold = spec.timers?.holdTimeSeconds ?? bgpPeerDefaults.holdTimeSeconds;
  if (hold === 1 || hold === 2) {
    out.push(invalid('/spec/timers/holdTimeSeconds', 'must be 0 or 3..65535 (RFC 4271 4.2)'));
  }
  const keepalive = spec.timers?.keepaliveTimeSeconds;
  if (keepalive !== undefined && keepalive > Math.floor(hold / 3)) {
    out.push(
      invalid(
        '/spec/timers/keepaliveTimeSeconds',
        `must be at most holdTimeSeconds/3 (${Math.floor(hold / 3)})`,
      ),
    );
  }
  if (spec.passwordSecretRef !== undefined && spec.passwordFile !== undefined) {
    out.push(invalid('/spec/passwordFile', 'passwordSecretRef and passwordFile are exclusive'));
  }
  return out;
}

function checkUnicast(spec: DeepReadonly<VpnInstanceSpec>, out: Issue[]): void {
  for (const f of ['importRTs', 'exportRTs'] as const) {
    if ((spec[f]?.length ?? 0) > 0) out.push(invalid(`/spec/${f}`, 'must be empty for type unicast'));
  }
  for (const f of [
    'routeDistinguisher',
    'vni',
    'readvertise',
    'attractTraffic',
    'fallback',
    'linuxBridge',
  ] as const) {
    if (spec[f] !== undefined) out.push(invalid(`/spec/${f}`, 'not allowed for type unicast'));
  }
}

/** bagpipe rules: needs readvertise or toRT; exactly one to-RT; staticDestinationPrefixes need toRT. */
function checkAttractTraffic(spec: DeepReadonly<VpnInstanceSpec>, out: Issue[]): void {
  const a = spec.attractTraffic;
  if (a === undefined) return;
  const to = spec.readvertise?.toRTs;
  if (to === undefined && a.toRT === undefined) {
    out.push(invalid('/spec/attractTraffic/toRT', 'attractTraffic needs toRT or readvertise'));
  }
  if (to !== undefined && to.length !== 1) {
    out.push(invalid('/spec/readvertise/toRTs', 'with attractTraffic, readvertise needs exactly one toRT'));
  }
  if (to !== undefined && a.toRT !== undefined && !to.includes(a.toRT)) {
    out.push(invalid('/spec/attractTraffic/toRT', 'must equal readvertise.toRTs[0]'));
  }
  if ((a.staticDestinationPrefixes?.length ?? 0) > 0 && a.toRT === undefined) {
    out.push(invalid('/spec/attractTraffic/staticDestinationPrefixes', 'needs toRT'));
  }
}

export function checkVpnInstance(spec: DeepReadonly<VpnInstanceSpec>): Issue[] {
  const out: Issue[] = [];
  if (spec.type === 'unicast') {
    checkUnicast(spec, out);
    return out;
  }
  for (const f of ['importRTs', 'exportRTs'] as const) {
    if (spec[f] === undefined)
      out.push(issue(DesiredCodes.schema, `/spec/${f}`, `required field is missing (type ${spec.type})`));
  }
  const ipvpnOnly = ['readvertise', 'attractTraffic', 'fallback'] as const;
  if (spec.type === 'evpn') {
    for (const f of ipvpnOnly)
      if (spec[f] !== undefined) out.push(invalid(`/spec/${f}`, 'only for type ipvpn'));
  } else if (spec.linuxBridge !== undefined) {
    out.push(invalid('/spec/linuxBridge', 'only for type evpn'));
  }
  checkAttractTraffic(spec, out);
  return out;
}

export function checkPortAttachment(spec: DeepReadonly<PortAttachmentSpec>, ctx: SemanticContext): Issue[] {
  const out: Issue[] = [];
  const p = spec.localPort;
  const set = (['linuxInterface', 'ovs', 'evpn'] as const).filter((k) => p[k] !== undefined);
  if (set.length !== 1) {
    const found = set.length ? `found ${set.join(', ')}` : 'found none';
    out.push(invalid('/spec/localPort', `needs exactly one of linuxInterface, ovs, evpn (${found})`));
  }
  if (p.ovs !== undefined && p.ovs.portName === undefined && p.ovs.portNumber === undefined) {
    out.push(invalid('/spec/localPort/ovs', 'needs portName or portNumber'));
  }
  if (ctx.requireNodeName && spec.nodeName === undefined) {
    out.push(
      issue(
        DesiredCodes.schema,
        '/spec/nodeName',
        'required field is missing (custom resources name their node)',
      ),
    );
  }
  return out;
}
