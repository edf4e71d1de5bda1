/**
 * One full scan of a desired.d directory: every `*.json` (dotfiles skipped, so a `.x.tmp` written
 * then renamed into place is never half-read) holds one object or a JSON array of objects. Files
 * whose size, mtime, ctime and inode did not change are not read again.
 *
 * A file is applied whole or not at all. When it becomes invalid (bad JSON, schema violation,
 * wrong apiVersion or kind, a duplicate, an immutable field changed) each problem is reported
 * and its last good version stays in force; other files are unaffected. A (kind, namespace,
 * name) defined in two files belongs to the file that already holds it in force (a new file never
 * takes an object over), else to the first file by sorted name; the other file is invalid.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { admit, type Identity } from './admit.js';
import { DesiredCodes, issue, type Issue } from './errors.js';
import { objectName, type AnyDesiredEntry, type InvalidReport } from './types.js';
import type { SchemaValidator } from './validate.js';

export interface FileScanOptions {
  readonly directory: string;
  /** Store source name, carried by entries and reports. */
  readonly source: string;
  readonly validator: SchemaValidator;
  /** Default nodeName of PortAttachments. */
  readonly nodeName?: string | undefined;
}

export interface ScanResult {
  readonly entries: readonly AnyDesiredEntry[];
  readonly invalid: readonly InvalidReport[];
  /** False when no file was added, removed or changed since the previous scan. */
  readonly changed: boolean;
  /** Files read (again) in this scan. */
  readonly readFiles: readonly string[];
}

interface Item {
  readonly entry: AnyDesiredEntry;
  readonly index: number | undefined;
}

interface Problem {
  readonly index: number | undefined;
  readonly identity: Identity;
  readonly issues: readonly Issue[];
}

interface ParsedFile {
  readonly items: readonly Item[];
  readonly problems: readonly Problem[];
}

interface FileState {
  stamp: string;
  parsed: ParsedFile;
  lastGood: readonly AnyDesiredEntry[] | undefined;
}

const NO_IDENTITY: Identity = { kind: undefined, namespace: undefined, name: undefined };

/** "line L column C" for a JSON.parse error that reports a position. */
function jsonError(text: string, e: unknown): Issue {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(msg);
  if (!pos) return issue(DesiredCodes.json, '', `invalid JSON: ${msg}`);
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return issue(DesiredCodes.json, '', `invalid JSON at line ${line} column ${column}: ${msg}`);
}

/** Files handled between two returns to the event loop: I/O is synchronous (much faster than the
 * thread pool for many small files) but never holds the loop for long. */
const SLICE = 32;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const isErrno = (e: unknown, code: string): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;

export class DirectoryScanner {
  readonly #opts: FileScanOptions;
  #files = new Map<string, FileState>();
  #inForce = new Map<string, AnyDesiredEntry>();
  /** Object key -> the file whose version is in force. */
  #owners = new Map<string, string>();
  #merged: { entries: AnyDesiredEntry[]; invalid: InvalidReport[] } | undefined;

  constructor(options: FileScanOptions) {
    this.#opts = options;
  }

