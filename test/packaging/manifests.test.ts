/**
 * manifests/: every YAML document is a known kind and valid for the API server. Built-in kinds
 * are checked against the Kubernetes OpenAPI schemas (kubernetes-models) and for unknown fields
 * (client-node's model tables); custom kinds against the generated CRDs; samples also go through
 * the daemon's own admission. RBAC must grant exactly the table below.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { admit, createValidator } from '../../src/desired/index.js';
import {
  CRDS,
  MANIFESTS,
  ajvErrors,
  asArray,
  at,
  crdFiles,
  customKinds,
  generatedCrds,
  grants,
  loadDocs,
  loadYaml,
  name,
  rel,
  rootModel,
  str,
  unknownFields,
  validateBuiltIn,
  where,
  yaml11Hazard,
  yamlFiles,
  type Doc,
} from './lib.js';

const KUSTOMIZATION = 'kustomize.config.k8s.io/v1beta1 Kustomization';
/** YAML files deliberately left out of a kustomization (optional extras). */
const OPTIONAL = ['servicemonitor.yaml'];

/** The custom kinds the daemon serves (CRDS.md). */
const KINDS = [
  { kind: 'BgpPeer', plural: 'bgppeers', namespaced: false },
  { kind: 'VpnInstance', plural: 'vpninstances', namespaced: true },
  { kind: 'PortAttachment', plural: 'portattachments', namespaced: true },
  { kind: 'BagpipeNodeState', plural: 'bagpipenodestates', namespaced: false },
] as const;

/**
 * What the daemon needs from the API server, and why; the RBAC must grant exactly this.
 * scope `cluster`: ClusterRole + ClusterRoleBinding; `ns`: Role in the daemon namespace.
 */
const NEEDED: readonly (readonly [
  scope: 'cluster' | 'ns',
  group: string,
  resource: string,
  verbs: string,
  why: string,
])[] = [
  ['cluster', 'bagpipe.io', 'bgppeers', 'get list watch', 'desired state (informer)'],
  ['cluster', 'bagpipe.io', 'vpninstances', 'get list watch', 'desired state (informer)'],
  ['cluster', 'bagpipe.io', 'portattachments', 'get list watch', 'desired state (informer)'],
  ['cluster', 'bagpipe.io', 'bgppeers/status', 'patch update', 'observedGeneration, conditions'],
  ['cluster', 'bagpipe.io', 'vpninstances/status', 'patch update', 'observedGeneration, conditions'],
  ['cluster', 'bagpipe.io', 'portattachments/status', 'patch update', 'Attached/Ready conditions'],
  [
    'cluster',
    'bagpipe.io',
    'bagpipenodestates',
    'get list watch create update patch',
    'per-node status object',
  ],
  ['cluster', 'bagpipe.io', 'bagpipenodestates/status', 'patch update', 'per-node status'],
  ['cluster', 'core', 'nodes', 'get list watch', 'BgpPeer.spec.nodeSelector; owner of BagpipeNodeState'],
  ['cluster', 'core', 'events', 'create patch', 'events on reconciled objects'],
  ['cluster', 'events.k8s.io', 'events', 'create patch', 'events on reconciled objects (new API)'],
  ['ns', 'core', 'secrets', 'get', 'TCP-MD5 keys of passwordSecretRef (daemon namespace only)'],
];

const neededGrants = (): string[] =>
  NEEDED.flatMap(([scope, group, resource, verbs]) =>
    verbs.split(' ').map((v) => `${scope} ${group} ${resource} ${v}`),
  ).sort();

