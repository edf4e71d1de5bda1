/**
 * A checker for the Kubernetes structural-schema subset (apiextensions.k8s.io/v1), so a schema
 * the API server would reject fails our tests and `npm run gen` instead of `kubectl apply`.
 * It also refuses what ajv (draft-07) and the API server read differently, such as
 * `exclusiveMinimum` (a number for ajv, a boolean for Kubernetes).
 */

export type JsonObject = { [key: string]: unknown };

export const structuralRules = [
  'not-a-schema',
  'root-not-object',
  'missing-type',
  'bad-type',
  'unknown-keyword',
  'ref',
  'unique-items',
  'pattern-properties',
  'exclusive-bound',
  'properties-and-additional',
  'additional-properties-boolean',
  'items-tuple',
  'array-without-items',
  'junctor-keyword',
  'junctor-field-outside',
  'metadata-restricted',
  'unknown-format',
  'preserve-unknown-fields',
  'int-or-string',
  'list-type',
] as const;
export type StructuralRule = (typeof structuralRules)[number];

export interface StructuralProblem {
  readonly rule: StructuralRule;
  /** JSON pointer into the schema. */
  readonly path: string;
  readonly message: string;
}

/** The keywords of apiextensions.k8s.io/v1 JSONSchemaProps; anything else is an unknown field. */
export const kubernetesKeywords: readonly string[] = [
  'id',
  '$schema',
  '$ref',
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'patternProperties',
  'dependencies',
  'additionalItems',
  'definitions',
  'externalDocs',
  'example',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
];

/** Formats the API server validates; any other value is ignored by it (or warned about). */
export const kubernetesFormats: readonly string[] = [
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
];

export interface StructuralOptions {
  /** Extra keywords accepted (e.g. `$id`, `const`, `x-bagpipe-crd` in a source schema). */
  readonly extraKeywords?: readonly string[];
  /** Extra formats accepted (our custom ones in a source schema). */
  readonly extraFormats?: readonly string[];
  /** Check that root metadata restricts only name/generateName (default true; off for sources). */
  readonly restrictMetadata?: boolean;
}

const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;
const JUNCTOR_FORBIDDEN = ['type', 'description', 'default', 'additionalProperties', 'nullable'];
const SCALARS = ['string', 'integer', 'number', 'boolean'];

/** The one junctor typing allowed: `x-kubernetes-int-or-string` with anyOf [integer, string]. */
function isIntOrStringPattern(s: JsonObject): boolean {
  return (
    s['x-kubernetes-int-or-string'] === true &&
    JSON.stringify(s['anyOf']) === JSON.stringify([{ type: 'integer' }, { type: 'string' }])
  );
}

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every structural problem in `schema` (the openAPIV3Schema of one CRD version). */
export function structuralProblems(schema: unknown, options: StructuralOptions = {}): StructuralProblem[] {
  const checker = new Checker(options);
  if (!isObject(schema)) return [problem('not-a-schema', '', 'the schema is not an object')];
  if (schema['type'] !== 'object') checker.add('root-not-object', '', 'the root must have type: object');
  checker.node(schema, '', false);
  const meta = isObject(schema['properties']) ? schema['properties']['metadata'] : undefined;
  if (meta !== undefined && options.restrictMetadata !== false)
    checker.metadata(meta, '/properties/metadata');
  return checker.problems;
}

function problem(rule: StructuralRule, path: string, message: string): StructuralProblem {
  return { rule, path, message };
}

class Checker {
  readonly problems: StructuralProblem[] = [];
  readonly #keywords: Set<string>;
  readonly #formats: Set<string>;

  constructor(options: StructuralOptions) {
    this.#keywords = new Set([...kubernetesKeywords, ...(options.extraKeywords ?? [])]);
    this.#formats = new Set([...kubernetesFormats, ...(options.extraFormats ?? [])]);
  }

  add(rule: StructuralRule, path: string, message: string): void {
    this.problems.push(problem(rule, path, message));
  }

  node(s: JsonObject, path: string, inJunctor: boolean): void {
    this.#keywordsOf(s, path);
    this.#typeOf(s, path, inJunctor);
    this.#objectOf(s, path);
    this.#arrayOf(s, path);
    this.#extensionsOf(s, path);
    for (const j of JUNCTORS) this.#junctor(s, j, path);
    if (isObject(s['properties'])) {
      for (const [k, v] of Object.entries(s['properties']))
        this.#child(v, `${path}/properties/${escape(k)}`, inJunctor);
    }
    if (isObject(s['additionalProperties']))
      this.#child(s['additionalProperties'], `${path}/additionalProperties`, inJunctor);
    if (isObject(s['items'])) this.#child(s['items'], `${path}/items`, inJunctor);
  }

