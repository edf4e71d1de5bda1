/**
 * An E-VPN instance (EVI; bagpipe §4.3, RFC 7432 over VXLAN, RFC 8365). Exports one Inclusive
 * Multicast route (type 3), one MAC/IP route (type 2) per advertising port and one IP Prefix
 * route (type 5, RFC 9136) per static route; all are rebuilt when the spec changes, so the
 * type 3 route follows the export RTs (the original kept the creation-time ones).
 *
 * Imports, for routes carrying an import RT with a compatible encapsulation: type 2 per MAC,
 * the one route chosen by RFC 7432 15 (sticky, sequence number, then best path), programmed
 * unless the MAC is one of our ports; type 3 per (originator, RD), the PMSI tunnel endpoint
 * and VNI into the flood list. Other route types are ignored.
 *
 * MAC Mobility (RFC 7432 15): a port whose MAC other PEs advertise when it appears here is
 * advertised with their highest sequence number plus one, so it wins everywhere.
 */
import { FAMILY } from '../bgp/codec/index.js';
import type { EvpnInstanceIntent, FloodEntry, RemoteMac } from '../dataplane/intent.js';
import { selectBest } from '../rib/best-path.js';
import type { Route } from '../rib/types.js';
import { carriesRt, floodEntry, highestSequence, remoteMac, selectMacRoute } from './import.js';
import {
  InstanceCore,
  localPortsOf,
  type InstanceContext,
  type InstanceStatus,
  type Interest,
} from './instance.js';
import { RoutedInstance } from './routed-instance.js';
import { evpnIpPrefixRoute, evpnMacIpRoute, evpnMulticastRoute } from './routes.js';
import { advertises, type InstanceSpec } from './types.js';

const interests = (spec: InstanceSpec): Interest[] => spec.importRTs.map((rt) => [FAMILY.evpn, rt] as const);

const macGroup = (mac: string): string => `m|${mac}`;

function groupOf(r: Route): string | undefined {
  const n = r.nlri;
  if (n.kind !== 'evpn') return undefined;
  if (n.route === 'mac-ip') return macGroup(n.mac);
  if (n.route === 'multicast') return `f|${n.originator}|${n.rd}`;
  return undefined;
}

export class EvpnInstance extends RoutedInstance<EvpnInstanceIntent> {
  readonly type = 'evpn';
  readonly #macWinner = new Map<string, Route>();
  readonly #remoteMacs = new Map<string, RemoteMac>();
  readonly #floodWinner = new Map<string, Route>();
  readonly #flood = new Map<string, FloodEntry>();
  /** Local MAC -> the MAC Mobility sequence number we advertise (0: none). */
  readonly #sequence = new Map<string, number>();

  constructor(spec: InstanceSpec, ctx: InstanceContext) {
    super(new InstanceCore(spec, 'evpn', ctx, { interests, groupOf }), ctx);
  }

  protected header(): unknown {
    return [this.core.ids.vni, localPortsOf(this.core.endpoints())];
  }

  protected buildIntent(): EvpnInstanceIntent {
    const ports = this.core.endpoints();
    const local = new Set(ports.map((p) => p.mac));
    const flood = new Map<string, FloodEntry>();
    for (const f of this.#flood.values()) flood.set(`${f.vtep}|${f.vni}`, f);
    return {
      type: 'evpn',
      id: this.id,
      vni: this.core.ids.vni,
      localPorts: localPortsOf(ports),
      remoteMacs: [...this.#remoteMacs.values()].filter((m) => !local.has(m.mac)),
      floodList: [...flood.values()],
    };
  }

  status(): InstanceStatus {
    this.sync();
    return this.core.statusBase([...this.#macWinner.values(), ...this.#floodWinner.values()]);
  }

  /** RFC 7432 15: a MAC new here that others advertise gets their highest sequence number + 1. */
  protected override portsChanged(): void {
    const macs = new Set(
      this.core
        .endpoints()
        .filter(advertises)
        .map((e) => e.mac),
    );
    for (const mac of [...this.#sequence.keys()]) if (!macs.has(mac)) this.#sequence.delete(mac);
    for (const mac of macs) {
      if (this.#sequence.has(mac)) continue;
      const seen = [...this.core.group(macGroup(mac)).values()];
      this.#sequence.set(mac, seen.length === 0 ? 0 : highestSequence(seen) + 1);
    }
  }

  protected rebuildRoutes(): void {
    const origin = this.core.origin();
    const routes: (Route | undefined)[] = [evpnMulticastRoute(origin)];
    for (const ep of this.core.endpoints()) {
      routes.push(evpnMacIpRoute(origin, ep, this.core.idsOf(ep), this.#sequence.get(ep.mac) ?? 0));
    }
    for (const sr of this.core.spec.staticRoutes) routes.push(evpnIpPrefixRoute(origin, sr));
    this.core.publisher.setBase(routes.filter((r) => r !== undefined));
  }

  protected resolve(group: string): void {
    const encaps = this.core.encaps;
    const imports = new Set(this.core.spec.importRTs);
    const routes = [...this.core.group(group).values()].filter((r) => carriesRt(r.attributes, imports));
    if (group.startsWith('m|')) {
      const mac = group.slice(2);
      const winner = selectMacRoute(routes.filter((r) => remoteMac(r, encaps) !== undefined));
      const view = winner && remoteMac(winner, encaps);
      if (setOrDelete(this.#macWinner, this.#remoteMacs, mac, winner, view)) this.changed();
      return;
    }
    const winner = selectBest(routes.filter((r) => floodEntry(r, encaps) !== undefined))[0];
    if (setOrDelete(this.#floodWinner, this.#flood, group, winner, winner && floodEntry(winner, encaps)))
      this.changed();
  }
}

/** Keep the winning route and its dataplane view under `key`, or forget both; true if the view changed. */
function setOrDelete<T>(
  winners: Map<string, Route>,
  views: Map<string, T>,
  key: string,
  winner: Route | undefined,
  view: T | undefined,
): boolean {
  const before = JSON.stringify(views.get(key));
  if (winner === undefined || view === undefined) {
    winners.delete(key);
    views.delete(key);
  } else {
    winners.set(key, winner);
    views.set(key, view);
  }
  return JSON.stringify(view) !== before;
}
