/**
 * Pure translation of bagpipe's attach/detach calls into desired objects (BAGPIPE-REFERENCE
 * §1.4, §1.5): the current REST state and one body in, the instance files to write or remove
 * out. Nothing here touches the filesystem; every result is validated with the daemon's own
 * admission before it is returned.
 *
 * Attach, as bagpipe does it:
 * - the instance is created on first attach; its creation-only fields (`gateway_ip`, `vni`,
 *   `readvertise`, `attract_traffic`, `linuxbr`) are kept afterwards, and a differing later value
 *   is ignored (bagpipe ignores it silently; we return a warning);
 * - `import_rt`/`export_rt` replace the instance's RT sets on every attach (last writer wins),
 *   `instance_description` is overwritten (absent: removed), a non-null `fallback` replaces it;
 * - same (MAC, IP) again is a refresh (idempotent: same objects, same bytes); a MAC already on
 *   another port, an IP held by another MAC, another type under the same id, or a VNI used by
 *   another instance are 400s; an IP plug replaces an earlier IP-less plug of that MAC.
 * Detach: the endpoint must exist (unknown instance: 400 "VPN … could not be found"); an E-VPN
 * detach without `ip_address` removes every endpoint of the MAC; the instance goes with its last
 * endpoint, except an E-VPN still linked into an IP VPN, which goes when that link does.
 */
import type { PortAttachment, VpnInstance, VpnInstanceSpec } from '../../api/gen/index.js';
import type { SchemaValidator } from '../../desired/index.js';
import { RestCodes, RestInputError } from './errors.js';
import { attachmentName, instanceName } from './names.js';
import {
  ADVERTISE_SUBNET_ANNOTATION,
  check,
  compact,
  header,
  LINUXIF_ANNOTATION,
  linkedEvpn,
  macOf,
  metadata,
  prefixOf,
  type InstanceDoc,
  type RestState,
} from './objects.js';
import { parseAttach, parseDetach, type AttachRequest, type EndpointRequest } from './params.js';

export interface TranslateOptions {
  readonly namespace: string;
  /** A strict validator (as for desired.d files). */
  readonly validator: SchemaValidator;
}

export interface Translation {
  /** VpnInstance name → its new file content, or null to remove the file. */
  readonly changes: ReadonlyMap<string, InstanceDoc | null>;
  /** Ignored fields and values, for the log. */
  readonly warnings: readonly string[];
}

const CREATION_ONLY = [
  ['vni', 'vni'],
  ['gatewayIP', 'gateway_ip'],
  ['readvertise', 'readvertise'],
  ['attractTraffic', 'attract_traffic'],
  ['linuxBridge', 'linuxbr'],
] as const;

const conflict = (field: string, message: string): RestInputError =>
  new RestInputError(RestCodes.conflict, field, message);

/** The instance of `req`, checking that a hash-named one really is it. */
function lookup(state: RestState, req: EndpointRequest): { name: string; doc: InstanceDoc | undefined } {
  const name = instanceName(req.vpnInstanceId);
  const doc = state.get(name);
  if (doc !== undefined && doc.instance.spec.vpnInstanceId !== req.vpnInstanceId)
    throw conflict('vpn_instance_id', `name ${name} is held by ${doc.instance.spec.vpnInstanceId ?? '?'}`);
  if (doc !== undefined && doc.instance.spec.type !== req.vpnType) {
    const has = doc.instance.spec.type;
    throw conflict('vpn_type', `VPN ${req.vpnInstanceId} exists with type ${has}, not ${req.vpnType}`);
  }
  return { name, doc };
}

function instanceSpec(
  req: AttachRequest,
  old: VpnInstanceSpec | undefined,
  advertiseSubnet: boolean,
): VpnInstanceSpec {
  const creation = old ?? {
    vni: req.vni,
    gatewayIP: req.gatewayIP,
    readvertise: req.readvertise,
    attractTraffic: req.attractTraffic,
    linuxBridge: req.linuxBridge,
  };
  return compact({
    type: req.vpnType,
    vpnInstanceId: req.vpnInstanceId,
    importRTs: [...req.importRTs],
    exportRTs: [...req.exportRTs],
    vni: creation.vni,
    gatewayIP: creation.gatewayIP,
    advertiseSubnet: advertiseSubnet ? true : undefined,
    readvertise: creation.readvertise,
    attractTraffic: creation.attractTraffic,
    fallback: req.fallback ?? old?.fallback,
    linuxBridge: creation.linuxBridge,
    description: req.instanceDescription,
  });
}