  /** Reads the directory; throws (leaving every file's state as it was) when it cannot be listed. */
  async scan(): Promise<ScanResult> {
    const dirents = await readdir(this.#opts.directory, { withFileTypes: true });
    const names = dirents
      .filter(
        (d) => (d.isFile() || d.isSymbolicLink()) && d.name.endsWith('.json') && !d.name.startsWith('.'),
      )
      .map((d) => d.name)
      .sort();
    const readFiles: string[] = [];
    const next = new Map<string, FileState>();
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % SLICE === 0) await yieldToLoop();
      const name = names[i] as string;
      const st = this.#load(name, readFiles);
      if (st) next.set(name, st);
    }
    const changed =
      readFiles.length > 0 ||
      next.size !== this.#files.size ||
      [...this.#files.keys()].some((n) => !next.has(n));
    this.#files = next;
    // Nothing read and no file gone: the merge would give the same result (and, over thousands of
    // objects, garbage every rescan period that V8 then collects on its threads).
    if (!changed && this.#merged !== undefined) return { ...this.#merged, changed, readFiles: [] };
    this.#merged = this.#merge();
    return { ...this.#merged, changed, readFiles: readFiles.sort() };
  }

  /** The file's state after this scan; undefined when it vanished meanwhile. */
  #load(name: string, readFiles: string[]): FileState | undefined {
    const path = join(this.#opts.directory, name);
    const prev = this.#files.get(name);
    try {
      const s = statSync(path, { bigint: true });
      if (!s.isFile()) return undefined;
      const stamp = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      if (prev?.stamp === stamp) return prev;
      const text = readFileSync(path, 'utf8');
      readFiles.push(name);
      return { stamp, parsed: this.#parse(name, text), lastGood: prev?.lastGood };
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      readFiles.push(name);
      const problem = {
        index: undefined,
        identity: NO_IDENTITY,
        issues: [issue(DesiredCodes.read, '', `cannot read: ${String(e)}`)],
      };
      return { stamp: '', parsed: { items: [], problems: [problem] }, lastGood: prev?.lastGood };
    }
  }

  #parse(name: string, text: string): ParsedFile {
    let doc: unknown;
    try {
      doc = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      return {
        items: [],
        problems: [{ index: undefined, identity: NO_IDENTITY, issues: [jsonError(text, e)] }],
      };
    }
    const list = Array.isArray(doc) ? (doc as unknown[]) : [doc];
    const items: Item[] = [];
    const problems: Problem[] = [];
    const seen = new Map<string, number>();
    const { validator, source, nodeName } = this.#opts;
    list.forEach((raw, i) => {
      const index = Array.isArray(doc) ? i : undefined;
      const r = admit(raw, { validator, source, origin: name, nodeName, requireNodeName: false });
      if (!r.ok) return problems.push({ index, identity: r.identity, issues: r.issues });
      const first = seen.get(r.entry.key);
      if (first !== undefined) {
        const message = `${r.entry.kind} ${objectName(r.entry.namespace, r.entry.name)} is already defined at index ${first} of this file`;
        return problems.push({
          index,
          identity: r.entry,
          issues: [issue(DesiredCodes.duplicate, '/metadata/name', message)],
        });
      }
      seen.set(r.entry.key, i);
      return items.push({ entry: r.entry, index });
    });
    return { items, problems };
  }

  /** Cross-file rules, then what is in force: each valid file, else its last good version. */
  #merge(): { entries: AnyDesiredEntry[]; invalid: InvalidReport[] } {
    const claimed = this.#incumbents();
    const owners = new Map<string, string>();
    const entries: AnyDesiredEntry[] = [];
    const invalid: InvalidReport[] = [];
    for (const [name, st] of this.#files) {
      const problems = [...st.parsed.problems, ...this.#crossFile(name, st.parsed.items, claimed)];
      if (problems.length === 0) st.lastGood = st.parsed.items.map((it) => it.entry);
      const lastGoodInForce = problems.length > 0 && st.lastGood !== undefined;
      for (const p of problems) invalid.push(this.#report(name, p, lastGoodInForce));
      for (const e of st.lastGood ?? []) {
        const owner = claimed.get(e.key);
        if (owner !== undefined && owner !== name) continue;
        claimed.set(e.key, name);
        owners.set(e.key, name);
        entries.push(e);
      }
    }
    this.#inForce = new Map(entries.map((e) => [e.key, e]));
    this.#owners = owners;
    return { entries, invalid };
  }

  /** Objects in force whose file still defines them (or still has them as its last good version). */
  #incumbents(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, file] of this.#owners) {
      const st = this.#files.get(file);
      if (st === undefined) continue;
      const defines = st.parsed.items.some((it) => it.entry.key === key);
      const keeps = st.parsed.problems.length > 0 && (st.lastGood ?? []).some((e) => e.key === key);
      if (defines || keeps) out.set(key, file);
    }
    return out;
  }

  #crossFile(file: string, items: readonly Item[], claimed: ReadonlyMap<string, string>): Problem[] {
    const out: Problem[] = [];
    for (const { entry: e, index } of items) {
      const other = claimed.get(e.key);
      const what = `${e.kind} ${objectName(e.namespace, e.name)}`;
      if (other !== undefined && other !== file) {
        const message = `${what} is also defined in ${other}, which holds it and keeps it`;
        out.push({ index, identity: e, issues: [issue(DesiredCodes.duplicate, '/metadata/name', message)] });
      }
      const prev = this.#inForce.get(e.key);
      if (prev?.kind === 'VpnInstance' && e.kind === 'VpnInstance' && prev.spec.type !== e.spec.type) {
        const message = `cannot change from ${prev.spec.type} to ${e.spec.type}; remove the object, then add it back`;
        out.push({ index, identity: e, issues: [issue(DesiredCodes.immutable, '/spec/type', message)] });
      }
    }
    return out;
  }

  #report(origin: string, p: Problem, lastGoodInForce: boolean): InvalidReport {
    const { kind, namespace, name } = p.identity;
    return {
      source: this.#opts.source,
      origin,
      index: p.index,
      kind,
      namespace,
      name,
      issues: p.issues,
      lastGoodInForce,
    };
  }
}
