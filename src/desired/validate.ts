/**
 * Schema validation with ajv (strict mode, all errors), compiled from the generated schema
 * constants. Files are validated strictly: every object node without `additionalProperties`
 * is closed (`additionalProperties: false`) when the validator is built, so unknown fields are
 * errors. Custom resources use the open form, as the API server prunes unknown fields itself.
 */
import {
  Ajv,
  type ErrorObject,
  type KeywordDefinition,
  type SchemaValidateFunction,
  type ValidateFunction,
} from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import formatsModule from 'ajv-formats';
import { schemas, type SchemaObject } from '../api/gen/schemas.js';
import { DesiredCodes, issue, type Issue } from './errors.js';
import { formatCheckers } from './formats.js';
import { isObject, type JsonObject } from './structural.js';

export type SchemaKind = keyof typeof schemas;

export interface SchemaValidator {
  /** Every schema problem of `value` as a `kind`, with JSON pointers; empty when valid. */
  validate(kind: SchemaKind, value: unknown): Issue[];
}

export interface ValidatorOptions {
  /** Close every object so unknown fields are errors (desired.d files). */
  readonly strict: boolean;
}

/** ajv-formats is CommonJS: its default export arrives as the module object under NodeNext. */
type FormatsPlugin = (ajv: Ajv, formats: string[]) => Ajv;
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ??
  formatsModule) as unknown as FormatsPlugin;

/** Kubernetes vendor extensions ajv must accept; only the list type is checked here. */
const ANNOTATIONS = [
  'x-bagpipe-crd',
  'x-kubernetes-validations',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
];

/** `x-kubernetes-list-type: set | map`: no two items (or map keys) alike, as the API server checks. */
function listTypeKeyword(): KeywordDefinition {
  const validate: SchemaValidateFunction = (
    listType: string,
    data: unknown[],
    parent?: JsonObject,
    ctx?: DataValidationCxt,
  ) => {
    if (listType !== 'set' && listType !== 'map') return true;
    const mapKeys = parent?.['x-kubernetes-list-map-keys'];
    const keys = Array.isArray(mapKeys) ? mapKeys : [];
    const seen = new Set<string>();
    const errors: Partial<ErrorObject>[] = [];
    data.forEach((item, i) => {
      const id = JSON.stringify(
        listType === 'set' || !isObject(item) ? item : keys.map((k) => item[String(k)]),
      );
      if (seen.has(id)) {
        errors.push({
          keyword: 'x-kubernetes-list-type',
          instancePath: `${ctx?.instancePath ?? ''}/${i}`,
          message: listType === 'set' ? `duplicate item ${id}` : `duplicate key ${id} (${keys.join(', ')})`,
          params: { listType },
        });
      }
      seen.add(id);
    });
    validate.errors = errors;
    return errors.length === 0;
  };
  return { keyword: 'x-kubernetes-list-type', type: 'array', schemaType: 'string', errors: true, validate };
}

export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv, ['ipv4', 'ipv6', 'date-time']);
  for (const [name, validate] of Object.entries(formatCheckers))
    ajv.addFormat(name, { type: 'string', validate });
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword });
  ajv.addKeyword(listTypeKeyword());
  return ajv;
}

/** A copy of `schema` where every object node that lists properties refuses any other. */
export function closeObjects(schema: SchemaObject): JsonObject {
  const close = (node: unknown): unknown => {
    if (!isObject(node)) return node;
    const out: JsonObject = { ...node };
    if (isObject(node['properties'])) {
      out['properties'] = Object.fromEntries(
        Object.entries(node['properties']).map(([k, v]) => [k, close(v)]),
      );
      const open = 'additionalProperties' in node || node['x-kubernetes-preserve-unknown-fields'] === true;
      if (!open) out['additionalProperties'] = false;
    }
    if (isObject(node['items'])) out['items'] = close(node['items']);
    if (isObject(node['additionalProperties']))
      out['additionalProperties'] = close(node['additionalProperties']);
    return out;
  };
  return close(schema) as JsonObject;
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** One ajv error as an issue, with the path of the offending field itself where ajv gives its parent. */
export function toIssue(e: ErrorObject): Issue {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params['additionalProperty']);
      return issue(
        DesiredCodes.unknownField,
        `${e.instancePath}/${escape(field)}`,
        `unknown field "${field}"`,
      );
    }
    case 'required': {
      const field = String(params['missingProperty']);
      return issue(DesiredCodes.schema, `${e.instancePath}/${escape(field)}`, 'required field is missing');
    }
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? params['allowedValues'] : [];
      return issue(
        DesiredCodes.schema,
        e.instancePath,
        `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    }
    default:
      return issue(DesiredCodes.schema, e.instancePath, e.message ?? `fails ${e.keyword}`);
  }
}

/** Compiles each kind's schema on first use (a file source never needs BagpipeNodeState). */
export function createValidator(options: ValidatorOptions): SchemaValidator {
  const ajv = createAjv();
  const compiled = new Map<SchemaKind, ValidateFunction>();
  const get = (kind: SchemaKind): ValidateFunction | undefined => {
    let fn = compiled.get(kind);
    const schema = Object.hasOwn(schemas, kind) ? schemas[kind] : undefined;
    if (fn === undefined && schema !== undefined) {
      fn = ajv.compile(options.strict ? closeObjects(schema) : structuredClone<JsonObject>(schema));
      compiled.set(kind, fn);
    }
    return fn;
  };
  return {
    validate(kind, value) {
      const fn = get(kind);
      if (fn === undefined) return [issue(DesiredCodes.kind, '/kind', `no schema for kind ${kind}`)];
      return fn(value) ? [] : (fn.errors ?? []).map(toIssue);
    },
  };
}
