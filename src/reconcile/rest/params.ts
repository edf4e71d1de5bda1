/**
 * One bagpipe `attach_localport` / `detach_localport` body (BAGPIPE-REFERENCE §1.2, §1.3) read
 * into a typed request, in every form bagpipe accepts: `local_port` as a string or an object,
 * RTs as lists or comma-separated strings, IPs with or without a length, numbers as JSON numbers
 * or decimal strings. Each problem is a `RestInputError` naming the field. Keys bagpipe does not
 * know are ignored, as bagpipe does, but said in `warnings`; so are fields that do not apply to
 * the VPN type (bagpipe ignores them too).
 */
import type { AttractTraffic, Fallback, LocalPort, OvsPort, Readvertise } from '../../api/gen/index.js';
import { canonicalPrefix } from '../../desired/formats.js';
import { isObject } from '../../desired/structural.js';
import { errorMessage } from '../../lib/errors.js';
import { normalizeMac } from '../../lib/ip.js';
import { invalid, missing, RestCodes, RestInputError } from './errors.js';
import { Fields } from './fields.js';
import { instanceName } from './names.js';

export type VpnType = 'ipvpn' | 'evpn';
export type Direction = 'both' | 'to-port' | 'from-port';

/** The local port as a PortAttachment holds it, plus what only bagpipe knows about it. */
export interface PortSpec {
  readonly localPort: LocalPort;
  /** bagpipe's `linuxif` when the port is an OVS port named otherwise (e.g. `patch2tun:5`). */
  readonly linuxif: string | undefined;
  /** `local_port.evpn.id`: the E-VPN linked into this IP VPN. */
  readonly evpnId: string | undefined;
}

/** What identifies an endpoint: detach needs only this. */
export interface EndpointRequest {
  readonly vpnType: VpnType;
  readonly vpnInstanceId: string;
  /** As sent. */
  readonly macAddress: string;
  /** Normalised (lowercase, colons): the identity. */
  readonly mac: string;
  /** As sent. */
  readonly ipAddress: string | undefined;
  /** `ip/len` (bare IP: host length): the identity. */
  readonly prefix: string | undefined;
  readonly warnings: string[];
}

export interface AttachRequest extends EndpointRequest {
  readonly port: PortSpec;
  readonly importRTs: readonly string[];
  readonly exportRTs: readonly string[];
  readonly gatewayIP: string | undefined;
  readonly advertiseSubnet: boolean;
  readonly direction: Direction;
  /** undefined: 0 or absent (allocated). */
  readonly vni: number | undefined;
  readonly localPref: number | undefined;
  readonly lbConsistentHashOrder: number;
  readonly readvertise: Readvertise | undefined;
  readonly attractTraffic: AttractTraffic | undefined;
  readonly fallback: Fallback | undefined;
  readonly linuxBridge: string | undefined;
  readonly instanceDescription: string | undefined;
  readonly description: string | undefined;
}

const ATTACH_KEYS = [
  'vpn_type',
  'vpn_instance_id',
  'mac_address',
  'ip_address',
  'local_port',
  'import_rt',
  'export_rt',
  'route_target',
  'gateway_ip',
  'advertise_subnet',
  'direction',
  'vni',
  'local_pref',
  'lb_consistent_hash_order',
  'readvertise',
  'attract_traffic',
  'fallback',
  'linuxbr',
  'instance_description',
  'description',
];
const DIRECTIONS: readonly string[] = ['both', 'to-port', 'from-port'];
const CLASSIFIER_KEYS = ['sourcePrefix', 'destinationPrefix', 'sourcePort', 'destinationPort', 'protocol'];

function body(raw: unknown): Fields {
  if (!isObject(raw)) {
    throw new RestInputError(
      RestCodes.noBody,
      undefined,
      'No local port details received (need a JSON object)',
    );
  }
  return new Fields(raw);
}

function ignore(warnings: string[], f: Fields, keys: readonly string[], why: string): void {
  for (const k of keys) if (f.raw(k) !== undefined) warnings.push(`${f.path(k)} ignored: ${why}`);
}

function endpoint(f: Fields, warnings: string[]): EndpointRequest {
  const type = f.raw('vpn_type');
  if (type === undefined) throw missing('vpn_type');
  if (type !== 'ipvpn' && type !== 'evpn')
    throw invalid('vpn_type', `unknown vpn_type ${JSON.stringify(type)} (ipvpn or evpn)`);
  const vpnInstanceId = f.requiredString('vpn_instance_id');
  const macAddress = f.requiredString('mac_address');
  let mac: string;
  try {
    mac = normalizeMac(macAddress);
  } catch {
    throw invalid('mac_address', `not a MAC address: ${JSON.stringify(macAddress)}`);
  }
  const ipAddress = f.string('ip_address');
  if (ipAddress === undefined && type === 'ipvpn') throw missing('ip_address');
  let prefix: string | undefined;
  try {
    if (ipAddress !== undefined) prefix = canonicalPrefix(ipAddress);
  } catch (e) {
    throw invalid('ip_address', errorMessage(e).replace(/^prefix: /, ''));
  }
  if (f.raw('local_port') === undefined) throw missing('local_port');
  return { vpnType: type, vpnInstanceId, macAddress, mac, ipAddress, prefix, warnings };
}

