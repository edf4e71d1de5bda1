/**
 * Status to Kubernetes: this node's BagpipeNodeState (cluster-scoped, named after the node,
 * created when missing with an ownerReference to the Node when its uid can be read) and the
 * `status` of the PortAttachments the Kubernetes source provides, both through `StatusWriter`
 * (merge patches of `/status`, only on change, rate-limited, retried), and an Event on each
 * condition transition.
 */
import type { Condition } from '../../api/gen/index.js';
import { API_VERSION, GROUP, VERSION } from '../../desired/crd.js';
import type { BackoffOptions } from '../../lib/backoff.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { httpStatus, requestOptions, type KubeClients } from '../kube/client.js';
import { EventRecorder } from '../kube/events.js';
import { StatusWriter } from '../kube/status.js';
import { isKubeObject, type KubeObject } from '../kube/types.js';
import { isHealthy, truncate } from './conditions.js';

export const NODE_STATE_PLURAL = 'bagpipenodestates';

export interface KubeStatusSinkOptions {
  readonly clients: KubeClients;
  readonly nodeName: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Status writes per second for each resource (default 5, bursts of 10). */
  readonly ratePerSecond?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  /** Default: an EventRecorder on `clients` (component bagpipe-bgp, instance the node). */
  readonly recorder?: EventRecorder;
}

/** One PortAttachment's status, with the object it belongs to (as last observed). */
export interface AttachmentWrite {
  readonly key: string;
  readonly object: KubeObject;
  readonly status: Record<string, unknown>;
  /** Conditions that flipped: one Event each. */
  readonly transitions: readonly Condition[];
}

export class KubeStatusSink {
  readonly #o: KubeStatusSinkOptions;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly nodeStates: StatusWriter;
  readonly attachments: StatusWriter;
  /** The BagpipeNodeState as read or created (our writes' baseline; see StatusWriter). */
  #node: KubeObject | undefined;
  #nodeFailures = 0;
  #pendingNode: { status: Record<string, unknown>; transitions: readonly Condition[] } | undefined;
  #reading = false;
  /** Aborts the reads and the creation on stop(). */
  readonly #abort = new AbortController();
  #objects = new Map<string, KubeObject>();
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;

  constructor(o: KubeStatusSinkOptions) {
    this.#o = o;
    this.#log = (o.logger ?? silentLogger).child({ component: 'status' });
    const clock = o.clock ?? systemClock;
    this.#recorder =
      o.recorder ??
      new EventRecorder({
        clients: o.clients,
        component: 'bagpipe-bgp',
        instance: o.nodeName,
        clock,
        logger: this.#log,
      });
    const common = {
      clients: o.clients,
      clock,
      logger: this.#log,
      ...(o.ratePerSecond === undefined ? {} : { ratePerSecond: o.ratePerSecond }),
      ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
      ...(o.random === undefined ? {} : { random: o.random }),
    };
    this.nodeStates = new StatusWriter({
      ...common,
      resource: { group: GROUP, version: VERSION, plural: NODE_STATE_PLURAL, namespaced: false },
      observe: () => this.#node,
    });
    this.attachments = new StatusWriter({
      ...common,
      resource: { group: GROUP, version: VERSION, plural: 'portattachments', namespaced: true },
      observe: (key) => this.#objects.get(key),
    });
  }