const files = yamlFiles(MANIFESTS);
const docs: Doc[] = files.filter((f) => basename(f) !== 'kustomization.yaml').flatMap(loadDocs);
const typeOf = (d: Doc): string => `${str(d.obj['apiVersion'])} ${str(d.obj['kind'])}`;
const isCustom = (d: Doc): boolean => str(d.obj['apiVersion']).startsWith('bagpipe.io/');
const builtIns = (): Doc[] => docs.filter((d) => !isCustom(d));
const samples = (): Doc[] => docs.filter((d) => d.file.startsWith(join(MANIFESTS, 'samples')));
const find = (kind: string): Doc[] => docs.filter((d) => d.obj['kind'] === kind && !isCustom(d));
const one = (kind: string): Doc => {
  const found = find(kind);
  assert.equal(found.length, 1, `exactly one ${kind} in manifests/`);
  return found[0]!;
};

describe('packaging: manifests/', () => {
  it('parses every YAML file; every object has apiVersion, kind and metadata.name', () => {
    assert.ok(files.length > 0);
    for (const d of docs) {
      assert.ok(str(d.obj['apiVersion']) && str(d.obj['kind']), `${where(d)}: apiVersion and kind`);
      assert.ok(name(d.obj), `${where(d)}: metadata.name`);
    }
  });

  it('validates every built-in object against the Kubernetes OpenAPI schema (kubernetes-models)', async () => {
    const problems: string[] = [];
    for (const d of builtIns())
      for (const p of await validateBuiltIn(d.obj)) problems.push(`${where(d)}: ${p}`);
    assert.deepEqual(problems, []);
  });

  it('finds no field unknown to the API server in built-in objects (kubectl --validate=strict)', () => {
    const problems: string[] = [];
    for (const d of builtIns()) {
      const model = rootModel(str(d.obj['apiVersion']), str(d.obj['kind']));
      // no client-node model for CRD-defined kinds (ServiceMonitor): see helm/README.md
      if (model === undefined) continue;
      for (const p of unknownFields(model, d.obj, '')) problems.push(`${where(d)}: unknown field ${p}`);
    }
    assert.deepEqual(problems, []);
  });

  it('fails on unknown kinds and on invalid objects (the validators are not vacuous)', async () => {
    assert.match((await validateBuiltIn({ apiVersion: 'v1', kind: 'Bogus' }))[0] ?? '', /unknown kind/);
    assert.match(
      (await validateBuiltIn({ apiVersion: 'example.com/v1', kind: 'Foo' }))[0] ?? '',
      /unknown kind/,
    );
    const ds = structuredClone(one('DaemonSet').obj);
    (at(ds, 'spec', 'template', 'spec', 'containers', 0) as { ports: unknown }).ports = [
      { containerPort: 'x' },
    ];
    assert.match((await validateBuiltIn(ds))[0] ?? '', /containerPort/);
    const cm = { ...one('ConfigMap').obj, datta: {} };
    assert.deepEqual(unknownFields('V1ConfigMap', cm, ''), ['.datta']);
    const known = new Set(['bagpipe.io', 'monitoring.coreos.com']);
    for (const d of docs) {
      const group = str(d.obj['apiVersion']).split('/').slice(0, -1).join('/');
      if (group === '' || group.endsWith('.k8s.io') || ['apps', 'batch', 'policy'].includes(group)) continue;
      assert.ok(known.has(group), `${where(d)}: unexpected API group ${group}`);
    }
  });

  it('has generated CRDs for the four bagpipe.io/v1alpha1 kinds, with status subresources', function () {
    const crds = generatedCrds(this);
    for (const d of crds)
      assert.equal(typeOf(d), 'apiextensions.k8s.io/v1 CustomResourceDefinition', where(d));
    const kinds = customKinds(crds);
    for (const k of KINDS) {
      const c = kinds.get(`bagpipe.io/v1alpha1/${k.kind}`);
      assert.ok(c, `CRD for ${k.kind} in ${rel(CRDS)}`);
      assert.equal(c.plural, k.plural);
      assert.equal(c.namespaced, k.namespaced, `${k.kind} scope`);
      assert.ok(c.statusSubresource, `${k.kind} status subresource`);
    }
  });

  it('validates every custom object (samples) against its generated CRD schema', function () {
    const kinds = customKinds(generatedCrds(this));
    const problems: string[] = [];
    for (const d of docs.filter(isCustom)) {
      const [group, version] = str(d.obj['apiVersion']).split('/');
      const k = kinds.get(`${group ?? ''}/${version ?? ''}/${str(d.obj['kind'])}`);
      if (!k) {
        problems.push(`${where(d)}: no CRD serves ${typeOf(d)}`);
        continue;
      }
      const ns = at(d.obj, 'metadata', 'namespace');
      if (!k.namespaced && ns !== undefined) problems.push(`${where(d)}: cluster-scoped, has a namespace`);
      if (!k.validate(d.obj)) problems.push(...ajvErrors(k.validate).map((e) => `${where(d)}: ${e}`));
    }
    assert.deepEqual(problems, []);
    // not vacuous: an unknown field and a bad enum are caught
    const vpn = samples().find((d) => d.obj['kind'] === 'VpnInstance')!;
    const k = kinds.get('bagpipe.io/v1alpha1/VpnInstance')!;
    const bad = structuredClone(vpn.obj);
    (bad['spec'] as { type: string; colour: string }).type = 'l3vpn';
    (bad['spec'] as { colour: string }).colour = 'red';
    assert.equal(k.validate(bad), false);
    assert.equal(ajvErrors(k.validate).length, 2);
  });

  it('has one sample BgpPeer, one VpnInstance per type (ipvpn, evpn) and one PortAttachment', () => {
    const s = samples();
    const count = (kind: string, type?: string): number =>
      s.filter((d) => d.obj['kind'] === kind && (type === undefined || at(d.obj, 'spec', 'type') === type))
        .length;
    assert.equal(count('BgpPeer'), 1);
    assert.equal(count('VpnInstance', 'ipvpn'), 1);
    assert.equal(count('VpnInstance', 'evpn'), 1);
    assert.equal(count('PortAttachment'), 1);
    for (const pa of s.filter((d) => d.obj['kind'] === 'PortAttachment')) {
      const ref = at(pa.obj, 'spec', 'vpnInstanceRef', 'name');
      const ns = at(pa.obj, 'metadata', 'namespace');
      assert.ok(
        s.some(
          (v) =>
            v.obj['kind'] === 'VpnInstance' &&
            name(v.obj) === ref &&
            at(v.obj, 'metadata', 'namespace') === ns,
        ),
        `${where(pa)}: vpnInstanceRef ${str(ref)} is a sample VpnInstance in the same namespace`,
      );
    }
  });

  it('has samples the daemon admits, as custom resources and as desired.d files', () => {
    for (const strict of [false, true]) {
      const validator = createValidator({ strict });
      for (const d of samples()) {
        const r = admit(structuredClone(d.obj), {
          validator,
          source: 'test',
          origin: rel(d.file),
          requireNodeName: !strict,
        });
        assert.ok(r.ok, `${where(d)} (${strict ? 'file' : 'CR'}): ${r.ok ? '' : JSON.stringify(r.issues)}`);
      }
    }
  });

  it('puts namespaced objects in a namespace and cluster-scoped ones in none', () => {
    const clusterScoped = new Set([
      'Namespace',
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
    ]);
    for (const k of KINDS) if (!k.namespaced) clusterScoped.add(k.kind);
    for (const d of docs) {
      const ns = at(d.obj, 'metadata', 'namespace');
      const kind = str(d.obj['kind']);
      if (clusterScoped.has(kind)) assert.equal(ns, undefined, where(d));
      else if (!isCustom(d)) assert.equal(ns, 'bagpipe-system', where(d));
      else assert.ok(typeof ns === 'string' && ns !== '', where(d));
    }
  });

  describe('RBAC', () => {
    const daemonNs = () => str(at(one('DaemonSet').obj, 'metadata', 'namespace'));

    it('grants exactly the verbs and resources the daemon needs (table in this test)', () => {
      const got = [
        ...find('ClusterRole').flatMap((d) => grants('cluster', d.obj['rules'])),
        ...find('Role').flatMap((d) => {
          assert.equal(
            at(d.obj, 'metadata', 'namespace'),
            daemonNs(),
            `${where(d)}: secrets Role in the daemon namespace`,
          );
          return grants('ns', d.obj['rules']);
        }),
      ].sort();
      assert.deepEqual(got, neededGrants());
      for (const d of [...find('ClusterRole'), ...find('Role')])
        for (const r of asArray(d.obj['rules'])) assert.equal(at(r, 'resourceNames'), undefined, where(d));
    });

    it('binds each role to the service account of the DaemonSet', () => {
      const ds = one('DaemonSet');
      const sa = str(at(ds.obj, 'spec', 'template', 'spec', 'serviceAccountName'));
      assert.ok(
        find('ServiceAccount').some(
          (d) => name(d.obj) === sa && at(d.obj, 'metadata', 'namespace') === daemonNs(),
        ),
      );
      for (const [binding, role] of [
        ['ClusterRoleBinding', 'ClusterRole'],
        ['RoleBinding', 'Role'],
      ] as const) {
        const b = one(binding);
        assert.equal(at(b.obj, 'roleRef', 'kind'), role);
        assert.ok(
          find(role).some((r) => name(r.obj) === at(b.obj, 'roleRef', 'name')),
          `${where(b)}: roleRef exists`,
        );
        assert.deepEqual(b.obj['subjects'], [{ kind: 'ServiceAccount', name: sa, namespace: daemonNs() }]);
      }
    });

    it('names resources that the generated CRDs define', function () {
      const kinds = [...customKinds(generatedCrds(this)).values()];
      for (const [, group, resource] of NEEDED) {
        if (group !== 'bagpipe.io') continue;
        const [plural, sub] = resource.split('/');
        const k = kinds.find((c) => c.plural === plural);
        assert.ok(k, `${resource}: a CRD plural`);
        if (sub !== undefined)
          assert.ok(sub === 'status' && k.statusSubresource, `${resource}: a subresource`);
      }
    });
  });

  describe('kustomization', () => {
    for (const kfile of files.filter((f) => basename(f) === 'kustomization.yaml')) {
      it(`${rel(kfile)} lists every manifest of its directory, and only existing files`, () => {
        const k = loadYaml(kfile);
        assert.equal(`${str(at(k, 'apiVersion'))} ${str(at(k, 'kind'))}`, KUSTOMIZATION);
        const listed = asArray(at(k, 'resources')).map(str);
        const dir = dirname(kfile);
        const crdsPending = crdFiles().length === 0 && !existsSync(join(dir, 'crds'));
        for (const r of listed)
          if (!(crdsPending && r.startsWith('crds/')))
            assert.ok(existsSync(join(dir, r)), `${rel(kfile)}: ${r} exists`);
        const expected = yamlFiles(dir, false)
          .map((f) => basename(f))
          .filter((f) => f !== 'kustomization.yaml' && !OPTIONAL.includes(f));
        if (dir === MANIFESTS) expected.push(...crdFiles().map((f) => `crds/${basename(f)}`));
        assert.deepEqual(
          listed.filter((r) => !(crdsPending && r.startsWith('crds/'))).sort(),
          expected.sort(),
          `${rel(kfile)}: resources`,
        );
      });
    }
  });

  it('uses no YAML 1.1 plain scalars that kubectl would read differently (1:30, yes, on …)', () => {
    const hazards: string[] = [];
    for (const f of [...files, ...yamlFiles(join(MANIFESTS, '..', 'helm'))]) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const v = yaml11Hazard(line);
          if (v !== undefined) hazards.push(`${rel(f)}:${i + 1}: quote ${v}`);
        });
    }
    assert.equal(yaml11Hazard('  macAddress: 52:54:00:12:34:56'), '52:54:00:12:34:56');
    assert.equal(yaml11Hazard("  importRTs: ['64512:100']"), undefined);
    assert.equal(yaml11Hazard('  - on'), 'on');
    assert.deepEqual(hazards, []);
  });
});
