/**
 * manifests/daemonset.yaml and configmap.yaml: the properties a node agent needs, and a bgp.conf
 * that the daemon's own parser accepts without warnings and that agrees with the pod spec.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/daemon/config.js';
import { MANIFESTS, ROOT, asArray, at, isObj, loadDocs, str, type Obj } from './lib.js';

const version = str(at(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')), 'version'));
const ds = loadDocs(join(MANIFESTS, 'daemonset.yaml'))[0]!.obj;
const cm = loadDocs(join(MANIFESTS, 'configmap.yaml'))[0]!.obj;
const pod = at(ds, 'spec', 'template', 'spec');
const containers = asArray(at(pod, 'containers'));
const main = containers.find((c) => at(c, 'name') === 'bagpipe-bgp') as Obj;
const init = asArray(at(pod, 'initContainers'));
const NODE_IP = '192.0.2.10';
const conf = str(at(cm, 'data', 'bgp.conf'));
const config = parseConfig(conf.replaceAll('@NODE_IP@', NODE_IP), 'configmap.yaml:bgp.conf');

const env = (c: unknown, n: string): unknown => asArray(at(c, 'env')).find((e) => at(e, 'name') === n);
const mountOf = (v: string): unknown =>
  at(
    asArray(at(main, 'volumeMounts')).find((m) => at(m, 'name') === v),
    'mountPath',
  );
const volume = (n: string): unknown => asArray(at(pod, 'volumes')).find((v) => at(v, 'name') === n);
const apiPort = (): unknown =>
  at(
    asArray(at(main, 'ports')).find((p) => at(p, 'name') === 'api'),
    'containerPort',
  );

describe('packaging: DaemonSet and its bgp.conf', () => {
  it('runs in the host network with cluster DNS, on every node, one node at a time', () => {
    assert.equal(at(pod, 'hostNetwork'), true);
    assert.equal(at(pod, 'dnsPolicy'), 'ClusterFirstWithHostNet');
    assert.deepEqual(at(pod, 'tolerations'), [{ operator: 'Exists' }]);
    assert.equal(at(ds, 'spec', 'updateStrategy', 'type'), 'RollingUpdate');
    assert.equal(at(ds, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'), 1);
    // the daemon forces its exit 5 s after SIGTERM; the grace period must leave room for it
    const grace = at(pod, 'terminationGracePeriodSeconds');
    assert.ok(typeof grace === 'number' && grace > 5 && grace <= 60);
  });

  it('runs as root with NET_ADMIN and no other capability than it needs', () => {
    const sc = at(main, 'securityContext');
    assert.equal(at(sc, 'runAsUser'), 0);
    assert.equal(at(sc, 'privileged'), false);
    assert.equal(at(sc, 'allowPrivilegeEscalation'), false);
    assert.equal(at(sc, 'readOnlyRootFilesystem'), true);
    assert.deepEqual(at(sc, 'capabilities'), { drop: ['ALL'], add: ['NET_ADMIN', 'NET_BIND_SERVICE'] });
    for (const c of init) {
      assert.equal(at(c, 'securityContext', 'runAsNonRoot'), true, 'init container is not root');
      assert.deepEqual(at(c, 'securityContext', 'capabilities'), { drop: ['ALL'] });
    }
  });

  it('knows its node: NODE_NAME from spec.nodeName, NODE_IP from status.hostIP', () => {
    assert.equal(at(env(main, 'NODE_NAME'), 'valueFrom', 'fieldRef', 'fieldPath'), 'spec.nodeName');
    for (const c of [main, ...init])
      assert.equal(at(env(c, 'NODE_IP'), 'valueFrom', 'fieldRef', 'fieldPath'), 'status.hostIP');
  });

  it('uses the image of this release, never latest', () => {
    for (const c of [...containers, ...init]) {
      assert.equal(at(c, 'image'), `bagpipe-bgp:${version}`);
      assert.equal(at(c, 'imagePullPolicy'), 'IfNotPresent');
    }
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the API port, scraped by Prometheus', () => {
    assert.equal(at(main, 'livenessProbe', 'httpGet', 'path'), '/healthz');
    assert.equal(at(main, 'readinessProbe', 'httpGet', 'path'), '/readyz');
    for (const p of ['livenessProbe', 'readinessProbe']) {
      assert.equal(at(main, p, 'httpGet', 'port'), 'api');
      // no host: the kubelet probes the pod IP, which is the node IP with hostNetwork
      assert.equal(at(main, p, 'httpGet', 'host'), undefined);
    }
    assert.equal(apiPort(), config.api.port);
    const annotations = at(ds, 'spec', 'template', 'metadata', 'annotations');
    assert.deepEqual(annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(config.api.port),
      'prometheus.io/path': '/metrics',
    });
  });

  it('has a bgp.conf the daemon parses without warnings, with Kubernetes sources on', () => {
    assert.deepEqual(config.warnings, []);
    assert.equal(config.desired.kubernetes, true);
    assert.equal(config.desired.nodeName, undefined, 'node_name comes from $NODE_NAME');
    assert.equal(config.bgp.localAddress, NODE_IP);
    // bound to the node IP, where kubelet probes and Prometheus scrapes arrive (not 127.0.0.1)
    assert.equal(config.api.host, NODE_IP);
  });

  it('renders bgp.conf per node in an init container, read by the daemon with --config-file', () => {
    const render = init.find((c) => at(c, 'name') === 'render-config');
    const script = asArray(at(render, 'command')).map(str).join(' ');
    assert.match(
      script,
      /sed "s\/@NODE_IP@\/\$\{NODE_IP\}\/g" \/etc\/bagpipe-bgp-template\/bgp\.conf > \/run\/bagpipe-bgp\/bgp\.conf/,
    );
    assert.deepEqual(at(main, 'args'), ['--config-file', '/run/bagpipe-bgp/bgp.conf']);
    assert.equal(mountOf('config'), '/run/bagpipe-bgp');
    assert.equal(at(volume('config-template'), 'configMap', 'name'), at(cm, 'metadata', 'name'));
    assert.ok(isObj(at(volume('config'), 'emptyDir')));
    // run the init container's script on the ConfigMap, in temp dirs instead of the mounts
    const dir = mkdtempSync(join(tmpdir(), 'bagpipe-render-'));
    try {
      mkdirSync(join(dir, 'template'));
      mkdirSync(join(dir, 'run'));
      writeFileSync(join(dir, 'template', 'bgp.conf'), conf);
      const local = script
        .replace(/^\/bin\/sh -c /, '')
        .replace('/etc/bagpipe-bgp-template/', `${dir}/template/`)
        .replace('/run/bagpipe-bgp/', `${dir}/run/`);
      execFileSync('/bin/sh', ['-c', local], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_IP },
      });
      const rendered = parseConfig(readFileSync(join(dir, 'run', 'bgp.conf'), 'utf8'), 'rendered bgp.conf');
      assert.deepEqual(rendered.sections, config.sections);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps desired.d and the state directory on the host, where bgp.conf points', () => {
    assert.equal(at(volume('desired'), 'hostPath', 'path'), '/etc/bagpipe-bgp/desired.d');
    assert.equal(mountOf('desired'), config.desired.directory);
    assert.equal(at(volume('state'), 'hostPath', 'path'), '/var/lib/bagpipe-bgp');
    assert.equal(mountOf('state'), config.desired.stateDirectory);
    assert.equal(at(volume('run-openvswitch'), 'hostPath', 'path'), '/run/openvswitch');
    assert.equal(mountOf('run-openvswitch'), '/run/openvswitch');
  });
});
