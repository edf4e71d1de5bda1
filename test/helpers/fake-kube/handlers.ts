/**
 * REST handlers of the fake API server for one resource type: LIST (selectors, pagination
 * over a snapshot), GET, POST, PUT, PATCH (merge patch; server-side apply as a simple merge)
 * and DELETE, plus the `/status` subresource.
 */
import { load } from 'js-yaml';
import { clone, mergePatch } from './merge.js';
import { both, fieldSelector, labelSelector, type Matcher } from './selectors.js';
import type { ObjectStore } from './store.js';
import { apiVersionOf, isRecord, KubeHttpError, type ResourceType, type StoredObject } from './types.js';

export interface Route {
  readonly type: ResourceType;
  /** undefined: cluster-scoped, or all namespaces. */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

export interface ApiRequest {
  readonly method: string;
  readonly route: Route;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

interface Snapshot {
  readonly rv: number;
  readonly items: StoredObject[];
}

export function selectorOf(route: Route, query: URLSearchParams): Matcher {
  const labels = labelSelector(query.get('labelSelector') ?? undefined);
  const fields = fieldSelector(query.get('fieldSelector') ?? undefined, route.type.selectableFields);
  return both(labels, fields);
}

/** Everything that is not a watch. */
export class ResourceHandlers {
  readonly #store: ObjectStore;
  readonly #snapshots = new Map<number, Snapshot>();
  #nextSnapshot = 1;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  handle(req: ApiRequest): ApiResponse {
    const { method, route } = req;
    if (route.subresource !== undefined && route.subresource !== 'status') {
      throw new KubeHttpError(404, `subresource ${route.subresource} not found`);
    }
    if (route.name === undefined) {
      if (method === 'GET') return { status: 200, body: this.#list(req) };
      if (method === 'POST') return { status: 201, body: this.#create(req) };
      throw new KubeHttpError(405, `${method} is not allowed on a collection`);
    }
    switch (method) {
      case 'GET':
        return { status: 200, body: this.#store.get(route.type, route.namespace, route.name) };
      case 'PUT':
        return { status: 200, body: this.#put(req) };
      case 'PATCH':
        return this.#patch(req);
      case 'DELETE':
        return { status: 200, body: this.#store.delete(route.type, route.namespace, route.name) };
      default:
        throw new KubeHttpError(405, `${method} is not allowed`);
    }
  }

  /** A watch needs the same checks as a list with a resourceVersion. */
  checkResourceVersion(query: URLSearchParams): number | undefined {
    const raw = query.get('resourceVersion');
    if (raw === null || raw === '') return undefined;
    const rv = Number(raw);
    if (!Number.isInteger(rv) || rv < 0) throw new KubeHttpError(400, `invalid resourceVersion ${raw}`);
    return rv;
  }

  #list(req: ApiRequest): unknown {
    const { route, query } = req;
    const rv = this.checkResourceVersion(query);
    if (rv !== undefined && rv !== 0 && rv < this.#store.compactedResourceVersion) {
      throw new KubeHttpError(
        410,
        `too old resource version: ${rv} (${this.#store.compactedResourceVersion})`,
        'Expired',
      );
    }
    const token = query.get('continue');
    const limit = Number(query.get('limit') ?? '0');
    const { id, offset, snap } = token === null ? this.#snapshot(route, query) : this.#resume(token);
    const end = limit > 0 ? Math.min(offset + limit, snap.items.length) : snap.items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(snap.rv) };
    if (end < snap.items.length) {
      metadata['continue'] = Buffer.from(JSON.stringify({ id, offset: end })).toString('base64url');
      metadata['remainingItemCount'] = snap.items.length - end;
    } else this.#snapshots.delete(id);
    const t = route.type;
    return {
      apiVersion: apiVersionOf(t),
      kind: `${t.kind}List`,
      metadata,
      items: snap.items.slice(offset, end),
    };
  }

  #snapshot(route: Route, query: URLSearchParams): { id: number; offset: number; snap: Snapshot } {
    const match = selectorOf(route, query);
    const items = this.#store.list(route.type, route.namespace).filter(match);
    const id = this.#nextSnapshot++;
    const snap = { rv: this.#store.resourceVersion, items };
    this.#snapshots.set(id, snap);
    return { id, offset: 0, snap };
  }

  #resume(token: string): { id: number; offset: number; snap: Snapshot } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw new KubeHttpError(400, 'invalid continue token');
    }
    const id = isRecord(parsed) && typeof parsed['id'] === 'number' ? parsed['id'] : -1;
    const offset = isRecord(parsed) && typeof parsed['offset'] === 'number' ? parsed['offset'] : 0;
    const snap = this.#snapshots.get(id);
    if (snap === undefined || snap.rv < this.#store.compactedResourceVersion) {
      throw new KubeHttpError(
        410,
        'The provided continue parameter is too old to display a consistent list result.',
        'Expired',
      );
    }
    return { id, offset, snap };
  }

