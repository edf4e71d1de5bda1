/**
 * A small reflector over client-node: LIST (paged), then WATCH from the list's
 * resourceVersion with bookmarks and a randomised `timeoutSeconds`, restarting after any end
 * or error (re-watch from the last seen resourceVersion with backoff and jitter, re-LIST on
 * 410 Expired), with a watchdog for silent watches. The in-memory cache is only ever replaced
 * by a successful LIST: a server that went away never empties it. Events carry keys only.
 */
import { EventEmitter } from 'node:events';
import type { Watch } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from '../../lib/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { httpStatus, retryAfterMs, type ListOptions, type ListWatchTarget } from './client.js';
import { isKubeObject, isRecord, objectKey, type KubeObject } from './types.js';

export type RestartReason = 'closed' | 'error' | 'expired' | 'stalled';

export interface ReflectorOptions {
  readonly target: ListWatchTarget;
  /** client-node's Watch for the same KubeConfig (`KubeClients.watch`). */
  readonly watch: Watch;
  /** Sent on LIST and WATCH alike. */
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** LIST page size (`limit`). Default 500. */
  readonly pageSize?: number;
  /** `timeoutSeconds` of each WATCH is drawn from [min, max]. Default [300, 600]. */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** A watch with no event and no bookmark for this long is restarted. Default 180 s. */
  readonly idleTimeoutMs?: number;
  /** A watch that ends cleanly sooner than this counts as a failure (backoff). Default 1 s. */
  readonly minWatchMs?: number;
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
}

export interface ReflectorStats {
  watchRestarts: number;
  readonly restartsByReason: Record<RestartReason, number>;
  lists: number;
  listFailures: number;
  events: number;
  bookmarks: number;
}

export interface ReflectorEvents {
  /** The first full LIST is in the cache. */
  synced: [];
  /** The object under this key was added, modified or deleted. */
  changed: [key: string];
}

const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000, jitter: 0.5 };

