/**
 * A protocol-level fake Kubernetes API server on 127.0.0.1 (node:http, ephemeral port) that
 * the real @kubernetes/client-node talks to: list/watch with resourceVersions, bookmarks and
 * 410 Expired, CRUD with the `/status` subresource, merge patch, server-side apply (as a simple
 * merge), discovery, a request log, and fault injection (drop, stall, expire, compact, HTTP
 * error bursts, going down and coming back on the same port).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { discovery } from './discovery.js';
import { FailurePlan, matches, type FailOptions, type LoggedRequest, type RequestFilter } from './faults.js';
import { ResourceHandlers, selectorOf, type Route } from './handlers.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { defaultResources } from './resources.js';
import { ObjectStore } from './store.js';
import { apiVersionOf, KubeHttpError, statusBody, type ResourceType, type StoredObject } from './types.js';
import { WatchStream } from './watch.js';

export interface FakeKubeOptions {
  /** Events kept for watches to resume from (older resourceVersions get 410). Default 1000. */
  readonly historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 1000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** Resource types served; default: the bagpipe.io CRDs, nodes, secrets and events. */
  readonly resources?: readonly ResourceType[];
}

export interface StallOptions {
  /** Watches opened from now on stall too, until `resumeWatches()`. Default false. */
  readonly newWatches?: boolean;
  /** New stalled watches do not even get response headers. Default false. */
  readonly beforeHeaders?: boolean;
}

export class FakeKube {
  readonly store: ObjectStore;
  readonly requests: LoggedRequest[] = [];
  readonly failures = new FailurePlan();
  readonly #handlers: ResourceHandlers;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #watches = new Set<WatchStream>();
  readonly #bookmarkIntervalMs: number;
  #port = 0;
  #up = false;
  #stallNew: StallOptions | undefined;
  #comeBackTimer: NodeJS.Timeout | undefined;

