/**
 * The daemon (layer 4): one RIB, the BGP speaker, the RT Constraint originator, the VPN
 * instances and the two dataplane drivers, wired together. Reconcilers drive it through
 * `DaemonControl` (the whole set of each concern); the HTTP layer reads `status()`.
 *
 * Flow: desired objects -> `setVpn` -> VpnManager publishes routes into the RIB and tells the
 * RtcOriginator which RTs are imported; the speaker advertises them to peers through each
 * peer's Adj-RIB-Out; received routes reach the instances through RIB subscriptions; each
 * instance's intent goes to its driver, which applies the difference.
 */
import type { FamilyKey } from '../bgp/codec/index.js';
import type { OpenOptions } from '../bgp/session/negotiate.js';
import type { PeerConfig } from '../bgp/session/types.js';
import type { DataplaneDriver, DataplaneIntent, Encap, InstanceType } from '../dataplane/index.js';
import type { EffectivePortAttachment, EffectiveVpnInstance } from '../desired/defaults.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { Rib } from '../rib/rib.js';
import { RTC_SOURCE, RtcOriginator } from '../rib/rtc.js';
import type { Route, Source } from '../rib/types.js';
import { Allocator } from '../vpn/allocator.js';
import { VpnManager } from '../vpn/manager.js';
import type { Config } from './config.js';
import type { DaemonControl, ObjectProblem } from './control.js';
import { Speaker, type PeerStatus, type SpeakerOptions } from './speaker.js';
import type { InstanceStatus } from '../vpn/instance.js';

export interface DaemonDrivers {
  readonly ipvpn: DataplaneDriver;
  readonly evpn: DataplaneDriver;
}

export interface DaemonOptions {
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  readonly drivers: DaemonDrivers;
  readonly nodeName: string;
  /** The allocation file (RDs, labels, VNIs); undefined keeps them in memory. */
  readonly allocationsFile?: string | undefined;
  /** Graceful-restart facts of this start (RFC 4724 3). */
  readonly openOptions?: OpenOptions;
  readonly connect?: SpeakerOptions['connect'];
}

/**
 * What each driver can carry, so instances advertise and import matching encapsulations
 * (bagpipe 4.2): E-VPN is VXLAN everywhere; for IP VPN the dummy driver offers MPLS as the
 * original's does (so routes from original PEs with MPLS drivers are imported and ours are
 * imported by them), the linux driver VXLAN (kernel MPLS is not available here), OVS all three.
 */
export function driverEncapsulations(driver: Pick<DataplaneDriver, 'name' | 'type'>): readonly Encap[] {
  if (driver.type === 'evpn') return ['vxlan'];
  if (driver.name === 'ovs') return ['mpls-gre', 'mpls', 'vxlan'];
  return driver.name === 'dummy' ? ['mpls'] : ['vxlan'];
}

export interface DaemonStatus {
  readonly peers: PeerStatus[];
  readonly instances: InstanceStatus[];
  readonly drivers: ReturnType<DataplaneDriver['status']>[];
  readonly routeTargets: string[];
  readonly ribSize: number;
}

export class Daemon implements DaemonControl {
  readonly rib = new Rib();
  readonly speaker: Speaker;
  readonly vpn: VpnManager;
  readonly rtc: RtcOriginator | undefined;
  readonly #o: DaemonOptions;
  readonly #allocator: Allocator;
  /**
   * RFC 4724 4.1 after a restart that kept forwarding state: intents are held (the kernel keeps
   * forwarding on the previous run's state) until every Established GR peer has sent End-of-RIB
   * for each of its families, or the restart time passes; then the drivers adopt.
   */
  #held: Map<InstanceType, DataplaneIntent> | undefined;
  #deferral: TimerHandle | undefined;
  readonly #eor = new Map<string, Set<FamilyKey>>();
  /** Instances that hold RTC imports, to release those that went. */
  #rtcOwners = new Set<string>();

