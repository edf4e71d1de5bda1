/**
 * The Kubernetes desired-state source ("kubernetes" in the desired store). One Reflector per
 * kind: BgpPeers (cluster-scoped), VpnInstances and the PortAttachments of this node (label
 * `bagpipe.io/node=<node>` on LIST and WATCH, and `spec.nodeName` checked on receipt), plus one
 * on this Node, whose labels decide which BgpPeers (`spec.nodeSelector`) are desired here.
 *
 * Level-based: a changed key re-admits that one object from the reflector cache and writes the
 * difference: valid -> upsert, invalid -> reject (its last good version stays in force), gone,
 * terminating or not for this node -> remove. A Node label change re-evaluates every BgpPeer.
 * The source is synced once every reflector has listed; API failures are the source error
 * (see health.ts) and never remove anything, as the reflector caches outlive them.
 */
import { admit, type AdmitOptions } from '../../desired/admit.js';
import { API_VERSION, GROUP, VERSION } from '../../desired/crd.js';
import type { EffectiveBgpPeer } from '../../desired/defaults.js';
import type { Issue } from '../../desired/errors.js';
import type { DesiredStore, SourceWriter } from '../../desired/store.js';
import { keyOf, type DesiredKind, type ObjectRef } from '../../desired/types.js';
import { createValidator, type SchemaValidator } from '../../desired/validate.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { BgpdError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { customResource, nodesTarget, type KubeClients, type ListWatchTarget } from './client.js';
import { KubeSourceError, ObservedWatch, SourceHealth, observedTarget } from './health.js';
import { selectNode, type Labels } from './node-selector.js';
import { PeerPasswords, type ReadSecret } from './peer-password.js';
import { Reflector, type ReflectorOptions, type ReflectorStats } from './reflector.js';
import { isRecord, splitKey, type KubeObject } from './types.js';

import { KUBE_SOURCE_NAME, NODE_LABEL } from './names.js';

export { KUBE_SOURCE_NAME, NODE_LABEL };

/** Reflector timings, for tests (defaults: reflector.ts). */
export type ReflectorTuning = Partial<
  Pick<ReflectorOptions, 'backoff' | 'pageSize' | 'watchTimeoutSeconds' | 'idleTimeoutMs' | 'minWatchMs'>
>;

export interface KubeSourceOptions {
  readonly clients: KubeClients;
  /** The source registers itself there ("kubernetes") when constructed. */
  readonly store: DesiredStore;
  /** This node: selects PortAttachments and the Node whose labels BgpPeer nodeSelectors match. */
  readonly nodeName: string;
  /** VpnInstances and PortAttachments of this namespace only; undefined: all namespaces. */
  readonly namespace?: string;
  /** Namespace of a `passwordSecretRef` without one. Default: the KubeConfig context's, else "default". */
  readonly secretNamespace?: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Reads one Secret key (default: `readSecretKey` through `clients.core`). */
  readonly readSecret?: ReadSecret;
  readonly reflector?: ReflectorTuning;
  /** Default: the open (CR) validator; the API server prunes unknown fields. */
  readonly validator?: SchemaValidator;
}

type Watched = DesiredKind | 'Node';
const watchedKinds: readonly Watched[] = ['BgpPeer', 'VpnInstance', 'PortAttachment', 'Node'];
const plurals = { BgpPeer: 'bgppeers', VpnInstance: 'vpninstances', PortAttachment: 'portattachments' };

/** What this source last wrote for a store key, to skip writes that change nothing. */
interface Written {
  readonly valid: boolean;
  /** See versionOf. */
  readonly version: string | undefined;
  /** A valid version is in force (upserted, not removed since). */
  readonly good: boolean;
}

/**
 * What admission depends on: uid and generation (which moves on spec changes only), so the
 * status writes of our own reconcilers do not make new snapshots; the resourceVersion when
 * there is no generation.
 */
function versionOf(o: KubeObject): string | undefined {
  const g = o.metadata.generation;
  return g === undefined ? o.metadata.resourceVersion : `${o.metadata.uid ?? ''}/${String(g)}`;
}

