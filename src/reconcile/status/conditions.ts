/**
 * `metav1.Condition` helpers: a condition keeps its `lastTransitionTime` while its status does
 * not flip (reason and message may change), times are RFC 3339 with second precision (as the API
 * server stores `metav1.Time`), and a flip is a transition worth an Event.
 */
import type { Condition } from '../../api/gen/index.js';

export type ConditionStatus = Condition['status'];

/** What a status computation decides; the time comes from the previous condition or the clock. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  /** CamelCase (`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`). */
  readonly reason: string;
  readonly message: string;
}

/** The status that means "all is well" for each condition type we write (absent: True). */
const HEALTHY: Readonly<Record<string, ConditionStatus>> = { Degraded: 'False' };

export const MAX_MESSAGE = 32_768;

/** RFC 3339 in UTC, whole seconds (`2026-01-01T00:00:00Z`). */
export function rfc3339(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A reason as the schema's pattern allows it (problem reasons are CamelCase already). */
export function safeReason(reason: string): string {
  const r = reason.replace(/[^A-Za-z0-9_,:]/g, '').replace(/^[^A-Za-z]+/, '');
  const trimmed = r.replace(/[,:]+$/, '');
  return trimmed === '' ? 'Unknown' : truncate(trimmed, 1024);
}

/**
 * The conditions for `inputs`, in their order; `lastTransitionTime` is kept from `previous`
 * when the status of that type did not change, else it is `now` (epoch ms).
 */
export function buildConditions(
  inputs: readonly ConditionInput[],
  previous: readonly Condition[] | undefined,
  now: number,
  observedGeneration?: number,
): Condition[] {
  return inputs.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime =
      before !== undefined && before.status === c.status ? before.lastTransitionTime : rfc3339(now);
    return {
      type: c.type,
      status: c.status,
      ...(observedGeneration === undefined ? {} : { observedGeneration }),
      lastTransitionTime,
      reason: safeReason(c.reason),
      message: truncate(c.message, MAX_MESSAGE),
    };
  });
}

export function isHealthy(c: Pick<Condition, 'type' | 'status'>): boolean {
  return c.status === (HEALTHY[c.type] ?? 'True');
}

/**
 * The conditions whose status flipped from `previous` (or that appear unhealthy with no
 * previous condition of their type): what deserves an Event.
 */
export function transitions(
  previous: readonly Condition[] | undefined,
  next: readonly Condition[],
): Condition[] {
  return next.filter((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return before === undefined ? !isHealthy(c) : before.status !== c.status;
  });
}

/** `/spec/importRTs/0` -> `spec.importRTs[0]`. */
export function fieldPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}
