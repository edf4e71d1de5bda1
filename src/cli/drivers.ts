/**
 * Dataplane drivers from the configuration: `[DATAPLANE_DRIVER_IPVPN]` and
 * `[DATAPLANE_DRIVER_EVPN]` `dataplane_driver` (bagpipe's class paths are already mapped to
 * `dummy`, `linux` or `ovs` by the config loader). Both linux drivers share one runner, so one
 * pair of long-lived `ip`/`bridge` batch children serves the whole daemon.
 */
import type { Config, DataplaneConfig, OptionValue } from '../daemon/config.js';
import {
  DummyDriver,
  LinuxEvpnDriver,
  LinuxIpvpnDriver,
  OvsIpvpnDriver,
  SystemRunner,
  type OvsIpvpnOptions,
  type DataplaneDriver,
  type InstanceType,
} from '../dataplane/index.js';
import { ConfigError } from '../daemon/config.js';
import type { Logger } from '../lib/log.js';

export interface Drivers {
  readonly ipvpn: DataplaneDriver;
  readonly evpn: DataplaneDriver;
  stop(): Promise<void>;
}

function build(
  type: InstanceType,
  dp: DataplaneConfig,
  runner: () => SystemRunner,
  logger: Logger,
): DataplaneDriver {
  const vxlan = { localAddress: dp.localAddress, dstPort: dp.vxlanDstPort };
  switch (dp.driver) {
    case 'dummy':
      return new DummyDriver({ type, logger });
    case 'linux':
      return type === 'evpn'
        ? new LinuxEvpnDriver({ runner: runner(), logger, ...vxlan })
        : new LinuxIpvpnDriver({ runner: runner(), logger, ...vxlan });
    case 'ovs':
      if (type === 'evpn')
        throw new ConfigError(
          '[DATAPLANE_DRIVER_EVPN] dataplane_driver = ovs: not available in this build (use linux)',
        );
      return new OvsIpvpnDriver({ runner: runner(), logger, ...ovsOptions(dp) });
  }
}

const str = (v: OptionValue): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: OptionValue): number | undefined => (typeof v === 'number' ? v : undefined);

/** bagpipe's `[DATAPLANE_DRIVER_IPVPN]` options for the OVS driver. */
function ovsOptions(dp: DataplaneConfig): Omit<OvsIpvpnOptions, 'runner'> {
  const o = dp.options;
  const bridge = str(o['ovs_bridge']);
  const mplsInterface = str(o['mpls_interface']);
  const inputTable = num(o['input_table']);
  const tableStart = num(o['ovs_table_id_start']);
  const greTunnel = str(o['gre_tunnel']);
  return {
    localAddress: dp.localAddress,
    vxlanDstPort: dp.vxlanDstPort,
    proxyArp: o['proxy_arp'] === true || o['arp_responder'] === true,
    ...(bridge === undefined ? {} : { bridge }),
    ...(mplsInterface === undefined ? {} : { mplsInterface }),
    ...(inputTable === undefined ? {} : { inputTable }),
    ...(tableStart === undefined ? {} : { tableStart }),
    ...(greTunnel === undefined ? {} : { greTunnel }),
  };
}

export interface CreateDriversOptions {
  /** Run every command inside this network namespace (the tools' `--netns`). */
  readonly netns?: string;
  /** Start the periodic repair passes the config asks for (default true; tools pass false). */
  readonly repair?: boolean;
}

export function createDrivers(config: Config, logger: Logger, options: CreateDriversOptions = {}): Drivers {
  let shared: SystemRunner | undefined;
  const netns = options.netns;
  const runner = (): SystemRunner => (shared ??= new SystemRunner(netns === undefined ? {} : { netns }));
  const ipvpn = build('ipvpn', config.ipvpn, runner, logger);
  const evpn = build('evpn', config.evpn, runner, logger);
  for (const [d, dp] of [
    [ipvpn, config.ipvpn],
    [evpn, config.evpn],
  ] as const) {
    if (options.repair !== false && dp.repairIntervalSeconds > 0)
      d.startRepair(dp.repairIntervalSeconds * 1000);
  }
  return {
    ipvpn,
    evpn,
    async stop() {
      await Promise.all([ipvpn.stop(), evpn.stop()]);
      await shared?.close();
    },
  };
}
