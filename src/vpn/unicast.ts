/**
 * A `unicast` instance (CRDS.md, the Dragonflow dynamic-routing case): its static routes
 * advertised as plain IPv4/IPv6 unicast (RFC 4271, RFC 4760) with their explicit next hop (else
 * the BGP address). No route targets, no identifiers, no ports, nothing imported, no intent.
 */
import type { InstanceIntent } from '../dataplane/intent.js';
import type { InstanceContext, InstanceStatus, ManagedInstance } from './instance.js';
import { Publisher } from './publisher.js';
import { unicastRoute } from './routes.js';
import { VPN_ERR, type AttachmentSpec, type InstanceSpec, type PortProblem } from './types.js';

export class UnicastInstance implements ManagedInstance {
  readonly type = 'unicast';
  readonly id: string;
  readonly #publisher: Publisher;
  readonly #bgpAddress: string;
  #spec: InstanceSpec;

  constructor(spec: InstanceSpec, ctx: Pick<InstanceContext, 'rib' | 'bgpAddress'>) {
    this.id = spec.vpnInstanceId;
    this.#publisher = new Publisher(ctx.rib, this.id);
    this.#bgpAddress = ctx.bgpAddress;
    this.#spec = spec;
    this.#publish();
  }

  update(spec: InstanceSpec): void {
    this.#spec = spec;
    this.#publish();
  }

  setPorts(attachments: ReadonlyMap<string, AttachmentSpec>): PortProblem[] {
    return [...attachments.keys()].map((name) => ({
      name,
      code: VPN_ERR.unsupported,
      reason: 'Unsupported',
      message: `VPN instance ${this.id} is of type unicast: it takes no ports`,
    }));
  }

  intent(): InstanceIntent | undefined {
    return undefined;
  }

  importedRouteTargets(): ReadonlySet<string> {
    return new Set();
  }

  status(): InstanceStatus {
    return {
      id: this.id,
      type: 'unicast',
      rd: undefined,
      vni: undefined,
      importRTs: [],
      exportRTs: [],
      encapsulations: [],
      ports: [],
      receivedRoutes: 0,
      bestRoutes: [],
      advertisedRoutes: this.#publisher.routes(),
    };
  }

  close(withdraw: boolean): void {
    if (withdraw) this.#publisher.withdrawAll();
  }

  #publish(): void {
    const s = this.#spec;
    this.#publisher.setBase(
      s.staticRoutes.map((sr) => unicastRoute(this.id, sr, this.#bgpAddress, s.localPref)),
    );
  }
}