export class Reflector extends EventEmitter<ReflectorEvents> {
  readonly #o: ReflectorOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #idleMs: number;
  #cache = new Map<string, KubeObject>();
  #rv = '';
  #synced = false;
  #running = false;
  /** Bumped whenever a list or watch attempt is superseded; stale callbacks compare it. */
  #gen = 0;
  #listAbort: AbortController | undefined;
  #watchCtl: AbortController | undefined;
  #timer: TimerHandle | undefined;
  #watchdog: TimerHandle | undefined;
  #lastActivity = 0;
  #watchStarted = 0;
  readonly #stats: ReflectorStats = {
    watchRestarts: 0,
    restartsByReason: { closed: 0, error: 0, expired: 0, stalled: 0 },
    lists: 0,
    listFailures: 0,
    events: 0,
    bookmarks: 0,
  };

  constructor(o: ReflectorOptions) {
    super();
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
    this.#log = (o.logger ?? silentLogger).child({ resource: o.target.name });
    this.#backoff = new Backoff({ ...(o.backoff ?? defaultBackoff), random: this.#random });
    this.#idleMs = o.idleTimeoutMs ?? 180_000;
  }

  /** The resource label (`bgppeers`), for the `resource` label of metrics. */
  get resource(): string {
    return this.#o.target.name;
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get resourceVersion(): string {
    return this.#rv;
  }

  /** Counters, e.g. `watchRestarts` for `bagpipe_watch_restarts_total{resource}`. */
  get stats(): Readonly<ReflectorStats> {
    return this.#stats;
  }

  get size(): number {
    return this.#cache.size;
  }

  get(key: string): KubeObject | undefined {
    return this.#cache.get(key);
  }

  list(): KubeObject[] {
    return [...this.#cache.values()];
  }

  keys(): string[] {
    return [...this.#cache.keys()];
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#list();
  }

  /** Aborts the requests in flight and cancels every timer; the cache is kept. */
  stop(): void {
    this.#running = false;
    this.#supersede();
  }

  #list(): void {
    const gen = this.#supersede();
    const abort = new AbortController();
    this.#listAbort = abort;
    this.#stats.lists++;
    this.#listAll(abort.signal).then(
      ({ items, rv }) => {
        if (gen !== this.#gen) return;
        this.#listAbort = undefined;
        this.#replace(items, rv);
        if (this.#running) this.#watch();
      },
      (err: unknown) => {
        if (gen !== this.#gen) return;
        this.#listAbort = undefined;
        this.#stats.listFailures++;
        const delay = this.#delay(err);
        this.#log.warn(
          { err: errorMessage(err), status: httpStatus(err), delayMs: delay },
          'list failed; cache kept',
        );
        this.#schedule('list', delay);
      },
    );
  }

  async #listAll(signal: AbortSignal): Promise<{ items: KubeObject[]; rv: string }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#pages(signal);
      } catch (e) {
        // An expired continue token: start the paged list over, a few times.
        if (httpStatus(e) !== 410 || attempt >= 2) throw e;
      }
    }
  }

  async #pages(signal: AbortSignal): Promise<{ items: KubeObject[]; rv: string }> {
    const items: KubeObject[] = [];
    let rv: string | undefined;
    let token: string | undefined;
    do {
      const page = await this.#o.target.list(this.#listOptions(token), signal);
      items.push(...page.items);
      rv ??= page.resourceVersion;
      token = page.continueToken;
    } while (token !== undefined);
    return { items, rv };
  }

  #listOptions(continueToken: string | undefined): ListOptions {
    const { labelSelector, fieldSelector } = this.#o;
    return {
      limit: this.#o.pageSize ?? 500,
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
      ...(continueToken === undefined ? {} : { continueToken }),
    };
  }

  /** Swaps in a complete LIST result and reports every key that differs. */
  #replace(items: readonly KubeObject[], rv: string): void {
    const next = new Map<string, KubeObject>();
    for (const o of items) next.set(objectKey(o), o);
    const changed: string[] = [];
    for (const [k, o] of next) {
      if (this.#cache.get(k)?.metadata.resourceVersion !== o.metadata.resourceVersion) changed.push(k);
    }
    for (const k of this.#cache.keys()) if (!next.has(k)) changed.push(k);
    this.#cache = next;
    this.#rv = rv;
    this.#backoff.reset();
    this.#log.debug({ items: next.size, changed: changed.length, rv }, 'listed');
    for (const k of changed) this.#notify('changed', k);
    if (!this.#synced) {
      this.#synced = true;
      this.#notify('synced');
    }
  }

  #watch(): void {
    const gen = this.#supersede();
    this.#lastActivity = this.#clock.now();
    this.#watchStarted = this.#lastActivity;
    this.#armWatchdog(gen, this.#idleMs);
    const [min, max] = this.#o.watchTimeoutSeconds ?? [300, 600];
    const { labelSelector, fieldSelector } = this.#o;
    const params = {
      resourceVersion: this.#rv,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.round(min + (max - min) * this.#random()),
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
    };
    this.#o.watch
      .watch(
        this.#o.target.path,
        params,
        (type: string, obj: unknown) => {
          this.#onEvent(gen, type, obj);
        },
        (err: unknown) => {
          this.#onDone(gen, err);
        },
      )
      .then(
        (ctl) => {
          // The request of a superseded attempt may only now have got its headers.
          if (gen === this.#gen) this.#watchCtl = ctl;
          else ctl.abort();
        },
        (err: unknown) => {
          this.#onDone(gen, err);
        },
      );
  }

  #onEvent(gen: number, type: string, obj: unknown): void {
    if (gen !== this.#gen) return;
    this.#lastActivity = this.#clock.now();
    if (type === 'BOOKMARK') {
      const rv = isRecord(obj) && isRecord(obj['metadata']) ? obj['metadata']['resourceVersion'] : undefined;
      if (typeof rv === 'string' && rv !== '') this.#rv = rv;
      this.#stats.bookmarks++;
      this.#backoff.reset();
      return;
    }
    if (type === 'ERROR') {
      const code = isRecord(obj) ? obj['code'] : undefined;
      this.#restart(gen, code === 410 ? 'expired' : 'error', obj);
      return;
    }
    if ((type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') || !isKubeObject(obj)) return;
    this.#apply(type, obj);
  }

  #apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const key = objectKey(obj);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '') this.#rv = rv;
    this.#stats.events++;
    this.#backoff.reset();
    if (type === 'DELETED') {
      if (!this.#cache.delete(key)) return;
    } else {
      const same = this.#cache.get(key)?.metadata.resourceVersion === rv && rv !== undefined;
      this.#cache.set(key, obj);
      if (same) return;
    }
    this.#notify('changed', key);
  }

  /** A throwing listener must not break the list/watch loop (client-node swallows it). */
  #notify(...args: ['synced'] | ['changed', string]): void {
    try {
      if (args[0] === 'synced') this.emit('synced');
      else this.emit('changed', args[1]);
    } catch (e) {
      this.#log.error({ err: errorMessage(e), event: args[0] }, 'reflector listener threw');
    }
  }

  #onDone(gen: number, err: unknown): void {
    if (gen !== this.#gen) return;
    if (err === null || err === undefined) this.#restart(gen, 'closed');
    else this.#restart(gen, httpStatus(err) === 410 ? 'expired' : 'error', err);
  }

  #restart(gen: number, reason: RestartReason, err?: unknown): void {
    if (gen !== this.#gen) return;
    const lived = this.#clock.now() - this.#watchStarted;
    this.#supersede();
    this.#stats.watchRestarts++;
    this.#stats.restartsByReason[reason]++;
    let delay = 0;
    if (reason === 'error') delay = this.#delay(err);
    if (reason === 'closed' && lived < (this.#o.minWatchMs ?? 1000)) delay = this.#backoff.next();
    const detail =
      err === undefined
        ? undefined
        : isRecord(err) && !(err instanceof Error)
          ? err['message']
          : errorMessage(err);
    this.#log.info({ reason, delayMs: delay, rv: this.#rv, err: detail }, 'watch restart');
    this.#schedule(reason === 'expired' ? 'list' : 'watch', delay);
  }

  #armWatchdog(gen: number, ms: number): void {
    this.#watchdog = this.#clock.setTimeout(() => {
      this.#watchdog = undefined;
      if (gen !== this.#gen) return;
      const idle = this.#clock.now() - this.#lastActivity;
      if (idle >= this.#idleMs) this.#restart(gen, 'stalled');
      else this.#armWatchdog(gen, this.#idleMs - idle);
    }, ms);
  }

  #delay(err: unknown): number {
    return Math.max(retryAfterMs(err) ?? 0, this.#backoff.next());
  }

  #schedule(step: 'list' | 'watch', ms: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      if (step === 'list') this.#list();
      else this.#watch();
    }, ms);
  }

  /** Invalidates the current attempt: aborts its requests and cancels its timers. */
  #supersede(): number {
    this.#gen++;
    this.#watchdog?.cancel();
    this.#watchdog = undefined;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#listAbort?.abort();
    this.#listAbort = undefined;
    const ctl = this.#watchCtl;
    this.#watchCtl = undefined;
    ctl?.abort();
    return this.#gen;
  }
}
