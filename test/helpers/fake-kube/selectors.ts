/**
 * Label and field selectors with the syntax of the real API server:
 * labels `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`;
 * fields `path=v`, `path==v`, `path!=v` over dotted paths.
 */
import { fieldValue } from './merge.js';
import { KubeHttpError, type StoredObject } from './types.js';

type LabelOp = 'eq' | 'ne' | 'in' | 'notin' | 'exists' | 'notexists';

interface LabelRequirement {
  readonly key: string;
  readonly op: LabelOp;
  readonly values: readonly string[];
}

export type Matcher = (obj: StoredObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const setRe = /^([A-Za-z0-9._/-]+)\s+(in|notin)\s+\(([^)]*)\)$/;
const eqRe = /^([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/;
const keyRe = /^(!?)\s*([A-Za-z0-9._/-]+)$/;

function parseLabelRequirement(s: string): LabelRequirement {
  const set = setRe.exec(s);
  if (set !== null) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return { key: set[1] ?? '', op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const eq = eqRe.exec(s);
  if (eq !== null) return { key: eq[1] ?? '', op: eq[2] === '!=' ? 'ne' : 'eq', values: [eq[3] ?? ''] };
  const key = keyRe.exec(s);
  if (key !== null) return { key: key[2] ?? '', op: key[1] === '!' ? 'notexists' : 'exists', values: [] };
  throw new KubeHttpError(400, `unable to parse requirement: ${s}`);
}

function labelMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return v === r.values[0];
    case 'ne':
      return v !== r.values[0];
    case 'in':
      return v !== undefined && r.values.includes(v);
    case 'notin':
      return v === undefined || !r.values.includes(v);
    case 'exists':
      return v !== undefined;
    case 'notexists':
      return v === undefined;
  }
}

export function labelSelector(s: string | undefined): Matcher {
  if (s === undefined || s.trim() === '') return () => true;
  const reqs = splitTop(s).map(parseLabelRequirement);
  return (obj) => reqs.every((r) => labelMatches(r, obj.metadata.labels ?? {}));
}

const fieldRe = /^([A-Za-z0-9._-]+)\s*(==|=|!=)\s*(.*)$/;

export function fieldSelector(s: string | undefined, selectable?: readonly string[]): Matcher {
  if (s === undefined || s.trim() === '') return () => true;
  const reqs = splitTop(s).map((part) => {
    const m = fieldRe.exec(part);
    if (m === null) throw new KubeHttpError(400, `invalid field selector: ${part}`);
    const path = m[1] ?? '';
    const always = path === 'metadata.name' || path === 'metadata.namespace';
    if (!always && selectable !== undefined && !selectable.includes(path)) {
      throw new KubeHttpError(400, `field label not supported: ${path}`);
    }
    return { path, negate: m[2] === '!=', value: m[3] ?? '' };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.negate);
}

export function both(a: Matcher, b: Matcher): Matcher {
  return (obj) => a(obj) && b(obj);
}
