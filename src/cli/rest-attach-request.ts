/**
 * `bagpipe-rest-attach` without side effects: its options (BAGPIPE-REFERENCE §8, the names and
 * defaults of bagpipe's `cli/rest_attach.py`), their defaults, and the JSON body it sends. The
 * body has the original's keys, except that `--attract-to-rt` is sent as `attract_traffic.to_rt`
 * (the original sent `to`, which its own daemon ignores).
 */
import type { ParseArgsConfig } from 'node:util';
import type { Parsed } from './main.js';
import { ipv6FromBytes, ipv6ToBytes, parsePrefix } from '../lib/ip.js';

export const OPTIONS = {
  attach: { type: 'boolean' },
  detach: { type: 'boolean' },
  'network-type': { type: 'string' },
  'vpn-instance-id': { type: 'string', default: 'bagpipe-test' },
  port: { type: 'string' },
  direction: { type: 'string', default: 'both' },
  rt: { type: 'string', multiple: true, default: [] as string[] },
  'import-rt': { type: 'string', multiple: true, default: [] as string[] },
  'export-rt': { type: 'string', multiple: true, default: [] as string[] },
  ip: { type: 'string' },
  'gateway-ip': { type: 'string' },
  mac: { type: 'string' },
  'advertise-singleton': { type: 'boolean' },
  'advertise-subnet': { type: 'boolean' },
  'ovs-preplug': { type: 'boolean' },
  'ovs-bridge': { type: 'string', default: 'br-int' },
  'ovs-vlan': { type: 'string' },
  netns: { type: 'string' },
  if2vpn: { type: 'string', default: 'tovpn' },
  'readv-from-rt': { type: 'string', multiple: true, default: [] as string[] },
  'readv-to-rt': { type: 'string', multiple: true, default: [] as string[] },
  'redirect-rts': { type: 'string', multiple: true, default: [] as string[] },
  'source-prefix': { type: 'string' },
  'destination-prefix': { type: 'string' },
  'source-port': { type: 'string' },
  'destination-port': { type: 'string' },
  protocol: { type: 'string' },
  'attract-to-rt': { type: 'string', multiple: true, default: [] as string[] },
  'static-destination-prefix': { type: 'string', multiple: true, default: [] as string[] },
  'lb-consistent-hash-order': { type: 'string', default: '0' },
  vni: { type: 'string', default: '0' },
  'local-pref': { type: 'string' },
  'api-host': { type: 'string', default: '127.0.0.1' },
  'api-port': { type: 'string' },
  'config-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export type Values = Parsed<typeof OPTIONS>['values'];

/** A command-line mistake: exit status 2 with the usage. */
export class UsageError extends Error {}

export const LINUX_DEV_LEN = 15;

export interface Request {
  readonly operation: 'attach' | 'detach';
  readonly networkType: 'ipvpn' | 'evpn';
  readonly vpnInstanceId: string;
  /** `--port` as given (`tap1`, `netns`, `netns:if`, `evpn:<id>`). */
  readonly port: string;
  /** `ip/len` (`/24` added when absent). */
  readonly ip: string;
  readonly gatewayIp: string;
  readonly mac: string | undefined;
  /** With `--port netns[:if]`. */
  readonly netns: NetnsPlan | undefined;
}

export interface NetnsPlan {
  readonly name: string;
  /** Host side of the veth, attached to the VPN: `ns-<netns>` cut to 15 characters, or `:if`. */
  readonly hostIf: string;
  /** Namespace side (`--if2vpn`, default `tovpn`). */
  readonly nsIf: string;
  readonly vlan: number | undefined;
}

function intValue(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text)) throw new UsageError(`option --${name}: invalid integer value: '${text}'`);
  return Number(text);
}

/** netaddr's `IPNetwork(ip)[-2]`: the last usable address of the network (IPv4: before broadcast). */
export function defaultGateway(prefix: string): string {
  const { ip, length } = parsePrefix(prefix);
  const v4 = !ip.includes(':');
  const bits = v4 ? 32 : 128;
  const bytes = v4 ? ip.split('.').map(Number) : [...ipv6ToBytes(ip)];
  const value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const size = 1n << BigInt(bits - length);
  if (size < 2n) throw new UsageError(`--ip ${prefix}: no gateway in a /${length}, give --gateway-ip`);
  const gw = (value & ~(size - 1n)) + size - 2n;
  const out = Array.from({ length: bits / 8 }, (_, i) => Number((gw >> BigInt(bits - 8 * (i + 1))) & 0xffn));
  return v4 ? out.join('.') : ipv6FromBytes(Uint8Array.from(out));
}