function creationWarnings(req: AttachRequest, old: VpnInstanceSpec): string[] {
  const out: string[] = [];
  for (const [key, field] of CREATION_ONLY) {
    const asked = req[key];
    if (asked !== undefined && JSON.stringify(asked) !== JSON.stringify(old[key])) {
      out.push(
        `${field} ${JSON.stringify(asked)} ignored: set when the instance was created (${JSON.stringify(old[key] ?? null)})`,
      );
    }
  }
  return out;
}

function newAttachment(req: AttachRequest, instance: string, namespace: string): PortAttachment {
  const name = attachmentName(instance, req.mac, req.prefix);
  const notes = {
    [LINUXIF_ANNOTATION]: req.port.linuxif,
    [ADVERTISE_SUBNET_ANNOTATION]: req.advertiseSubnet ? 'true' : undefined,
  };
  return {
    ...header('PortAttachment'),
    metadata: metadata(name, namespace, notes),
    spec: compact({
      vpnInstanceRef: { name: instance },
      macAddress: req.macAddress,
      ipAddress: req.ipAddress,
      localPort: req.port.localPort,
      direction: req.direction === 'both' ? undefined : req.direction,
      localPref: req.localPref,
      lbConsistentHashOrder: req.lbConsistentHashOrder === 0 ? undefined : req.lbConsistentHashOrder,
      description: req.description,
    }),
  };
}

const portKey = (a: PortAttachment): string =>
  JSON.stringify([a.spec.localPort, a.metadata.annotations?.[LINUXIF_ANNOTATION] ?? null]);

/** The address an endpoint advertises as a host route, or undefined when it advertises its subnet. */
function hostAddress(prefix: string | undefined, advertiseSubnet: boolean): string | undefined {
  if (prefix === undefined || (advertiseSubnet && !/\/(32|128)$/.test(prefix))) return undefined;
  return prefix.slice(0, prefix.indexOf('/'));
}

/** bagpipe's vif_plugged checks: one port per MAC, one MAC per host address. */
function checkEndpoint(req: AttachRequest, fresh: PortAttachment, current: readonly PortAttachment[]): void {
  const host = hostAddress(req.prefix, req.advertiseSubnet);
  for (const a of current) {
    if (macOf(a) === req.mac && portKey(a) !== portKey(fresh)) {
      throw conflict(
        'local_port',
        `MAC ${req.macAddress} is already bound to another port (${a.metadata.name})`,
      );
    }
    const theirs = hostAddress(prefixOf(a), a.metadata.annotations?.[ADVERTISE_SUBNET_ANNOTATION] === 'true');
    if (host !== undefined && theirs === host && macOf(a) !== req.mac) {
      throw conflict('ip_address', `IP ${host} is already bound to MAC ${a.spec.macAddress}`);
    }
  }
}

/** Instances other than `except` whose attachments link the E-VPN `evpn`. */
function linkers(state: RestState, evpn: string, except?: string): string[] {
  return [...state]
    .filter(([name, d]) => name !== except && d.attachments.some((a) => linkedEvpn(a) === evpn))
    .map(([name]) => name);
}

/** §4.6: the E-VPN must exist, be an E-VPN, be linked nowhere else, and be this VRF's only one. */
function checkEvpnLink(
  state: RestState,
  req: AttachRequest,
  self: string,
  current: readonly PortAttachment[],
): void {
  const id = req.port.evpnId;
  if (id === undefined) return;
  const name = instanceName(id);
  const evpn = state.get(name);
  if (evpn?.instance.spec.vpnInstanceId !== id)
    throw new RestInputError(RestCodes.notFound, 'local_port.evpn.id', `no E-VPN instance ${id}`);
  if (evpn.instance.spec.type !== 'evpn')
    throw conflict('local_port.evpn.id', `instance ${id} is not an E-VPN`);
  const elsewhere = linkers(state, name, self);
  if (elsewhere.length > 0)
    throw conflict('local_port.evpn.id', `E-VPN ${id} is already linked into ${elsewhere.join(', ')}`);
  const other = current.map(linkedEvpn).find((e) => e !== undefined && e !== name);
  if (other !== undefined) throw conflict('local_port.evpn.id', `this IP VPN already links E-VPN ${other}`);
}

