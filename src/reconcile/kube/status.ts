/**
 * Writes the `/status` subresource of one resource type with JSON merge patches, only when
 * the desired status differs (semantically, see equal.ts) from what was last written or last
 * observed, rate-limited by a token bucket and retried with backoff on 409, 429 (honouring
 * Retry-After), 5xx and network errors. Writes are serial; the desired state is level-based:
 * setting a key again before its write replaces what will be written.
 */
import { PatchStrategy } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from '../../lib/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { httpStatus, isRetryable, requestOptions, retryAfterMs, type KubeClients } from './client.js';
import { mergePatchFrom, semanticEqual } from './equal.js';
import { TokenBucket } from './token-bucket.js';
import { isKubeObject, splitKey, type KubeObject } from './types.js';

export interface StatusResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export interface StatusWriterOptions {
  readonly clients: KubeClients;
  readonly resource: StatusResource;
  /** The object as last observed (typically `reflector.get`), to skip writes already done. */
  readonly observe?: (key: string) => KubeObject | undefined;
  /** Default 5 writes per second, bursts of 10. */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  readonly backoff?: BackoffOptions;
  /** Identity fields of list items compared as sets (see equal.ts). */
  readonly listMapKeys?: readonly string[];
  readonly fieldManager?: string;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
}

export interface StatusWriterStats {
  writes: number;
  skipped: number;
  failures: number;
  retries: number;
}

interface KeyState {
  desired: Record<string, unknown> | undefined;
  /** What our last successful write set, with the resourceVersions around it. */
  written: { status: unknown; rvBefore: string | undefined; rvAfter: string | undefined } | undefined;
  backoff: Backoff;
  retry: TimerHandle | undefined;
}

interface Baseline {
  readonly known: boolean;
  readonly status: unknown;
  readonly rv: string | undefined;
}

const defaultBackoff: BackoffOptions = { baseMs: 200, maxMs: 30_000, jitter: 0.5 };

