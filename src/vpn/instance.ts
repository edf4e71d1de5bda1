/**
 * What every VPN instance shares (bagpipe §1.4, §1.5, §4.1): identifiers from the allocator,
 * route-target subscriptions kept in step with the spec (only the added and removed import
 * RTs change, bagpipe `update_route_targets`), the received routes grouped per destination with
 * the dirty set, the ports (the whole set per call, STYLE rule 12: the instance does the diff),
 * and the publisher of its own routes. `IpvpnInstance` and `EvpnInstance` (through
 * `RoutedInstance`) own an `InstanceCore` and add the route types, the selection and the intent.
 *
 * A route this instance originated is ignored on receive; routes of other local instances are
 * imported like any other (local leaking, bagpipe §4.2).
 */
import type { FamilyKey } from '../bgp/codec/index.js';
import type { Encap, InstanceIntent, LocalPort } from '../dataplane/intent.js';
import { BgpdError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { sourceId, type RibApi, type RibEvent, type Route, type Subscription } from '../rib/types.js';
import type { Allocator, InstanceIds } from './allocator.js';
import { Publisher, routeKey } from './publisher.js';
import { needsEndpointRd, needsPortLabel, type EndpointIds, type OriginContext } from './routes.js';
import {
  endpointKey,
  endpointOf,
  portIfname,
  VPN_ERR,
  VpnError,
  type AttachmentSpec,
  type Endpoint,
  type InstanceSpec,
  type PortProblem,
  type VpnType,
} from './types.js';

export interface InstanceContext {
  readonly rib: RibApi;
  readonly allocator: Allocator;
  readonly bgpAddress: string;
  readonly dataplaneAddress: string;
  /** What the dataplane driver of this type can do, in its preference order. */
  readonly driverEncaps: readonly Encap[];
  readonly logger: Logger;
  /** Told (synchronously) whenever the instance's intent or exported routes may have changed. */
  readonly onDirty: () => void;
}

/** Looking-glass data of one instance. */
export interface InstanceStatus {
  readonly id: string;
  readonly type: VpnType;
  readonly rd: string | undefined;
  readonly vni: number | undefined;
  readonly importRTs: readonly string[];
  readonly exportRTs: readonly string[];
  readonly encapsulations: readonly Encap[];
  readonly ports: readonly Endpoint[];
  readonly receivedRoutes: number;
  readonly bestRoutes: readonly Route[];
  readonly advertisedRoutes: readonly Route[];
}

/** What the manager drives, whatever the instance type. */
export interface ManagedInstance {
  readonly id: string;
  readonly type: VpnType;
  /** Apply a new spec (throws `AllocationError`/`VpnError`, leaving the instance as it was). */
  update(spec: InstanceSpec): void;
  /** The whole set of this instance's attachments, by desired key; returns the rejected ones. */
  setPorts(attachments: ReadonlyMap<string, AttachmentSpec>): PortProblem[];
  /** The forwarding intent (undefined: nothing to program, e.g. plain unicast). */
  intent(): InstanceIntent | undefined;
  /** The RTs it subscribes to (import RTs and readvertise fromRTs), for RT Constraint. */
  importedRouteTargets(): ReadonlySet<string>;
  status(): InstanceStatus;
  /** Stop listening; `withdraw` also removes every route it published (deletion). */
  close(withdraw: boolean): void;
}

/** The instance's encapsulations: its preference order within the driver's (bagpipe §4.2). */
export function effectiveEncaps(spec: InstanceSpec, driver: readonly Encap[]): Encap[] {
  const out =
    spec.encapsulations === undefined ? [...driver] : spec.encapsulations.filter((e) => driver.includes(e));
  if (out.length === 0) {
    throw new VpnError(
      VPN_ERR.encapsulation,
      `VPN instance ${spec.vpnInstanceId}: none of the encapsulations ${JSON.stringify(spec.encapsulations)} is supported by the ${spec.type} driver (${driver.join(', ')})`,
    );
  }
  return out;
}

export type Interest = readonly [FamilyKey, string];

/** The type-specific half of the core. */
export interface CoreHooks {
  /** The (family, RT) pairs to subscribe to for a spec. */
  interests(spec: InstanceSpec): readonly Interest[];
  /** The destination group of a received route (e.g. its prefix, or its MAC); undefined: ignored. */
  groupOf(route: Route): string | undefined;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class InstanceCore {
  readonly id: string;
  readonly type: 'ipvpn' | 'evpn';
  readonly publisher: Publisher;
  readonly #ctx: InstanceContext;
  readonly #hooks: CoreHooks;
  readonly #sub: Subscription;
  #spec: InstanceSpec;
  #ids: InstanceIds;
  #encaps: Encap[];
  #interests = new Map<string, Interest>();
  readonly #groups = new Map<string, Map<string, Route>>();
  #dirty = new Set<string>();
  #received = 0;
  #attachments: ReadonlyMap<string, AttachmentSpec> = new Map();
  #endpoints = new Map<string, Endpoint>();
  #endpointIds = new Map<string, EndpointIds>();
  #sorted: readonly Endpoint[] = [];
  #problems: PortProblem[] = [];

  constructor(spec: InstanceSpec, type: 'ipvpn' | 'evpn', ctx: InstanceContext, hooks: CoreHooks) {
    this.id = spec.vpnInstanceId;
    this.type = type;
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#encaps = effectiveEncaps(spec, ctx.driverEncaps);
    this.#ids = ctx.allocator.instance(this.id, { rd: spec.routeDistinguisher, vni: spec.vni });
    this.#spec = spec;
    this.publisher = new Publisher(ctx.rib, this.id);
    this.#sub = ctx.rib.subscribe((e) => {
      this.#onEvent(e);
    });
    this.#applyInterests();
  }

  get spec(): InstanceSpec {
    return this.#spec;
  }

  get ids(): InstanceIds {
    return this.#ids;
  }

  get encaps(): readonly Encap[] {
    return this.#encaps;
  }

  origin(): OriginContext {
    const s = this.#spec;
    return {
      owner: this.id,
      rd: this.#ids.rd,
      vni: this.#ids.vni,
      exportRTs: s.exportRTs,
      encaps: this.#encaps,
      localPref: s.localPref,
      advertiseSubnet: s.advertiseSubnet,
      dataplaneAddress: this.#ctx.dataplaneAddress,
      bgpAddress: this.#ctx.bgpAddress,
    };
  }

  /**
   * Apply a spec: identifiers first (a conflict throws before anything changed), then the RT
   * subscriptions by difference, then the ports again (their numbers depend on the spec); an
   * import-side change makes every group dirty. `changed` is false for an identical spec.
   */
  update(spec: InstanceSpec): { readonly changed: boolean } {
    const encaps = effectiveEncaps(spec, this.#ctx.driverEncaps);
    const ids = this.#ctx.allocator.instance(this.id, { rd: spec.routeDistinguisher, vni: spec.vni });
    const state = (s: InstanceSpec, e: readonly Encap[], i: InstanceIds): string => JSON.stringify([s, e, i]);
    if (state(spec, encaps, ids) === state(this.#spec, this.#encaps, this.#ids)) return { changed: false };
    const imports = (s: InstanceSpec, e: readonly Encap[]): string =>
      JSON.stringify([s.importRTs, s.readvertise, e]);
    const importsChanged = imports(spec, encaps) !== imports(this.#spec, this.#encaps);
    this.#ids = ids;
    this.#spec = spec;
    this.#encaps = encaps;
    this.#applyInterests();
    this.#resolveEndpoints();
    if (importsChanged) for (const g of this.#groups.keys()) this.#dirty.add(g);
    this.#ctx.onDirty();
    return { changed: true };
  }

  /** The whole set of attachments; `changed` when the accepted endpoints or their numbers changed. */
  setAttachments(attachments: ReadonlyMap<string, AttachmentSpec>): {
    readonly problems: PortProblem[];
    readonly changed: boolean;
  } {
    const before = this.#portState();
    this.#attachments = attachments;
    this.#resolveEndpoints();
    const changed = this.#portState() !== before;
    if (changed) this.#ctx.onDirty();
    return { problems: this.#problems, changed };
  }

  #portState(): string {
    return JSON.stringify([...this.#endpoints].map(([name, ep]) => [ep, this.#endpointIds.get(name)]));
  }

  /** The accepted endpoints, by attachment key order. */
  endpoints(): readonly Endpoint[] {
    return this.#sorted;
  }

  idsOf(ep: Endpoint): EndpointIds {
    return this.#endpointIds.get(ep.name) ?? {};
  }

  importedRouteTargets(): ReadonlySet<string> {
    return new Set([...this.#interests.values()].map(([, rt]) => rt));
  }

  /** The received routes of one group, by source and key. */
  group(key: string): ReadonlyMap<string, Route> {
    return this.#groups.get(key) ?? new Map<string, Route>();
  }

  /** The groups changed since the last call. */
  takeDirty(): string[] {
    const out = [...this.#dirty];
    this.#dirty = new Set();
    return out;
  }

  get receivedRoutes(): number {
    return this.#received;
  }

  close(withdraw: boolean): void {
    this.#sub.close();
    if (withdraw) this.publisher.withdrawAll();
  }

  statusBase(best: readonly Route[]): InstanceStatus {
    return {
      id: this.id,
      type: this.type,
      rd: this.#ids.rd,
      vni: this.#ids.vni,
      importRTs: this.#spec.importRTs,
      exportRTs: this.#spec.exportRTs,
      encapsulations: this.#encaps,
      ports: this.endpoints(),
      receivedRoutes: this.#received,
      bestRoutes: best,
      advertisedRoutes: this.publisher.routes(),
    };
  }

  /** Subscribe to the added interests before dropping the removed ones (no remove-then-add churn). */
  #applyInterests(): void {
    const want = new Map<string, Interest>();
    for (const i of this.#hooks.interests(this.#spec)) want.set(`${i[0]}|${i[1]}`, i);
    const added = [...want].filter(([k]) => !this.#interests.has(k));
    const removed = [...this.#interests].filter(([k]) => !want.has(k));
    for (const [, [family, rt]] of added) this.#sub.add(family, rt);
    for (const [, [family, rt]] of removed) this.#sub.remove(family, rt);
    this.#interests = want;
    if (added.length + removed.length === 0) return;
    const keys = (l: [string, Interest][]): string[] => l.map(([k]) => k);
    this.#ctx.logger.debug({ added: keys(added), removed: keys(removed) }, 'route target subscriptions');
  }

  #onEvent(e: RibEvent): void {
    const r = e.route;
    if (r.source.kind === 'local' && r.source.owner === this.id) return;
    const g = this.#hooks.groupOf(r);
    if (g === undefined) return;
    const rk = `${sourceId(r.source)}|${routeKey(r)}`;
    let m = this.#groups.get(g);
    if (e.type === 'add') {
      if (m === undefined) this.#groups.set(g, (m = new Map<string, Route>()));
      if (!m.has(rk)) this.#received++;
      m.set(rk, r);
    } else {
      if (m?.delete(rk) !== true) return;
      this.#received--;
      if (m.size === 0) this.#groups.delete(g);
    }
    this.#dirty.add(g);
    this.#ctx.onDirty();
  }

  /**
   * Accept the attachments that make a consistent set: the ones accepted before keep their
   * place, newcomers in key order; each gets the numbers its routes need.
   */
  #resolveEndpoints(): void {
    const before = this.#endpoints;
    const names = [...this.#attachments.keys()].sort(
      (a, b) => Number(!before.has(a)) - Number(!before.has(b)) || compareText(a, b),
    );
    const claims = new Claims();
    this.#endpoints = new Map();
    this.#endpointIds = new Map();
    this.#problems = [];
    this.#ctx.allocator.batch(() => {
      for (const name of names) {
        const a = this.#attachments.get(name);
        if (a !== undefined) this.#accept(name, a, claims);
      }
      this.#ctx.allocator.retainPorts(this.id, claims.labelled, claims.rds);
    });
    this.#sorted = [...this.#endpoints.values()].sort((a, b) => compareText(a.name, b.name));
  }

  #accept(name: string, a: AttachmentSpec, claims: Claims): void {
    const fail = (code: string, reason: string, message: string): void => {
      this.#problems.push({ name, code, reason, message });
      this.#ctx.logger.debug({ attachment: name, code }, message);
    };
    const ifname = portIfname(a.localPort);
    if (a.localPort.type === 'evpn') {
      fail(
        VPN_ERR.unsupported,
        'Unsupported',
        'linking an E-VPN into an IP VPN (localPort.evpn) is not supported',
      );
      return;
    }
    if (ifname === undefined) {
      fail(VPN_ERR.invalidPort, 'InvalidPort', 'the local port has no interface name');
      return;
    }
    if (this.type === 'ipvpn' && a.ipAddress === undefined) {
      fail(VPN_ERR.invalidPort, 'InvalidPort', 'an IP VPN port needs ipAddress');
      return;
    }
    const ep = endpointOf(name, a, ifname);
    const clash = claims.conflict(ep);
    if (clash !== undefined) {
      fail(VPN_ERR.endpointConflict, 'EndpointConflict', clash);
      return;
    }
    try {
      this.#endpointIds.set(name, this.#allocate(ep, claims));
    } catch (e) {
      if (!BgpdError.is(e)) throw e;
      fail(e.code, 'AllocationFailed', errorMessage(e));
      return;
    }
    claims.take(ep);
    this.#endpoints.set(name, ep);
  }

  #allocate(ep: Endpoint, claims: Claims): EndpointIds {
    const alloc = this.#ctx.allocator;
    const origin = { advertiseSubnet: this.#spec.advertiseSubnet };
    const label = needsPortLabel(this.type, this.#encaps) ? alloc.portLabel(this.id, ep.mac) : undefined;
    const wantRd = needsEndpointRd(this.type, origin, ep, this.#spec.readvertise !== undefined);
    const rd = wantRd ? alloc.endpointRd(this.id, endpointKey(ep)) : undefined;
    if (label !== undefined) claims.labelled.add(ep.mac);
    if (rd !== undefined) claims.rds.add(endpointKey(ep));
    return { portLabel: label, endpointRd: rd };
  }
}

/** The uniqueness rules of one instance's endpoints (bagpipe §1.4 `vif_plugged`). */
class Claims {
  readonly #endpoints = new Map<string, string>();
  readonly #ips = new Map<string, { readonly mac: string; readonly name: string }>();
  readonly #macs = new Map<string, { readonly ifname: string; readonly name: string }>();
  readonly labelled = new Set<string>();
  readonly rds = new Set<string>();

  conflict(ep: Endpoint): string | undefined {
    const same = this.#endpoints.get(endpointKey(ep));
    if (same !== undefined) return `the same MAC and IP are already attached by ${same}`;
    const ip = ep.ip === undefined ? undefined : this.#ips.get(ep.ip);
    if (ip !== undefined && ip.mac !== ep.mac)
      return `IP ${ep.ip ?? ''} is already bound to MAC ${ip.mac} by ${ip.name}`;
    const mac = this.#macs.get(ep.mac);
    if (mac !== undefined && mac.ifname !== ep.ifname) {
      return `MAC ${ep.mac} is already attached on port ${mac.ifname} by ${mac.name}`;
    }
    return undefined;
  }

  take(ep: Endpoint): void {
    this.#endpoints.set(endpointKey(ep), ep.name);
    if (ep.ip !== undefined) this.#ips.set(ep.ip, { mac: ep.mac, name: ep.name });
    this.#macs.set(ep.mac, { ifname: ep.ifname, name: ep.name });
  }
}

/**
 * The intent's local ports: one per (interface, MAC, IP), IPs without their length; with
 * `labelOf`, each carries the label advertised for it (IP VPN per-port labels).
 */
export function localPortsOf(
  endpoints: readonly Endpoint[],
  labelOf: (e: Endpoint) => number | undefined = () => undefined,
): LocalPort[] {
  const out = new Map<string, LocalPort>();
  for (const e of endpoints) {
    const base: LocalPort =
      e.ip === undefined ? { ifname: e.ifname, mac: e.mac } : { ifname: e.ifname, mac: e.mac, ip: e.ip };
    const label = labelOf(e);
    const p = label === undefined ? base : { ...base, label };
    out.set(`${p.ifname}|${p.mac}|${p.ip ?? ''}`, p);
  }
  return [...out.values()];
}
