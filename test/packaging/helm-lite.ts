/**
 * Checks of Helm templates without a helm binary: value paths referenced by templates, a
 * structural comparison of template skeletons with the plain manifests, and a tiny evaluator
 * for the few template forms bgp.conf uses. Not a Helm renderer: anything else is an error.
 */
import { asArray, isObj, str } from './lib.js';

/** `.Values.a.b` paths referenced by a template (also `$.Values…`). */
export function valueRefs(text: string): string[] {
  return [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => (m[1] ?? '').slice(1));
}

/** Every path of a values tree: inner nodes and leaves (`a`, `a.b`, …). */
export function valuePaths(v: unknown, prefix = ''): string[] {
  if (!isObj(v)) return [];
  return Object.entries(v).flatMap(([k, child]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...valuePaths(child, p)];
  });
}

/** Leaves of a values tree (empty maps and lists count as leaves). */
export function valueLeaves(v: unknown, prefix = ''): string[] {
  if (!isObj(v) || Object.keys(v).length === 0) return prefix ? [prefix] : [];
  return Object.entries(v).flatMap(([k, child]) => valueLeaves(child, prefix ? `${prefix}.${k}` : k));
}

export function lookup(values: unknown, path: string): unknown {
  let cur = values;
  for (const k of path.split('.')) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}

const truthy = (v: unknown): boolean =>
  !(
    v === undefined ||
    v === null ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && v.length === 0)
  );

/** Evaluates `{{ … }}` of the forms bgp.conf uses; throws on any other form. */
function evaluate(expr: string, values: unknown, dot: unknown): string {
  const e = expr.trim();
  const ref = (s: string): unknown => (s === '.' ? dot : lookup(values, s.replace(/^\.Values\./, '')));
  let m: RegExpExecArray | null;
  if ((m = /^(\.|\.Values\.[\w.]+)$/.exec(e))) return String(ref(m[1] ?? ''));
  if ((m = /^(int|int64) (\.Values\.[\w.]+)$/.exec(e))) return String(Math.trunc(Number(ref(m[2] ?? ''))));
  if ((m = /^(\.Values\.[\w.]+) \| default "([^"]*)"$/.exec(e))) {
    const v = ref(m[1] ?? '');
    return truthy(v) ? String(v) : (m[2] ?? '');
  }
  if ((m = /^include "bagpipe-bgp\.pyBool" (\.Values\.[\w.]+)$/.exec(e)))
    return truthy(ref(m[1] ?? '')) ? 'True' : 'False';
  if ((m = /^join "([^"]*)" (\.Values\.[\w.]+)$/.exec(e)))
    return asArray(ref(m[2] ?? ''))
      .map(str)
      .join(m[1]);
  if ((m = /^\. \| nindent ([0-9]+)$/.exec(e)))
    return `\n${String(dot)
      .split('\n')
      .map((l) => ' '.repeat(Number(m![1])) + l)
      .join('\n')}`;
  throw new Error(`helm-lite cannot evaluate {{ ${e} }}`);
}

/**
 * Renders a block of template text that only uses `{{- with .Values.x }} … {{- end }}` (not
 * nested) and the expressions of `evaluate`. Whitespace trimming follows Helm's `{{-`/`-}}`.
 */
export function renderLite(text: string, values: unknown): string {
  // apply trim markers first: `{{-` eats preceding whitespace, `-}}` the following one
  const trimmed = text.replace(/\s*\{\{-/g, '{{').replace(/-\}\}\s*/g, '}}');
  const withBlocks = /\{\{\s*with (\.Values\.[\w.]+)\s*\}\}([\s\S]*?)\{\{\s*end\s*\}\}/g;
  const expanded = trimmed.replace(withBlocks, (_all, path: string, body: string) => {
    const v = lookup(values, path.replace(/^\.Values\./, ''));
    return truthy(v) ? body.replace(/\{\{([\s\S]*?)\}\}/g, (_m, e: string) => evaluate(e, values, v)) : '';
  });
  return expanded.replace(/\{\{([\s\S]*?)\}\}/g, (_m, e: string) => evaluate(e, values, undefined));
}

/**
 * Where a template skeleton (see `templateSkeleton`) and a manifest disagree: every literal of
 * the skeleton must be in the manifest. Lists of named items are matched by name; values that
 * come from templates (`TEMPLATED`, null) are skipped. Returns the differing paths.
 */
export function literalDiff(skel: unknown, manifest: unknown, path = '', out: string[] = []): string[] {
  if (skel === null || (typeof skel === 'string' && skel.includes('TEMPLATED'))) return out;
  if (Array.isArray(skel)) {
    const items = asArray(manifest);
    skel.forEach((s: unknown, i) => {
      const n = isObj(s) ? s['name'] : undefined;
      const m = typeof n === 'string' ? items.find((x) => isObj(x) && x['name'] === n) : items[i];
      if (m === undefined) out.push(`${path}[${typeof n === 'string' ? n : i}]: only in the chart`);
      else literalDiff(s, m, `${path}[${typeof n === 'string' ? n : i}]`, out);
    });
    return out;
  }
  if (isObj(skel)) {
    if (!isObj(manifest)) return [...out, `${path}: object in the chart`];
    for (const [k, v] of Object.entries(skel)) {
      if (v === null || (typeof v === 'string' && v.includes('TEMPLATED'))) continue;
      if (!(k in manifest)) out.push(`${path}.${k}: only in the chart`);
      else literalDiff(v, manifest[k], `${path}.${k}`, out);
    }
    return out;
  }
  if (skel !== manifest)
    out.push(`${path}: chart ${JSON.stringify(skel)} != manifest ${JSON.stringify(manifest)}`);
  return out;
}
