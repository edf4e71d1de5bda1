/**
 * The Open vSwitch IP VPN driver (`[DATAPLANE_DRIVER_IPVPN] dataplane_driver = ovs`): bagpipe's
 * MPLS/VXLAN OpenFlow pipeline on an existing bridge (flows in `flows.ts`, planning in
 * `plan.ts`). One pass = observe (ports, our flows by cookie mask, our groups) → create missing
 * tunnel ports → plan the minimal mods → one `ovs-ofctl bundle`. Until the first `apply` nothing
 * is touched; flows and groups that already match are adopted as they are.
 *
 * The bridge must exist and allow OpenFlow 1.5 (`protocols=…,OpenFlow15`). Tunnel ports are
 * created with `ovs-vsctl --may-exist add-port` when an instance needs them, and never removed.
 */
import { tmpdir } from 'node:os';
import { type Clock, systemClock } from '../../lib/clock.js';
import { DataplaneError } from '../../lib/errors.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { type ApplyResult, BaseDriver, type DriverPreview, type EntryError, OPS_SHOWN } from '../driver.js';
import { type DataplaneIntent, instancesOf } from '../intent.js';
import { dump } from '../linux/observe.js';
import type { CommandRunner } from '../runner.js';
import { applyBundle } from './bundle.js';
import type { OvsIpvpnInstance } from './flows.js';
import type { OvsConfig } from './names.js';
import {
  observeOvs,
  ofctl,
  type OvsObserved,
  type OvsTarget,
  parsePorts,
  sameView,
  startObservation,
  type SwitchState,
  vsctl,
} from './observe.js';
import { diffState, intendedState, modText, type OvsPlan, planOvsIpvpn } from './plan.js';

export interface OvsIpvpnOptions {
  readonly runner: CommandRunner;
  /** `dataplane_local_address`: this node's VTEP / PE address. */
  readonly localAddress: string;
  /** `ovs_bridge` (default `br-mpls`). */
  readonly bridge?: string;
  /** `ovs-ofctl` target when not the bridge name, e.g. `unix:/run/x/br-mpls.mgmt`. */
  readonly target?: string;
  /** `ovs-vsctl --db=` (e.g. `unix:/run/x/db.sock`); ovs-vsctl's default otherwise. */
  readonly ovsdb?: string;
  /** `input_table` (0) and `ovs_table_id_start` (1: encap-in table 1, VRF table 2). */
  readonly inputTable?: number;
  readonly tableStart?: number;
  /** VXLAN tunnel port name (default `vxlan`); `false` turns VXLAN off. */
  readonly vxlanPort?: string | false;
  /** UDP port of the VXLAN tunnel port when created (OVS default 4789). */
  readonly vxlanDstPort?: number;
  /** MPLS-over-GRE tunnel port name (bagpipe's `gre_tunnel`, e.g. `mpls_gre`); off by default. */
  readonly greTunnel?: string;
  /** Bridge port for bare MPLS (`mpls_interface`); next-hop MACs come from the neighbour table. */
  readonly mplsInterface?: string;
  /** Answer ARP for every address, not only the gateway (`proxy_arp`, default false). */
  readonly proxyArp?: boolean;
  /** Group ids this driver owns: [groupBase, groupBase + groupCount); default 0xb9000000, 2^24. */
  readonly groupBase?: number;
  readonly groupCount?: number;
  readonly tmpDir?: string;
  /** `ovs-ofctl bundle` runs allowed per pass when bisecting a failed bundle (default 64). */
  readonly maxBundleAttempts?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

function configOf(o: OvsIpvpnOptions): OvsConfig {
  const inputTable = o.inputTable ?? 0;
  const start = o.tableStart ?? 1;
  const tables = [inputTable, start, start + 1];
  if (tables.some((t) => !Number.isInteger(t) || t < 0 || t > 253) || new Set(tables).size !== 3)
    throw new DataplaneError(`invalid OVS tables: input ${inputTable}, start ${start} (0..253, distinct)`);
  const groupBase = o.groupBase ?? 0xb9000000;
  const groupCount = o.groupCount ?? 1 << 24;
  if (groupBase < 0 || groupCount < 1 || groupBase + groupCount > 0xffffff00)
    throw new DataplaneError(`invalid OVS group range ${groupBase} + ${groupCount}`);
  return {
    localAddress: o.localAddress,
    inputTable,
    encapTable: start,
    vrfTable: start + 1,
    vxlanPort: o.vxlanPort === false ? undefined : (o.vxlanPort ?? 'vxlan'),
    greTunnel: o.greTunnel,
    mplsInterface: o.mplsInterface,
    proxyArp: o.proxyArp ?? false,
    groupBase,
    groupCount,
  };
}

interface TunnelResult {
  created: number;
  readonly errors: EntryError[];
  readonly ops: string[];
}

export class OvsIpvpnDriver extends BaseDriver {
  readonly #runner: CommandRunner;
  readonly #target: OvsTarget;
  readonly #config: OvsConfig;
  readonly #options: OvsIpvpnOptions;
  /** Ports and neighbours seen by the last pass: the guess the next pass plans with early. */
  #lastView: SwitchState | undefined;

  constructor(options: OvsIpvpnOptions) {
    const logger = (options.logger ?? silentLogger).child({ driver: 'ovs-ipvpn' });
    super({ name: 'ovs', type: 'ipvpn', clock: options.clock ?? systemClock, logger });
    const bridge = options.bridge ?? 'br-mpls';
    this.#runner = options.runner;
    this.#target = { bridge, target: options.target ?? bridge, ovsdb: options.ovsdb };
    this.#config = configOf(options);
    this.#options = options;
  }