/** A label value (≤ 63 characters): longer node names (up to 253) cannot be selected by label. */
const labelValue = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export class KubeSource {
  readonly #o: KubeSourceOptions;
  readonly #writer: SourceWriter;
  readonly #log: Logger;
  readonly #health: SourceHealth;
  readonly #admit: Omit<AdmitOptions, 'origin'>;
  readonly #reflectors: ReadonlyMap<Watched, Reflector>;
  readonly #written = new Map<string, Written>();
  readonly #passwords: PeerPasswords;
  #state: 'new' | 'running' | 'stopped' = 'new';
  #synced = false;
  /** This Node's labels as last evaluated (sorted entries as JSON). */
  #seenLabels: string | undefined;

  constructor(options: KubeSourceOptions) {
    this.#o = options;
    this.#log = options.logger.child({ source: KUBE_SOURCE_NAME, node: options.nodeName });
    this.#writer = options.store.register(KUBE_SOURCE_NAME);
    this.#health = new SourceHealth(this.#writer, this.#log);
    this.#admit = {
      validator: options.validator ?? createValidator({ strict: false }),
      source: KUBE_SOURCE_NAME,
      requireNodeName: true,
      nodeName: options.nodeName,
    };
    this.#passwords = new PeerPasswords(options);
    this.#reflectors = new Map(watchedKinds.map((w) => [w, this.#reflector(w)]));
  }

  /** Starts every reflector; resolves at once (the store's gate opens when they have synced). */
  start(): Promise<void> {
    if (this.#state !== 'new')
      return Promise.reject(new BgpdError('BGPD_ERR_DESIRED_STARTED', 'Kubernetes source already started'));
    this.#state = 'running';
    this.#log.info({ namespace: this.#o.namespace ?? '(all)' }, 'Kubernetes source starting');
    for (const r of this.#reflectors.values()) r.start();
    return Promise.resolve();
  }

  /** Stops every reflector (requests aborted, timers cancelled); what the store holds stays. */
  stop(): Promise<void> {
    this.#state = 'stopped';
    this.#health.close();
    for (const r of this.#reflectors.values()) r.stop();
    return Promise.resolve();
  }

  /** Every reflector has listed once. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The source error in force (also in the store's snapshot), if any. */
  get error(): KubeSourceError | undefined {
    return this.#health.error;
  }

  /** Reflector counters by resource, e.g. for `bagpipe_watch_restarts_total{resource}`. */
  stats(): { resource: string; stats: Readonly<ReflectorStats> }[] {
    return [...this.#reflectors.values()].map((r) => ({ resource: r.resource, stats: r.stats }));
  }

  /**
   * The TCP MD5 key of a peer from its `spec.passwordSecretRef` (undefined without one), read
   * when called so a rotated Secret is picked up. Errors are `SecretError`s naming the peer
   * and the Secret.
   */
  passwordFor(peer: EffectiveBgpPeer): Promise<string | undefined> {
    return this.#passwords.passwordFor(peer);
  }

  #reflector(w: Watched): Reflector {
    const { clients, nodeName } = this.#o;
    const byLabel = labelValue.test(nodeName);
    if (w === 'PortAttachment' && !byLabel)
      this.#log.warn({ nodeName }, `node name is no label value: watching all PortAttachments`);
    const target: ListWatchTarget =
      w === 'Node'
        ? nodesTarget(clients)
        : customResource(clients, {
            group: GROUP,
            version: VERSION,
            plural: plurals[w],
            ...(w === 'BgpPeer' || this.#o.namespace === undefined ? {} : { namespace: this.#o.namespace }),
          });
    const r = new Reflector({
      ...this.#o.reflector,
      target: observedTarget(target, this.#health),
      watch: new ObservedWatch(clients.watch, target.name, this.#health),
      ...(w === 'Node' ? { fieldSelector: `metadata.name=${nodeName}` } : {}),
      ...(w === 'PortAttachment' && byLabel ? { labelSelector: `${NODE_LABEL}=${nodeName}` } : {}),
      clock: this.#o.clock ?? systemClock,
      random: this.#o.random ?? Math.random,
      logger: this.#log,
    });
    r.on('changed', (key) => {
      if (this.#state !== 'running') return;
      if (w === 'Node') this.#nodeChanged();
      else this.#evaluate(w, key);
    });
    r.on('synced', () => {
      this.#onSynced(w);
    });
    return r;
  }

  #onSynced(w: Watched): void {
    if (this.#state !== 'running') return;
    if (w === 'Node') this.#nodeChanged();
    if (this.#synced || ![...this.#reflectors.values()].every((r) => r.hasSynced)) return;
    this.#synced = true;
    this.#log.info({ objects: this.#written.size }, 'Kubernetes source synced');
    this.#writer.markSynced();
  }

  /** This Node's labels: undefined until its reflector listed, or while the Node does not exist. */
  #labels(): Labels | undefined {
    const node = this.#reflectors.get('Node')?.get(this.#o.nodeName);
    return node === undefined ? undefined : (node.metadata.labels ?? {});
  }

  /** Node events are mostly status: BgpPeers are re-evaluated only when the labels changed. */
  #nodeChanged(): void {
    const nodes = this.#reflectors.get('Node');
    if (nodes?.hasSynced === true) {
      const missing = nodes.get(this.#o.nodeName) === undefined;
      const key = `node/${this.#o.nodeName}`;
      const message = `Node ${this.#o.nodeName} not found: BgpPeers with a nodeSelector are not evaluated`;
      this.#health.set(
        key,
        missing ? new KubeSourceError('BGPD_ERR_KUBE_NODE_NOT_FOUND', key, message) : undefined,
      );
    }
    const labels = this.#labels();
    const seen = labels === undefined ? undefined : JSON.stringify(Object.entries(labels).sort());
    if (seen === this.#seenLabels) return;
    this.#seenLabels = seen;
    this.#log.debug({ labels }, 'Node labels changed: re-evaluating BgpPeers');
    for (const key of this.#reflectors.get('BgpPeer')?.keys() ?? []) this.#evaluate('BgpPeer', key);
  }

  #evaluate(kind: DesiredKind, key: string): void {
    const { namespace, name } = splitKey(key);
    const ref: ObjectRef = { kind, namespace: namespace ?? '', name };
    const obj = this.#reflectors.get(kind)?.get(key);
    const scope = obj === undefined ? 'remove' : this.#scope(kind, obj);
    if (scope === 'keep') return;
    const prev = this.#written.get(keyOf(ref));
    if (obj === undefined || scope === 'remove') {
      if (prev === undefined) return;
      this.#written.delete(keyOf(ref));
      this.#writer.remove(ref);
      return;
    }
    const version = versionOf(obj);
    if (prev !== undefined && version !== undefined && prev.version === version) return;
    // admit freezes what it keeps; the reflector's cache stays as it is.
    const raw = { apiVersion: API_VERSION, kind, ...structuredClone(obj) };
    const origin = `${plurals[kind]}/${key}`;
    const r = admit(raw, { ...this.#admit, origin });
    if (r.ok && scope.length === 0) {
      this.#written.set(keyOf(ref), { valid: true, version, good: true });
      if (r.entry.kind === 'BgpPeer') this.#passwords.remember(r.entry.spec, r.entry.name);
      this.#writer.upsert(r.entry);
      return;
    }
    const issues = [...(r.ok ? [] : r.issues), ...scope];
    const good = prev?.good ?? false;
    this.#written.set(keyOf(ref), { valid: false, version, good });
    this.#log.warn({ kind, key, issues, lastGoodInForce: good }, 'object rejected');
    const ns = ref.namespace === '' ? undefined : ref.namespace;
    const report = { source: KUBE_SOURCE_NAME, origin, index: undefined, kind, namespace: ns, name };
    this.#writer.reject(ref, { ...report, issues, lastGoodInForce: good });
  }

  /**
   * Whether the object is desired on this node: `remove` (terminating, another node's
   * PortAttachment, a BgpPeer whose nodeSelector does not select this Node), `keep` (not known
   * yet: this Node's labels), or yes, with issues of the nodeSelector found on the way.
   */
  #scope(kind: DesiredKind, obj: KubeObject): 'remove' | 'keep' | readonly Issue[] {
    if (obj.metadata.deletionTimestamp !== undefined) return 'remove';
    const spec = isRecord(obj.spec) ? obj.spec : {};
    if (kind === 'PortAttachment') {
      const node = spec['nodeName'];
      return typeof node === 'string' && node !== this.#o.nodeName ? 'remove' : [];
    }
    if (kind !== 'BgpPeer') return [];
    const s = selectNode(spec['nodeSelector'], this.#labels());
    if (s === 'not-selected') return 'remove';
    if (s === 'unknown') return 'keep';
    return s === 'selected' ? [] : s.issues;
  }
}
