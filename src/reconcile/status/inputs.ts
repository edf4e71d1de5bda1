/**
 * What the status computations read, and the lookups they share: the daemon's status, the
 * desired snapshot and the controller's per-object problems, indexed once per pass.
 */
import type { ObjectProblem } from '../../daemon/control.js';
import type { DaemonStatus } from '../../daemon/daemon.js';
import type { DriverStatus, Endpoint, InstanceStatus } from '../../daemon/status-types.js';
import type { DesiredSnapshot } from '../../desired/store.js';
import type { DesiredKind } from '../../desired/types.js';

export interface StatusInput {
  readonly status: DaemonStatus;
  readonly desired: DesiredSnapshot;
  readonly problems: readonly ObjectProblem[];
}

export type EntryError = NonNullable<DriverStatus['last']>['errors'][number];

export interface PortPlacement {
  readonly instance: InstanceStatus;
  readonly endpoint: Endpoint;
}

/** `namespace/name` (or `name`) split; namespaces and names never hold a slash. */
export function splitName(name: string): { namespace: string; name: string } {
  const i = name.indexOf('/');
  return i < 0 ? { namespace: '', name } : { namespace: name.slice(0, i), name: name.slice(i + 1) };
}

/** The driver type of an instance: unicast instances program nothing. */
export function driverType(inst: InstanceStatus): 'ipvpn' | 'evpn' | undefined {
  return inst.type === 'unicast' ? undefined : inst.type;
}

export class StatusIndex {
  readonly input: StatusInput;
  readonly #problems = new Map<string, ObjectProblem[]>();
  readonly #ports = new Map<string, PortPlacement>();
  readonly #instanceKeys = new Map<string, string>();

  constructor(input: StatusInput) {
    this.input = input;
    for (const p of input.problems) {
      const k = `${p.kind}/${p.name}`;
      this.#problems.set(k, [...(this.#problems.get(k) ?? []), p]);
    }
    for (const instance of input.status.instances) {
      for (const endpoint of instance.ports) this.#ports.set(endpoint.name, { instance, endpoint });
    }
    this.#indexInstanceKeys();
  }

  /** Problems of one object, by kind and `objectName`. */
  problemsOf(kind: DesiredKind, name: string): readonly ObjectProblem[] {
    return this.#problems.get(`${kind}/${name}`) ?? [];
  }

  /** Where an attachment (by desired key) runs, if an instance took it. */
  portOf(key: string): PortPlacement | undefined {
    return this.#ports.get(key);
  }

  /** The desired key (`namespace/name`) of a running instance; undefined when no object claims it. */
  instanceKey(inst: InstanceStatus): string | undefined {
    return this.#instanceKeys.get(inst.id);
  }

  driverOf(inst: InstanceStatus): DriverStatus | undefined {
    const type = driverType(inst);
    return type === undefined ? undefined : this.input.status.drivers.find((d) => d.type === type);
  }

  /** Entry errors of the driver's last pass that belong to this instance (`<type> <id> …`). */
  instanceErrors(inst: InstanceStatus): EntryError[] {
    const type = driverType(inst);
    const prefix = `${type ?? ''} ${inst.id} `;
    return (this.driverOf(inst)?.last?.errors ?? []).filter((e) => e.entry.startsWith(prefix));
  }

  /**
   * Errors that stop a port's traffic: entries naming its interface or MAC, and the instance's
   * own devices (its VXLAN interface or bridge).
   */
  portErrors(p: PortPlacement): EntryError[] {
    const prefix = `${driverType(p.instance) ?? ''} ${p.instance.id} `;
    const mac = p.endpoint.mac.toLowerCase();
    return this.instanceErrors(p.instance).filter((e) => {
      const words = e.entry.slice(prefix.length).split(' ');
      const device = words[0] === 'vxlan' || words[0] === 'bridge';
      return device || words.includes(p.endpoint.ifname) || words.some((w) => w.toLowerCase() === mac);
    });
  }

  /**
   * Instance id -> the VpnInstance that owns it: the one object with that id, or (two claiming
   * it) the one without a DuplicateId problem.
   */
  #indexInstanceKeys(): void {
    const byId = new Map<string, string[]>();
    for (const [key, e] of this.input.desired.vpnInstances) {
      byId.set(e.spec.vpnInstanceId, [...(byId.get(e.spec.vpnInstanceId) ?? []), key]);
    }
    for (const [id, keys] of byId) {
      const owner =
        keys.find((k) => !this.problemsOf('VpnInstance', k).some((p) => p.reason === 'DuplicateId')) ??
        keys.sort()[0];
      if (owner !== undefined) this.#instanceKeys.set(id, owner);
    }
  }
}
