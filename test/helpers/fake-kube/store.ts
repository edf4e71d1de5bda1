/**
 * The fake API server's object store: one global resourceVersion counter (like etcd), objects
 * per resource type, a bounded event history for watches, and generation/uid/timestamps set
 * the way the real server sets them.
 */
import { randomUUID } from 'node:crypto';
import { clone, deepEqual } from './merge.js';
import {
  apiVersionOf,
  isRecord,
  KubeHttpError,
  objectKey,
  typeKey,
  type ResourceType,
  type StoredObject,
} from './types.js';

export interface StoreEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly typeKey: string;
  readonly object: StoredObject;
  /** The object before the change (MODIFIED only): watches with selectors need both. */
  readonly old?: StoredObject;
}

export type StoreListener = (e: StoreEvent) => void;

export interface WriteOptions {
  /** Only the status changes (the `/status` subresource). */
  readonly statusOnly?: boolean;
}

function specPart(o: StoredObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export class ObjectStore {
  #rv = 0;
  /** The oldest resourceVersion a watch may still start from. */
  #compactedRv = 0;
  readonly #historyLimit: number;
  readonly #types = new Map<string, ResourceType>();
  readonly #objects = new Map<string, Map<string, StoredObject>>();
  #history: StoreEvent[] = [];
  readonly #listeners = new Set<StoreListener>();

  constructor(historyLimit = 1000) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get compactedResourceVersion(): number {
    return this.#compactedRv;
  }

  register(t: ResourceType): void {
    this.#types.set(typeKey(t), t);
    if (!this.#objects.has(typeKey(t))) this.#objects.set(typeKey(t), new Map());
  }

  types(): ResourceType[] {
    return [...this.#types.values()];
  }

  findType(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#types.get(typeKey({ group, version, plural }));
  }

  subscribe(l: StoreListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Drops the whole event history: a watch from any older resourceVersion now gets 410. */
  compact(): void {
    this.#history = [];
    this.#compactedRv = this.#rv;
  }

  /** Events of one type after `rv`, or undefined when they were compacted away. */
  eventsSince(t: ResourceType, rv: number): StoreEvent[] | undefined {
    if (rv < this.#compactedRv) return undefined;
    const k = typeKey(t);
    return this.#history.filter((e) => e.rv > rv && e.typeKey === k);
  }

  list(t: ResourceType, namespace?: string): StoredObject[] {
    const all = [...this.#bucket(t).values()];
    const inNs = namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    return inNs.sort((a, b) => keyOf(a).localeCompare(keyOf(b))).map((o) => clone(o));
  }

  get(t: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const o = this.#bucket(t).get(objectKey(namespace, name));
    if (o === undefined) throw new KubeHttpError(404, `${t.plural} "${name}" not found`);
    return clone(o);
  }

  tryGet(t: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    const o = this.#bucket(t).get(objectKey(namespace, name));
    return o === undefined ? undefined : clone(o);
  }

  create(t: ResourceType, input: StoredObject): StoredObject {
    const o = normalise(t, clone(input));
    const meta = o.metadata;
    if (meta.name === undefined && meta.generateName !== undefined) {
      meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    }
    if (meta.name === undefined || meta.name === '')
      throw new KubeHttpError(422, 'metadata.name: Required value');
    if (t.namespaced && (meta.namespace ?? '') === '') meta.namespace = 'default';
    if (!t.namespaced) delete meta.namespace;
    const key = objectKey(meta.namespace, meta.name);
    if (this.#bucket(t).has(key)) {
      throw new KubeHttpError(409, `${t.plural} "${meta.name}" already exists`, 'AlreadyExists');
    }
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.generation = 1;
    meta.resourceVersion = String(++this.#rv);
    this.#bucket(t).set(key, o);
    this.#emit({ rv: this.#rv, type: 'ADDED', typeKey: typeKey(t), object: clone(o) });
    return clone(o);
  }

  /**
   * Replaces an object (PUT semantics). With `statusOnly` only `status` is taken from the
   * input; otherwise `status` is kept when the type has a status subresource. The generation
   * moves only when the spec (anything but metadata and status) changes; a no-op write keeps
   * the resourceVersion and emits nothing.
   */
  update(t: ResourceType, input: StoredObject, opts: WriteOptions = {}): StoredObject {
    const cur = this.get(t, input.metadata.namespace, input.metadata.name ?? '');
    const wantRv = input.metadata.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== cur.metadata.resourceVersion) {
      throw new KubeHttpError(
        409,
        `Operation cannot be fulfilled on ${t.plural} "${cur.metadata.name ?? ''}": the object has been modified`,
      );
    }
    const next = normalise(t, this.#merged(t, cur, input, opts));
    if (deepEqual(next, cur)) return cur;
    if (!deepEqual(specPart(next), specPart(cur)))
      next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = String(++this.#rv);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) {
      return this.#remove(t, next);
    }
    this.#bucket(t).set(keyOf(next), next);
    this.#emit({ rv: this.#rv, type: 'MODIFIED', typeKey: typeKey(t), object: clone(next), old: cur });
    return clone(next);
  }

  /** Deletes now, or marks for deletion when finalizers remain. */
  delete(t: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const cur = this.get(t, namespace, name);
    if ((cur.metadata.finalizers ?? []).length > 0) {
      if (cur.metadata.deletionTimestamp !== undefined) return cur;
      const marked = clone(cur);
      marked.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      marked.metadata.resourceVersion = String(++this.#rv);
      this.#bucket(t).set(keyOf(marked), marked);
      this.#emit({ rv: this.#rv, type: 'MODIFIED', typeKey: typeKey(t), object: clone(marked), old: cur });
      return clone(marked);
    }
    const gone = clone(cur);
    gone.metadata.resourceVersion = String(++this.#rv);
    return this.#remove(t, gone);
  }

  #remove(t: ResourceType, o: StoredObject): StoredObject {
    this.#bucket(t).delete(keyOf(o));
    this.#emit({ rv: this.#rv, type: 'DELETED', typeKey: typeKey(t), object: clone(o) });
    return clone(o);
  }

  #merged(t: ResourceType, cur: StoredObject, input: StoredObject, opts: WriteOptions): StoredObject {
    if (opts.statusOnly === true) {
      const next = clone(cur);
      if (input['status'] === undefined) delete next['status'];
      else next['status'] = clone(input['status']);
      return next;
    }
    const next = clone(input);
    // The server owns these: they come from the stored object, whatever the request says.
    const owned = [
      'uid',
      'creationTimestamp',
      'generation',
      'resourceVersion',
      'deletionTimestamp',
      'namespace',
      'name',
    ];
    const rest = Object.entries(next.metadata).filter(([k]) => !owned.includes(k));
    const kept = Object.entries(cur.metadata).filter(([k, v]) => owned.includes(k) && v !== undefined);
    next.metadata = Object.fromEntries([...rest, ...kept]);
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    if (t.statusSubresource === true) {
      if (cur['status'] === undefined) delete next['status'];
      else next['status'] = clone(cur['status']);
    }
    return next;
  }

  #bucket(t: ResourceType): Map<string, StoredObject> {
    const b = this.#objects.get(typeKey(t));
    if (b === undefined)
      throw new KubeHttpError(404, `the server could not find the requested resource (${t.plural})`);
    return b;
  }

  #emit(e: StoreEvent): void {
    this.#history.push(e);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#compactedRv = dropped.rv;
    }
    for (const l of [...this.#listeners]) l(e);
  }
}

function keyOf(o: StoredObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name ?? '');
}

/** Secrets: `stringData` is write-only and lands base64-encoded in `data`. */
function normalise(t: ResourceType, obj: StoredObject): StoredObject {
  if (t.group !== '' || t.plural !== 'secrets' || !isRecord(obj['stringData'])) return obj;
  const data: Record<string, unknown> = isRecord(obj['data']) ? { ...obj['data'] } : {};
  for (const [k, v] of Object.entries(obj['stringData'])) data[k] = Buffer.from(String(v)).toString('base64');
  const { stringData: _drop, ...rest } = obj;
  return { ...rest, metadata: obj.metadata, data };
}
