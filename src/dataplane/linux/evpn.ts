/**
 * The Linux E-VPN driver (`[DATAPLANE_DRIVER_EVPN] dataplane_driver = linux`): bridges and
 * VXLAN devices, fdb and neighbour entries, planned by `planEvpn`.
 */
import { instancesOf } from '../intent.js';
import type { CommandRunner } from '../runner.js';
import { type EvpnConfig, type EvpnObserved, planEvpn } from './evpn-plan.js';
import { LinuxDriver, type LinuxDriverOptions } from './linux-driver.js';
import { dump, parseFdb, parseLinks, parseNeigh } from './observe.js';
import { vxlanConfig, type VxlanOptions } from './vxlan.js';

export { DEFAULT_VXLAN_PORT } from './vxlan.js';

/**
 * `localAddress`: VTEP source (`dataplane_local_address`); `dstPort`: `vxlan_dst_port` (4789);
 * `udpCsum: false` adds `noudpcsum` (required by an OVS userspace VTEP peer).
 */
export interface LinuxEvpnOptions extends LinuxDriverOptions, VxlanOptions {}

export async function observeEvpn(runner: CommandRunner): Promise<EvpnObserved> {
  const [links, fdb, neigh] = await Promise.all([
    dump(runner, ['ip', '-j', '-d', 'link', 'show']),
    dump(runner, ['bridge', '-j', 'fdb', 'show']),
    dump(runner, ['ip', '-j', 'neigh', 'show', 'nud', 'permanent']),
  ]);
  return { links: parseLinks(links), fdb: parseFdb(fdb), neigh: parseNeigh(neigh) };
}

export class LinuxEvpnDriver extends LinuxDriver<EvpnObserved> {
  constructor(options: LinuxEvpnOptions) {
    const config: EvpnConfig = vxlanConfig(options);
    super(
      {
        name: 'linux-evpn',
        type: 'evpn',
        observe: observeEvpn,
        plan: (desired, observed) => planEvpn(instancesOf(desired, 'evpn'), observed, config),
      },
      options,
    );
  }
}
