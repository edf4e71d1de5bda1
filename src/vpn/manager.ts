/**
 * The VPN manager: converges the VPN instances to the desired VpnInstances and
 * PortAttachments (the whole set per call, STYLE rule 12) and hands each dataplane driver its
 * whole intent when, and only when, it changed.
 *
 * `setDesired` creates, updates and deletes instances (a deletion withdraws every route the
 * instance published and releases its numbers; a restart keeps them, see allocator.ts), places
 * the attachments (placement.ts) and returns what it could not realise as problems, never
 * throwing for one bad object. Instances marked dirty (spec, ports, received routes) are
 * recomputed together in one scheduled pass (default: once per event-loop turn), so a burst of
 * 100,000 route events costs one intent computation per instance.
 */
import {
  type DataplaneIntent,
  type Encap,
  type InstanceIntent,
  type InstanceType,
} from '../dataplane/intent.js';
import { BgpdError, errorMessage } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import type { RibApi } from '../rib/types.js';
import type { Allocator } from './allocator.js';
import { EvpnInstance } from './evpn.js';
import type { InstanceContext, InstanceStatus, ManagedInstance } from './instance.js';
import { IpvpnInstance } from './ipvpn.js';
import { placeAttachments } from './placement.js';
import {
  VPN_ERR,
  VpnError,
  type AttachmentSpec,
  type InstanceSpec,
  type Problem,
  type VpnType,
} from './types.js';
import { UnicastInstance } from './unicast.js';

export interface VpnManagerOptions {
  readonly rib: RibApi;
  readonly allocator: Allocator;
  /** The BGP local address (E-VPN originator, unicast next hop). */
  readonly localAddress: string;
  /** The dataplane (VTEP) address, one for both drivers or one per driver. */
  readonly dataplaneAddress: string | Readonly<Record<InstanceType, string>>;
  /** Driver capabilities: the encapsulations of each type's driver (absent: no driver). */
  readonly encapsulations: Readonly<Partial<Record<InstanceType, readonly Encap[]>>>;
  readonly onIntent: (type: InstanceType, intent: DataplaneIntent) => void;
  readonly logger?: Logger;
  /** This node: attachments naming another node are skipped. */
  readonly nodeName?: string | undefined;
  /** Runs the recomputation later; default `setImmediate` (once per event-loop turn). */
  readonly schedule?: (fn: () => void) => void;
}

