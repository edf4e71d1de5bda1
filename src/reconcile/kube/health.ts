/**
 * Source-level health of the Kubernetes source. Every LIST page and every WATCH (re)connection
 * of its reflectors reports whether the API server answered: a resource whose last attempt
 * failed is a problem, and the oldest problem is the source error in the desired store
 * (unreachable, forbidden, not served, other API errors), cleared once every resource answers
 * again. The store hears only of changes of code or resource, so an outage makes two snapshot
 * versions, not one per retry. The reflectors stay as they are: their target and their Watch
 * are wrapped.
 */
import { Watch } from '@kubernetes/client-node';
import type { SourceWriter } from '../../desired/store.js';
import { BgpdError, errorMessage } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { httpStatus, type ListWatchTarget } from './client.js';

export type KubeSourceErrorCode =
  | 'BGPD_ERR_KUBE_UNREACHABLE'
  | 'BGPD_ERR_KUBE_FORBIDDEN'
  | 'BGPD_ERR_KUBE_NOT_SERVED'
  | 'BGPD_ERR_KUBE_API'
  | 'BGPD_ERR_KUBE_NODE_NOT_FOUND';

export class KubeSourceError extends BgpdError {
  declare readonly code: KubeSourceErrorCode;
  /** The resource (`bgppeers`) or object (`node/n1`) concerned. */
  readonly resource: string;
  /** HTTP status, when the API server answered. */
  readonly status: number | undefined;

  constructor(
    code: KubeSourceErrorCode,
    resource: string,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.resource = resource;
    this.status = options?.status;
  }
}

export type Step = 'list' | 'watch';

/** A failed LIST or WATCH of `resource` as a source error. */
export function apiError(resource: string, step: Step, err: unknown): KubeSourceError {
  const status = httpStatus(err);
  const what = `${step === 'list' ? 'listing' : 'watching'} ${resource}`;
  const opts = { cause: err, ...(status === undefined ? {} : { status }) };
  const make = (code: KubeSourceErrorCode, message: string): KubeSourceError =>
    new KubeSourceError(code, resource, message, opts);
  if (status === undefined)
    return make('BGPD_ERR_KUBE_UNREACHABLE', `API server unreachable (${what}): ${errorMessage(err)}`);
  if (status === 401 || status === 403)
    return make('BGPD_ERR_KUBE_FORBIDDEN', `API server refused ${what} (HTTP ${status}): check RBAC`);
  if (status === 404)
    return make('BGPD_ERR_KUBE_NOT_SERVED', `${resource} not served (${what}: HTTP 404): CRDs installed?`);
  return make('BGPD_ERR_KUBE_API', `API server failed ${what} (HTTP ${status}): ${errorMessage(err)}`);
}

/** Our own aborts (stop, a superseded attempt) say nothing about the API server. */
function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

export interface HealthSink {
  answered(resource: string): void;
  failed(resource: string, step: Step, err: unknown): void;
}

export class SourceHealth implements HealthSink {
  readonly #writer: Pick<SourceWriter, 'setError'>;
  readonly #log: Logger;
  /** In order of appearance; the first is reported. */
  readonly #problems = new Map<string, KubeSourceError>();
  #reported: KubeSourceError | undefined;
  #closed = false;

  constructor(writer: Pick<SourceWriter, 'setError'>, logger: Logger) {
    this.#writer = writer;
    this.#log = logger;
  }

  /** The error in force, if any. */
  get error(): KubeSourceError | undefined {
    return this.#problems.values().next().value;
  }

  answered(resource: string): void {
    this.set(resource, undefined);
  }

  failed(resource: string, step: Step, err: unknown): void {
    if (!isAbort(err)) this.set(resource, apiError(resource, step, err));
  }

  /** Sets or clears the problem under `key` (a resource, or another condition). */
  set(key: string, error: KubeSourceError | undefined): void {
    if (error === undefined) {
      if (!this.#problems.delete(key)) return;
    } else this.#problems.set(key, error);
    this.#update();
  }

  /** No more reports reach the store (the source stopped). */
  close(): void {
    this.#closed = true;
  }

  #update(): void {
    const next = this.error;
    const prev = this.#reported;
    if (this.#closed || (next?.code === prev?.code && next?.resource === prev?.resource)) return;
    this.#reported = next;
    if (next !== undefined) this.#log.warn({ code: next.code, resource: next.resource }, next.message);
    else this.#log.info({ was: prev?.code }, 'Kubernetes source healthy again');
    this.#writer.setError(next);
  }
}

/** `target`, reporting each LIST page's outcome (a 410 is an answer: the reflector relists). */
export function observedTarget(target: ListWatchTarget, sink: HealthSink): ListWatchTarget {
  return {
    name: target.name,
    path: target.path,
    async list(opts, signal) {
      try {
        const page = await target.list(opts, signal);
        sink.answered(target.name);
        return page;
      } catch (e) {
        if (signal.aborted) throw e;
        if (httpStatus(e) === 410) sink.answered(target.name);
        else sink.failed(target.name, 'list', e);
        throw e;
      }
    },
  };
}

/**
 * client-node's Watch, reporting whether each WATCH request got its response: client-node
 * calls `done(err)` before the returned promise settles when the request failed, and only
 * later when an established watch ends (not a health matter: the next attempt tells).
 */
export class ObservedWatch extends Watch {
  readonly #resource: string;
  readonly #sink: HealthSink;

  constructor(watch: Watch, resource: string, sink: HealthSink) {
    super(watch.config);
    this.#resource = resource;
    this.#sink = sink;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    let settled = false;
    let failure: { err: unknown } | undefined;
    const onDone = (err: unknown): void => {
      if (!settled && err !== null && err !== undefined) failure = { err };
      done(err);
    };
    try {
      const ctl = await super.watch(path, queryParams, callback, onDone);
      settled = true;
      if (failure === undefined) this.#sink.answered(this.#resource);
      else this.#sink.failed(this.#resource, 'watch', failure.err);
      return ctl;
    } catch (e) {
      settled = true;
      this.#sink.failed(this.#resource, 'watch', e);
      throw e;
    }
  }
}
