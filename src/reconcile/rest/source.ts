/**
 * The bagpipe REST API as a desired-state writer. Each attach/detach is translated (pure,
 * `translate.ts`) against the instances already persisted, then persisted as one JSON file per
 * VPN instance (`<name>.json`: the VpnInstance and its PortAttachments) in an API-owned
 * directory, by temp file + fsync + rename. A `FileSource` on that directory (source name
 * "rest") feeds the desired store, so a restart restores every attachment, and the reply is
 * sent only once the store holds the change. Requests run one at a time, in arrival order.
 * A write that fails (full or read-only filesystem) is a `RestStorageError` (HTTP 503) and leaves
 * every file as it was.
 */
import { join, resolve } from 'node:path';
import { DirectoryScanner } from '../../desired/file-scan.js';
import { createValidator, FileSource, type DesiredStore, type SchemaValidator } from '../../desired/index.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { nodeStateFs, removeDurably, removeStaleTemps, writeAtomic, type StateFs } from './atomic.js';
import { RestInputError, RestStorageError } from './errors.js';
import { fileName } from './names.js';
import { REST_NAMESPACE, serialize, type InstanceDoc, type RestState } from './objects.js';
import { translateAttach, translateDetach, type Translation, type TranslateOptions } from './translate.js';
import type { PortAttachment, VpnInstance } from '../../api/gen/index.js';

/** What the HTTP layer calls. Both reject with `RestInputError` (400) or `RestStorageError` (503). */
export interface RestApi {
  attach(body: unknown): Promise<RestResult>;
  detach(body: unknown): Promise<RestResult>;
}

export interface RestResult {
  /** Files written (unchanged files are not rewritten: a refresh writes nothing). */
  readonly written: readonly string[];
  readonly removed: readonly string[];
  /** Fields ignored, as bagpipe ignores them. */
  readonly warnings: readonly string[];
}

export interface RestSourceOptions {
  /** API-owned directory, e.g. `<desired.d>/bagpipe-rest`. */
  readonly directory: string;
  /** The source registers itself in the store when constructed. */
  readonly store: DesiredStore;
  /** Source name in the store. Default: "rest". */
  readonly name?: string;
  /** Namespace of the objects. Default: "bagpipe-rest". */
  readonly namespace?: string;
  /** This node: the default nodeName of the attachments. */
  readonly nodeName?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Filesystem calls of the writes (tests inject failures). */
  readonly fs?: StateFs;
  /** Passed to the FileSource. */
  readonly rescanIntervalMs?: number;
  /**
   * An attach that changed nothing (a refresh: the agent re-sends after a restart, or
   * `bagpipe-rest-attach --port netns` re-created its veth): the daemon re-checks the
   * dataplane at once rather than at its next repair pass.
   */
  readonly onRefresh?: () => void;
}

type Op = 'attach' | 'detach';

