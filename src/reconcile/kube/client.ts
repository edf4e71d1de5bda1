/**
 * Glue between our Kubernetes source and @kubernetes/client-node 1.4: the API clients built
 * from one KubeConfig, per-request options (abort signal, patch content type), list/watch
 * targets for custom resources and nodes, and classification of client errors.
 */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  Watch,
} from '@kubernetes/client-node';
import { isKubeObject, type KubeList, type KubeObject } from './types.js';

export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly watch: Watch;
}

export function makeKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
    watch: new Watch(kubeConfig),
  };
}

/**
 * Per-request options: an AbortSignal and, optionally, a Content-Type (client-node's patch
 * calls default to JSON Patch). client-node 1.4's object-parameter API takes Observable-style
 * middleware, so `pre` returns an `Observable`, not a Promise.
 */
export function requestOptions(signal?: AbortSignal, contentType?: string): ConfigurationOptions {
  const mw: ObservableMiddleware = {
    pre(ctx: RequestContext): Observable<RequestContext> {
      if (signal !== undefined) ctx.setSignal(signal);
      if (contentType !== undefined) ctx.setHeaderParam('Content-Type', contentType);
      return new Observable(Promise.resolve(ctx));
    },
    post(ctx: ResponseContext): Observable<ResponseContext> {
      return new Observable(Promise.resolve(ctx));
    },
  };
  return { middleware: [mw], middlewareMergeStrategy: 'append' };
}

export interface ResourceRef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Restricts a namespaced resource to one namespace; undefined: all namespaces. */
  readonly namespace?: string;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
}

export interface ListPage {
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
  readonly items: readonly KubeObject[];
}

/** What a reflector lists and watches. */
export interface ListWatchTarget {
  /** A short label for logs and metrics (`bgppeers`). */
  readonly name: string;
  /** The collection path, for client-node's `Watch`. */
  readonly path: string;
  list(opts: ListOptions, signal: AbortSignal): Promise<ListPage>;
}

export function collectionPath(r: ResourceRef): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(r.namespace)}`;
  return `${base}${ns}/${r.plural}`;
}

/** A custom resource through `CustomObjectsApi` (items arrive as plain JSON). */
export function customResource(clients: KubeClients, r: ResourceRef): ListWatchTarget {
  return {
    name: r.plural,
    path: collectionPath(r),
    async list(opts, signal) {
      const common = {
        group: r.group,
        version: r.version,
        plural: r.plural,
        ...selectorParams(opts),
      };
      const o = requestOptions(signal);
      const raw: unknown =
        r.namespace === undefined
          ? await clients.custom.listClusterCustomObject(common, o)
          : await clients.custom.listNamespacedCustomObject({ ...common, namespace: r.namespace }, o);
      return toPage(raw);
    },
  };
}

/**
 * Nodes through `CoreV1Api.listNode`. client-node deserialises them into model classes
 * (Dates, `_continue`); a JSON round trip gives back plain objects like the watch's.
 */
export function nodesTarget(clients: KubeClients): ListWatchTarget {
  return {
    name: 'nodes',
    path: collectionPath({ group: '', version: 'v1', plural: 'nodes' }),
    async list(opts, signal) {
      const list = await clients.core.listNode(selectorParams(opts), requestOptions(signal));
      return toPage(JSON.parse(JSON.stringify(list)));
    },
  };
}

function selectorParams(opts: ListOptions): {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  _continue?: string;
} {
  return {
    ...(opts.labelSelector === undefined ? {} : { labelSelector: opts.labelSelector }),
    ...(opts.fieldSelector === undefined ? {} : { fieldSelector: opts.fieldSelector }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(opts.continueToken === undefined ? {} : { _continue: opts.continueToken }),
  };
}

function toPage(raw: unknown): ListPage {
  const list = raw as Partial<KubeList> & { metadata?: { _continue?: string } };
  const meta = list.metadata ?? {};
  const token = meta.continue ?? meta._continue;
  return {
    resourceVersion: meta.resourceVersion ?? '',
    continueToken: token === undefined || token === '' ? undefined : token,
    items: (list.items ?? []).filter(isKubeObject),
  };
}

/** The HTTP status of a client-node failure (ApiException or Watch error), if any. */
export function httpStatus(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  if (typeof e === 'object' && e !== null && 'statusCode' in e && typeof e.statusCode === 'number') {
    return e.statusCode;
  }
  return undefined;
}

/** `Retry-After` of an ApiException, in milliseconds. */
export function retryAfterMs(e: unknown): number | undefined {
  if (!(e instanceof ApiException)) return undefined;
  const headers = e.headers as Record<string, string | undefined>;
  const v = headers['retry-after'];
  const s = v === undefined ? NaN : Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** Worth retrying: no answer at all (network), 409, 429 or 5xx. */
export function isRetryable(e: unknown): boolean {
  const s = httpStatus(e);
  return s === undefined || s === 409 || s === 429 || s >= 500;
}