  get config(): OvsConfig {
    return this.#config;
  }

  /** Ports, our flows and groups (and neighbours when bare MPLS next hops need MACs). */
  observe(withNeigh = false): Promise<OvsObserved> {
    const { groupBase, groupCount } = this.#config;
    return observeOvs(this.#runner, this.#target, { groupBase, groupCount, withNeigh });
  }

  /** Pure: the mods that turn `observed` into `desired`. */
  plan(desired: DataplaneIntent, observed: OvsObserved): OvsPlan {
    return planOvsIpvpn(instancesOf(desired, 'ipvpn'), observed, this.#config);
  }

  /**
   * The dumps start together. While they run, the wanted state is built with the ports the
   * previous pass saw (it only depends on ports and neighbours); it is rebuilt if they changed.
   * Then it is diffed against the flow and group dumps and applied in one bundle.
   */
  protected async pass(desired: DataplaneIntent): Promise<ApplyResult> {
    const instances: readonly OvsIpvpnInstance[] = instancesOf(desired, 'ipvpn');
    const c = this.#config;
    const withNeigh = this.#needsNeigh(instances);
    const pending = startObservation(this.#runner, this.#target, { ...c, withNeigh });
    const guess = this.#lastView;
    const early =
      guess === undefined ? undefined : { guess, state: intendedState(instances, { c, ...guess }) };
    let view = await pending.view;
    const tunnels = instances.length > 0 ? await this.#ensureTunnels(view.ports) : undefined;
    if (tunnels !== undefined && tunnels.created > 0) {
      view = { ...view, ports: parsePorts(await dump(this.#runner, ofctl(this.#target, 'dump-ports-desc'))) };
    }
    this.#lastView = view;
    const intended =
      early !== undefined && sameView(early.guess, view)
        ? early.state
        : intendedState(instances, { c, ...view });
    const plan = diffState(intended, await pending.tables, c);
    const r = await applyBundle(this.#runner, this.#target, plan.mods, {
      tmpDir: this.#options.tmpDir ?? tmpdir(),
      maxAttempts: this.#options.maxBundleAttempts ?? 64,
    });
    const ops = [...(tunnels?.ops ?? []), ...plan.mods.slice(0, OPS_SHOWN).map(modText)];
    return {
      changes: (tunnels?.created ?? 0) + r.ok,
      errors: [...(tunnels?.errors ?? []), ...plan.errors, ...r.errors],
      attempted: (tunnels?.ops.length ?? 0) + plan.mods.length,
      ops: ops.slice(0, OPS_SHOWN),
    };
  }

  /**
   * What a pass would do now, applying nothing: the tunnel ports it would create, then the
   * bundle's mods (planned against the ports as they are, so flows on a missing tunnel port may
   * show as errors until it exists).
   */
  async preview(desired: DataplaneIntent): Promise<DriverPreview> {
    const instances: readonly OvsIpvpnInstance[] = instancesOf(desired, 'ipvpn');
    const observed = await this.observe(this.#needsNeigh(instances));
    const tunnels = instances.length > 0 ? this.#missingTunnels(observed.ports) : [];
    const plan = this.plan(desired, observed);
    return {
      ops: [...tunnels.map((t) => t.argv.join(' ')), ...plan.mods.map(modText)],
      errors: plan.errors,
    };
  }

  #needsNeigh(instances: readonly OvsIpvpnInstance[]): boolean {
    if (this.#config.mplsInterface === undefined) return false;
    const local = this.#config.localAddress;
    return instances.some((i) =>
      i.remotePrefixes.some((r) => r.nextHops.some((h) => h.encap === 'mpls' && h.vtep !== local)),
    );
  }

  /** `ovs-vsctl` settings of the tunnel ports this configuration uses (remote_ip=flow). */
  #tunnelSpecs(): [string, string[]][] {
    const c = this.#config;
    const local = `options:local_ip=${c.localAddress}`;
    const dst = this.#options.vxlanDstPort;
    const specs: [string, string[]][] = [];
    if (c.vxlanPort !== undefined) {
      const port = dst === undefined ? [] : [`options:dst_port=${dst}`];
      specs.push([c.vxlanPort, ['type=vxlan', 'options:remote_ip=flow', 'options:key=flow', local, ...port]]);
    }
    if (c.greTunnel !== undefined) specs.push([c.greTunnel, ['type=gre', 'options:remote_ip=flow', local]]);
    return specs;
  }

  /** The configured tunnel ports missing from the bridge, with the command that adds each. */
  #missingTunnels(ports: OvsObserved['ports']): { name: string; argv: string[] }[] {
    const t = this.#target;
    return this.#tunnelSpecs()
      .filter(([name]) => !ports.has(name))
      .map(([name, settings]) => ({
        name,
        argv: vsctl(
          t,
          '--may-exist',
          'add-port',
          t.bridge,
          name,
          '--',
          'set',
          'Interface',
          name,
          ...settings,
        ),
      }));
  }

  /** Creates the configured tunnel ports that are missing from the bridge. */
  async #ensureTunnels(ports: OvsObserved['ports']): Promise<TunnelResult> {
    const out: TunnelResult = { created: 0, errors: [], ops: [] };
    for (const { name, argv } of this.#missingTunnels(ports)) {
      out.ops.push(argv.join(' '));
      const r = await this.#runner.run(argv);
      if (r.code === 0) out.created++;
      else
        out.errors.push({
          entry: `ovs tunnel port ${name}`,
          message: r.stderr.trim() || `exit code ${r.code}`,
        });
    }
    return out;
  }
}
