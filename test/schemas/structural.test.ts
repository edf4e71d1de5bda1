import assert from 'node:assert/strict';
import { crdSchemaOf } from '../../src/desired/crd.js';
import { customFormats } from '../../src/desired/formats.js';
import {
  structuralProblems,
  structuralRules,
  type JsonObject,
  type StructuralRule,
} from '../../src/desired/structural.js';
import { crdManifests, sourceSchemas } from './load.js';

const str = { type: 'string' };
const obj = (properties: JsonObject, extra: JsonObject = {}): JsonObject => ({
  type: 'object',
  ...extra,
  properties,
});
/** A CRD-shaped root around one spec field. */
const withSpec = (spec: JsonObject): JsonObject => obj({ spec });

/** One schema per rule, each breaking that rule only. */
const violations: Record<StructuralRule, unknown> = {
  'not-a-schema': withSpec(obj({ a: 'string' })),
  'root-not-object': { type: 'string' },
  'missing-type': withSpec({ properties: { a: str } }),
  'bad-type': withSpec({ type: ['string', 'null'] }),
  'unknown-keyword': withSpec({ type: 'string', const: 'x' }),
  ref: withSpec({ type: 'object', $ref: '#/definitions/x' }),
  'unique-items': withSpec({ type: 'array', items: str, uniqueItems: true }),
  'pattern-properties': withSpec({ type: 'object', patternProperties: { '^a': str } }),
  'exclusive-bound': withSpec({ type: 'integer', exclusiveMinimum: true, minimum: 0 }),
  'properties-and-additional': withSpec(obj({ a: str }, { additionalProperties: str })),
  'additional-properties-boolean': withSpec({ type: 'object', additionalProperties: true }),
  'items-tuple': withSpec({ type: 'array', items: [str, str] }),
  'array-without-items': withSpec({ type: 'array' }),
  'junctor-keyword': withSpec(obj({ a: str }, { oneOf: [{ type: 'object', required: ['a'] }] })),
  'junctor-field-outside': withSpec(obj({ a: str }, { anyOf: [{ properties: { b: { minLength: 1 } } }] })),
  'metadata-restricted': obj({ metadata: obj({ labels: { type: 'object', additionalProperties: str } }) }),
  'unknown-format': withSpec({ type: 'string', format: 'route-target' }),
  'preserve-unknown-fields': withSpec({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false }),
  'int-or-string': withSpec({ type: 'string', 'x-kubernetes-int-or-string': true }),
  'list-type': withSpec({ type: 'array', items: obj({ a: str }), 'x-kubernetes-list-type': 'set' }),
};

describe('structural schemas', () => {
  for (const { file, schema } of sourceSchemas()) {
    it(`${file}: the CRD form is structural`, () => {
      assert.deepEqual(structuralProblems(crdSchemaOf(schema)), []);
    });

    it(`${file}: the source is structural but for its documented extras`, () => {
      const problems = structuralProblems(schema, {
        extraKeywords: ['$id', 'const', 'x-bagpipe-crd'],
        extraFormats: customFormats,
        restrictMetadata: false,
      });
      assert.deepEqual(problems, []);
    });
  }

  for (const { file, crd } of crdManifests()) {
    it(`${file}: the committed CRD schema is structural`, () => {
      const versions = (crd['spec'] as { versions: { schema: { openAPIV3Schema: unknown } }[] }).versions;
      for (const v of versions) assert.deepEqual(structuralProblems(v.schema.openAPIV3Schema), []);
    });
  }

  describe('the checker catches each rule', () => {
    for (const rule of structuralRules) {
      it(rule, () => {
        const problems = structuralProblems(violations[rule]);
        assert.deepEqual([...new Set(problems.map((p) => p.rule))], [rule], JSON.stringify(problems));
      });
    }

    it('accepts the allowed forms of those keywords', () => {
      const ok = obj({
        metadata: obj({ name: { type: 'string', maxLength: 63 } }),
        spec: obj(
          {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            any: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            tags: { type: 'array', items: str, 'x-kubernetes-list-type': 'set' },
            routes: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['prefix'],
              items: obj({ prefix: str }, { required: ['prefix'] }),
            },
            labels: { type: 'object', additionalProperties: str },
            when: { type: 'string', format: 'date-time' },
          },
          { oneOf: [{ required: ['port'] }, { required: ['any'] }] },
        ),
      });
      assert.deepEqual(structuralProblems(ok), []);
    });
  });
});
