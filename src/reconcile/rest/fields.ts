/**
 * Typed reads of one JSON object of a bagpipe REST body, each failure a `RestInputError` naming
 * the field by its dotted bagpipe path (`local_port.ovs.port_number`). `null` reads as absent, as
 * bagpipe treats most of its optional fields. Ranges are left to the desired-state schema.
 */
import { canonicalAdminAssigned, parseAdminAssigned } from '../../desired/formats.js';
import { isObject, type JsonObject } from '../../desired/structural.js';
import { invalid, missing } from './errors.js';

export class Fields {
  readonly #obj: JsonObject;
  readonly #prefix: string;

  constructor(obj: JsonObject, prefix = '') {
    this.#obj = obj;
    this.#prefix = prefix;
  }

  /** The dotted path of `key` in the body. */
  path(key: string): string {
    return this.#prefix === '' ? key : `${this.#prefix}.${key}`;
  }

  keys(): string[] {
    return Object.keys(this.#obj);
  }

  /** The key is in the object, even with a null value (bagpipe's `'x' in params`). */
  present(key: string): boolean {
    return Object.hasOwn(this.#obj, key);
  }

  /** The value, with null (and absence) as undefined. */
  raw(key: string): unknown {
    return Object.hasOwn(this.#obj, key) ? (this.#obj[key] ?? undefined) : undefined;
  }

  string(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'string') return v;
    throw invalid(this.path(key), `must be a string (got ${JSON.stringify(v)})`);
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw missing(this.path(key));
    if (v === '') throw invalid(this.path(key), 'must not be empty');
    return v;
  }

  /** A JSON integer or a decimal string of one (bagpipe's own docs write `'port_number': '7'`). */
  int(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) return Number(v);
    throw invalid(this.path(key), `must be an integer (got ${JSON.stringify(v)})`);
  }

  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'boolean') return v;
    throw invalid(this.path(key), `must be a boolean (got ${JSON.stringify(v)})`);
  }

  object(key: string): Fields | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isObject(v)) throw invalid(this.path(key), 'must be a JSON object');
    return new Fields(v, this.path(key));
  }

  /** Free text: a string as is, any other JSON value as its compact JSON text. */
  text(key: string): string | undefined {
    const v = this.raw(key);
    return v === undefined || typeof v === 'string' ? v : JSON.stringify(v);
  }

  /** A list of strings, or one string (one item). */
  strings(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const list: unknown[] = Array.isArray(v) ? v : [v];
    return list.map((item) => {
      if (typeof item === 'string') return item;
      throw invalid(this.path(key), `must be a list of strings (got ${JSON.stringify(item)})`);
    });
  }

  /**
   * Route targets as bagpipe takes them: a list, or one comma-separated string; empty items
   * skipped, duplicates removed. Canonical (`ASN:NN` without leading zeros) and sorted, so the
   * same set always reads the same (bagpipe keeps a set too: order is lost there as well).
   */
  routeTargets(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const items: unknown[] | undefined =
      typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined;
    if (items === undefined)
      throw invalid(this.path(key), 'must be a list of route targets or a comma-separated string');
    const out = new Set<string>();
    for (const item of items) {
      if (typeof item !== 'string')
        throw invalid(this.path(key), `not a route target: ${JSON.stringify(item)}`);
      const rt = item.trim();
      if (rt === '') continue;
      if (parseAdminAssigned(rt) === undefined)
        throw invalid(this.path(key), `not a route target (ASN:NN, IP:NN or ASN4:NN): ${JSON.stringify(rt)}`);
      out.add(canonicalAdminAssigned(rt));
    }
    return [...out].sort();
  }
}
