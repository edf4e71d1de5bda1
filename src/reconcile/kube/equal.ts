/**
 * Semantic equality of status objects: key order never matters, `undefined` members are
 * absent, and a list whose items all carry an identity field (`type` for conditions, `name`,
 * `kind`/`namespace`/`name` for resource references) is a set keyed by it, so its order does
 * not matter either. Lists of scalars keep their order.
 */
import { isRecord } from './types.js';

export const defaultListMapKeys: readonly string[] = ['type', 'kind', 'namespace', 'name'];

export function canonical(v: unknown, listMapKeys: readonly string[] = defaultListMapKeys): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, listMapKeys));
    const keyed = items.length > 0 && items.every((x) => isRecord(x) && listMapKeys.some((k) => k in x));
    if (!keyed) return items;
    const id = (x: unknown): string =>
      JSON.stringify(listMapKeys.map((k) => (isRecord(x) ? x[k] : undefined) ?? null));
    return items
      .map((x) => ({ id: id(x), x }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((e) => e.x);
  }
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k], listMapKeys);
    return out;
  }
  return v;
}

export function semanticEqual(a: unknown, b: unknown, listMapKeys?: readonly string[]): boolean {
  return JSON.stringify(canonical(a, listMapKeys)) === JSON.stringify(canonical(b, listMapKeys));
}

/**
 * A JSON merge patch (RFC 7386) that turns `base` into `desired`: members of `base` missing
 * from `desired` become `null`; nested objects recurse; everything else is replaced whole.
 */
export function mergePatchFrom(base: unknown, desired: unknown): unknown {
  if (!isRecord(base) || !isRecord(desired)) return desired;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desired)) {
    if (v !== undefined) out[k] = isRecord(v) && isRecord(base[k]) ? mergePatchFrom(base[k], v) : v;
  }
  for (const k of Object.keys(base)) if (desired[k] === undefined && base[k] !== undefined) out[k] = null;
  return out;
}
