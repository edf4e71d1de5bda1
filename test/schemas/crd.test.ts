import assert from 'node:assert/strict';
import { schemas } from '../../src/api/gen/schemas.js';
import { crdOf } from '../../src/desired/crd.js';
import { isObject } from '../../src/desired/structural.js';
import { crdManifests, sourceSchemas } from './load.js';

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: Record<string, unknown>;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Record<string, unknown> };
    }[];
  };
}

const expected: Record<string, { kind: string; scope: string; shortNames: string[] }> = {
  'bagpipenodestates.bagpipe.io.yaml': { kind: 'BagpipeNodeState', scope: 'Cluster', shortNames: ['bns'] },
  'bgppeers.bagpipe.io.yaml': { kind: 'BgpPeer', scope: 'Cluster', shortNames: ['bgpp'] },
  'portattachments.bagpipe.io.yaml': { kind: 'PortAttachment', scope: 'Namespaced', shortNames: ['pa'] },
  'vpninstances.bagpipe.io.yaml': { kind: 'VpnInstance', scope: 'Namespaced', shortNames: ['vpni'] },
};

function formats(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => formats(n, out));
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') out.add(v);
      else formats(v, out);
    }
  }
  return out;
}

describe('generated CRDs', () => {
  const manifests = crdManifests();

  it('has one CRD per schema', () => {
    assert.deepEqual(
      manifests.map((m) => m.file),
      Object.keys(expected),
    );
  });

  for (const { file, crd: raw } of manifests) {
    const crd = raw as unknown as Crd;
    const want = expected[file]!;

    it(`${file}: group, version, scope, names, categories, status subresource`, () => {
      assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
      assert.equal(crd.kind, 'CustomResourceDefinition');
      assert.equal(crd.metadata.name, file.replace(/\.yaml$/, ''));
      assert.equal(crd.spec.group, 'bagpipe.io');
      assert.equal(crd.spec.scope, want.scope);
      assert.equal(crd.spec.names.kind, want.kind);
      assert.equal(crd.spec.names.listKind, `${want.kind}List`);
      assert.equal(`${crd.spec.names.plural}.bagpipe.io.yaml`, file);
      assert.deepEqual(crd.spec.names.shortNames, want.shortNames);
      assert.deepEqual(crd.spec.names.categories, ['bagpipe']);
      assert.equal(crd.spec.versions.length, 1);
      const v = crd.spec.versions[0]!;
      assert.deepEqual([v.name, v.served, v.storage], ['v1alpha1', true, true]);
      assert.deepEqual(v.subresources, { status: {} });
    });

    it(`${file}: printer columns answer "is it working?"`, () => {
      const cols = crd.spec.versions[0]!.additionalPrinterColumns;
      assert.ok(
        cols.some(
          (c) => c.name === 'Ready' && c.jsonPath === '.status.conditions[?(@.type=="Ready")].status',
        ),
      );
      assert.equal(cols.at(-1)?.name, 'Age');
    });

    it(`${file}: the schema keeps only formats the API server checks as we do`, () => {
      const s = crd.spec.versions[0]!.schema.openAPIV3Schema;
      assert.deepEqual(
        [...formats(s)].filter((f) => !['ipv4', 'ipv6', 'date-time'].includes(f)),
        [],
      );
      assert.deepEqual(s['properties'] && (s['properties'] as Record<string, unknown>)['metadata'], {
        type: 'object',
      });
    });
  }

  it('is up to date with schemas/ (npm run gen)', () => {
    const byName = new Map(manifests.map((m) => [m.file, m.crd]));
    for (const { schema } of sourceSchemas()) {
      const crd = crdOf(schema) as unknown as Crd;
      assert.deepEqual(byName.get(`${crd.metadata.name}.yaml`), crd);
    }
    const generated = Object.values(schemas).map((s) => JSON.stringify(s));
    assert.deepEqual(
      generated,
      sourceSchemas().map((s) => JSON.stringify(s.schema)),
    );
  });
});