export class StatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #bucket: TokenBucket;
  readonly #keys = new Map<string, KeyState>();
  readonly #dirty = new Set<string>();
  #busy = false;
  #stopped = false;
  #wait: TimerHandle | undefined;
  #abort: AbortController | undefined;
  #idle: (() => void)[] = [];
  readonly stats: StatusWriterStats = { writes: 0, skipped: 0, failures: 0, retries: 0 };

  constructor(o: StatusWriterOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#log = (o.logger ?? silentLogger).child({ resource: o.resource.plural, component: 'status' });
    this.#bucket = new TokenBucket({
      ratePerSecond: o.ratePerSecond ?? 5,
      burst: o.burst ?? 10,
      clock: this.#clock,
    });
  }

  /** Records the desired status of `key` (`namespace/name` or `name`) and writes it if needed. */
  set(key: string, status: Record<string, unknown>): void {
    if (this.#stopped) return;
    const st = this.#state(key);
    st.desired = status;
    if (st.retry === undefined) this.#dirty.add(key);
    this.#pump();
  }

  /** The object is gone: drop what we remember of it. */
  forget(key: string): void {
    const st = this.#keys.get(key);
    st?.retry?.cancel();
    this.#keys.delete(key);
    this.#dirty.delete(key);
    this.#settle();
  }

  /** Resolves when nothing is queued, in flight, or waiting to be retried. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#wait?.cancel();
    this.#wait = undefined;
    this.#abort?.abort();
    for (const st of this.#keys.values()) st.retry?.cancel();
    this.#keys.clear();
    this.#dirty.clear();
    this.#busy = false;
    this.#settle();
  }

  #state(key: string): KeyState {
    let st = this.#keys.get(key);
    if (st === undefined) {
      const backoff = new Backoff({
        ...(this.#o.backoff ?? defaultBackoff),
        random: this.#o.random ?? Math.random,
      });
      st = { desired: undefined, written: undefined, backoff, retry: undefined };
      this.#keys.set(key, st);
    }
    return st;
  }

  #pump(): void {
    while (!this.#busy && !this.#stopped && this.#wait === undefined) {
      const key = this.#dirty.values().next().value;
      if (key === undefined) break;
      const st = this.#keys.get(key);
      const desired = st?.desired;
      const base = st === undefined ? undefined : this.#baseline(key, st);
      if (st === undefined || desired === undefined || base === undefined) {
        this.#dirty.delete(key);
        continue;
      }
      if (base.known && semanticEqual(desired, base.status, this.#o.listMapKeys)) {
        this.#dirty.delete(key);
        this.stats.skipped++;
        continue;
      }
      const waitMs = this.#bucket.take();
      if (waitMs > 0) {
        this.#wait = this.#clock.setTimeout(() => {
          this.#wait = undefined;
          this.#pump();
        }, waitMs);
        break;
      }
      this.#dirty.delete(key);
      this.#write(key, st, desired, base);
    }
    this.#settle();
  }

  /**
   * What the server has now, as far as we know: our last write while the observed copy has
   * not moved past it, else the observed status; `known: false` when we know nothing.
   */
  #baseline(key: string, st: KeyState): Baseline {
    const obs = this.#o.observe?.(key);
    const rv = obs?.metadata.resourceVersion;
    const w = st.written;
    if (w !== undefined && (obs === undefined || rv === w.rvBefore || rv === w.rvAfter)) {
      return { known: true, status: w.status, rv };
    }
    if (obs !== undefined) return { known: true, status: obs.status ?? {}, rv };
    return { known: false, status: undefined, rv: undefined };
  }

  #write(key: string, st: KeyState, desired: Record<string, unknown>, base: Baseline): void {
    this.#busy = true;
    const abort = new AbortController();
    this.#abort = abort;
    const patch = { status: base.known ? mergePatchFrom(base.status, desired) : desired };
    this.#patch(key, patch, abort.signal).then(
      (result) => {
        if (abort.signal.aborted) return;
        this.stats.writes++;
        const rvAfter = isKubeObject(result) ? result.metadata.resourceVersion : undefined;
        st.written = { status: desired, rvBefore: base.rv, rvAfter };
        st.backoff.reset();
        this.#done();
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        this.stats.failures++;
        this.#failed(key, st, err);
        this.#done();
      },
    );
  }

  #patch(key: string, body: object, signal: AbortSignal): Promise<unknown> {
    const { group, version, plural, namespaced } = this.#o.resource;
    const { namespace, name } = splitKey(key);
    const fieldManager = this.#o.fieldManager ?? 'bagpipe-bgp';
    const opts = requestOptions(signal, PatchStrategy.MergePatch);
    const common = { group, version, plural, name, body, fieldManager };
    if (namespaced) {
      return this.#o.clients.custom.patchNamespacedCustomObjectStatus(
        { ...common, namespace: namespace ?? 'default' },
        opts,
      );
    }
    return this.#o.clients.custom.patchClusterCustomObjectStatus(common, opts);
  }

  #failed(key: string, st: KeyState, err: unknown): void {
    const status = httpStatus(err);
    if (!isRetryable(err) || this.#keys.get(key) !== st) {
      // 404: the object is gone; 4xx: our status is invalid. Retrying would not help; a new
      // desired status (or the object coming back) triggers the next attempt.
      this.#log.warn({ key, status, err: errorMessage(err) }, 'status write failed; not retried');
      return;
    }
    const delay = Math.max(retryAfterMs(err) ?? 0, st.backoff.next());
    this.stats.retries++;
    this.#log.info({ key, status, delayMs: delay, err: errorMessage(err) }, 'status write failed; retrying');
    st.retry = this.#clock.setTimeout(() => {
      st.retry = undefined;
      this.#dirty.add(key);
      this.#pump();
    }, delay);
  }

  #done(): void {
    this.#busy = false;
    this.#abort = undefined;
    this.#pump();
  }

  #isIdle(): boolean {
    if (this.#busy || this.#dirty.size > 0 || this.#wait !== undefined) return false;
    for (const st of this.#keys.values()) if (st.retry !== undefined) return false;
    return true;
  }

  #settle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