  private constructor(opts: FakeKubeOptions) {
    this.store = new ObjectStore(opts.historyLimit ?? 1000);
    for (const t of opts.resources ?? defaultResources) this.store.register(t);
    this.#handlers = new ResourceHandlers(this.store);
    this.#bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
    this.#server = createServer((req, res) => {
      this.#onRequest(req, res);
    });
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }

  static async start(opts: FakeKubeOptions = {}): Promise<FakeKube> {
    const fake = new FakeKube(opts);
    await fake.#listen(0);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get up(): boolean {
    return this.#up;
  }

  get openWatches(): number {
    return this.#watches.size;
  }

  /** A kubeconfig (YAML) for `KubeConfig.loadFromString`. */
  kubeconfig(): string {
    return kubeconfigYaml(this.url);
  }

  /** The resource type of an apiVersion and kind, for writing objects from tests. */
  typeOf(apiVersion: string, kind: string): ResourceType {
    const t = this.store.types().find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
    if (t === undefined) throw new Error(`fake-kube: no resource type for ${apiVersion} ${kind}`);
    return t;
  }

  /** Creates the object, or replaces it (status included) when it exists. */
  upsert(obj: StoredObject): StoredObject {
    const t = this.typeOf(obj.apiVersion ?? '', obj.kind ?? '');
    const cur = this.store.tryGet(
      t,
      obj.metadata.namespace ?? (t.namespaced ? 'default' : undefined),
      obj.metadata.name ?? '',
    );
    if (cur === undefined) return this.store.create(t, obj);
    const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: '' } };
    this.store.update(t, next);
    return this.store.update(t, next, { statusOnly: true });
  }

  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): StoredObject {
    return this.store.delete(this.typeOf(apiVersion, kind), namespace, name);
  }

  requestsMatching(filter: RequestFilter = {}): LoggedRequest[] {
    return this.requests.filter((r) => matches(r, filter));
  }

  /** PUT/PATCH requests to a `/status` subresource (optionally of one resource). */
  statusWrites(resource?: string): LoggedRequest[] {
    return this.requests.filter(
      (r) =>
        r.subresource === 'status' &&
        (r.method === 'PATCH' || r.method === 'PUT') &&
        (resource === undefined || r.resource === resource),
    );
  }

  /** Events recorded through core/v1 and events.k8s.io/v1. */
  events(): StoredObject[] {
    const ts = this.store.types().filter((t) => t.plural === 'events');
    return ts.flatMap((t) => this.store.list(t));
  }

  /** The next `count` matching requests get `code` (429 with Retry-After, see FailOptions). */
  failNext(count: number, code: number, options: FailOptions = {}): void {
    this.failures.add(count, code, options);
  }

  /** Open watches send nothing more (the sockets stay open); see StallOptions for new ones. */
  stallWatches(opts: StallOptions = {}): void {
    for (const w of this.#watches) w.stall();
    this.#stallNew = opts.newWatches === true ? opts : undefined;
  }

  /** New watches are served normally again (already stalled ones stay dead). */
  resumeWatches(): void {
    this.#stallNew = undefined;
  }

  /** Destroys the sockets of all open watches. Returns how many there were. */
  dropWatches(): number {
    const n = this.#watches.size;
    for (const w of [...this.#watches]) w.destroy();
    return n;
  }

  /** Ends all open watches with an ERROR event carrying a 410 Expired Status. */
  expireWatches(): number {
    const n = this.#watches.size;
    for (const w of [...this.#watches]) w.expire();
    return n;
  }

  /** Drops the event history: watches and lists from an older resourceVersion get 410. */
  compact(): void {
    this.store.compact();
  }

  /**
   * Closes the listener and every connection (clients get ECONNREFUSED); with `forMs`, comes
   * back on the same port after that long (real timer).
   */
  async goDown(forMs?: number): Promise<void> {
    if (!this.#up) return;
    this.#up = false;
    for (const w of [...this.#watches]) w.destroy();
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeAllConnections();
    for (const s of this.#sockets) s.destroy();
    await closed;
    if (forMs !== undefined) {
      this.#comeBackTimer = setTimeout(() => {
        this.#comeBackTimer = undefined;
        void this.comeBack();
      }, forMs);
    }
  }

  async comeBack(): Promise<void> {
    if (this.#comeBackTimer !== undefined) clearTimeout(this.#comeBackTimer);
    this.#comeBackTimer = undefined;
    if (!this.#up) await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    if (this.#comeBackTimer !== undefined) clearTimeout(this.#comeBackTimer);
    this.#comeBackTimer = undefined;
    await this.goDown();
  }

  async #listen(port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#up = true;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.#dispatch(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  #dispatch(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = this.#route(url.pathname);
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      watch,
      resource: route?.type.plural,
      subresource: route?.subresource,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(entry);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    try {
      const fail = this.failures.take(entry);
      if (fail !== undefined) {
        const h: Record<string, string> =
          fail.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fail.retryAfterSeconds) };
        send(fail.code, statusBody(fail.code, `injected failure ${fail.code}`), h);
        return;
      }
      const doc = req.method === 'GET' ? discovery(url.pathname, this.store.types()) : undefined;
      if (doc !== undefined) {
        send(200, doc);
        return;
      }
      if (route === undefined)
        throw new KubeHttpError(404, `the server could not find the requested resource ${url.pathname}`);
      if (watch) {
        entry.status = 200;
        this.#watch(res, route, url.searchParams);
        return;
      }
      const out = this.#handlers.handle({
        method: entry.method,
        route,
        query: url.searchParams,
        contentType: entry.contentType,
        body,
      });
      send(out.status, out.body);
    } catch (e) {
      if (e instanceof KubeHttpError) send(e.code, e.body());
      else send(500, statusBody(500, String(e)));
    }
  }

  #watch(res: ServerResponse, route: Route, query: URLSearchParams): void {
    if (route.name !== undefined)
      throw new KubeHttpError(400, 'watch of a single object: use a fieldSelector');
    const bookmarks = query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1';
    const timeout = query.get('timeoutSeconds');
    const w = new WatchStream(
      res,
      {
        type: route.type,
        namespace: route.namespace,
        match: selectorOf(route, query),
        resourceVersion: this.#handlers.checkResourceVersion(query),
        bookmarks,
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        bookmarkIntervalMs: this.#bookmarkIntervalMs,
      },
      this.store,
      (closed) => this.#watches.delete(closed),
    );
    this.#watches.add(w);
    const stall = this.#stallNew;
    w.start({ stalled: stall !== undefined, headers: stall?.beforeHeaders !== true });
  }

  /** `/api/v1/...` or `/apis/G/V/...`, then `[namespaces/NS/]PLURAL[/NAME[/SUB]]`. */
  #route(path: string): Route | undefined {
    const parts = path
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3)
      [group, version, rest] = ['', parts[1] ?? '', parts.slice(2)];
    else if (parts[0] === 'apis' && parts.length >= 4)
      [group, version, rest] = [parts[1] ?? '', parts[2] ?? '', parts.slice(3)];
    else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
    const type = this.store.findType(group, version, rest[0] ?? '');
    if (type === undefined || rest.length > 3) return undefined;
    if (!type.namespaced && namespace !== undefined) return undefined;
    if (type.namespaced && namespace === undefined && rest.length > 1) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2] };
  }
}
