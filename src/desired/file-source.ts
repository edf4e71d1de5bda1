/**
 * The desired.d source: watches a directory with chokidar (inotify, no polling), debounces
 * events into one full rescan (`DirectoryScanner`), and rescans periodically for anything the
 * watcher missed. A directory missing at start is reported as a source error, the source still
 * syncs (with nothing), and the directory is watched for its creation. Losing the directory
 * later keeps every object in force.
 */
import { resolve, basename } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import { BgpdError, errorMessage } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { DirectoryScanner } from './file-scan.js';
import type { DesiredStore, SourceWriter } from './store.js';
import { createValidator, type SchemaValidator } from './validate.js';

export interface FileSourceOptions {
  readonly directory: string;
  /** The store to write to; the source registers itself there when constructed. */
  readonly store: DesiredStore;
  /** Source name in the store, metrics and reports. Default: "file". */
  readonly name?: string;
  /** This node: the default nodeName of PortAttachments. */
  readonly nodeName?: string;
  /** Events within this window make one rescan. Default: 50 ms. */
  readonly debounceMs?: number;
  /** Full rescan period, for missed events. Default: 30 s. */
  readonly rescanIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Default: a strict validator (unknown fields are errors). */
  readonly validator?: SchemaValidator;
}

export const FILE_SOURCE_DEFAULTS = { name: 'file', debounceMs: 50, rescanIntervalMs: 30_000 } as const;

export class FileSource {
  readonly #dir: string;
  readonly #writer: SourceWriter;
  readonly #scanner: DirectoryScanner;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #debounceMs: number;
  readonly #rescanMs: number;
  #watcher: FSWatcher | undefined;
  /** Whether the directory existed when the watcher was made (chokidar does not follow a created one). */
  #watchedExisting = false;
  #debounce: TimerHandle | undefined;
  #periodic: TimerHandle | undefined;
  #scanning: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #errorCode: string | undefined;
  #synced = false;
  #scans = 0;

  constructor(options: FileSourceOptions) {
    this.#dir = resolve(options.directory);
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger).child({
      source: options.name ?? FILE_SOURCE_DEFAULTS.name,
      directory: this.#dir,
    });
    this.#debounceMs = options.debounceMs ?? FILE_SOURCE_DEFAULTS.debounceMs;
    this.#rescanMs = options.rescanIntervalMs ?? FILE_SOURCE_DEFAULTS.rescanIntervalMs;
    this.#writer = options.store.register(options.name ?? FILE_SOURCE_DEFAULTS.name);
    this.#scanner = new DirectoryScanner({
      directory: this.#dir,
      source: this.#writer.name,
      validator: options.validator ?? createValidator({ strict: true }),
      nodeName: options.nodeName,
    });
  }

  /** Completed scans, for tests and the looking glass. */
  get scans(): number {
    return this.#scans;
  }

  /** Scans once (the source is then synced), then watches. */
  async start(): Promise<void> {
    if (this.#started) throw new BgpdError('BGPD_ERR_DESIRED_STARTED', 'file source already started');
    this.#started = true;
    await this.rescan();
  }

  /** A full rescan now; resolves when it (and any rescan asked for meanwhile) is applied. */
  rescan(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = this.#scanLoop().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#debounce?.cancel();
    this.#periodic?.cancel();
    await this.#watcher?.close();
    this.#watcher = undefined;
    await this.#scanning;
  }

  async #scanLoop(): Promise<void> {
    for (;;) {
      this.#again = false;
      const exists = await this.#scanOnce();
      if (this.#stopped) return;
      if (this.#watcher === undefined || exists !== this.#watchedExisting) await this.#rewatch(exists);
      if (!this.#repeatWanted()) break;
    }
    this.#periodic?.cancel();
    this.#periodic = this.#clock.setTimeout(() => void this.rescan(), this.#rescanMs);
  }

  /** A rescan was asked for while one ran. */
  #repeatWanted(): boolean {
    return this.#again && !this.#stopped;
  }

  /** Returns whether the directory could be listed. */
  async #scanOnce(): Promise<boolean> {
    try {
      const r = await this.#scanner.scan();
      this.#scans++;
      if (this.#stopped) return true;
      this.#setError(undefined);
      if (r.changed || !this.#synced) this.#writer.replace(r.entries, r.invalid);
      this.#synced = true;
      for (const report of r.invalid) {
        if (r.readFiles.includes(report.origin))
          this.#logger.warn({ report }, `desired object rejected: ${report.origin}`);
      }
      return true;
    } catch (e) {
      this.#scans++;
      const missing = typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT';
      const code = missing ? 'BGPD_ERR_DESIRED_DIR_MISSING' : 'BGPD_ERR_DESIRED_DIR_UNREADABLE';
      const what = missing ? 'does not exist (watching for it)' : `cannot be listed: ${errorMessage(e)}`;
      this.#setError(new BgpdError(code, `desired directory ${this.#dir} ${what}`, { cause: e }));
      if (!this.#synced) this.#writer.markSynced();
      this.#synced = true;
      return false;
    }
  }

  #setError(error: BgpdError | undefined): void {
    if (error?.code === this.#errorCode) return;
    this.#errorCode = error?.code;
    if (error) this.#logger.warn({ code: error.code }, error.message);
    this.#writer.setError(error);
  }

  async #rewatch(exists: boolean): Promise<void> {
    await this.#watcher?.close();
    if (this.#stopped) return;
    this.#watchedExisting = exists;
    const dir = this.#dir;
    const w = watch(dir, {
      ignoreInitial: true,
      usePolling: false,
      depth: 0,
      ignored: (p: string) => p !== dir && basename(p).startsWith('.'),
    });
    const schedule = (): void => {
      this.#schedule();
    };
    w.on('all', schedule);
    // Anything that changed between our scan and the watcher being ready is caught here.
    w.on('ready', schedule);
    w.on('error', (e: unknown) => {
      this.#logger.warn({ err: errorMessage(e) }, 'desired directory watcher error');
      this.#schedule();
    });
    this.#watcher = w;
  }

  #schedule(): void {
    if (this.#stopped || this.#debounce) return;
    this.#debounce = this.#clock.setTimeout(() => {
      this.#debounce = undefined;
      void this.rescan();
    }, this.#debounceMs);
  }
}