function checkVni(state: RestState, req: AttachRequest, self: string): void {
  if (req.vni === undefined) return;
  for (const [name, d] of state) {
    if (name !== self && d.instance.spec.vni === req.vni)
      throw conflict(
        'vni',
        `A VPN instance using vni ${req.vni} already exists (${d.instance.spec.vpnInstanceId ?? name})`,
      );
  }
}

function instanceDoc(
  req: AttachRequest,
  name: string,
  old: VpnInstance | undefined,
  attachments: readonly PortAttachment[],
  namespace: string,
): InstanceDoc {
  const subnet = attachments.some((a) => a.metadata.annotations?.[ADVERTISE_SUBNET_ANNOTATION] === 'true');
  const instance: VpnInstance = {
    ...header('VpnInstance'),
    metadata: metadata(name, namespace),
    spec: instanceSpec(req, old?.spec, subnet),
  };
  return { instance, attachments };
}

export function translateAttach(state: RestState, body: unknown, opts: TranslateOptions): Translation {
  const req = parseAttach(body);
  const { name, doc } = lookup(state, req);
  if (doc === undefined) checkVni(state, req, name);
  const current = doc?.attachments ?? [];
  checkEvpnLink(state, req, name, current);
  const fresh = newAttachment(req, name, opts.namespace);
  checkEndpoint(req, fresh, current);
  const kept = current.filter(
    (a) =>
      a.metadata.name !== fresh.metadata.name &&
      !(req.prefix !== undefined && macOf(a) === req.mac && prefixOf(a) === undefined),
  );
  const next = instanceDoc(req, name, doc?.instance, [...kept, fresh], opts.namespace);
  check(next.instance, opts.validator);
  check(fresh, opts.validator);
  const warnings = [...req.warnings, ...(doc === undefined ? [] : creationWarnings(req, doc.instance.spec))];
  return { changes: new Map([[name, next]]), warnings };
}

/** Which attachments a detach removes: the (MAC, IP) endpoint, or every endpoint of the MAC. */
function detached(req: EndpointRequest, current: readonly PortAttachment[]): PortAttachment[] {
  const ofMac = current.filter((a) => macOf(a) === req.mac);
  const what = `Endpoint (${req.macAddress}, ${req.ipAddress ?? 'any IP'}) not plugged yet, can't unplug`;
  if (ofMac.length === 0) throw new RestInputError(RestCodes.notPlugged, 'mac_address', what);
  if (req.prefix === undefined) return ofMac;
  const hit = ofMac.filter((a) => prefixOf(a) === req.prefix);
  if (hit.length > 0) return hit;
  const holder = current.find((a) => prefixOf(a) === req.prefix);
  if (holder !== undefined)
    throw conflict(
      'ip_address',
      `IP ${req.ipAddress ?? ''} is bound to MAC ${holder.spec.macAddress}, not ${req.macAddress}`,
    );
  throw new RestInputError(RestCodes.notPlugged, 'ip_address', what);
}

export function translateDetach(state: RestState, body: unknown, _opts: TranslateOptions): Translation {
  const req = parseDetach(body);
  const { name, doc } = lookup(state, req);
  if (doc === undefined)
    throw new RestInputError(
      RestCodes.notFound,
      'vpn_instance_id',
      `VPN ${req.vpnInstanceId} could not be found`,
    );
  const gone = new Set(detached(req, doc.attachments));
  const kept = doc.attachments.filter((a) => !gone.has(a));
  const subnet = kept.some((a) => a.metadata.annotations?.[ADVERTISE_SUBNET_ANNOTATION] === 'true');
  const spec = compact({ ...doc.instance.spec, advertiseSubnet: subnet ? true : undefined });
  const next: InstanceDoc = { instance: { ...doc.instance, spec }, attachments: kept };
  const changes = new Map<string, InstanceDoc | null>();
  changes.set(name, kept.length > 0 || linkers(state, name, name).length > 0 ? next : null);
  const after = new Map(state).set(name, next);
  for (const evpn of new Set([...gone].map(linkedEvpn))) {
    const e = evpn === undefined ? undefined : after.get(evpn);
    if (evpn !== undefined && e?.attachments.length === 0 && linkers(after, evpn).length === 0)
      changes.set(evpn, null);
  }
  return { changes, warnings: req.warnings };
}
