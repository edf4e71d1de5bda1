/**
 * `bagpipe-bgp-cleanup`: one empty-intent pass per configured driver removes what the drivers
 * own and nothing else; `--dry-run` lists the same operations and changes nothing. Against the
 * model kernel and model switch (no root), then the real tool in a network namespace (root).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, run } from '../../src/cli/cleanup.js';
import {
  DummyDriver,
  LinuxEvpnDriver,
  LinuxIpvpnDriver,
  OvsIpvpnDriver,
  SystemRunner,
} from '../../src/dataplane/index.js';
import { evpnBridgeName, evpnVxlanName, ipvpnVxlanName } from '../../src/dataplane/linux/names.js';
import { evpn, intent, ipvpn } from '../dataplane/linux/fixtures.js';
import { ModelKernel } from '../dataplane/linux/model-kernel.js';
import { instance, LOCAL as OVS_LOCAL, modelSwitch, vx } from '../dataplane/ovs/fixtures.js';
import { isRoot, Lab, sh } from '../dataplane/netns.js';
import { MemoryIo, runTool } from './run-tool.js';
import { LOCAL, ToolDir } from './tool-lab.js';

const OWNED = /^(bgb|bvx|bvi)-/;

/** The model kernel with E-VPN and IP VPN state of ours, plus a foreign bridge, route and rule. */
async function ownedKernel(): Promise<ModelKernel> {
  const k = new ModelKernel();
  k.addPort('tap1');
  k.addPort('tap2', '02:00:00:00:ff:02');
  const e = await new LinuxEvpnDriver({ runner: k, localAddress: LOCAL }).apply(intent(evpn()));
  const port = { ifname: 'tap2', mac: '02:00:00:00:10:02', ip: '10.0.0.2' };
  const i = await new LinuxIpvpnDriver({ runner: k, localAddress: LOCAL }).apply(
    intent(ipvpn('vrf-1', { localPorts: [port] })),
  );
  assert.deepEqual([e.errors, i.errors], [[], []]);
  await k.batch('ip', ['link add name brforeign type bridge']);
  k.routes.push({ dst: '10.99.0.0/24', table: 1500, protocol: 'boot', hops: [{ dev: 'brforeign' }] });
  k.rules.push({ priority: 1000, iif: 'brforeign', table: 1500, protocol: 'boot' });
  return k;
}

const state = (k: ModelKernel): string =>
  JSON.stringify([[...k.links.values()], k.fdb, k.neigh, k.routes, k.rules, k.addrs, [...k.sysctl]]);