  /**
   * Sets the node's status; the object is read (or created) first, in the background, so an
   * unresponsive API server never holds the caller. Never throws.
   */
  publishNode(status: Record<string, unknown>, transitions: readonly Condition[]): void {
    if (this.#stopped) return;
    // A failed write may mean the object is gone: read it again (and create it if so).
    if (this.nodeStates.stats.failures !== this.#nodeFailures) {
      this.#nodeFailures = this.nodeStates.stats.failures;
      this.#node = undefined;
    }
    // Transitions not told yet (the object unreadable) are kept, the latest per type.
    const told = (this.#pendingNode?.transitions ?? []).filter(
      (c) => !transitions.some((t) => t.type === c.type),
    );
    this.#pendingNode = { status, transitions: [...told, ...transitions] };
    if (this.#node !== undefined) {
      this.#flushNode();
      return;
    }
    if (this.#reading) return;
    this.#reading = true;
    this.#track(
      this.#readOrCreate().then((obj) => {
        this.#reading = false;
        this.#node = obj;
        this.#flushNode();
      }),
    );
  }

  /** The whole set of attachment statuses (STYLE rule 12): attachments not listed are forgotten. */
  publishAttachments(writes: readonly AttachmentWrite[]): void {
    if (this.#stopped) return;
    const next = new Map(writes.map((w) => [w.key, w.object]));
    for (const [key, obj] of this.#objects) {
      if (next.has(key)) continue;
      this.attachments.forget(key);
      this.#recorder.forget(obj);
    }
    this.#objects = next;
    for (const w of writes) {
      this.attachments.set(w.key, w.status);
      for (const c of w.transitions) this.#event(w.object, c);
    }
  }

  /** Resolves when no status write or Event is pending. */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    await Promise.all([this.nodeStates.whenIdle(), this.attachments.whenIdle()]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    this.nodeStates.stop();
    this.attachments.stop();
    await Promise.all(this.#inFlight);
  }

  #flushNode(): void {
    const pending = this.#pendingNode;
    const node = this.#node;
    if (pending === undefined || node === undefined || this.#stopped) return;
    this.#pendingNode = undefined;
    this.nodeStates.set(this.#o.nodeName, pending.status);
    for (const c of pending.transitions) this.#event(node, c);
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  #event(obj: KubeObject, c: Condition): void {
    if (this.#stopped) return;
    const p = this.#recorder.record(obj, {
      type: isHealthy(c) ? 'Normal' : 'Warning',
      reason: c.reason,
      message: truncate(`${c.type} is ${c.status}: ${c.message}`, 1024),
    });
    this.#track(p);
  }

  async #readOrCreate(): Promise<KubeObject | undefined> {
    const { clients, nodeName } = this.#o;
    const ref = { group: GROUP, version: VERSION, plural: NODE_STATE_PLURAL, name: nodeName };
    try {
      const found: unknown = await clients.custom.getClusterCustomObject(
        ref,
        requestOptions(this.#abort.signal),
      );
      if (isKubeObject(found)) return found;
    } catch (e) {
      if (httpStatus(e) !== 404) {
        this.#log.warn({ err: errorMessage(e), status: httpStatus(e) }, 'BagpipeNodeState not readable');
        return undefined;
      }
    }
    const owner = await this.#nodeOwner();
    const body = {
      apiVersion: API_VERSION,
      kind: 'BagpipeNodeState',
      metadata: { name: nodeName, ...(owner === undefined ? {} : { ownerReferences: [owner] }) },
      spec: {},
    };
    try {
      const { group, version, plural } = ref;
      const created: unknown = await clients.custom.createClusterCustomObject(
        { group, version, plural, body, fieldManager: 'bagpipe-bgp' },
        requestOptions(this.#abort.signal),
      );
      this.#log.info({ node: nodeName, owned: owner !== undefined }, 'BagpipeNodeState created');
      return isKubeObject(created) ? created : undefined;
    } catch (e) {
      this.#log.warn({ err: errorMessage(e), status: httpStatus(e) }, 'BagpipeNodeState not created');
      return undefined;
    }
  }

  /** An ownerReference to this Node, so deleting the Node deletes its state; undefined if unreadable. */
  async #nodeOwner(): Promise<Record<string, string> | undefined> {
    try {
      const node = await this.#o.clients.core.readNode(
        { name: this.#o.nodeName },
        requestOptions(this.#abort.signal),
      );
      const uid = node.metadata?.uid;
      return uid === undefined ? undefined : { apiVersion: 'v1', kind: 'Node', name: this.#o.nodeName, uid };
    } catch (e) {
      this.#log.info({ err: errorMessage(e), status: httpStatus(e) }, 'Node not readable: no ownerReference');
      return undefined;
    }
  }
}
