/**
 * BgpPeer `spec.nodeSelector` (a metav1.LabelSelector) against the labels of this Node, with
 * the rules of apimachinery's `LabelSelectorAsSelector`: `matchLabels` and every
 * `matchExpressions` requirement must all hold; `In`/`NotIn` need values, `Exists`/
 * `DoesNotExist` take none. An absent or empty selector selects every node (CRDS.md: default
 * all nodes). Read from the raw object, so it can be evaluated before (and apart from) `admit`.
 */
import { DesiredCodes, type Issue } from '../../desired/errors.js';
import { isRecord } from './types.js';

export type Labels = Readonly<Record<string, string>>;

/**
 * `selected`/`not-selected`: decided. `unknown`: the selector has requirements but this Node's
 * labels are not known. `issues`: a selector the schema accepts but the API machinery rejects
 * (the object is invalid on every node). A selector whose structure the schema rejects counts
 * as `selected`, so that `admit` reports it.
 */
export type Selection = 'selected' | 'not-selected' | 'unknown' | { readonly issues: readonly Issue[] };

interface Requirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

const operators: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const isStrings = (v: unknown): v is readonly string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The requirements of a selector, or undefined when its structure is not a LabelSelector's. */
function requirements(sel: Record<string, unknown>): Requirement[] | undefined {
  const out: Requirement[] = [];
  const { matchLabels, matchExpressions } = sel;
  if (matchLabels !== undefined) {
    if (!isRecord(matchLabels)) return undefined;
    for (const [key, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string') return undefined;
      out.push({ key, operator: 'In', values: [v] });
    }
  }
  if (matchExpressions === undefined) return out;
  if (!Array.isArray(matchExpressions)) return undefined;
  for (const e of matchExpressions as unknown[]) {
    if (!isRecord(e) || typeof e['key'] !== 'string' || typeof e['operator'] !== 'string') return undefined;
    const values = e['values'] ?? [];
    if (!operators.includes(e['operator']) || !isStrings(values)) return undefined;
    out.push({ key: e['key'], operator: e['operator'] as Requirement['operator'], values });
  }
  return out;
}

/** What `LabelSelectorAsSelector` refuses; paths point into the BgpPeer. */
function ruleIssues(sel: Record<string, unknown>): Issue[] {
  const exprs = Array.isArray(sel['matchExpressions']) ? (sel['matchExpressions'] as unknown[]) : [];
  const out: Issue[] = [];
  exprs.forEach((e, i) => {
    if (!isRecord(e)) return;
    const n = Array.isArray(e['values']) ? e['values'].length : 0;
    const op = String(e['operator']);
    const needs = op === 'In' || op === 'NotIn';
    if (needs === n > 0) return;
    const message = needs ? `operator ${op} needs at least one value` : `operator ${op} takes no values`;
    out.push({
      code: DesiredCodes.invalid,
      path: `/spec/nodeSelector/matchExpressions/${i}/values`,
      message,
    });
  });
  return out;
}

function holds(r: Requirement, labels: Labels): boolean {
  const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
  }
}

/** Whether `selector` (the raw `spec.nodeSelector`) selects a node with `labels` (undefined: not known). */
export function selectNode(selector: unknown, labels: Labels | undefined): Selection {
  if (selector === undefined) return 'selected';
  if (!isRecord(selector)) return 'selected';
  const reqs = requirements(selector);
  if (reqs === undefined) return 'selected';
  const issues = ruleIssues(selector);
  if (issues.length > 0) return { issues };
  if (reqs.length === 0) return 'selected';
  if (labels === undefined) return 'unknown';
  return reqs.every((r) => holds(r, labels)) ? 'selected' : 'not-selected';
}
