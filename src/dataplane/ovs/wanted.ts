/**
 * The wanted state of one pass: flows indexed by table, priority and match (the identity OVS
 * gives a flow), the ECMP flows whose select group is still to be numbered, the next-hop
 * actions computed so far, and the entries refused. A flow carries the intent entry it serves,
 * for error reports; prefix flows share one entry string plus their prefix, so 100k routes
 * cost no 100k report strings unless something fails.
 */
import type { EntryError } from '../driver.js';

export interface Flow {
  readonly table: number;
  readonly priority: number;
  /** Match fields in OVS print order, comma-separated. */
  readonly match: string;
  readonly cookie: string;
  readonly actions: string;
  /** The intent entry this flow serves, for error reports (see `entryOf`). */
  readonly entry: string;
  /** Appended to `entry` when the text is needed: prefix flows share one `entry` string. */
  readonly detail?: string;
}

export const entryOf = (f: Flow): string => (f.detail === undefined ? f.entry : `${f.entry} ${f.detail}`);

/**
 * Flows by table and priority, then by match text: lookups build no composite key string
 * (at 100k routes that string work was half of the planning time).
 */
export class FlowIndex<V> {
  readonly #by = new Map<number, Map<string, V>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(table: number, priority: number, match: string): V | undefined {
    return this.#by.get(table * 65536 + priority)?.get(match);
  }

  set(table: number, priority: number, match: string, v: V): void {
    const k = table * 65536 + priority;
    let m = this.#by.get(k);
    if (m === undefined) this.#by.set(k, (m = new Map<string, V>()));
    if (!m.has(match)) this.#size++;
    m.set(match, v);
  }

  delete(table: number, priority: number, match: string): void {
    if (this.#by.get(table * 65536 + priority)?.delete(match) === true) this.#size--;
  }

  *values(): IterableIterator<V> {
    for (const m of this.#by.values()) yield* m.values();
  }
}

export const flowText = (f: Flow): string =>
  `cookie=${f.cookie},table=${f.table},priority=${f.priority}${f.match === '' ? '' : `,${f.match}`} actions=${f.actions}`;

/** The wanted flows by key, the ECMP groups still to number, and the entries refused. */
export class Wanted {
  readonly flows = new FlowIndex<Flow>();
  /** ECMP flow → bucket actions of its select group (its `group:<id>` is set when numbered). */
  readonly ecmp = new Map<Flow, readonly string[]>();
  readonly errors: EntryError[] = [];
  /** Next-hop actions computed in this pass (a few VTEPs serve many prefixes): vtep → code → actions. */
  readonly hops = new Map<string, Map<number, string | { readonly error: string }>>();

  /** Adds a flow; one another entry already wants (same table, priority, match) is refused. */
  add(f: Flow): boolean {
    const had = this.flows.get(f.table, f.priority, f.match);
    if (had !== undefined) {
      this.error(entryOf(f), `conflicts with ${entryOf(had)} (same table, priority and match)`);
      return false;
    }
    this.flows.set(f.table, f.priority, f.match, f);
    return true;
  }

  error(entry: string, message: string): void {
    this.errors.push({ entry, message });
  }
}
