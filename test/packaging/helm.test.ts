/**
 * helm/bagpipe-bgp: chart metadata, values.schema.json against values.yaml, value references of
 * the templates, CRDs identical to manifests/crds, and agreement with the plain manifests. No
 * helm binary here: templates are compared as skeletons, never rendered (see helm/README.md).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { parseConfig } from '../../src/daemon/config.js';
import { OPTIONS } from '../../src/daemon/config-options.js';
import { literalDiff, lookup, renderLite, valueLeaves, valuePaths, valueRefs } from './helm-lite.js';
import {
  CHART,
  CHART_CRDS,
  GENERATOR,
  MANIFESTS,
  ROOT,
  asArray,
  at,
  crdFiles,
  grants,
  isObj,
  loadDocs,
  loadYaml,
  rel,
  str,
  templateSkeleton,
  type Obj,
} from './lib.js';
import { diffCrds } from './sync-crds.js';

const TEMPLATES = join(CHART, 'templates');
const templateFiles = readdirSync(TEMPLATES).sort();
const template = (f: string): string => readFileSync(join(TEMPLATES, f), 'utf8');
const allTemplates = templateFiles.map(template).join('\n');
const values = loadYaml(join(CHART, 'values.yaml')) as Obj;
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
const pkgVersion = str(at(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')), 'version'));
const skeleton = (f: string): Obj[] => yaml.loadAll(templateSkeleton(template(f))).filter(isObj);
const manifest = (kind: string, file: string): Obj => {
  const d = loadDocs(join(MANIFESTS, file)).find((x) => x.obj['kind'] === kind);
  assert.ok(d, `${kind} in manifests/${file}`);
  return d.obj;
};

/** Deliberate differences between the chart and the plain manifests. */
const CHART_ONLY = [
  // the BGP port is declared only when [BGP] listen is on
  /\.ports\[bgp\]: only in the chart$/,
  // the chart mounts the OVS sockets only for the ovs driver, and then requires them to exist
  /\.volumes\[run-openvswitch\]\.hostPath\.type: chart "Directory" != manifest "DirectoryOrCreate"$/,
  // compared after rendering, below
  /^\.data\.bgp\.conf/,
];

/** Values schema validator (draft-07; ajv's default dialect), strict mode. */
function valuesValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}

