/**
 * One open watch of the fake API server: replays history after the requested
 * resourceVersion, then streams live events as chunked JSON lines, with bookmarks on an
 * interval, `timeoutSeconds`, and the faults tests inject (stall, drop, expire).
 */
import type { ServerResponse } from 'node:http';
import { clone } from './merge.js';
import type { Matcher } from './selectors.js';
import type { ObjectStore, StoreEvent } from './store.js';
import {
  apiVersionOf,
  statusBody,
  typeKey,
  type ResourceType,
  type StoredObject,
  type WatchEventType,
} from './types.js';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly match: Matcher;
  /** undefined or 0: start with synthetic ADDED events for every current object. */
  readonly resourceVersion: number | undefined;
  readonly bookmarks: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly bookmarkIntervalMs: number;
}

export class WatchStream {
  readonly #res: ServerResponse;
  readonly #req: WatchRequest;
  readonly #store: ObjectStore;
  #stalled = false;
  #closed = false;
  #unsubscribe: () => void = () => undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #onClose: (w: WatchStream) => void;
  /** Events written to the client, bookmarks included (for assertions). */
  sent = 0;

  constructor(res: ServerResponse, req: WatchRequest, store: ObjectStore, onClose: (w: WatchStream) => void) {
    this.#res = res;
    this.#req = req;
    this.#store = store;
    this.#onClose = onClose;
  }

  get resource(): ResourceType {
    return this.#req.type;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Starts the stream; `headers: false` stalls before even sending the response headers. */
  start(opts: { stalled: boolean; headers: boolean }): void {
    this.#res.on('close', () => {
      this.#finish();
    });
    this.#stalled = opts.stalled;
    if (!opts.headers) return;
    this.#res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    this.#res.flushHeaders();
    if (this.#stalled) return;
    if (!this.#replay()) return;
    this.#unsubscribe = this.#store.subscribe((e) => {
      this.#live(e);
    });
    this.#arm();
  }

  /** Sends nothing more, ever; the connection stays open until the client gives up. */
  stall(): void {
    this.#stalled = true;
  }

  /** Ends the stream with an ERROR event carrying a 410 Expired Status. */
  expire(): void {
    this.#write('ERROR', statusBody(410, 'too old resource version: the watch cache moved on', 'Expired'));
    this.end();
  }

  /** Ends the response cleanly (what `timeoutSeconds` does). */
  end(): void {
    if (!this.#closed) this.#res.end();
    this.#finish();
  }

  /** Destroys the socket under the stream, as a dropped connection would. */
  destroy(): void {
    this.#res.socket?.destroy();
    this.#finish();
  }

  #replay(): boolean {
    const { type, namespace, resourceVersion } = this.#req;
    if (resourceVersion === undefined || resourceVersion === 0) {
      for (const o of this.#store.list(type, namespace)) if (this.#req.match(o)) this.#write('ADDED', o);
      return true;
    }
    const events = this.#store.eventsSince(type, resourceVersion);
    if (events === undefined) {
      this.#write(
        'ERROR',
        statusBody(
          410,
          `too old resource version: ${resourceVersion} (${this.#store.compactedResourceVersion})`,
          'Expired',
        ),
      );
      this.end();
      return false;
    }
    for (const e of events) this.#live(e);
    return true;
  }

  #arm(): void {
    const { timeoutSeconds, bookmarks, bookmarkIntervalMs } = this.#req;
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      this.#timers.push(
        setTimeout(() => {
          this.end();
        }, timeoutSeconds * 1000),
      );
    }
    if (bookmarks) {
      const tick = (): void => {
        this.#bookmark();
        this.#timers.push(setTimeout(tick, bookmarkIntervalMs));
      };
      this.#timers.push(setTimeout(tick, bookmarkIntervalMs));
    }
  }

  #bookmark(): void {
    const t = this.#req.type;
    const rv = String(this.#store.resourceVersion);
    this.#write('BOOKMARK', { apiVersion: apiVersionOf(t), kind: t.kind, metadata: { resourceVersion: rv } });
  }

  #live(e: StoreEvent): void {
    const { type, namespace, match } = this.#req;
    if (e.typeKey !== typeKey(type)) return;
    if (namespace !== undefined && e.object.metadata.namespace !== namespace) return;
    const now = match(e.object);
    if (e.type !== 'MODIFIED' || e.old === undefined) {
      if (now) this.#write(e.type, e.object);
      return;
    }
    const before = match(e.old);
    if (before && now) this.#write('MODIFIED', e.object);
    else if (now) this.#write('ADDED', e.object);
    else if (before) this.#write('DELETED', e.object);
  }

  #write(type: WatchEventType, object: StoredObject | object): void {
    if (this.#closed || this.#stalled) return;
    this.sent++;
    this.#res.write(`${JSON.stringify({ type, object: clone(object) })}\n`);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const t of this.#timers) clearTimeout(t);
    this.#onClose(this);
  }
}
