/**
 * Root only. Two compute nodes (namespaces) on an underlay bridge, one VM namespace per node;
 * the E-VPN driver runs inside each node with the intent BGP would have produced. Ping must
 * cross the VXLAN; hand-made drift is repaired; foreign state is left alone; a restarted driver
 * adopts the live state with zero changes while a ping keeps flowing.
 */
import assert from 'node:assert/strict';
import type { DataplaneIntent } from '../../src/dataplane/intent.js';
import { LinuxEvpnDriver } from '../../src/dataplane/linux/evpn.js';
import { evpnBridgeName, evpnVxlanName } from '../../src/dataplane/linux/names.js';
import { SystemRunner } from '../../src/dataplane/system-runner.js';
import { fabric, isRoot, Lab, type Node, ping, sh, startPing, type Vm, vm } from './netns.js';
import { waitFor } from '../helpers/wait.js';

const VNI = 100;
const ID = 'evpn-test-1';
const BR = evpnBridgeName(ID);
const VX = evpnVxlanName(ID);

function intentFor(local: Vm, remote: Vm, remoteNode: Node): DataplaneIntent {
  return {
    instances: [
      {
        type: 'evpn',
        id: ID,
        vni: VNI,
        localPorts: [{ ifname: local.tap, mac: local.mac }],
        remoteMacs: [{ mac: remote.mac, vtep: remoteNode.vtep, vni: VNI, ip: remote.ip }],
        floodList: [{ vtep: remoteNode.vtep, vni: VNI }],
      },
    ],
  };
}

describe('linux E-VPN driver (netns, root)', function () {
  this.timeout(30_000);
  const lab = new Lab();
  let n1: Node, n2: Node, vm1: Vm, vm2: Vm;
  let r1: SystemRunner, r2: SystemRunner;
  let d1: LinuxEvpnDriver;
  let i1: DataplaneIntent, i2: DataplaneIntent;

  before(async function () {
    if (!isRoot()) this.skip(); // needs CAP_NET_ADMIN for namespaces, bridges and VXLAN
    [n1, n2] = (await fabric(lab, 2)) as [Node, Node];
    vm1 = await vm(lab, n1, 'tap1', '10.20.0.1/24');
    vm2 = await vm(lab, n2, 'tap2', '10.20.0.2/24');
    r1 = new SystemRunner({ netns: n1.ns });
    r2 = new SystemRunner({ netns: n2.ns });
    d1 = new LinuxEvpnDriver({ runner: r1, localAddress: n1.vtep });
    i1 = intentFor(vm1, vm2, n2);
    i2 = intentFor(vm2, vm1, n1);
  });

  after(async () => {
    for (const r of [r1, r2] as (SystemRunner | undefined)[]) await r?.close();
    await lab.cleanup();
  });

  it('programs both nodes and ping crosses the VXLAN', async () => {
    const a = await d1.apply(i1);
    const b = await new LinuxEvpnDriver({ runner: r2, localAddress: n2.vtep }).apply(i2);
    assert.deepEqual([a.errors, b.errors], [[], []]);
    assert.ok(a.changes > 0);
    assert.ok(await ping(lab, vm1.ns, vm2.ip), 'ping vm1 -> vm2');
    assert.equal((await d1.apply(i1)).changes, 0, 'a second pass changes nothing');
  });

  it('repairs a deleted fdb entry and neighbour, leaving foreign entries alone', async () => {
    await sh([
      'ip',
      '-n',
      n1.ns,
      'link',
      'add',
      'vxforeign',
      'type',
      'vxlan',
      'id',
      '999',
      'dstport',
      '4789',
      'nolearning',
    ]);
    await sh([
      'bridge',
      '-n',
      n1.ns,
      'fdb',
      'add',
      '02:00:00:00:99:99',
      'dev',
      'vxforeign',
      'dst',
      '172.31.0.99',
      'self',
      'static',
    ]);
    await sh([
      'ip',
      '-n',
      n1.ns,
      'neigh',
      'add',
      '10.99.0.1',
      'lladdr',
      '02:00:00:00:99:99',
      'dev',
      'vxforeign',
      'nud',
      'permanent',
    ]);
    await sh(['bridge', '-n', n1.ns, 'fdb', 'del', vm2.mac, 'dev', VX, 'self']);
    await sh(['ip', '-n', n1.ns, 'neigh', 'del', vm2.ip, 'dev', BR]);
    const r = await d1.repair();
    assert.deepEqual(r?.ops, [
      `bridge fdb replace ${vm2.mac} dev ${VX} dst ${n2.vtep} vni ${VNI} self static`,
      `ip neigh replace ${vm2.ip} lladdr ${vm2.mac} dev ${BR} nud permanent proto 19`,
    ]);
    assert.equal(r.changes, 2);
    assert.match(await sh(['bridge', '-n', n1.ns, 'fdb', 'show', 'dev', 'vxforeign']), /02:00:00:00:99:99/);
    assert.match(await sh(['ip', '-n', n1.ns, 'neigh', 'show', 'dev', 'vxforeign']), /10\.99\.0\.1/);
    assert.ok(await ping(lab, vm1.ns, vm2.ip));
  });

  it('a restarted driver adopts live state (zero changes) and a running ping loses nothing', async () => {
    const running = startPing(lab, vm1.ns, vm2.ip, 30, 0.05);
    await waitFor(() => running.received() >= 3, 5000, { what: 'the first echo replies' });
    await d1.stop();
    await r1.close();
    r1 = new SystemRunner({ netns: n1.ns });
    d1 = new LinuxEvpnDriver({ runner: r1, localAddress: n1.vtep });
    const res = await d1.apply(i1);
    assert.deepEqual([res.changes, res.errors], [0, []]);
    assert.ok(running.received() < 30, 'the restart happened while the ping ran');
    assert.equal(await running.loss, 0);
  });

  it('removes everything the instance created', async () => {
    await d1.apply({ instances: [] });
    const links = await sh(['ip', '-n', n1.ns, '-br', 'link']);
    assert.doesNotMatch(links, /bgb-|bvx-/);
    assert.equal(await sh(['ip', '-n', n1.ns, 'neigh', 'show', 'proto', '19']), '');
    assert.ok(!(await ping(lab, vm1.ns, vm2.ip, 1)));
  });
});