export class RestSource implements RestApi {
  readonly #dir: string;
  readonly #fs: StateFs;
  readonly #logger: Logger;
  readonly #files: FileSource;
  readonly #scanner: DirectoryScanner;
  readonly #translate: TranslateOptions;
  readonly #onRefresh: (() => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: RestSourceOptions) {
    this.#dir = resolve(options.directory);
    this.#fs = options.fs ?? nodeStateFs;
    this.#logger = (options.logger ?? silentLogger).child({ component: 'rest-api' });
    const validator: SchemaValidator = createValidator({ strict: true });
    const name = options.name ?? 'rest';
    this.#files = new FileSource({
      directory: this.#dir,
      store: options.store,
      name,
      validator,
      logger: this.#logger,
      ...(options.nodeName === undefined ? {} : { nodeName: options.nodeName }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.rescanIntervalMs === undefined ? {} : { rescanIntervalMs: options.rescanIntervalMs }),
    });
    this.#scanner = new DirectoryScanner({
      directory: this.#dir,
      source: name,
      validator,
      nodeName: options.nodeName,
    });
    this.#translate = { namespace: options.namespace ?? REST_NAMESPACE, validator };
    this.#onRefresh = options.onRefresh;
  }

  get directory(): string {
    return this.#dir;
  }

  /** Creates the directory if it can (a failure is logged: writes will then answer 503), then loads it. */
  async start(): Promise<void> {
    try {
      await this.#fs.mkdirp(this.#dir);
      const stale = await removeStaleTemps(this.#fs, this.#dir);
      if (stale.length > 0) this.#logger.info({ stale }, 'removed temp files left by an interrupted write');
    } catch (e) {
      this.#logger.warn({ err: errorMessage(e) }, `REST state directory ${this.#dir} is not usable`);
    }
    await this.#files.start();
  }

  /** Waits for the request in progress, then stops watching. */
  async stop(): Promise<void> {
    await this.#queue;
    await this.#files.stop();
  }

  attach(body: unknown): Promise<RestResult> {
    return this.#serial(() => this.#apply('attach', body));
  }

  detach(body: unknown): Promise<RestResult> {
    return this.#serial(() => this.#apply('detach', body));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(op: Op, body: unknown): Promise<RestResult> {
    // The body in full only at debug level: it can be up to the 1 MiB limit.
    this.#logger.debug({ params: body }, `local port ${op} body`);
    this.#logger.info(summarize(body), `local port ${op} received`);
    let t: Translation;
    try {
      t = (op === 'attach' ? translateAttach : translateDetach)(await this.#load(), body, this.#translate);
    } catch (e) {
      if (e instanceof RestInputError)
        this.#logger.warn({ code: e.code, field: e.field }, `${op}: API error: ${e.message}`);
      else this.#logger.error({ err: errorMessage(e) }, `${op}: unexpected error`);
      throw e;
    }
    for (const w of t.warnings) this.#logger.warn({ op }, w);
    const result = { written: [] as string[], removed: [] as string[], warnings: t.warnings };
    try {
      await this.#persist(t.changes, result);
    } finally {
      if (result.written.length + result.removed.length > 0) await this.#files.rescan();
      else if (op === 'attach') this.#onRefresh?.();
    }
    return result;
  }

  /** The instances on disk (the last valid version of each file), grouped by file. */
  async #load(): Promise<RestState> {
    let entries;
    try {
      entries = (await this.#scanner.scan()).entries;
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT') return new Map();
      throw new RestStorageError(`cannot read ${this.#dir}: ${errorMessage(e)}`, e);
    }
    const byFile = new Map<string, { instance?: VpnInstance; attachments: PortAttachment[] }>();
    for (const e of entries) {
      if (e.namespace !== this.#translate.namespace) continue;
      const doc = byFile.get(e.origin) ?? { attachments: [] };
      if (e.kind === 'VpnInstance') doc.instance = e.object as VpnInstance;
      if (e.kind === 'PortAttachment') doc.attachments.push(e.object as PortAttachment);
      byFile.set(e.origin, doc);
    }
    const state = new Map<string, InstanceDoc>();
    for (const [origin, { instance, attachments }] of byFile) {
      if (instance === undefined || origin !== fileName(instance.metadata.name)) continue;
      state.set(instance.metadata.name, { instance, attachments });
    }
    return state;
  }

  /** Writes or removes each file in turn; what was done is recorded in `done` even on failure. */
  async #persist(
    changes: ReadonlyMap<string, InstanceDoc | null>,
    done: { written: string[]; removed: string[] },
  ): Promise<void> {
    const { written, removed } = done;
    for (const [name, doc] of changes) {
      const file = fileName(name);
      try {
        if (doc === null) {
          await removeDurably(this.#fs, this.#dir, file);
          removed.push(file);
          continue;
        }
        const data = serialize(doc);
        if ((await this.#fs.read(join(this.#dir, file))) === data) continue;
        await this.#fs.mkdirp(this.#dir);
        await writeAtomic(this.#fs, this.#dir, file, data);
        written.push(file);
      } catch (e) {
        const err = new RestStorageError(`cannot persist ${file} in ${this.#dir}: ${errorMessage(e)}`, e);
        this.#logger.error({ code: err.code, err: errorMessage(e) }, err.message);
        throw err;
      }
    }
  }
}

/** The identifying fields of an attach/detach body, for one short log line. */
function summarize(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body: typeof body };
  const b = body as Record<string, unknown>;
  const pick = (k: string): unknown => {
    const v = b[k];
    return typeof v === 'string' ? v.slice(0, 100) : undefined;
  };
  return {
    vpn_instance_id: pick('vpn_instance_id'),
    vpn_type: pick('vpn_type'),
    mac_address: pick('mac_address'),
    ip_address: pick('ip_address'),
  };
}
