/** The VXLAN device settings both Linux drivers use, and the check that a live one matches. */
import type { VxlanInfo } from './observe.js';

export interface VxlanConfig {
  /** The VTEP source address (`dataplane_local_address`). */
  readonly localAddress: string;
  readonly dstPort: number;
  /** false = `noudpcsum` (needed towards the OVS userspace datapath). */
  readonly udpCsum: boolean;
}

export const DEFAULT_VXLAN_PORT = 4789;

/** Driver options as they come from the config file (`vxlan_dst_port` default 4789). */
export interface VxlanOptions {
  readonly localAddress: string;
  readonly dstPort?: number;
  readonly udpCsum?: boolean;
}

export function vxlanConfig(o: VxlanOptions): VxlanConfig {
  return {
    localAddress: o.localAddress,
    dstPort: o.dstPort ?? DEFAULT_VXLAN_PORT,
    udpCsum: o.udpCsum ?? true,
  };
}

export function vxlanMatches(v: VxlanInfo | undefined, vni: number, c: VxlanConfig): boolean {
  return (
    v !== undefined &&
    v.id === vni &&
    v.local === c.localAddress &&
    v.port === c.dstPort &&
    !v.learning &&
    v.udpCsum === c.udpCsum
  );
}

/** `link add` line (learning off: entries come from BGP only). */
export function vxlanAddLine(name: string, vni: number, c: VxlanConfig, address?: string): string {
  const mac = address === undefined ? '' : ` address ${address}`;
  const csum = c.udpCsum ? '' : ' noudpcsum';
  return `link add name ${name}${mac} type vxlan id ${vni} local ${c.localAddress} dstport ${c.dstPort} nolearning${csum}`;
}
