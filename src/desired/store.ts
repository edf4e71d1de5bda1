/**
 * The desired store: every valid object in force and every rejected one, per source, merged into
 * immutable versioned snapshots. Subscribers hear of a snapshot only once the sync gate is open
 * (every registered source has synced once), so nothing is torn down because a source has not
 * listed yet. A source that errors or disconnects keeps its objects: only the source itself
 * replaces or removes them.
 */
import type { BgpdError } from '../lib/errors.js';
import { errorMessage } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { DesiredCodes, issue } from './errors.js';
import {
  desiredKinds,
  keyOf,
  objectName,
  type AnyDesiredEntry,
  type DesiredEntry,
  type DesiredKind,
  type InvalidReport,
  type ObjectRef,
} from './types.js';

export interface SourceStatus {
  readonly synced: boolean;
  /** A source-level problem (directory missing, API server unreachable); its objects stay. */
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

/** What a source writes with. Each call makes a new snapshot version. */
export interface SourceWriter {
  readonly name: string;
  /** Everything this source holds now (level-based); also marks it synced. */
  replace(entries: Iterable<AnyDesiredEntry>, invalid: Iterable<InvalidReport>): void;
  /** One object became valid (or changed): it is in force, and its report (if any) is cleared. */
  upsert(entry: AnyDesiredEntry): void;
  /** One object is invalid: the report is kept and its last valid version (if any) stays in force. */
  reject(ref: ObjectRef, report: InvalidReport): void;
  /** One object is gone: it leaves, and so does its report. */
  remove(ref: ObjectRef): void;
  markSynced(): void;
  /** Set or clear a source-level error; never removes objects. */
  setError(error: BgpdError | undefined): void;
}

/** Counts for the `bagpipe_desired_objects{kind,source}` and `bagpipe_desired_invalid_objects` gauges. */
export interface DesiredMetrics {
  desiredObjects(): readonly { kind: string; source: string; count: number }[];
  desiredInvalidObjects(): number;
}

type ByName<K extends DesiredKind> = ReadonlyMap<string, DesiredEntry<K>>;

/** One immutable version of the desired state. Maps are keyed by `objectName(namespace, name)`. */
export class DesiredSnapshot {
  readonly version: number;
  /** True once every registered source has synced once. */
  readonly synced: boolean;
  readonly bgpPeers: ByName<'BgpPeer'>;
  readonly vpnInstances: ByName<'VpnInstance'>;
  readonly portAttachments: ByName<'PortAttachment'>;
  /** Rejected objects and files, by source in registration order. */
  readonly invalid: readonly InvalidReport[];
  readonly sources: ReadonlyMap<string, SourceStatus>;

  constructor(fields: Omit<DesiredSnapshot, 'get' | 'entries'>) {
    this.version = fields.version;
    this.synced = fields.synced;
    this.bgpPeers = fields.bgpPeers;
    this.vpnInstances = fields.vpnInstances;
    this.portAttachments = fields.portAttachments;
    this.invalid = fields.invalid;
    this.sources = fields.sources;
    Object.freeze(this);
  }

  get<K extends DesiredKind>(kind: K, namespace: string, name: string): DesiredEntry<K> | undefined {
    const maps = {
      BgpPeer: this.bgpPeers,
      VpnInstance: this.vpnInstances,
      PortAttachment: this.portAttachments,
    };
    return (maps[kind] as ByName<K>).get(objectName(namespace, name));
  }

  *entries(): IterableIterator<AnyDesiredEntry> {
    yield* this.bgpPeers.values();
    yield* this.vpnInstances.values();
    yield* this.portAttachments.values();
  }
}

class SourceState {
  entries = new Map<string, AnyDesiredEntry>();
  reports = new Map<string, InvalidReport>();
  synced = false;
  error: SourceStatus['error'] = undefined;
}

interface Subscriber {
  readonly fn: (s: DesiredSnapshot) => void;
  version: number;
}

export interface DesiredStoreOptions {
  readonly logger?: Logger;
}

export class DesiredStore implements DesiredMetrics {
  readonly #sources = new Map<string, SourceState>();
  readonly #subscribers = new Set<Subscriber>();
  readonly #logger: Logger;
  #version = 0;
  #cached: DesiredSnapshot | undefined;
  #gateOpen = false;
  #notifyQueued = false;
  #waiters: ((s: DesiredSnapshot) => void)[] = [];

  constructor(options: DesiredStoreOptions = {}) {
    this.#logger = options.logger ?? silentLogger;
  }

