/**
 * Turns one source schema (`schemas/<kind>.schema.json`) into its CustomResourceDefinition:
 * names and printer columns from the root `x-bagpipe-crd` block, and an openAPIV3Schema with
 * our own keywords, custom formats and metadata details removed. Pure; used by `scripts/gen.ts`
 * and by the tests.
 */
import { BgpdError } from '../lib/errors.js';
import { isObject, type JsonObject } from './structural.js';

export const GROUP = 'bagpipe.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORIES: readonly string[] = ['bagpipe'];

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface CrdMeta {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly printerColumns: readonly PrinterColumn[];
}

/** Formats the API server checks exactly as we do; the others (ours, and its stricter `cidr`/`mac`) go. */
const CRD_FORMATS: readonly string[] = ['ipv4', 'ipv6', 'date-time'];
const DROPPED_KEYS: readonly string[] = ['$schema', '$id', 'title', 'const'];
const SUBSCHEMAS: readonly string[] = ['items', 'additionalProperties', 'not'];
const SUBSCHEMA_LISTS: readonly string[] = ['allOf', 'anyOf', 'oneOf'];

function fail(message: string): never {
  throw new BgpdError('BGPD_ERR_SCHEMA_SOURCE', message);
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Names, scope and printer columns of a source schema. */
export function crdMetaOf(schema: JsonObject): CrdMeta {
  const x = schema['x-bagpipe-crd'];
  const props = isObject(schema['properties']) ? schema['properties'] : {};
  const kindNode = props['kind'];
  const kind = isObject(kindNode) ? kindNode['const'] : undefined;
  if (typeof kind !== 'string') fail('properties.kind.const must name the kind');
  if (!isObject(x)) fail(`${kind}: the root needs an x-bagpipe-crd object`);
  const { plural, singular, shortNames, scope, printerColumns } = x;
  if (typeof plural !== 'string' || typeof singular !== 'string')
    fail(`${kind}: plural and singular are required`);
  if (!strings(shortNames)) fail(`${kind}: shortNames must be a list of strings`);
  if (scope !== 'Namespaced' && scope !== 'Cluster') fail(`${kind}: scope must be Namespaced or Cluster`);
  if (!Array.isArray(printerColumns) || !printerColumns.every(isObject))
    fail(`${kind}: printerColumns must be a list`);
  return {
    kind,
    plural,
    singular,
    shortNames,
    scope,
    printerColumns: printerColumns as unknown as PrinterColumn[],
  };
}

/** A copy of a schema node without our keywords; sub-schemas are recursed into, data is copied. */
function strip(node: unknown): unknown {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROPPED_KEYS.includes(k) || k.startsWith('x-bagpipe-')) continue;
    if (k === 'format' && !CRD_FORMATS.includes(String(v))) continue;
    if (k === 'properties' && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, strip(sub)]));
    } else if (SUBSCHEMA_LISTS.includes(k) && Array.isArray(v)) out[k] = v.map(strip);
    else out[k] = SUBSCHEMAS.includes(k) ? strip(v) : v;
  }
  return out;
}

/** The openAPIV3Schema the API server sees for this kind. */
export function crdSchemaOf(schema: JsonObject): JsonObject {
  const root = strip(schema) as JsonObject;
  const props = isObject(root['properties']) ? { ...root['properties'] } : {};
  props['apiVersion'] = { type: 'string', description: `APIVersion: always ${API_VERSION}.` };
  props['kind'] = { type: 'string', description: 'Kind of the object.' };
  props['metadata'] = { type: 'object' };
  const required = Array.isArray(root['required'])
    ? root['required'].filter((r) => r !== 'apiVersion' && r !== 'kind' && r !== 'metadata')
    : [];
  const out: JsonObject = { type: 'object' };
  if (typeof root['description'] === 'string') out['description'] = root['description'];
  if (required.length) out['required'] = required;
  out['properties'] = props;
  return out;
}

/** The whole CustomResourceDefinition object for one source schema. */
export function crdOf(schema: JsonObject): JsonObject {
  const meta = crdMetaOf(schema);
  const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${meta.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'bagpipe-bgp' } },
    spec: {
      group: GROUP,
      names: {
        kind: meta.kind,
        listKind: `${meta.kind}List`,
        plural: meta.plural,
        singular: meta.singular,
        shortNames: [...meta.shortNames],
        categories: [...CATEGORIES],
      },
      scope: meta.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...meta.printerColumns, age].map((c) => ({ ...c })),
          schema: { openAPIV3Schema: crdSchemaOf(schema) },
        },
      ],
    },
  };
}
