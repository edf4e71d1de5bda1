/**
 * The Linux IP VPN driver (`[DATAPLANE_DRIVER_IPVPN] dataplane_driver = linux`): a routing
 * table, policy rules and a VXLAN device per VRF, planned by `planIpvpn` (the design is written
 * at the top of `ipvpn-plan.ts`). An OVS driver will sit next to it behind the same
 * `DataplaneDriver` contract, with its own backend (observe = `ovs-ofctl dump-flows`, plan =
 * flows by cookie, execute = `ovs-ofctl --bundle`).
 */
import { instancesOf } from '../intent.js';
import type { CommandRunner } from '../runner.js';
import { type IpvpnConfig, type IpvpnObserved, planIpvpn } from './ipvpn-plan.js';
import { LinuxDriver, type LinuxDriverOptions } from './linux-driver.js';
import { vxlanConfig, type VxlanOptions } from './vxlan.js';
import { OWNER_PROTO } from './names.js';
import {
  dump,
  parseAddrs,
  parseFdb,
  parseGrepValues,
  parseLinks,
  parseNeigh,
  parseRoutes,
  parseRules,
} from './observe.js';

export interface LinuxIpvpnOptions extends LinuxDriverOptions, VxlanOptions {
  /** Owned routing tables: [tableBase, tableBase + tableCount); defaults 1000 and 10000. */
  readonly tableBase?: number;
  readonly tableCount?: number;
  /** Policy rule priority (P lookup, P+1 unreachable); default 1000. */
  readonly rulePriority?: number;
}

const SYSCTL_DIRS = ['/proc/sys/net/ipv4/conf', '/proc/sys/net/ipv4/neigh', '/proc/sys/net/ipv4/ip_forward'];

async function readSysctlTree(runner: CommandRunner): Promise<Map<string, string>> {
  const includes = ['proxy_arp', 'rp_filter', 'proxy_delay', 'ip_forward'].map((f) => `--include=${f}`);
  const r = await runner.run(['grep', '-r', '-H', ...includes, '.', ...SYSCTL_DIRS]);
  const out = new Map<string, string>();
  for (const [path, value] of parseGrepValues(r.stdout)) out.set(path.replace(/^\/proc\/sys\//, ''), value);
  return out;
}

export async function observeIpvpn(runner: CommandRunner): Promise<IpvpnObserved> {
  const [links, fdb, neigh, routes, rules, addrs, sysctl] = await Promise.all([
    dump(runner, ['ip', '-j', '-d', 'link', 'show']),
    dump(runner, ['bridge', '-j', 'fdb', 'show']),
    dump(runner, ['ip', '-j', 'neigh', 'show', 'nud', 'permanent']),
    dump(runner, ['ip', '-j', 'route', 'show', 'table', 'all', 'proto', String(OWNER_PROTO)]),
    dump(runner, ['ip', '-j', 'rule', 'show']),
    dump(runner, ['ip', '-j', 'addr', 'show']),
    readSysctlTree(runner),
  ]);
  return {
    links: parseLinks(links),
    fdb: parseFdb(fdb),
    neigh: parseNeigh(neigh),
    routes: parseRoutes(routes, { protocol: String(OWNER_PROTO) }),
    rules: parseRules(rules),
    addrs: parseAddrs(addrs),
    sysctl,
  };
}

export class LinuxIpvpnDriver extends LinuxDriver<IpvpnObserved> {
  constructor(options: LinuxIpvpnOptions) {
    const config: IpvpnConfig = {
      ...vxlanConfig(options),
      tableBase: options.tableBase ?? 1000,
      tableCount: options.tableCount ?? 10000,
      rulePriority: options.rulePriority ?? 1000,
    };
    super(
      {
        name: 'linux-ipvpn',
        type: 'ipvpn',
        observe: observeIpvpn,
        plan: (desired, observed) => planIpvpn(instancesOf(desired, 'ipvpn'), observed, config),
      },
      options,
    );
  }
}