  #child(v: unknown, path: string, inJunctor: boolean): void {
    if (isObject(v)) this.node(v, path, inJunctor);
    else this.add('not-a-schema', path, 'a schema must be an object');
  }

  #keywordsOf(s: JsonObject, path: string): void {
    for (const k of Object.keys(s)) {
      if (!this.#keywords.has(k)) this.add('unknown-keyword', `${path}/${escape(k)}`, `unknown keyword ${k}`);
    }
    if ('$ref' in s) this.add('ref', `${path}/$ref`, '$ref is not allowed');
    if (s['uniqueItems'] === true)
      this.add(
        'unique-items',
        `${path}/uniqueItems`,
        'uniqueItems: true is not allowed; use x-kubernetes-list-type: set',
      );
    if ('patternProperties' in s)
      this.add('pattern-properties', `${path}/patternProperties`, 'patternProperties is not allowed');
    for (const k of ['exclusiveMinimum', 'exclusiveMaximum']) {
      if (k in s)
        this.add(
          'exclusive-bound',
          `${path}/${k}`,
          `${k} means a boolean to Kubernetes and a number to ajv; use minimum/maximum`,
        );
    }
    const f = s['format'];
    if (f !== undefined && (typeof f !== 'string' || !this.#formats.has(f))) {
      this.add('unknown-format', `${path}/format`, `format ${JSON.stringify(f)} is not known`);
    }
  }

  #typeOf(s: JsonObject, path: string, inJunctor: boolean): void {
    const t = s['type'];
    if (inJunctor) {
      for (const k of JUNCTOR_FORBIDDEN) {
        if (k in s)
          this.add('junctor-keyword', `${path}/${k}`, `${k} is not allowed inside allOf/anyOf/oneOf/not`);
      }
      return;
    }
    if (t === undefined) {
      const exempt =
        s['x-kubernetes-int-or-string'] === true || s['x-kubernetes-preserve-unknown-fields'] === true;
      if (!exempt) this.add('missing-type', path, 'every node needs a type');
    } else if (typeof t !== 'string' || !TYPES.includes(t)) {
      this.add('bad-type', `${path}/type`, `type must be one of ${TYPES.join(', ')}`);
    }
  }

  #objectOf(s: JsonObject, path: string): void {
    const ap = s['additionalProperties'];
    if (typeof ap === 'boolean') {
      this.add(
        'additional-properties-boolean',
        `${path}/additionalProperties`,
        'additionalProperties must be a schema, not a boolean',
      );
    }
    if (ap !== undefined && 'properties' in s) {
      this.add(
        'properties-and-additional',
        path,
        'properties and additionalProperties are mutually exclusive',
      );
    }
  }

  #arrayOf(s: JsonObject, path: string): void {
    if (Array.isArray(s['items']))
      this.add('items-tuple', `${path}/items`, 'items must be one schema, not a tuple');
    else if (s['type'] === 'array' && !isObject(s['items']))
      this.add('array-without-items', path, 'an array needs items');
  }

  #extensionsOf(s: JsonObject, path: string): void {
    if ('x-kubernetes-preserve-unknown-fields' in s && s['x-kubernetes-preserve-unknown-fields'] !== true) {
      this.add('preserve-unknown-fields', path, 'x-kubernetes-preserve-unknown-fields must be true when set');
    }
    if ('x-kubernetes-int-or-string' in s && (s['x-kubernetes-int-or-string'] !== true || 'type' in s)) {
      this.add('int-or-string', path, 'x-kubernetes-int-or-string must be true and have no type');
    }
    this.#listType(s, path);
  }

  #listType(s: JsonObject, path: string): void {
    const lt = s['x-kubernetes-list-type'];
    const keys = s['x-kubernetes-list-map-keys'];
    const items = isObject(s['items']) ? s['items'] : undefined;
    if (lt === undefined && keys === undefined) return;
    if (s['type'] !== 'array' || !['atomic', 'set', 'map'].includes(String(lt))) {
      this.add('list-type', path, 'x-kubernetes-list-type must be atomic, set or map, on an array');
      return;
    }
    if (lt === 'set' && !SCALARS.includes(String(items?.['type']))) {
      this.add('list-type', path, 'a set list needs scalar items');
    }
    if (lt !== 'map') {
      if (keys !== undefined) this.add('list-type', path, 'x-kubernetes-list-map-keys needs list-type map');
      return;
    }
    const props = isObject(items?.['properties']) ? items['properties'] : {};
    const required = Array.isArray(items?.['required']) ? items['required'] : [];
    if (!Array.isArray(keys) || keys.length === 0) {
      this.add('list-type', path, 'a map list needs x-kubernetes-list-map-keys');
      return;
    }
    for (const k of keys) {
      const p = props[String(k)];
      if (!isObject(p) || !SCALARS.includes(String(p['type'])) || !required.includes(k)) {
        this.add('list-type', path, `map key ${String(k)} must be a required scalar property of the items`);
      }
    }
  }

  #junctor(s: JsonObject, j: (typeof JUNCTORS)[number], path: string): void {
    const v = s[j];
    if (v === undefined || (j === 'anyOf' && isIntOrStringPattern(s))) return;
    const branches = j === 'not' ? [v] : Array.isArray(v) ? v : [v];
    const outside = isObject(s['properties']) ? s['properties'] : {};
    branches.forEach((b, i) => {
      const at = j === 'not' ? `${path}/not` : `${path}/${j}/${i}`;
      if (!isObject(b)) {
        this.add('not-a-schema', at, 'a schema must be an object');
        return;
      }
      this.node(b, at, true);
      if (!isObject(b['properties'])) return;
      for (const k of Object.keys(b['properties'])) {
        if (!(k in outside))
          this.add(
            'junctor-field-outside',
            `${at}/properties/${escape(k)}`,
            `${k} must also be specified outside ${j}`,
          );
      }
    });
  }

  /** Only restrictions on metadata.name and metadata.generateName are allowed. */
  metadata(meta: unknown, path: string): void {
    if (!isObject(meta)) return;
    for (const k of Object.keys(meta)) {
      if (k !== 'type' && k !== 'properties')
        this.add('metadata-restricted', `${path}/${k}`, `metadata may not set ${k}`);
    }
    const props = isObject(meta['properties']) ? meta['properties'] : {};
    for (const k of Object.keys(props)) {
      if (k !== 'name' && k !== 'generateName') {
        this.add(
          'metadata-restricted',
          `${path}/properties/${escape(k)}`,
          'only metadata.name and metadata.generateName may be restricted',
        );
      }
    }
  }
}
