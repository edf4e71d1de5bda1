/**
 * JSON helpers for the fake API server: deep equality, deep clone and RFC 7386 JSON merge
 * patch (also used, as a simplification, for server-side apply).
 */
import { isRecord } from './types.js';

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const base = Object.entries(isRecord(target) ? target : {}).filter(([k]) => patch[k] !== null);
  const out: Record<string, unknown> = Object.fromEntries(base);
  for (const [k, v] of Object.entries(patch)) if (v !== null) out[k] = mergePatch(out[k], v);
  return out;
}

/** Reads a dotted path (`spec.nodeName`) as the string a field selector compares with. */
export function fieldValue(obj: unknown, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}
