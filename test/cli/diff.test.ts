/**
 * `bagpipe diff`: desired.d → the daemon's intents (no BGP routes) → each driver's plan against
 * live state, applying nothing. Against the model kernel (no root), then the real tool against a
 * network namespace (root).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrivers, type Drivers } from '../../src/cli/drivers.js';
import { desiredIntents, diff, loadDesired, NO_BGP_NOTE } from '../../src/cli/diff.js';
import { run as bagpipe } from '../../src/cli/bagpipe.js';
import { loadConfig, type Config } from '../../src/daemon/config.js';
import {
  DummyDriver,
  emptyIntent,
  LinuxEvpnDriver,
  OvsIpvpnDriver,
  type DataplaneIntent,
} from '../../src/dataplane/index.js';
import { evpnBridgeName, evpnVxlanName } from '../../src/dataplane/linux/names.js';
import { silentLogger } from '../../src/lib/log.js';
import { intent } from '../dataplane/linux/fixtures.js';
import { ModelKernel } from '../dataplane/linux/model-kernel.js';
import { instance, LOCAL as OVS_LOCAL, modelSwitch } from '../dataplane/ovs/fixtures.js';
import { isRoot, Lab, sh } from '../dataplane/netns.js';
import { MemoryIo, runTool } from './run-tool.js';
import { attachment, evpnInstance, LOCAL, ToolDir } from './tool-lab.js';

const MAC = '52:54:00:aa:00:01';
const BR = evpnBridgeName('blue');
const VX = evpnVxlanName('blue');
const VXLAN_ADD = `ip link add name ${VX} type vxlan id 1010 local ${LOCAL} dstport 4789 nolearning`;

async function evpnIntent(dir: ToolDir, config: Config): Promise<DataplaneIntent> {
  const { snapshot } = await loadDesired(dir.desired, 'node-1');
  const drivers = {
    evpn: { name: 'linux-evpn', type: 'evpn' },
    ipvpn: { name: 'dummy', type: 'ipvpn' },
  } as const;
  return desiredIntents(config, snapshot, drivers, 'node-1').intents.get('evpn') ?? emptyIntent;
}

describe('bagpipe diff', () => {
  let dir: ToolDir;
  beforeEach(() => {
    dir = new ToolDir({ evpn: 'linux', ipvpn: 'dummy' });
  });
  afterEach(() => {
    dir.remove();
  });

  it('computes the intents from desired.d as the daemon would, leaving its allocations file alone', async () => {
    dir.write('blue.json', [evpnInstance('blue', 1010), attachment('vm1', 'blue', 'tap1', MAC)]);
    dir.write('other-node.json', {
      ...attachment('vm9', 'blue', 'tap9', '52:54:00:aa:00:09'),
      spec: { ...(attachment('vm9', 'blue', 'tap9', MAC) as { spec: object }).spec, nodeName: 'node-2' },
    });
    const intent = await evpnIntent(dir, loadConfig(dir.conf));
    assert.deepEqual(intent.instances, [
      {
        type: 'evpn',
        id: 'blue',
        vni: 1010,
        localPorts: [{ ifname: 'tap1', mac: MAC, ip: '10.10.0.1' }],
        remoteMacs: [],
        floodList: [],
      },
    ]);
    assert.deepEqual(readdirSync(dir.state), [], 'the allocations file is never written');
  });

  it('prints the plan, nothing once applied, the re-creation after drift; problems on stderr', async () => {
    const k = new ModelKernel();
    k.addPort('tap1');
    const evpn = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL });
    const config = loadConfig(dir.conf);
    const run = async (): Promise<{ code: number; out: string; err: string }> => {
      const io = new MemoryIo();
      const code = await diff(config, [evpn, new DummyDriver({ type: 'ipvpn' })], dir.desired, io);
      return { code, out: io.stdout, err: io.stderr };
    };
    dir.write('blue.json', [evpnInstance('blue', 1010), attachment('vm1', 'blue', 'tap1', MAC)]);
    const first = await run();
    assert.equal(first.code, 1, first.err);
    const lines = first.out.trimEnd().split('\n');
    assert.equal(lines[0], NO_BGP_NOTE);
    assert.ok(lines.includes(`linux-evpn: ip link add name ${BR} type bridge stp_state 0 forward_delay 0`));
    assert.ok(lines.includes(`linux-evpn: ${VXLAN_ADD}`), first.out);
    assert.ok(lines.includes(`linux-evpn: bridge fdb replace ${MAC} dev tap1 master static`), first.out);
    assert.deepEqual(k.applied, [], 'diff applies nothing');
    assert.equal(first.err, 'dummy (ipvpn): no live state to compare (dummy driver)\n');

    assert.deepEqual((await evpn.apply(await evpnIntent(dir, config))).errors, []);
    const clean = await run();
    assert.deepEqual([clean.code, clean.out], [0, '']);

    await k.batch('ip', [`link del dev ${VX}`]);
    const drift = await run();
    assert.equal(drift.code, 1);
    assert.ok(drift.out.split('\n').includes(`linux-evpn: ${VXLAN_ADD}`), drift.out);

    const bad = dir.write('bad.json', '{');
    dir.write('orphan.json', attachment('vm2', 'nosuch', 'tap2', '52:54:00:aa:00:02'));
    const problems = await run();
    assert.equal(problems.code, 2);
    assert.match(problems.err, new RegExp(`^${bad}: invalid JSON.*\\(BGPD_ERR_SPEC_JSON\\)$`, 'm'));
    assert.match(problems.err, /^PortAttachment tenant\/vm2: .*nosuch/m);
    assert.ok(problems.out.split('\n').includes(`linux-evpn: ${VXLAN_ADD}`), 'the rest is still diffed');
  });

  it('OVS: lists the tunnel port it would create and the flows, sending no bundle', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bgpd-diff-ovs-'));
    try {
      const m = modelSwitch();
      m.ports.delete('vxlan');
      const d = new OvsIpvpnDriver({ runner: m, localAddress: OVS_LOCAL, tmpDir: tmp });
      const p = await d.preview(intent(instance()));
      assert.match(
        p.ops[0] ?? '',
        /^ovs-vsctl --may-exist add-port br-mpls vxlan -- set Interface vxlan type=vxlan/,
      );
      assert.ok(
        p.ops.slice(1).every((o) => o.startsWith('flow add ')),
        p.ops.join('\n'),
      );
      assert.ok(p.ops.length > 2);
      assert.deepEqual([m.bundles, m.ports.has('vxlan')], [[], false]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reports a driver that cannot observe, and a missing desired directory, with exit status 2', async () => {
    const k = new ModelKernel();
    k.run = () => Promise.resolve({ code: 1, stdout: '', stderr: 'Cannot open network namespace' });
    const io = new MemoryIo();
    const evpn = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL });
    const missing = join(dir.root, 'nosuch');
    assert.equal(await diff(loadConfig(dir.conf), [evpn], missing, io), 2);
    assert.match(io.stderr, new RegExp(`^${missing}: cannot read the directory`, 'm'));
    assert.match(io.stderr, /^linux-evpn \(evpn\): cannot observe: .*Cannot open network namespace/m);
    assert.equal(io.stdout, '');
  });

  it('is a command of bagpipe: --help, and exit status 2 on a mistake', async () => {
    const io = new MemoryIo();
    assert.equal(await bagpipe(['--help'], io), 0);
    assert.match(io.stdout, /bagpipe validate FILE\|DIR[\s\S]*bagpipe diff \[--config-file PATH\]/);
    assert.equal(await bagpipe(['diff', '--help'], io), 0);
    assert.match(io.stdout, /usage: bagpipe diff .*--netns NS/);
    for (const argv of [[], ['frob'], ['diff', 'extra'], ['diff', '--nope']]) {
      const e = new MemoryIo();
      assert.equal(await bagpipe(argv, e), 2, argv.join(' '));
      assert.match(e.stderr, /^usage: bagpipe/);
    }
    const conf = new MemoryIo();
    assert.equal(await bagpipe(['diff', '--config-file', join(dir.root, 'none.conf')], conf), 2);
    assert.match(conf.stderr, /bad configuration: .*none\.conf: cannot read/);
    const help = await runTool('bagpipe', ['diff', '--help']);
    assert.deepEqual([help.code, help.stderr], [0, '']);
    assert.equal((await runTool('bagpipe', ['diff', '--frob'])).code, 2);
  });
});

describe('bagpipe diff in a network namespace (root)', function () {
  this.timeout(60_000);
  const lab = new Lab();
  let dir: ToolDir | undefined;
  let drivers: Drivers | undefined;

  before(function () {
    if (!isRoot()) this.skip(); // namespaces, bridges and VXLAN devices need CAP_NET_ADMIN
  });
  after(async () => {
    await drivers?.stop();
    await lab.cleanup();
    dir?.remove();
  });

  it('exit 1 with the plan, 0 and nothing once applied, the re-creation of a deleted link, problems', async () => {
    const ns = await lab.ns('diff');
    await sh(['ip', '-n', ns, 'link', 'add', 'tap1', 'type', 'veth', 'peer', 'name', 'tap1p']);
    dir = new ToolDir({ evpn: 'linux', ipvpn: 'dummy' });
    dir.write('blue.json', [evpnInstance('blue', 1010), attachment('vm1', 'blue', 'tap1', MAC)]);
    const args = ['diff', '--config-file', dir.conf, '--netns', ns];
    const first = await runTool('bagpipe', args);
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, new RegExp(`^linux-evpn: ip link add name ${BR} type bridge`, 'm'));

    const config = loadConfig(dir.conf);
    drivers = createDrivers(config, silentLogger, { netns: ns, repair: false });
    assert.deepEqual((await drivers.evpn.apply(await evpnIntent(dir, config))).errors, []);
    const clean = await runTool('bagpipe', args);
    assert.deepEqual([clean.code, clean.stdout], [0, ''], clean.stderr);

    await sh(['ip', '-n', ns, 'link', 'del', VX]);
    const drift = await runTool('bagpipe', args);
    assert.equal(drift.code, 1, drift.stderr);
    assert.ok(drift.stdout.split('\n').includes(`linux-evpn: ${VXLAN_ADD}`), drift.stdout);

    dir.write('bad.json', '{"kind": ');
    const bad = await runTool('bagpipe', args);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.json: invalid JSON/);
    assert.ok(bad.stdout.split('\n').includes(`linux-evpn: ${VXLAN_ADD}`), bad.stdout);
    assert.match(await sh(['ip', '-n', ns, '-br', 'link']), new RegExp(`^${BR}`, 'm'));
    assert.doesNotMatch(await sh(['ip', '-n', ns, '-br', 'link']), new RegExp(VX), 'diff applied nothing');
  });
});
