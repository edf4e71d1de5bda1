/**
 * Naming and ownership for the Linux drivers.
 *
 * Devices: `<prefix><h>` where `h` is the first 10 hex digits of SHA-256(instance id), so names
 * are 14 characters (Linux allows 15), stable across restarts, and distinct for ids that share a
 * prefix (the original cut ids to 8 characters, and Neutron's `evpn_<uuid>` kept 3 hex digits).
 * A collision is reported, never silently shared. Each driver owns its own prefixes:
 *   - E-VPN: bridge `bgb-<h>`, VXLAN `bvx-<h>`;
 *   - IP VPN: VXLAN `bvi-<h>`.
 * The device alias (`ip link ... alias`) records `bagpipe-bgp <type> <id>` for humans.
 *
 * Everything else is owned through a mark or a device we own:
 *   - routes, policy rules and neighbour entries carry protocol `OWNER_PROTO` (19, the number
 *     the original used for its routes);
 *   - gateway addresses carry metric `OWNER_ADDR_METRIC` (iproute2 6.1 cannot tag addresses);
 *   - fdb entries are ours when they sit on a VXLAN device we own (`self`) or in a bridge we own
 *     (`master`, state static).
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export const OWNER_PROTO = 19;
export const OWNER_ADDR_METRIC = 19;

export const PREFIX = {
  evpnBridge: 'bgb-',
  evpnVxlan: 'bvx-',
  ipvpnVxlan: 'bvi-',
} as const;

export function nameHash(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 10);
}

export function evpnBridgeName(id: string): string {
  return PREFIX.evpnBridge + nameHash(id);
}

export function evpnVxlanName(id: string): string {
  return PREFIX.evpnVxlan + nameHash(id);
}

export function ipvpnVxlanName(id: string): string {
  return PREFIX.ipvpnVxlan + nameHash(id);
}

/** The alias text (quoted for the batch parser; characters outside a safe set become `_`). */
export function aliasFor(type: string, id: string): string {
  return `bagpipe-bgp ${type} ${id.replace(/[^A-Za-z0-9._:/@+-]/g, '_')}`.slice(0, 250);
}

/**
 * The MAC of an IP VPN VXLAN device, derived from its node's VTEP address, so a sender knows the
 * inner destination MAC its peer accepts: `02:b9:` + the IPv4 address, or `02:b6:` + 4 bytes of
 * SHA-256 for IPv6.
 */
export function vtepMac(vtep: string): string {
  const bytes = isIPv4(vtep)
    ? vtep.split('.').map(Number)
    : [...createHash('sha256').update(vtep).digest().subarray(0, 4)];
  const head = isIPv4(vtep) ? '02:b9' : '02:b6';
  return `${head}:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IFNAME_RE = /^[^\s/:"'\\#]{1,15}$/;

/** Validation of intent values before they reach a command line; messages name the problem. */
export function badMac(mac: string): string | undefined {
  if (!MAC_RE.test(mac.toLowerCase())) return `not a MAC address: ${JSON.stringify(mac)}`;
  if (mac === '00:00:00:00:00:00') return 'the zero MAC is reserved for the flood list';
  return undefined;
}

export function badIp(ip: string): string | undefined {
  return isIPv4(ip) || isIPv6(ip) ? undefined : `not an IP address: ${JSON.stringify(ip)}`;
}

export function badIfname(name: string): string | undefined {
  return IFNAME_RE.test(name) && name !== '.' && name !== '..'
    ? undefined
    : `not a valid interface name: ${JSON.stringify(name)}`;
}

export function badVni(vni: number): string | undefined {
  return Number.isInteger(vni) && vni >= 1 && vni < 1 << 24
    ? undefined
    : `VNI out of range 1..16777215: ${vni}`;
}

/** "a.b.c.d/len" in canonical form (host bits cleared), or an error. */
export function canonicalPrefix4(prefix: string): { prefix: string } | { error: string } {
  const [ip = '', len = '32', extra] = prefix.split('/');
  const n = Number(len);
  if (!isIPv4(ip) || extra !== undefined || !/^\d{1,2}$/.test(len) || n > 32) {
    return { error: `not an IPv4 prefix: ${JSON.stringify(prefix)}` };
  }
  const v = ip.split('.').reduce((acc, b) => (acc << 8) | Number(b), 0) >>> 0;
  const masked = n === 0 ? 0 : (v & (~0 << (32 - n))) >>> 0;
  const text = [24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.');
  return { prefix: `${text}/${n}` };
}
