/**
 * The desired objects the REST API writes: one file per VPN instance holding its `VpnInstance`
 * and its `PortAttachment`s, in namespace `bagpipe-rest`, built in a fixed key order so that the
 * same state always serialises to the same bytes. Also maps a schema issue of such an object
 * back to the bagpipe field it came from, and validates with the daemon's own `admit`.
 */
import type { ObjectMeta, PortAttachment, VpnInstance } from '../../api/gen/index.js';
import { admit, API_VERSION, type SchemaValidator } from '../../desired/index.js';
import { normalizeMac } from '../../lib/ip.js';
import { canonicalPrefix } from '../../desired/formats.js';
import { RestCodes, RestInputError } from './errors.js';

export const REST_NAMESPACE = 'bagpipe-rest';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'bagpipe-rest-api';
/** bagpipe's `local_port.linuxif` when the port is an OVS port named otherwise. */
export const LINUXIF_ANNOTATION = 'bagpipe.io/linuxif';
/** bagpipe's per-endpoint `advertise_subnet: true` (the schema has it per instance only). */
export const ADVERTISE_SUBNET_ANNOTATION = 'bagpipe.io/advertise-subnet';

/** One VPN instance and its attachments: the content of one file. */
export interface InstanceDoc {
  readonly instance: VpnInstance;
  readonly attachments: readonly PortAttachment[];
}

/** Every instance the REST API holds, by VpnInstance name. */
export type RestState = ReadonlyMap<string, InstanceDoc>;

/** `T` with its possibly-undefined properties made optional instead (exactOptionalPropertyTypes). */
export type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined values, keeping the order of the others. */
export function compact<T extends object>(o: T): Compact<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Compact<T>;
}

export function metadata(
  name: string,
  namespace: string,
  annotations: Record<string, string | undefined> = {},
): ObjectMeta {
  const notes = Object.fromEntries(
    Object.entries(annotations).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const meta: ObjectMeta = { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } };
  if (Object.keys(notes).length > 0) meta.annotations = notes;
  return meta;
}

export const header = <K extends string>(kind: K) => ({ apiVersion: API_VERSION, kind }) as const;

/** The endpoint identity of an attachment: normalised MAC and canonical prefix. */
export function macOf(a: PortAttachment): string {
  return normalizeMac(a.spec.macAddress);
}

export function prefixOf(a: PortAttachment): string | undefined {
  return a.spec.ipAddress === undefined ? undefined : canonicalPrefix(a.spec.ipAddress);
}

/** The E-VPN instance name an attachment links (local_port.evpn), if it does. */
export function linkedEvpn(a: PortAttachment): string | undefined {
  return a.spec.localPort.evpn?.vpnInstanceRef.name;
}

export function serialize(doc: InstanceDoc): string {
  const sorted = [...doc.attachments].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return `${JSON.stringify([doc.instance, ...sorted], null, 2)}\n`;
}

/** JSON pointer prefix in a VpnInstance or PortAttachment → bagpipe field (longest prefix wins). */
const FIELDS: readonly (readonly [string, string])[] = [
  ['/metadata', 'vpn_instance_id'],
  ['/spec/vpnInstanceId', 'vpn_instance_id'],
  ['/spec/importRTs', 'import_rt'],
  ['/spec/exportRTs', 'export_rt'],
  ['/spec/vni', 'vni'],
  ['/spec/gatewayIP', 'gateway_ip'],
  ['/spec/advertiseSubnet', 'advertise_subnet'],
  ['/spec/readvertise', 'readvertise'],
  ['/spec/readvertise/fromRTs', 'readvertise.from_rt'],
  ['/spec/readvertise/toRTs', 'readvertise.to_rt'],
  ['/spec/attractTraffic', 'attract_traffic'],
  ['/spec/attractTraffic/redirectRTs', 'attract_traffic.redirect_rts'],
  ['/spec/attractTraffic/toRT', 'attract_traffic.to_rt'],
  ['/spec/attractTraffic/staticDestinationPrefixes', 'attract_traffic.static_destination_prefixes'],
  ['/spec/attractTraffic/classifier', 'attract_traffic.classifier'],
  ['/spec/fallback', 'fallback'],
  ['/spec/fallback/srcMac', 'fallback.src_mac'],
  ['/spec/fallback/dstMac', 'fallback.dst_mac'],
  ['/spec/fallback/ovsPortNumber', 'fallback.ovs_port_number'],
  ['/spec/linuxBridge', 'linuxbr'],
  ['/spec/macAddress', 'mac_address'],
  ['/spec/ipAddress', 'ip_address'],
  ['/spec/localPort', 'local_port'],
  ['/spec/localPort/linuxInterface', 'local_port.linuxif'],
  ['/spec/localPort/vlan', 'local_port.vlan'],
  ['/spec/localPort/ovs/portName', 'local_port.ovs.port_name'],
  ['/spec/localPort/ovs/portNumber', 'local_port.ovs.port_number'],
  ['/spec/localPort/ovs/vlan', 'local_port.ovs.vlan'],
  ['/spec/localPort/evpn', 'local_port.evpn.id'],
  ['/spec/direction', 'direction'],
  ['/spec/localPref', 'local_pref'],
  ['/spec/lbConsistentHashOrder', 'lb_consistent_hash_order'],
];

/** The bagpipe field behind an issue path of `kind` (descriptions differ per kind). */
export function fieldOf(kind: 'VpnInstance' | 'PortAttachment', path: string): string {
  if (path.startsWith('/spec/description'))
    return kind === 'VpnInstance' ? 'instance_description' : 'description';
  const classifier = /^\/spec\/attractTraffic\/classifier\/([A-Za-z]+)/.exec(path);
  if (classifier) return `attract_traffic.classifier.${classifier[1] ?? ''}`;
  let best: readonly [string, string] | undefined;
  for (const entry of FIELDS) {
    const [prefix] = entry;
    const hit = path === prefix || path.startsWith(`${prefix}/`);
    if (hit && prefix.length > (best?.[0].length ?? -1)) best = entry;
  }
  return best?.[1] ?? path;
}

/** Validates with the daemon's own admission (strict schema, semantic rules); a 400 on the first issue. */
export function check(object: VpnInstance | PortAttachment, validator: SchemaValidator): void {
  const r = admit(structuredClone(object), { validator, source: 'rest', origin: '', requireNodeName: false });
  if (r.ok) return;
  const first = r.issues[0];
  const field = first === undefined ? undefined : fieldOf(object.kind, first.path);
  throw new RestInputError(RestCodes.invalid, field, first?.message ?? 'invalid');
}