  /** Adds a source; the gate waits for it (unless it is already open). Order decides conflicts. */
  register(name: string): SourceWriter {
    if (this.#sources.has(name)) throw new Error(`desired source ${name} is already registered`);
    const s = new SourceState();
    this.#sources.set(name, s);
    this.#changed();
    return this.#writer(name, s);
  }

  get synced(): boolean {
    return this.#gateOpen;
  }

  /** Resolves with the first snapshot after the gate opens. */
  whenSynced(): Promise<DesiredSnapshot> {
    if (this.#gateOpen) return Promise.resolve(this.snapshot());
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Calls `fn` with each new snapshot once the gate is open (at once if it already is). Bursts of
   * changes in one tick are coalesced. Returns the unsubscribe function.
   */
  subscribe(fn: (s: DesiredSnapshot) => void): () => void {
    const sub: Subscriber = { fn, version: -1 };
    this.#subscribers.add(sub);
    if (this.#gateOpen) this.#queueNotify();
    return () => {
      this.#subscribers.delete(sub);
    };
  }

  snapshot(): DesiredSnapshot {
    this.#cached ??= this.#build();
    return this.#cached;
  }

  desiredObjects(): { kind: string; source: string; count: number }[] {
    const counts = new Map<string, { kind: string; source: string; count: number }>();
    for (const source of this.#sources.keys()) {
      for (const kind of desiredKinds) counts.set(`${kind}\0${source}`, { kind, source, count: 0 });
    }
    for (const e of this.snapshot().entries()) {
      const c = counts.get(`${e.kind}\0${e.source}`);
      if (c) c.count++;
    }
    return [...counts.values()];
  }

  desiredInvalidObjects(): number {
    return this.snapshot().invalid.length;
  }

  #writer(name: string, s: SourceState): SourceWriter {
    const changed = (): void => {
      this.#changed();
    };
    return {
      name,
      replace(entries, invalid) {
        s.entries = new Map([...entries].map((e) => [e.key, e]));
        s.reports = new Map([...invalid].map((r, i) => [`#${i}`, r]));
        s.synced = true;
        changed();
      },
      upsert(entry) {
        s.entries.set(entry.key, entry);
        s.reports.delete(entry.key);
        changed();
      },
      reject(ref, report) {
        s.reports.set(keyOf(ref), report);
        changed();
      },
      remove(ref) {
        s.entries.delete(keyOf(ref));
        s.reports.delete(keyOf(ref));
        changed();
      },
      markSynced() {
        s.synced = true;
        changed();
      },
      setError(error) {
        s.error = error && { code: error.code, message: error.message };
        changed();
      },
    };
  }

  #changed(): void {
    this.#version++;
    this.#cached = undefined;
    const all = [...this.#sources.values()];
    if (!this.#gateOpen && all.length > 0 && all.every((s) => s.synced)) {
      this.#gateOpen = true;
      const snap = this.snapshot();
      for (const w of this.#waiters.splice(0)) w(snap);
    }
    if (this.#gateOpen) this.#queueNotify();
  }

  #queueNotify(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      const snap = this.snapshot();
      for (const sub of this.#subscribers) {
        if (sub.version === snap.version) continue;
        sub.version = snap.version;
        try {
          sub.fn(snap);
        } catch (e) {
          this.#logger.error({ err: errorMessage(e) }, 'desired store subscriber failed');
        }
      }
    });
  }

  #build(): DesiredSnapshot {
    const maps: { [K in DesiredKind]: Map<string, DesiredEntry<K>> } = {
      BgpPeer: new Map(),
      VpnInstance: new Map(),
      PortAttachment: new Map(),
    };
    const owner = new Map<string, AnyDesiredEntry>();
    const invalid: InvalidReport[] = [];
    const sources = new Map<string, SourceStatus>();
    for (const [name, s] of this.#sources) {
      sources.set(name, Object.freeze({ synced: s.synced, error: s.error }));
      invalid.push(...s.reports.values());
      for (const e of s.entries.values()) {
        const winner = owner.get(e.key);
        if (winner) {
          invalid.push(conflict(e, winner));
          continue;
        }
        owner.set(e.key, e);
        (maps[e.kind] as Map<string, AnyDesiredEntry>).set(objectName(e.namespace, e.name), e);
      }
    }
    return new DesiredSnapshot({
      version: this.#version,
      synced: this.#gateOpen,
      bgpPeers: maps.BgpPeer,
      vpnInstances: maps.VpnInstance,
      portAttachments: maps.PortAttachment,
      invalid: Object.freeze(invalid),
      sources,
    });
  }
}

function conflict(loser: AnyDesiredEntry, winner: AnyDesiredEntry): InvalidReport {
  const message = `also defined by source ${winner.source} (${winner.origin}), which is in force`;
  return Object.freeze({
    source: loser.source,
    origin: loser.origin,
    index: undefined,
    kind: loser.kind,
    namespace: loser.namespace,
    name: loser.name,
    issues: [issue(DesiredCodes.conflict, '/metadata/name', message)],
    lastGoodInForce: false,
  });
}