/** More rounds than this in one pass means instances keep dirtying each other: finish next turn. */
const MAX_ROUNDS = 8;
const TYPES: readonly InstanceType[] = ['ipvpn', 'evpn'];

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class VpnManager {
  readonly #opts: VpnManagerOptions;
  readonly #log: Logger;
  readonly #schedule: (fn: () => void) => void;
  readonly #instances = new Map<string, ManagedInstance>();
  /** Instance id -> desired key that owns it. */
  readonly #keyOf = new Map<string, string>();
  readonly #intents = new Map<string, InstanceIntent>();
  readonly #emitted = new Map<InstanceType, DataplaneIntent>();
  #dirty = new Set<string>();
  #changedTypes = new Set<InstanceType>();
  #scheduled = false;
  #started = false;
  #claims = new Map<string, string>();
  #problems: Problem[] = [];

  constructor(opts: VpnManagerOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.#schedule =
      opts.schedule ??
      ((fn) => {
        setImmediate(fn);
      });
  }

  /** Converge to the desired objects (keyed `namespace/name`); returns what could not be realised. */
  setDesired(
    instances: ReadonlyMap<string, InstanceSpec>,
    attachments: ReadonlyMap<string, AttachmentSpec>,
  ): Problem[] {
    const problems: Problem[] = [];
    this.#opts.allocator.batch(() => {
      const wanted = this.#claimIds(instances, problems);
      for (const id of [...this.#instances.keys()]) if (!wanted.has(id)) this.#delete(id);
      const running = new Map<string, { id: string; type: VpnType } | undefined>();
      for (const [id, key] of this.#creationOrder(wanted, instances)) {
        const spec = instances.get(key);
        if (spec !== undefined) running.set(key, this.#converge(id, key, spec, problems));
      }
      for (const key of instances.keys()) if (!running.has(key)) running.set(key, undefined);
      const placed = placeAttachments({
        attachments,
        instances: running,
        nodeName: this.#opts.nodeName,
        previousClaims: this.#claims,
      });
      this.#claims = placed.claims;
      problems.push(...placed.problems);
      for (const inst of this.#instances.values()) {
        for (const p of inst.setPorts(placed.byInstance.get(inst.id) ?? new Map())) {
          problems.push({ kind: 'PortAttachment', ...p });
        }
      }
      this.#opts.allocator.retainInstances(new Set(wanted.keys()));
    });
    this.#started = true;
    this.#kick();
    this.#problems = problems;
    return problems;
  }

  /** The RTs each instance imports (import RTs and readvertise fromRTs), for RT Constraint. */
  importedRouteTargets(): Map<string, ReadonlySet<string>> {
    return new Map([...this.#instances].map(([id, i]) => [id, i.importedRouteTargets()]));
  }

  /** The union of imported RTs per instance type. */
  importedRouteTargetsByType(): Map<VpnType, Set<string>> {
    const out = new Map<VpnType, Set<string>>();
    for (const i of this.#instances.values()) {
      let set = out.get(i.type);
      if (set === undefined) out.set(i.type, (set = new Set()));
      for (const rt of i.importedRouteTargets()) set.add(rt);
    }
    return out;
  }

  /** Looking-glass data of one instance, by instance id. */
  status(id: string): InstanceStatus | undefined {
    return this.#instances.get(id)?.status();
  }

  /** The instance ids, sorted. */
  instanceIds(): string[] {
    return [...this.#instances.keys()].sort(compareText);
  }

  /** The problems of the last `setDesired`. */
  problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Recompute the dirty instances now and hand the drivers what changed. */
  flush(): void {
    // Instances dirtied during the pass (readvertised routes reaching another instance) are
    // handled by the next round, not by another scheduled pass.
    this.#scheduled = true;
    try {
      for (let round = 0; this.#dirty.size > 0 && round < MAX_ROUNDS; round++) {
        const ids = [...this.#dirty];
        this.#dirty = new Set();
        for (const id of ids) this.#recompute(id);
      }
    } finally {
      this.#scheduled = false;
    }
    if (this.#dirty.size > 0) this.#kick();
    if (!this.#started) return;
    for (const type of TYPES) {
      if (this.#opts.encapsulations[type] === undefined) continue;
      if (this.#emitted.has(type) && !this.#changedTypes.has(type)) continue;
      this.#emit(type);
    }
    this.#changedTypes = new Set();
  }

  /** Shutdown: stop listening; routes and allocations stay (a restart finds them again). */
  close(): void {
    for (const i of this.#instances.values()) i.close(false);
    this.#instances.clear();
  }

  /** Desired key per instance id; a second object claiming an id is a problem naming both. */
  #claimIds(instances: ReadonlyMap<string, InstanceSpec>, problems: Problem[]): Map<string, string> {
    const owners = new Set(this.#keyOf.values());
    const keys = [...instances.keys()].sort(
      (a, b) => Number(!owners.has(a)) - Number(!owners.has(b)) || compareText(a, b),
    );
    const wanted = new Map<string, string>();
    for (const key of keys) {
      const id = instances.get(key)?.vpnInstanceId ?? key;
      const other = wanted.get(id);
      if (other === undefined) {
        wanted.set(id, key);
        continue;
      }
      problems.push({
        kind: 'VpnInstance',
        name: key,
        code: VPN_ERR.duplicateId,
        reason: 'DuplicateId',
        message: `vpnInstanceId ${id} is already used by VpnInstance ${other}`,
      });
    }
    return wanted;
  }

  /** Existing instances first, then those with explicit identifiers: no automatic number takes theirs. */
  #creationOrder(
    wanted: ReadonlyMap<string, string>,
    instances: ReadonlyMap<string, InstanceSpec>,
  ): [string, string][] {
    const rank = ([id, key]: [string, string]): number => {
      if (this.#instances.has(id)) return 0;
      const s = instances.get(key);
      return s?.vni !== undefined || s?.routeDistinguisher !== undefined ? 1 : 2;
    };
    return [...wanted].sort((a, b) => rank(a) - rank(b) || compareText(a[1], b[1]));
  }

  /** Create or update one instance; undefined when it cannot run. */
  #converge(
    id: string,
    key: string,
    spec: InstanceSpec,
    problems: Problem[],
  ): { id: string; type: VpnType } | undefined {
    const problem = (code: string, reason: string, message: string): void => {
      problems.push({ kind: 'VpnInstance', name: key, code, reason, message });
    };
    if (spec.attractTraffic !== undefined) {
      problem(
        VPN_ERR.unsupported,
        'Unsupported',
        'attractTraffic (FlowSpec redirection) is not implemented; ignored',
      );
    }
    const existing = this.#instances.get(id);
    if (existing !== undefined && existing.type !== spec.type) {
      problem(
        VPN_ERR.typeChange,
        'TypeChanged',
        `type is immutable: ${existing.type}, now ${spec.type} (kept ${existing.type})`,
      );
      return { id, type: existing.type };
    }
    try {
      if (existing === undefined) this.#instances.set(id, this.#create(spec));
      else existing.update(spec);
      this.#keyOf.set(id, key);
      return { id, type: spec.type };
    } catch (e) {
      if (!BgpdError.is(e)) throw e;
      problem(e.code, existing === undefined ? 'CreateFailed' : 'UpdateFailed', errorMessage(e));
      return existing === undefined ? undefined : { id, type: existing.type };
    }
  }

  #create(spec: InstanceSpec): ManagedInstance {
    const o = this.#opts;
    if (spec.type === 'unicast') return new UnicastInstance(spec, { rib: o.rib, bgpAddress: o.localAddress });
    const type = spec.type;
    const driverEncaps = o.encapsulations[type];
    if (driverEncaps === undefined) {
      throw new VpnError(VPN_ERR.unsupported, `no ${type} dataplane driver is configured`);
    }
    const ctx: InstanceContext = {
      rib: o.rib,
      allocator: o.allocator,
      bgpAddress: o.localAddress,
      dataplaneAddress:
        typeof o.dataplaneAddress === 'string' ? o.dataplaneAddress : o.dataplaneAddress[type],
      driverEncaps,
      logger: this.#log.child({ vpn: spec.vpnInstanceId }),
      onDirty: () => {
        this.#dirty.add(spec.vpnInstanceId);
        this.#kick();
      },
    };
    return type === 'ipvpn' ? new IpvpnInstance(spec, ctx) : new EvpnInstance(spec, ctx);
  }

  #delete(id: string): void {
    const inst = this.#instances.get(id);
    if (inst === undefined) return;
    inst.close(true);
    this.#instances.delete(id);
    this.#keyOf.delete(id);
    this.#opts.allocator.releaseInstance(id);
    this.#dirty.add(id);
  }

  #recompute(id: string): void {
    const before = this.#intents.get(id);
    let now: InstanceIntent | undefined;
    try {
      now = this.#instances.get(id)?.intent();
    } catch (e) {
      this.#log.error({ err: e, vpn: id }, 'cannot compute the intent of the VPN instance');
      return;
    }
    if (now === undefined) {
      if (before === undefined) return;
      this.#intents.delete(id);
      this.#changedTypes.add(before.type);
      return;
    }
    if (before === now) return;
    this.#intents.set(id, now);
    this.#changedTypes.add(now.type);
    if (before !== undefined && before.type !== now.type) this.#changedTypes.add(before.type);
  }

  #emit(type: InstanceType): void {
    const instances = [...this.#intents.values()]
      .filter((i) => i.type === type)
      .sort((a, b) => compareText(a.id, b.id));
    const intent: DataplaneIntent = { instances };
    this.#emitted.set(type, intent);
    try {
      this.#opts.onIntent(type, intent);
    } catch (e) {
      this.#log.error({ err: e, type }, 'the dataplane intent callback failed');
    }
  }

  #kick(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => {
      this.flush();
    });
  }
}
