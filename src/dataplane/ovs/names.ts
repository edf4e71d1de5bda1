/**
 * Identifiers, priorities and configuration of the OVS IP VPN driver (bagpipe's
 * `mpls_ovs_dataplane`, BAGPIPE-REFERENCE §6.3).
 *
 * Ownership is by cookie. Every flow this driver writes carries `0xb9b9` in the top 16 bits of
 * its cookie; the low 48 bits are the first 48 bits of SHA-256(instance id) (0 for the
 * driver-wide flows that send tunnel traffic to the encap-in table). One dump filtered by
 * `cookie=0xb9b9000000000000/0xffff000000000000` therefore returns every flow we own, including
 * those of instances a previous run created and the intent no longer names. The VRF number
 * carried in reg0 is the low 32 bits of the same hash, so two instances with the same cookie
 * also share a VRF number and the collision check on the VRF number covers both.
 *
 * Groups carry no cookie: the driver owns the group ids in `[groupBase, groupBase + groupCount)`.
 */
import { createHash } from 'node:crypto';

/** The MAC the gateway answers ARP with and routed packets leave from (bagpipe's value). */
export const GATEWAY_MAC = '00:00:5e:00:43:64';

/** Flows that are not prefix lookups (input, encap-in, ARP responder): 0x9000. */
export const DEFAULT_PRIORITY = 0x9000;
const MAX_PREFIX_LENGTH = 128;
/** Longest match first: a /32 gets 36768, a /0 36736. */
export const prefixPriority = (len: number): number => DEFAULT_PRIORITY - (MAX_PREFIX_LENGTH - len);
/** Below every prefix flow (bagpipe rounds it for readable dumps): 36608. */
export const FALLBACK_PRIORITY = DEFAULT_PRIORITY - MAX_PREFIX_LENGTH - 0x80;

const COOKIE_MARK = 0xb9b9n << 48n;
const COOKIE_MASK = 0xffffn << 48n;
const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/** The `cookie=value/mask` filter that selects every flow this driver owns. */
export const OWNED_COOKIES = `${hex(COOKIE_MARK)}/${hex(COOKIE_MASK)}`;
/** The cookie of driver-wide flows (tunnel ports to the encap-in table). */
export const DRIVER_COOKIE = hex(COOKIE_MARK);

/** reg0 holds the VRF number; reg1 the port a packet came in on (for the ARP responder). */
export const VRF_REG = 'reg0';
export const PORT_REG = 'reg1';

export interface InstanceIds {
  /** "0xb9b9…", as `ovs-ofctl dump-flows` prints it. */
  readonly cookie: string;
  /** The VRF number put in reg0 (never 0). */
  readonly vrf: number;
}

export function instanceIds(id: string): InstanceIds {
  const h48 = createHash('sha256').update(id).digest().readUIntBE(0, 6);
  const low = h48 % 2 ** 32;
  return { cookie: hex(COOKIE_MARK | BigInt(h48 === 0 ? 1 : h48)), vrf: low === 0 ? 1 : low };
}

/** What the planner needs to know about the switch and the options. */
export interface OvsConfig {
  /** The VTEP / PE address of this node (`dataplane_local_address`). */
  readonly localAddress: string;
  /** bagpipe's `input_table` (0); the encap-in table is `ovs_table_id_start`, the VRF table the next. */
  readonly inputTable: number;
  readonly encapTable: number;
  readonly vrfTable: number;
  /** VXLAN tunnel port (`remote_ip=flow, key=flow`), or undefined when VXLAN is off. */
  readonly vxlanPort: string | undefined;
  /** MPLS-over-GRE tunnel port (`remote_ip=flow`), or undefined when off. */
  readonly greTunnel: string | undefined;
  /** Bridge port that carries bare MPLS (bagpipe's `mpls_interface`), or undefined. */
  readonly mplsInterface: string | undefined;
  /** Answer ARP for every address of the subnet, not only the gateway (bagpipe's `proxy_arp`). */
  readonly proxyArp: boolean;
  readonly groupBase: number;
  readonly groupCount: number;
}
