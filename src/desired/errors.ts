/**
 * What can be wrong with a desired object, as data (`Issue`, kept in reports and status) and as
 * an error (`DesiredSpecError`, a `SpecError` with a precise code). Tests assert codes and paths.
 */
import { SpecError } from '../lib/errors.js';

export const DesiredCodes = {
  /** The file is not JSON. */
  json: 'BGPD_ERR_SPEC_JSON',
  /** The file could not be read. */
  read: 'BGPD_ERR_SPEC_READ',
  /** apiVersion is not bagpipe.io/v1alpha1. */
  apiVersion: 'BGPD_ERR_SPEC_API_VERSION',
  /** kind is missing or not a desired-state kind. */
  kind: 'BGPD_ERR_SPEC_KIND',
  /** A schema rule is violated (type, range, format, required, enum…). */
  schema: 'BGPD_ERR_SPEC_SCHEMA',
  /** A field the schema does not know (files only; the API server prunes them from CRs). */
  unknownField: 'BGPD_ERR_SPEC_UNKNOWN_FIELD',
  /** A rule beyond the schema (keepalive <= hold/3, one local port…). */
  invalid: 'BGPD_ERR_SPEC_INVALID',
  /** The same kind/namespace/name twice in one source. */
  duplicate: 'BGPD_ERR_SPEC_DUPLICATE',
  /** The same kind/namespace/name in two sources; the first registered source wins. */
  conflict: 'BGPD_ERR_SPEC_CONFLICT',
  /** An immutable field (VpnInstance spec.type) changed. */
  immutable: 'BGPD_ERR_SPEC_IMMUTABLE',
} as const;
export type DesiredCode = (typeof DesiredCodes)[keyof typeof DesiredCodes];

/** CamelCase reasons, for conditions and BagpipeNodeState `failedResources[].reason`. */
const REASONS: Readonly<Record<DesiredCode, string>> = {
  BGPD_ERR_SPEC_JSON: 'InvalidJSON',
  BGPD_ERR_SPEC_READ: 'Unreadable',
  BGPD_ERR_SPEC_API_VERSION: 'WrongAPIVersion',
  BGPD_ERR_SPEC_KIND: 'UnknownKind',
  BGPD_ERR_SPEC_SCHEMA: 'SchemaViolation',
  BGPD_ERR_SPEC_UNKNOWN_FIELD: 'UnknownField',
  BGPD_ERR_SPEC_INVALID: 'InvalidSpec',
  BGPD_ERR_SPEC_DUPLICATE: 'Duplicate',
  BGPD_ERR_SPEC_CONFLICT: 'Conflict',
  BGPD_ERR_SPEC_IMMUTABLE: 'ImmutableField',
};

export function reasonOf(code: DesiredCode): string {
  return REASONS[code];
}

/** One problem: a code, a JSON pointer inside the object (e.g. `/spec/importRTs/0`) and a message. */
export interface Issue {
  readonly code: DesiredCode;
  readonly path: string;
  readonly message: string;
}

export function issue(code: DesiredCode, path: string, message: string): Issue {
  return { code, path, message };
}

/** A rejected object, thrown by `admitOrThrow`; `issues` lists every problem found. */
export class DesiredSpecError extends SpecError {
  declare readonly code: DesiredCode;
  readonly issues: readonly Issue[];

  constructor(object: string, issues: readonly Issue[]) {
    const first = issues[0] ?? issue(DesiredCodes.invalid, '', 'invalid');
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`${object}${first.path}`, `${first.message}${more}`);
    this.code = first.code;
    this.issues = issues;
  }
}