describe('bagpipe-bgp-cleanup', () => {
  it('removes every kernel object the linux drivers own and nothing else; --dry-run only lists', async () => {
    const k = await ownedKernel();
    const drivers = [
      new LinuxEvpnDriver({ runner: k, localAddress: LOCAL }),
      new LinuxIpvpnDriver({ runner: k, localAddress: LOCAL }),
      new DummyDriver({ type: 'ipvpn' }),
    ];
    const before = state(k);
    const dry = new MemoryIo();
    assert.equal(await cleanup(drivers, true, dry), 0);
    assert.equal(state(k), before, 'a dry run changes nothing');
    const listed = dry.stdout.trimEnd().split('\n');
    for (const dev of [evpnBridgeName('vpn-1'), evpnVxlanName('vpn-1')])
      assert.ok(listed.includes(`linux-evpn: ip link del dev ${dev}`), dry.stdout);
    assert.ok(listed.includes(`linux-ipvpn: ip link del dev ${ipvpnVxlanName('vrf-1')}`), dry.stdout);
    assert.ok(listed.includes('dummy (ipvpn): no live state (dummy driver), nothing to remove'));
    assert.match(dry.stdout, /^linux-evpn \(evpn\): \d+ operation\(s\) would be applied \(dry run/m);

    const io = new MemoryIo();
    assert.equal(await cleanup(drivers, false, io), 0, io.stderr);
    assert.deepEqual(
      io.stdout.split('\n').filter((l) => l.startsWith('linux-')),
      listed
        .filter((l) => l.startsWith('linux-'))
        .map((l) => l.replace('would be applied (dry run: nothing changed)', 'applied')),
      'the run does what the dry run listed',
    );
    assert.deepEqual(
      [...k.links.keys()].filter((n) => OWNED.test(n)),
      [],
    );
    assert.deepEqual([...k.links.keys()].sort(), ['brforeign', 'tap1', 'tap2']);
    assert.deepEqual(
      k.routes.map((r) => r.dst),
      ['10.99.0.0/24'],
    );
    assert.deepEqual(
      k.rules.map((r) => r.iif),
      ['brforeign'],
    );
    assert.deepEqual([k.addrs, k.neigh.filter((n) => n.protocol === '19')], [[], []]);
    assert.equal(k.sysctl.get('net/ipv4/conf/tap2/proxy_arp'), '0');

    const again = new MemoryIo();
    assert.equal(await cleanup(drivers.slice(0, 2), false, again), 0);
    assert.equal(again.stdout, 'linux-evpn (evpn): nothing owned\nlinux-ipvpn (ipvpn): nothing owned\n');
  });

  it('removes the OVS flows with our cookie and the groups in our range, not the others', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bgpd-cleanup-ovs-'));
    try {
      const m = modelSwitch();
      const d = new OvsIpvpnDriver({ runner: m, localAddress: OVS_LOCAL, tmpDir: tmp });
      const ecmp = [{ prefix: '10.9.0.0/16', nextHops: [vx('172.31.0.2', 5002), vx('172.31.0.3', 5003)] }];
      assert.deepEqual((await d.apply(intent(instance({ remotePrefixes: ecmp })))).errors, []);
      assert.ok(m.groups.size > 0);
      m.put('cookie=0x1, priority=10,ip actions=drop');
      m.groups.set(7, 'group_id=7,type=all,bucket=bucket_id:0,actions=drop');
      const flows = m.flows.size;
      const dry = new MemoryIo();
      assert.equal(await cleanup([d], true, dry), 0);
      assert.equal(m.flows.size, flows);
      assert.match(dry.stdout, /^ovs: flow delete_strict cookie=0xb9b9/m);
      assert.match(dry.stdout, /^ovs: group delete group_id=\d+/m);
      const io = new MemoryIo();
      assert.equal(await cleanup([d], false, io), 0, io.stderr);
      assert.deepEqual(
        [...m.flows.values()].map((f) => f.cookie),
        [1n],
      );
      assert.deepEqual([...m.groups.keys()], [7]);
      m.unreachable = true;
      const down = new MemoryIo();
      assert.equal(await cleanup([d], false, down), 1);
      assert.match(down.stderr, /^ovs \(ipvpn\): error: /m);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('has --help; exit status 2 on a command-line or configuration mistake', async () => {
    const dir = new ToolDir({ evpn: 'dummy', ipvpn: 'dummy' });
    try {
      const io = new MemoryIo();
      assert.equal(await run(['--config-file', dir.conf], io), 0);
      assert.equal(
        io.stdout,
        [
          'dummy (evpn): no live state (dummy driver), nothing to remove\n',
          'dummy (ipvpn): no live state (dummy driver), nothing to remove\n',
        ].join(''),
      );
      for (const argv of [['extra'], ['--frob'], ['--config-file', join(dir.root, 'none.conf')]]) {
        const e = new MemoryIo();
        assert.equal(await run(argv, e), 2, argv.join(' '));
        assert.notEqual(e.stderr, '');
      }
      const help = await runTool('cleanup', ['--help']);
      assert.deepEqual([help.code, help.stderr], [0, '']);
      assert.match(
        help.stdout,
        /^usage: bagpipe-bgp-cleanup \[--config-file PATH\] \[--netns NS\] \[--dry-run\]/,
      );
      assert.equal((await runTool('cleanup', ['--dry-run', 'x'])).code, 2);
    } finally {
      dir.remove();
    }
  });
});

describe('bagpipe-bgp-cleanup in a network namespace (root)', function () {
  this.timeout(60_000);
  const lab = new Lab();
  let dir: ToolDir | undefined;
  let runner: SystemRunner | undefined;

  before(function () {
    if (!isRoot()) this.skip(); // namespaces, bridges and VXLAN devices need CAP_NET_ADMIN
  });
  after(async () => {
    await runner?.close();
    await lab.cleanup();
    dir?.remove();
  });

  it('removes the owned E-VPN and IP VPN state, keeps foreign state; --dry-run changes nothing', async () => {
    const ns = await lab.ns('clean');
    const ip = (...args: string[]): Promise<string> => sh(['ip', '-n', ns, ...args]);
    await ip('link', 'add', 'tap1', 'type', 'veth', 'peer', 'name', 'tap2');
    runner = new SystemRunner({ netns: ns });
    const e = await new LinuxEvpnDriver({ runner, localAddress: LOCAL }).apply(intent(evpn()));
    const port = { ifname: 'tap2', mac: '02:00:00:00:10:02', ip: '10.0.0.2' };
    const i = await new LinuxIpvpnDriver({ runner, localAddress: LOCAL }).apply(
      intent(ipvpn('vrf-1', { localPorts: [port] })),
    );
    assert.deepEqual([e.errors, i.errors], [[], []]);
    await ip('link', 'add', 'brforeign', 'type', 'bridge');
    await ip('link', 'set', 'brforeign', 'up');
    await ip('route', 'add', '10.99.0.0/24', 'dev', 'brforeign');
    await ip('route', 'add', '10.98.0.0/24', 'dev', 'brforeign', 'table', '1500');
    await ip('rule', 'add', 'pref', '1000', 'iif', 'brforeign', 'lookup', '1500');
    // What the tool may change, without what the kernel updates by itself (operstate, IPv6).
    const snapshot = async (): Promise<string> =>
      (
        await Promise.all([
          ip('-o', 'link').then((t) => t.replace(/^\d+: (\S+)(?:.* (master \S+))?.*$/gm, '$1 $2')),
          ip('-4', 'route', 'show', 'table', 'all'),
          ip('-4', 'rule'),
          ip('-4', 'addr'),
          ip('neigh', 'show', 'nud', 'permanent'),
        ])
      ).join('\n');
    const before = await snapshot();
    assert.match(before, /^bgb-/m);
    assert.match(before, /proto 19/);
    dir = new ToolDir({ evpn: 'linux', ipvpn: 'linux' });
    const args = ['--config-file', dir.conf, '--netns', ns];

    const dry = await runTool('cleanup', [...args, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^linux-evpn: ip link del dev ${evpnBridgeName('vpn-1')}$`, 'm'));
    assert.match(dry.stdout, /^linux-ipvpn: ip rule del pref 1000 iif tap2 lookup \d+ proto 19$/m);
    assert.equal(await snapshot(), before, 'a dry run changes nothing');

    const done = await runTool('cleanup', args);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^linux-evpn \(evpn\): \d+ operation\(s\) applied$/m);
    const links = await ip('-br', 'link');
    assert.doesNotMatch(links, /^(bgb|bvx|bvi)-/m);
    assert.match(links, /^brforeign\s/m);
    assert.match(links, /^tap1@tap2\s/m);
    assert.equal(await ip('route', 'show', 'table', 'all', 'proto', '19'), '');
    assert.equal(await ip('neigh', 'show', 'proto', '19'), '');
    assert.match(await ip('route'), /^10\.99\.0\.0\/24 dev brforeign/m);
    assert.match(await ip('route', 'show', 'table', '1500'), /^10\.98\.0\.0\/24 dev brforeign/m);
    const rules = await ip('rule');
    assert.doesNotMatch(rules, /proto 19|tap2/);
    assert.match(rules, /^1000:\s+from all iif brforeign lookup 1500/m);
    assert.doesNotMatch(await ip('addr', 'show', 'dev', 'tap2'), /10\.0\.0\.1/);

    const again = await runTool('cleanup', args);
    assert.deepEqual(
      [again.code, again.stdout],
      [0, 'linux-evpn (evpn): nothing owned\nlinux-ipvpn (ipvpn): nothing owned\n'],
    );
  });
});