function ovsPort(ovs: Fields, linuxif: string | undefined, warnings: string[]): PortSpec {
  const portName = ovs.string('port_name');
  const portNumber = ovs.int('port_number');
  const vlan = ovs.int('vlan');
  const plugged = ovs.bool('plugged');
  ignore(warnings, ovs, ['to_vm_port_number', 'to_vm_port_name'], 'documented by bagpipe, never used');
  // Without a name or number, bagpipe's OVS driver uses linuxif as the port name.
  const name = portName ?? (portNumber === undefined ? linuxif : undefined);
  if (name === undefined && portNumber === undefined) {
    throw new RestInputError(RestCodes.missing, ovs.path('port_number'), 'needs port_name or port_number');
  }
  const port: OvsPort = {};
  if (name !== undefined) port.portName = name;
  if (portNumber !== undefined) port.portNumber = portNumber;
  if (vlan !== undefined) port.vlan = vlan;
  if (plugged !== undefined) port.plugged = plugged;
  return { localPort: { ovs: port }, linuxif: linuxif === name ? undefined : linuxif, evpnId: undefined };
}

/** `type` undefined: detach, where only the shape is checked. */
function evpnPort(lp: Fields, evpn: Fields, type: VpnType | undefined, warnings: string[]): PortSpec {
  if (type === 'evpn') throw invalid(lp.path('evpn'), 'only an ipvpn attachment can link an E-VPN');
  if ((lp.string('linuxif') ?? '') !== '')
    throw invalid(lp.path('linuxif'), 'cannot be combined with local_port.evpn');
  const id = evpn.requiredString('id');
  if (evpn.raw('ovs_port_name') !== undefined) {
    throw new RestInputError(
      RestCodes.unsupported,
      evpn.path('ovs_port_name'),
      'not supported (the bagpipe code path is broken)',
    );
  }
  ignore(warnings, lp, ['ovs', 'vlan'], 'not used with local_port.evpn');
  return {
    localPort: { evpn: { vpnInstanceRef: { name: instanceName(id) } } },
    linuxif: undefined,
    evpnId: id,
  };
}

/** `local_port`: a string is `{linuxif: s}`; an object needs linuxif or evpn. */
function localPort(f: Fields, type: VpnType | undefined, warnings: string[]): PortSpec {
  const raw = f.raw('local_port');
  if (typeof raw === 'string') {
    if (raw === '') throw invalid('local_port', 'must not be empty');
    return { localPort: { linuxInterface: raw }, linuxif: undefined, evpnId: undefined };
  }
  if (!isObject(raw)) throw invalid('local_port', 'must be an interface name or a JSON object');
  const lp = new Fields(raw, 'local_port');
  const linuxif = lp.string('linuxif');
  const evpn = lp.object('evpn');
  if (linuxif === undefined && evpn === undefined) {
    throw new RestInputError(RestCodes.missing, 'local_port.linuxif', 'local_port needs linuxif or evpn');
  }
  ignore(
    warnings,
    lp,
    lp.keys().filter((k) => !['linuxif', 'evpn', 'ovs', 'vlan'].includes(k)),
    'unknown key',
  );
  if (evpn !== undefined) return evpnPort(lp, evpn, type, warnings);
  if (linuxif === '') throw invalid('local_port.linuxif', 'must not be empty');
  const vlan = lp.int('vlan');
  const ovs = lp.object('ovs');
  const spec = ovs === undefined ? undefined : ovsPort(ovs, linuxif, warnings);
  const base: LocalPort = spec?.localPort ?? { linuxInterface: linuxif ?? '' };
  return {
    localPort: vlan === undefined ? base : { ...base, vlan },
    linuxif: spec?.linuxif,
    evpnId: undefined,
  };
}

/** import_rt / export_rt, plus `route_target` (both directions; an extension, like `--rt`). */
function routeTargets(f: Fields, key: 'import_rt' | 'export_rt'): string[] {
  const both = f.routeTargets('route_target');
  const own = f.routeTargets(key);
  if (own === undefined && both === undefined) throw missing(key);
  return [...new Set([...(own ?? []), ...(both ?? [])])].sort();
}

function readvertise(f: Fields): Readvertise | undefined {
  const r = f.object('readvertise');
  if (r === undefined) return undefined;
  const fromRTs = r.routeTargets('from_rt');
  const toRTs = r.routeTargets('to_rt');
  if (fromRTs === undefined) throw missing(r.path('from_rt'));
  if (toRTs === undefined) throw missing(r.path('to_rt'));
  return { fromRTs, toRTs };
}