/** Checks and defaults, as `rest_attach.py` does them. */
export function resolveRequest(v: Values): Request {
  const operation = v.attach === true ? 'attach' : v.detach === true ? 'detach' : undefined;
  if (operation === undefined) throw new UsageError('Need to specify --attach or --detach');
  if (v.port === undefined) throw new UsageError('Need to specify --port <localport>');
  const type = v['network-type'];
  if (type === undefined) throw new UsageError('Need to specify --network-type');
  if (type !== 'ipvpn' && type !== 'evpn')
    throw new UsageError(`option --network-type: invalid choice: '${type}' (choose from 'ipvpn', 'evpn')`);
  if (v.ip === undefined) throw new UsageError('Need to specify --ip');
  const ip = /\/[0-9]+$/.test(v.ip) ? v.ip : `${v.ip}/24`;
  const vpnInstanceId =
    v['vpn-instance-id'] === 'bagpipe-test' ? `${type}-bagpipe-test` : v['vpn-instance-id'];
  let netns: NetnsPlan | undefined;
  if (v.port.startsWith('netns')) {
    const name = v.netns ?? vpnInstanceId;
    const [, explicit] = v.port.split(':');
    const hostIf = explicit ?? `ns-${name}`.slice(0, LINUX_DEV_LEN);
    netns = { name, hostIf, nsIf: v.if2vpn, vlan: intValue('ovs-vlan', v['ovs-vlan']) };
  }
  if (!['both', 'to-port', 'from-port'].includes(v.direction))
    throw new UsageError(`option --direction: invalid choice: '${v.direction}'`);
  return {
    operation,
    networkType: type,
    vpnInstanceId,
    port: v.port,
    ip,
    gatewayIp: v['gateway-ip'] ?? defaultGateway(ip),
    mac: v.mac,
    netns,
  };
}

/** The local_port object; `port` is the interface once a netns port has been made. */
export function localPort(v: Values, req: Request, port: string): Record<string, unknown> {
  if (port.startsWith('evpn:')) {
    if (req.networkType !== 'ipvpn') throw new UsageError('Can only plug an evpn into an ipvpn');
    return { evpn: { id: port.slice(5) } };
  }
  const lp: Record<string, unknown> = { linuxif: port };
  if (v['ovs-preplug'] === true && req.networkType === 'ipvpn') {
    const vlan = intValue('ovs-vlan', v['ovs-vlan']);
    lp['ovs'] = { port_name: port, plugged: true, ...(vlan ? { vlan } : {}) };
  }
  return lp;
}

function attractTraffic(v: Values): Record<string, unknown> {
  if (v['redirect-rts'].length === 0) return {};
  const classifier = Object.fromEntries(
    (
      [
        ['sourcePrefix', v['source-prefix']],
        ['destinationPrefix', v['destination-prefix']],
        ['sourcePort', v['source-port']],
        ['destinationPort', v['destination-port']],
        ['protocol', v.protocol],
      ] as const
    ).filter(([, x]) => x !== undefined),
  );
  if (Object.keys(classifier).length === 0)
    throw new UsageError('Need to specify --redirect-rt and at least one traffic classifier option');
  const out: Record<string, unknown> = { redirect_rts: v['redirect-rts'], classifier };
  if (v['attract-to-rt'].length > 0) {
    if (v['static-destination-prefix'].length === 0)
      throw new UsageError(
        'Need to specify --attract-to-rt and at least one static destination prefix option',
      );
    out['to_rt'] = v['attract-to-rt'];
    out['static_destination_prefixes'] = v['static-destination-prefix'];
  }
  return out;
}

/** The JSON body, in the original's key order. `mac` is the final MAC (read from the netns if needed). */
export function payload(
  v: Values,
  req: Request,
  lp: Record<string, unknown>,
  mac: string,
): Record<string, unknown> {
  const none = v.rt.length === 0 && v['import-rt'].length === 0 && v['export-rt'].length === 0;
  const rts = none ? [req.networkType === 'ipvpn' ? '64512:512' : '64512:513'] : v.rt;
  const localPref = intValue('local-pref', v['local-pref']);
  return {
    import_rt: [...rts, ...v['import-rt']],
    export_rt: [...rts, ...v['export-rt']],
    local_port: lp,
    vpn_instance_id: req.vpnInstanceId,
    vpn_type: req.networkType,
    gateway_ip: req.gatewayIp,
    mac_address: mac,
    ip_address: req.ip,
    advertise_subnet: v['advertise-subnet'] === true && v['advertise-singleton'] !== true,
    readvertise:
      v['readv-to-rt'].length > 0 ? { from_rt: v['readv-from-rt'], to_rt: v['readv-to-rt'] } : null,
    attract_traffic: attractTraffic(v),
    lb_consistent_hash_order: intValue('lb-consistent-hash-order', v['lb-consistent-hash-order']),
    vni: intValue('vni', v.vni),
    ...(localPref ? { local_pref: localPref } : {}),
    direction: v.direction,
  };
}

/** The MAC to send when none was given nor read from a namespace. */
export function defaultMac(req: Request): string {
  if (req.networkType === 'ipvpn') return '52:54:00:99:99:22';
  throw new UsageError("Need to specify --mac for an EVPN network attachment if port is not 'netns'");
}
