/**
 * Records core/v1 Events about our objects (`kubectl describe` shows them). Best effort: a
 * failed POST is logged, never retried and never thrown. An event identical to the previous
 * one for the same object (type, reason, message) is dropped.
 */
import { CoreV1Event, V1EventSource, V1ObjectMeta, V1ObjectReference } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { httpStatus, type KubeClients } from './client.js';
import { objectKey, type KubeObject } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  readonly type: EventType;
  /** UpperCamelCase, e.g. `SessionEstablished`, `InvalidSpec`. */
  readonly reason: string;
  readonly message: string;
}

export interface EventRecorderOptions {
  readonly clients: KubeClients;
  /** `source.component` and `reportingComponent`, e.g. `bagpipe-bgp`. */
  readonly component: string;
  /** `source.host` and `reportingInstance`, e.g. the node name. */
  readonly instance?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Objects remembered for de-duplication (oldest forgotten first). Default 10000. */
  readonly maxTracked?: number;
}

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #last = new Map<string, string>();
  #seq = 0;
  recorded = 0;
  deduplicated = 0;

  constructor(o: EventRecorderOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#log = (o.logger ?? silentLogger).child({ component: 'events' });
  }

  /** Posts the event unless it repeats the previous one for this object. Never rejects. */
  async record(obj: KubeObject, e: EventInput): Promise<void> {
    const id = `${obj.apiVersion ?? ''}/${obj.kind ?? ''}/${objectKey(obj)}`;
    const signature = `${e.type}\u0000${e.reason}\u0000${e.message}`;
    if (this.#last.get(id) === signature) {
      this.deduplicated++;
      return;
    }
    this.#remember(id, signature);
    const namespace = obj.metadata.namespace ?? 'default';
    try {
      await this.#o.clients.core.createNamespacedEvent({ namespace, body: this.#event(obj, e, namespace) });
      this.recorded++;
    } catch (err) {
      this.#last.delete(id);
      this.#log.warn(
        { object: id, reason: e.reason, status: httpStatus(err), err: errorMessage(err) },
        'event not recorded',
      );
    }
  }

  /** The object is gone: forget its last event. */
  forget(obj: KubeObject): void {
    this.#last.delete(`${obj.apiVersion ?? ''}/${obj.kind ?? ''}/${objectKey(obj)}`);
  }

  #remember(id: string, signature: string): void {
    this.#last.delete(id);
    this.#last.set(id, signature);
    const max = this.#o.maxTracked ?? 10_000;
    for (const k of this.#last.keys()) {
      if (this.#last.size <= max) break;
      this.#last.delete(k);
    }
  }

  #event(obj: KubeObject, e: EventInput, namespace: string): CoreV1Event {
    const now = new Date(this.#clock.wallNow());
    const { name, uid, resourceVersion } = obj.metadata;
    const suffix = `${now.getTime().toString(16)}${(this.#seq++ % 4096).toString(16).padStart(3, '0')}`;
    const instance = this.#o.instance;
    const involved = Object.assign(new V1ObjectReference(), {
      ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
      ...(obj.kind === undefined ? {} : { kind: obj.kind }),
      name,
      ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }),
      ...(uid === undefined ? {} : { uid }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    });
    const source = Object.assign(new V1EventSource(), {
      component: this.#o.component,
      ...(instance === undefined ? {} : { host: instance }),
    });
    // client-node's models are classes (its serialiser calls Date#toISOString on timestamps).
    return Object.assign(new CoreV1Event(), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: Object.assign(new V1ObjectMeta(), { name: `${name}.${suffix}`, namespace }),
      involvedObject: involved,
      type: e.type,
      reason: e.reason,
      message: e.message,
      source,
      reportingComponent: this.#o.component,
      reportingInstance: instance ?? '',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}