  #create(req: ApiRequest): StoredObject {
    if (req.route.subresource !== undefined) throw new KubeHttpError(405, 'POST to a subresource');
    const obj = this.#bodyObject(req);
    this.#placeInRoute(req.route, obj);
    return this.#store.create(req.route.type, obj);
  }

  #put(req: ApiRequest): StoredObject {
    const obj = this.#bodyObject(req);
    this.#placeInRoute(req.route, obj);
    if (obj.metadata.name !== req.route.name)
      throw new KubeHttpError(400, 'metadata.name does not match the URL');
    const statusOnly = req.route.subresource === 'status';
    return this.#store.update(req.route.type, obj, { statusOnly });
  }

  #patch(req: ApiRequest): ApiResponse {
    const { route } = req;
    const name = route.name ?? '';
    const statusOnly = route.subresource === 'status';
    const ct = (req.contentType ?? '').split(';')[0]?.trim();
    if (ct === 'application/apply-patch+yaml') {
      if ((req.query.get('fieldManager') ?? '') === '') {
        throw new KubeHttpError(400, 'PATCH with apply-patch+yaml requires fieldManager');
      }
      const cur = this.#store.tryGet(route.type, route.namespace, name);
      const patch = this.#bodyObject(req, true);
      if (cur === undefined) {
        if (statusOnly) throw new KubeHttpError(404, `${route.type.plural} "${name}" not found`);
        this.#placeInRoute(route, patch);
        return { status: 201, body: this.#store.create(route.type, patch) };
      }
      return { status: 200, body: this.#applyMerge(route, cur, patch, statusOnly) };
    }
    if (ct !== 'application/merge-patch+json') {
      throw new KubeHttpError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/apply-patch+yaml (fake server); got ${ct ?? ''}`,
      );
    }
    const cur = this.#store.get(route.type, route.namespace, name);
    return { status: 200, body: this.#applyMerge(route, cur, this.#bodyObject(req), statusOnly) };
  }

  #applyMerge(route: Route, cur: StoredObject, patch: StoredObject, statusOnly: boolean): StoredObject {
    const merged = mergePatch(cur, patch) as StoredObject;
    const precondition = isRecord(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    if (precondition === undefined) merged.metadata.resourceVersion = cur.metadata.resourceVersion ?? '';
    merged.metadata.name = cur.metadata.name ?? '';
    if (cur.metadata.namespace !== undefined) merged.metadata.namespace = cur.metadata.namespace;
    return this.#store.update(route.type, merged, { statusOnly });
  }

  #bodyObject(req: ApiRequest, yaml = false): StoredObject {
    let v: unknown;
    try {
      v = yaml ? load(req.body) : JSON.parse(req.body);
    } catch (e) {
      throw new KubeHttpError(400, `cannot parse the request body: ${String(e)}`);
    }
    if (!isRecord(v)) throw new KubeHttpError(400, 'the request body is not an object');
    const meta = isRecord(v['metadata']) ? v['metadata'] : {};
    return { ...clone(v), metadata: clone(meta) };
  }

  #placeInRoute(route: Route, obj: StoredObject): void {
    const ns = obj.metadata.namespace;
    if (route.namespace !== undefined && ns !== undefined && ns !== '' && ns !== route.namespace) {
      throw new KubeHttpError(400, 'the namespace of the object does not match the namespace of the URL');
    }
    if (route.namespace !== undefined) obj.metadata.namespace = route.namespace;
    if (route.name !== undefined && obj.metadata.name === undefined) obj.metadata.name = route.name;
  }
}
