/**
 * An IP VPN instance (VRF; bagpipe §4.2, §4.5, RFC 4364). Exports one route per advertising
 * port plus the static routes; imports VPNv4 routes carrying an import RT, selects per prefix
 * with multipath (ECMP next hops, RFC 4271 9.1 through best-path.ts), and re-advertises the
 * best routes carrying a readvertise fromRT once per advertising port, with the RT-Record loop
 * guard. FlowSpec redirection (attractTraffic) is not implemented.
 *
 * Received routes only mark their prefix dirty; `sync` (run by `intent`) selects the dirty
 * prefixes and publishes what changed, so a burst of route events costs one pass.
 */
import { FAMILY } from '../bgp/codec/index.js';
import type { Gateway, IpvpnInstanceIntent, LocalPort, NextHop, RemotePrefix } from '../dataplane/intent.js';
import { parsePrefix, ipFamily } from '../lib/ip.js';
import { selectBest } from '../rib/best-path.js';
import type { Route } from '../rib/types.js';
import { carriesRt, ipvpnNextHop, readvertiseLooped } from './import.js';
import {
  InstanceCore,
  localPortsOf,
  type InstanceContext,
  type InstanceStatus,
  type Interest,
} from './instance.js';
import { RoutedInstance } from './routed-instance.js';
import { routeKey } from './publisher.js';
import { ipvpnEndpointRoute, ipvpnStaticRoute, readvertisedRoute } from './routes.js';
import type { Endpoint, InstanceSpec } from './types.js';

function interests(spec: InstanceSpec): Interest[] {
  const rts = [...spec.importRTs, ...(spec.readvertise?.fromRTs ?? [])];
  return rts.map((rt) => [FAMILY.ipv4Vpn, rt] as const);
}

const groupOf = (r: Route): string | undefined => (r.nlri.kind === 'vpn' ? r.nlri.prefix : undefined);

const nextHopKey = (n: NextHop): string => `${n.vtep}|${n.label}|${n.encap}|${n.lbOrder ?? ''}`;
const hopsKey = (p: RemotePrefix | undefined): string | undefined =>
  p?.nextHops.map(nextHopKey).sort().join(',');

/** The gateway on the ports: gatewayIP with the subnet length of the first port of its family. */
function gatewayOf(spec: InstanceSpec, ports: readonly Endpoint[]): Gateway | undefined {
  const ip = spec.gatewayIP;
  if (ip === undefined) return undefined;
  for (const p of ports) {
    if (p.prefix === undefined || ipFamily(p.ip ?? '') !== ipFamily(ip)) continue;
    return { ip, prefixLength: parsePrefix(p.prefix).length };
  }
  return undefined;
}

export class IpvpnInstance extends RoutedInstance<IpvpnInstanceIntent> {
  readonly type = 'ipvpn';
  readonly #best = new Map<string, Route[]>();
  readonly #remote = new Map<string, RemotePrefix>();
  /** Per prefix: the best routes to re-advertise, and our copies of them. */
  readonly #readvBest = new Map<string, Route[]>();
  readonly #readv = new Map<string, Route[]>();
  readonly #readvByKey = new Map<string, Route>();
  readonly #overlay = (key: string): Route | undefined => this.#readvByKey.get(key);

  constructor(spec: InstanceSpec, ctx: InstanceContext) {
    super(new InstanceCore(spec, 'ipvpn', ctx, { interests, groupOf }), ctx);
  }

  status(): InstanceStatus {
    this.sync();
    return this.core.statusBase([...this.#best.values()].flat());
  }

  protected header(): unknown {
    const ports = this.core.endpoints();
    return [this.core.ids.vni, this.localPorts(ports), gatewayOf(this.core.spec, ports)];
  }

  /** The ports with their per-port labels: what the dataplane must receive besides the VNI. */
  private localPorts(ports: readonly Endpoint[]): LocalPort[] {
    return localPortsOf(ports, (ep) => this.core.idsOf(ep).portLabel);
  }

  protected buildIntent(): IpvpnInstanceIntent {
    const ports = this.core.endpoints();
    const gateway = gatewayOf(this.core.spec, ports);
    return {
      type: 'ipvpn',
      id: this.id,
      vni: this.core.ids.vni,
      localPorts: this.localPorts(ports),
      ...(gateway === undefined ? {} : { gateway }),
      remotePrefixes: [...this.#remote.values()],
    };
  }

  protected rebuildRoutes(): void {
    const origin = this.core.origin();
    const routes: Route[] = [];
    for (const ep of this.core.endpoints()) {
      const r = ipvpnEndpointRoute(origin, ep, this.core.idsOf(ep));
      if (r !== undefined) routes.push(r);
    }
    for (const sr of this.core.spec.staticRoutes) routes.push(ipvpnStaticRoute(origin, sr));
    this.core.publisher.setBase(routes, this.#overlay);
    for (const prefix of [...this.#readvBest.keys()]) this.#readvertise(prefix);
  }

  /** bagpipe §4.2 import rule and multipath selection for one prefix, then §4.5. */
  protected resolve(prefix: string): void {
    const spec = this.core.spec;
    const encaps = this.core.encaps;
    const routes = [...this.core.group(prefix).values()];
    const imports = new Set(spec.importRTs);
    const eligible = routes.filter(
      (r) => carriesRt(r.attributes, imports) && ipvpnNextHop(r, encaps) !== undefined,
    );
    const best = selectBest(eligible, { multipath: true });
    const hops = new Map<string, NextHop>();
    for (const r of best) {
      const nh = ipvpnNextHop(r, encaps);
      if (nh !== undefined) hops.set(nextHopKey(nh), nh);
    }
    const old = this.#remote.get(prefix);
    if (best.length === 0) {
      this.#best.delete(prefix);
      this.#remote.delete(prefix);
    } else {
      this.#best.set(prefix, best);
      this.#remote.set(prefix, { prefix, nextHops: [...hops.values()] });
    }
    if (hopsKey(old) !== hopsKey(this.#remote.get(prefix))) this.changed();
    const rv = spec.readvertise;
    const from = new Set(rv?.fromRTs ?? []);
    const guard = new Set(rv?.toRTs ?? []);
    const candidates = routes.filter(
      (r) => carriesRt(r.attributes, from) && !readvertiseLooped(r.attributes, guard),
    );
    const rbest = selectBest(candidates, { multipath: true });
    if (rbest.length === 0) this.#readvBest.delete(prefix);
    else this.#readvBest.set(prefix, rbest);
    this.#readvertise(prefix);
  }

  /** Our copies of the prefix's re-advertised routes, one per advertising port (bagpipe §4.5). */
  #readvertise(prefix: string): void {
    const old = this.#readv.get(prefix) ?? [];
    const best = this.#readvBest.get(prefix);
    const toRTs = this.core.spec.readvertise?.toRTs;
    const fresh: Route[] = [];
    if (best !== undefined && toRTs !== undefined) {
      const origin = this.core.origin();
      for (const ep of this.core.endpoints()) {
        const r = readvertisedRoute(origin, ep, this.core.idsOf(ep), prefix, best, toRTs);
        if (r !== undefined) fresh.push(r);
      }
    }
    const keys = new Set<string>();
    for (const r of old) {
      keys.add(routeKey(r));
      this.#readvByKey.delete(routeKey(r));
    }
    for (const r of fresh) {
      keys.add(routeKey(r));
      this.#readvByKey.set(routeKey(r), r);
    }
    if (fresh.length === 0) this.#readv.delete(prefix);
    else this.#readv.set(prefix, fresh);
    this.core.publisher.refresh(keys, this.#overlay);
  }
}