  constructor(o: DaemonOptions) {
    this.#o = o;
    const bgp = o.config.bgp;
    this.speaker = new Speaker({
      rib: this.rib,
      clock: o.clock,
      log: o.log.child({ component: 'bgp' }),
      localAddress: bgp.localAddress,
      ...(o.openOptions ? { openOptions: o.openOptions } : {}),
      ...(o.connect ? { connect: o.connect } : {}),
      onEndOfRib: (peer, family) => {
        this.#eor.set(peer, (this.#eor.get(peer) ?? new Set()).add(family));
        const done = this.speaker.peers().every((p) => {
          const n = p.state === 'Established' ? p.negotiated : undefined;
          return (
            n?.peerGracefulRestart === undefined || n.families.every((f) => this.#eor.get(p.address)?.has(f))
          );
        });
        if (done) this.#release('End-of-RIB from every peer');
      },
    });
    if (o.openOptions?.restarting === true && o.openOptions.forwardingKept !== false) {
      this.#held = new Map();
      const ms = bgp.gracefulRestartTime * 1000;
      this.#deferral = o.clock.setTimeout(() => {
        this.#release('selection deferral timer expired');
      }, ms);
    }
    this.rtc = bgp.enableRtc
      ? new RtcOriginator({ rib: this.rib, localAs: bgp.myAs, nextHop: bgp.localAddress })
      : undefined;
    this.#allocator = new Allocator({
      localAddress: bgp.localAddress,
      path: o.allocationsFile,
      logger: o.log.child({ component: 'allocations' }),
    });
    this.vpn = new VpnManager({
      rib: this.rib,
      allocator: this.#allocator,
      localAddress: bgp.localAddress,
      dataplaneAddress: { ipvpn: o.config.ipvpn.localAddress, evpn: o.config.evpn.localAddress },
      encapsulations: {
        ipvpn: driverEncapsulations(o.drivers.ipvpn),
        evpn: driverEncapsulations(o.drivers.evpn),
      },
      nodeName: o.nodeName,
      logger: o.log.child({ component: 'vpn' }),
      onIntent: (type, intent) => {
        this.#program(type, intent);
      },
    });
  }

  /** Listen for peers when `[BGP] listen` says so; resolves with the port (or undefined). */
  async start(): Promise<number | undefined> {
    const { listen, listenPort } = this.#o.config.bgp;
    if (listen === undefined) return undefined;
    return this.speaker.listen(listen, listenPort);
  }

  setPeers(peers: readonly PeerConfig[]): void {
    this.speaker.setPeers(peers);
    if (peers.length === 0) this.#release('no BGP peer to wait for');
  }

  setVpn(
    instances: ReadonlyMap<string, EffectiveVpnInstance>,
    attachments: ReadonlyMap<string, EffectivePortAttachment>,
  ): readonly ObjectProblem[] {
    const problems = this.vpn.setDesired(instances, attachments);
    this.#updateRtc();
    return problems;
  }

  /** Every route of `family` in the RIB, ours and received (the looking glass lists them). */
  *routes(family: FamilyKey): Iterable<Route> {
    const locals = [...this.vpn.instanceIds().map((owner): Source => ({ kind: 'local', owner })), RTC_SOURCE];
    for (const source of [...locals, ...this.speaker.sources()]) {
      for (const r of this.rib.routesOf(source)) if (r.family === family) yield r;
    }
  }

  status(): DaemonStatus {
    return {
      peers: this.speaker.peers(),
      instances: this.vpn.instanceIds().flatMap((id) => this.vpn.status(id) ?? []),
      drivers: [this.#o.drivers.ipvpn.status(), this.#o.drivers.evpn.status()],
      routeTargets: this.rtc?.routeTargets() ?? [],
      ribSize: this.rib.size,
    };
  }

  /**
   * Stop sessions and instances; routes and allocations stay for the next start. `graceful`:
   * peers that negotiated graceful restart keep our routes (no NOTIFICATION, RFC 4724).
   */
  async stop(options: { graceful: boolean } = { graceful: true }): Promise<void> {
    this.#deferral?.cancel();
    await this.speaker.stop('bagpipe-bgp stopping', options);
    this.vpn.close();
    this.rtc?.close();
  }

  /** RFC 4684: one RTC route per RT some instance imports (a union across instance types). */
  #updateRtc(): void {
    const rtc = this.rtc;
    if (rtc === undefined) return;
    const imported = this.vpn.importedRouteTargets();
    for (const [owner, rts] of imported) rtc.setImports(owner, rts);
    for (const owner of this.#rtcOwners) if (!imported.has(owner)) rtc.release(owner);
    this.#rtcOwners = new Set(imported.keys());
  }

  /** Ends the restart deferral: the instances' current intents go to the drivers. */
  #release(why: string): void {
    if (this.#held === undefined) return;
    this.vpn.flush();
    const held = this.#held;
    this.#held = undefined;
    this.#deferral?.cancel();
    this.#o.log.info({ why, types: [...held.keys()] }, 'restart: dataplane drivers take over');
    for (const [type, intent] of held) this.#program(type, intent);
  }

  #program(type: InstanceType, intent: DataplaneIntent): void {
    if (this.#held !== undefined) {
      this.#held.set(type, intent);
      return;
    }
    const driver = this.#o.drivers[type];
    driver.apply(intent).catch((e: unknown) => {
      this.#o.log.error({ driver: driver.name, type, err: errorMessage(e) }, 'dataplane pass failed');
    });
  }
}