describe('packaging: Helm chart helm/bagpipe-bgp', () => {
  it('has a v2 Chart.yaml whose appVersion is the package version', () => {
    const chart = loadYaml(join(CHART, 'Chart.yaml'));
    assert.equal(at(chart, 'apiVersion'), 'v2');
    assert.equal(at(chart, 'name'), 'bagpipe-bgp');
    assert.equal(at(chart, 'type'), 'application');
    assert.match(str(at(chart, 'version')), /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/);
    assert.equal(at(chart, 'appVersion'), pkgVersion);
    assert.ok(existsSync(join(TEMPLATES, 'NOTES.txt')) && existsSync(join(TEMPLATES, '_helpers.tpl')));
  });

  describe('values.schema.json', () => {
    it('is a draft-07 schema that accepts the default values.yaml', () => {
      assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
      const validate = valuesValidator();
      assert.ok(validate(values), JSON.stringify(validate.errors));
    });

    const bad: readonly (readonly [string, string, unknown])[] = [
      ['an unknown top-level key', 'replicas', 3],
      ['an unknown nested key', 'config.bgp.routerID', '192.0.2.1'],
      ['image tag latest', 'image.tag', 'latest'],
      ['an AS of 0', 'config.bgp.myAS', 0],
      ['the ovs E-VPN driver', 'config.dataplane.evpn.driver', 'ovs'],
      ['capabilities without NET_ADMIN', 'securityContext.capabilities', ['NET_RAW']],
      ['a relative host path', 'hostPaths.stateDirectory', 'var/lib/bagpipe-bgp'],
      ['a port out of range', 'config.api.port', 70000],
    ];
    for (const [what, path, value] of bad) {
      it(`rejects ${what}`, () => {
        const v = structuredClone(values);
        const keys = path.split('.');
        const parent = lookup(v, keys.slice(0, -1).join('.')) ?? v;
        (keys.length === 1 ? v : (parent as Obj))[keys.at(-1)!] = value;
        assert.equal(valuesValidator()(v), false);
      });
    }
  });

  describe('templates', () => {
    it('reference only values that exist in values.yaml', () => {
      const known = new Set(valuePaths(values));
      const missing = templateFiles.flatMap((f) =>
        valueRefs(template(f))
          .filter((p) => !known.has(p))
          .map((p) => `${f}: .Values.${p}`),
      );
      assert.deepEqual(missing, []);
    });

    it('use every value of values.yaml (no dead settings)', () => {
      const refs = valueRefs(allTemplates);
      const unused = valueLeaves(values).filter(
        (leaf) => !refs.some((r) => leaf === r || leaf.startsWith(`${r}.`)),
      );
      assert.deepEqual(unused, []);
    });

    it('include only named templates defined in _helpers.tpl, with balanced actions', () => {
      const defined = new Set([...template('_helpers.tpl').matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
      for (const f of templateFiles) {
        const t = template(f);
        for (const m of t.matchAll(/include "([^"]+)"/g))
          assert.ok(defined.has(m[1]), `${f}: include "${m[1] ?? ''}"`);
        assert.equal(t.split('{{').length, t.split('}}').length, `${f}: {{ and }} balanced`);
        const opens = [...t.matchAll(/\{\{-?\s*(if|with|range|define)\b/g)].length;
        const ends = [...t.matchAll(/\{\{-?\s*end\s*-?\}\}/g)].length;
        assert.equal(opens, ends, `${f}: if/with/range/define and end balanced`);
      }
    });

    it('grant the same RBAC as manifests/rbac.yaml', () => {
      const chart = skeleton('rbac.yaml');
      const scope = (k: string): string => (k === 'ClusterRole' ? 'cluster' : 'ns');
      const rules = (docs: readonly Obj[]): string[] =>
        docs
          .filter((d) => d['kind'] === 'ClusterRole' || d['kind'] === 'Role')
          .flatMap((d) => grants(scope(str(d['kind'])), d['rules']))
          .sort();
      const plain = loadDocs(join(MANIFESTS, 'rbac.yaml')).map((d) => d.obj);
      assert.ok(rules(chart).length > 0);
      assert.deepEqual(rules(chart), rules(plain));
      assert.deepEqual(
        chart.map((d) => d['kind']),
        plain.map((d) => d['kind']),
      );
    });

    for (const [file, kind, plain] of [
      ['daemonset.yaml', 'DaemonSet', 'daemonset.yaml'],
      ['configmap.yaml', 'ConfigMap', 'configmap.yaml'],
      ['serviceaccount.yaml', 'ServiceAccount', 'serviceaccount.yaml'],
      ['servicemonitor.yaml', 'Service', 'servicemonitor.yaml'],
      ['servicemonitor.yaml', 'ServiceMonitor', 'servicemonitor.yaml'],
    ] as const) {
      it(`render a ${kind} whose literal parts match manifests/${plain}`, () => {
        const skel = skeleton(file).find((d) => d['kind'] === kind);
        assert.ok(skel, `${kind} in templates/${file}`);
        const diff = literalDiff(skel, manifest(kind, plain)).filter(
          (d) => !CHART_ONLY.some((re) => re.test(d)),
        );
        assert.deepEqual(diff, []);
      });
    }

    it('render, with the default values, the same bgp.conf as manifests/configmap.yaml', () => {
      const t = template('configmap.yaml');
      const block = t.slice(t.indexOf('  bgp.conf: |\n') + '  bgp.conf: |\n'.length);
      const text = renderLite(block, values)
        .split('\n')
        .map((l) => l.replace(/^ {4}/, ''))
        .join('\n');
      const chart = parseConfig(text.replaceAll('@NODE_IP@', '192.0.2.10'), 'chart bgp.conf');
      const plainText = str(at(manifest('ConfigMap', 'configmap.yaml'), 'data', 'bgp.conf'));
      const plain = parseConfig(plainText.replaceAll('@NODE_IP@', '192.0.2.10'), 'manifest bgp.conf');
      assert.deepEqual(chart.warnings, []);
      assert.deepEqual(chart.sections, plain.sections);
      // every key the template can write is a daemon option (also those under `with`)
      let section = '';
      for (const line of block.split('\n').map((l) => l.trim())) {
        const s = /^\[([A-Z_]+)\]$/.exec(line);
        if (s) section = s[1] ?? '';
        const k = /^([a-z_]+) =/.exec(line);
        if (k)
          assert.ok(
            OPTIONS.some((o) => o.section === section && o.key === k[1]),
            `[${section}] ${k[1] ?? ''}`,
          );
      }
    });

    it('default to the settings of the plain DaemonSet', () => {
      const ds = manifest('DaemonSet', 'daemonset.yaml');
      const pod = at(ds, 'spec', 'template', 'spec');
      const main = asArray(at(pod, 'containers'))[0];
      const hostPath = (n: string): unknown =>
        at(
          asArray(at(pod, 'volumes')).find((v) => at(v, 'name') === n),
          'hostPath',
          'path',
        );
      assert.deepEqual(values['tolerations'], at(pod, 'tolerations'));
      assert.deepEqual(values['nodeSelector'], at(pod, 'nodeSelector'));
      assert.equal(values['priorityClassName'], at(pod, 'priorityClassName'));
      assert.equal(values['terminationGracePeriodSeconds'], at(pod, 'terminationGracePeriodSeconds'));
      assert.equal(
        at(values, 'updateStrategy', 'maxUnavailable'),
        at(ds, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'),
      );
      assert.deepEqual(values['resources'], at(main, 'resources'));
      assert.deepEqual(
        at(values, 'securityContext', 'capabilities'),
        at(main, 'securityContext', 'capabilities', 'add'),
      );
      assert.equal(at(values, 'securityContext', 'privileged'), at(main, 'securityContext', 'privileged'));
      const { httpGet: _l, ...liveness } = at(main, 'livenessProbe') as Obj;
      const { httpGet: _r, ...readiness } = at(main, 'readinessProbe') as Obj;
      assert.deepEqual(values['livenessProbe'], liveness);
      assert.deepEqual(values['readinessProbe'], readiness);
      assert.equal(at(values, 'hostPaths', 'desiredDirectory'), hostPath('desired'));
      assert.equal(at(values, 'hostPaths', 'stateDirectory'), hostPath('state'));
      assert.equal(at(values, 'hostPaths', 'ovsRunDirectory'), hostPath('run-openvswitch'));
      assert.equal(`${str(at(values, 'image', 'repository'))}:${pkgVersion}`, at(main, 'image'));
    });
  });

  describe('crds/', () => {
    it('holds exactly the generated manifests/crds (copy with: npx tsx test/packaging/sync-crds.ts)', function () {
      if (crdFiles().length === 0) {
        assert.ok(
          !existsSync(GENERATOR),
          `${rel(MANIFESTS)}/crds is empty although ${rel(GENERATOR)} exists: run npm run gen`,
        );
        this.skip();
      }
      assert.deepEqual(diffCrds(), []);
      assert.ok(readdirSync(CHART_CRDS).every((f) => !f.includes('{{') && basename(f).endsWith('.yaml')));
    });
  });
});