function classifier(c: Fields): AttractTraffic['classifier'] {
  const out: AttractTraffic['classifier'] = {};
  for (const k of c.keys()) {
    if (!CLASSIFIER_KEYS.includes(k))
      throw invalid(c.path(k), `unknown classifier key (${CLASSIFIER_KEYS.join(', ')})`);
    const v = c.raw(k);
    if (v === undefined) continue;
    const s =
      typeof v === 'number' && (k === 'sourcePort' || k === 'destinationPort') ? String(v) : c.string(k);
    Object.assign(out, { [k]: s });
  }
  return out;
}

/** `attract_traffic` (ipvpn): `{}` is none (bagpipe-rest-attach always sends it). */
function attractTraffic(f: Fields, warnings: string[]): AttractTraffic | undefined {
  const a = f.object('attract_traffic');
  if (a === undefined || a.keys().length === 0) return undefined;
  ignore(warnings, a, ['to', 'attract_to_rts'], 'bagpipe reads only attract_traffic.to_rt');
  const redirectRTs = a.routeTargets('redirect_rts');
  if (redirectRTs === undefined) throw missing(a.path('redirect_rts'));
  const c = a.object('classifier');
  if (c === undefined) throw missing(a.path('classifier'));
  const out: AttractTraffic = { redirectRTs, classifier: classifier(c) };
  const toRTs = a.routeTargets('to_rt');
  if (toRTs !== undefined) {
    if (toRTs.length !== 1) throw invalid(a.path('to_rt'), 'needs exactly one route target');
    out.toRT = toRTs[0] as string;
    const statics = a.strings('static_destination_prefixes');
    if (statics === undefined) throw missing(a.path('static_destination_prefixes'));
    out.staticDestinationPrefixes = statics;
  }
  return out;
}

function fallback(f: Fields, warnings: string[]): Fallback | undefined {
  const fb = f.object('fallback');
  if (fb === undefined) return undefined;
  ignore(warnings, fb, ['ovs_port_name', 'ovs_resubmit'], 'unsupported by bagpipe too');
  const ovsPortNumber = fb.int('ovs_port_number');
  if (ovsPortNumber === undefined) throw missing(fb.path('ovs_port_number'));
  return { srcMac: fb.requiredString('src_mac'), dstMac: fb.requiredString('dst_mac'), ovsPortNumber };
}

function direction(f: Fields): Direction {
  const d = f.string('direction');
  if (d === undefined || d === '') return 'both';
  if (!DIRECTIONS.includes(d)) throw invalid('direction', `should be one of: ${DIRECTIONS.join(', ')}`);
  return d as Direction;
}

function typeSpecific(
  f: Fields,
  type: VpnType,
  warnings: string[],
): Pick<AttachRequest, 'gatewayIP' | 'readvertise' | 'attractTraffic' | 'fallback' | 'linuxBridge'> {
  if (type === 'ipvpn' && !f.present('gateway_ip')) throw missing('gateway_ip');
  const evpn = type === 'evpn';
  if (evpn) ignore(warnings, f, ['readvertise', 'attract_traffic', 'fallback'], 'only for ipvpn');
  else ignore(warnings, f, ['linuxbr'], 'only for evpn');
  return {
    gatewayIP: f.string('gateway_ip'),
    readvertise: evpn ? undefined : readvertise(f),
    attractTraffic: evpn ? undefined : attractTraffic(f, warnings),
    fallback: evpn ? undefined : fallback(f, warnings),
    linuxBridge: evpn ? f.string('linuxbr') : undefined,
  };
}

export function parseAttach(raw: unknown): AttachRequest {
  const f = body(raw);
  const warnings: string[] = [];
  const ep = endpoint(f, warnings);
  ignore(
    warnings,
    f,
    f.keys().filter((k) => !ATTACH_KEYS.includes(k)),
    'unknown field (bagpipe ignores it too)',
  );
  const vni = f.int('vni');
  const advertiseSubnet = f.bool('advertise_subnet') ?? false;
  if (advertiseSubnet && ep.vpnType === 'evpn' && ep.prefix !== undefined && !ep.prefix.endsWith('/32'))
    throw invalid('advertise_subnet', 'E-VPN can only advertise a /32');
  return {
    ...ep,
    port: localPort(f, ep.vpnType, warnings),
    importRTs: routeTargets(f, 'import_rt'),
    exportRTs: routeTargets(f, 'export_rt'),
    advertiseSubnet,
    direction: direction(f),
    vni: vni === 0 ? undefined : vni,
    localPref: f.int('local_pref'),
    lbConsistentHashOrder: f.int('lb_consistent_hash_order') ?? 0,
    ...typeSpecific(f, ep.vpnType, warnings),
    instanceDescription: f.text('instance_description'),
    description: f.text('description'),
  };
}

/** Detach reads the endpoint; `local_port` is checked for shape only (bagpipe uses the stored one). */
export function parseDetach(raw: unknown): EndpointRequest {
  const f = body(raw);
  const ep = endpoint(f, []);
  localPort(f, undefined, []);
  return ep;
}
