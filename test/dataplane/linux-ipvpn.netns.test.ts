/**
 * Root only. Three compute nodes on an underlay bridge; the IP VPN driver runs inside each with
 * the intent BGP would have produced (VNI = the receiving node's label). Ping crosses the VXLAN
 * between VRF ports routed through the VRF tables; an anycast address behind two nodes gets an
 * ECMP route; drift is repaired; a restarted driver adopts live state while a ping flows.
 */
import assert from 'node:assert/strict';
import type { DataplaneIntent, IpvpnInstanceIntent, NextHop } from '../../src/dataplane/intent.js';
import { LinuxIpvpnDriver } from '../../src/dataplane/linux/ipvpn.js';
import { ipvpnVxlanName } from '../../src/dataplane/linux/names.js';
import { SystemRunner } from '../../src/dataplane/system-runner.js';
import { fabric, isRoot, Lab, type Node, ping, sh, startPing, type Vm, vm } from './netns.js';
import { waitFor } from '../helpers/wait.js';

const ID = 'vrf-test-1';
const VX = ipvpnVxlanName(ID);
const GW = { ip: '10.0.0.1', prefixLength: 24 };
const ANYCAST = '10.0.0.100';
const vni = (i: number): number => 5000 + i;
const hop = (n: Node, i: number): NextHop => ({ vtep: n.vtep, label: vni(i), encap: 'vxlan' });

function vrf(i: number, ports: Vm[], remotePrefixes: IpvpnInstanceIntent['remotePrefixes']): DataplaneIntent {
  const localPorts = ports.map((p) => ({ ifname: p.tap, mac: p.mac, ip: p.ip }));
  return { instances: [{ type: 'ipvpn', id: ID, vni: vni(i), gateway: GW, localPorts, remotePrefixes }] };
}

async function tableOf(ns: string): Promise<number> {
  const rules = JSON.parse(await sh(['ip', '-n', ns, '-j', 'rule', 'show'])) as {
    iif?: string;
    table?: string;
  }[];
  return Number(rules.find((r) => r.iif === VX && r.table !== undefined)?.table);
}

describe('linux IP VPN driver (netns, root)', function () {
  this.timeout(30_000);
  const lab = new Lab();
  let nodes: Node[];
  let n1: Node, n2: Node, n3: Node;
  let vm1: Vm, vm2: Vm, any2: Vm, any3: Vm;
  const runners: SystemRunner[] = [];
  let d1: LinuxIpvpnDriver;
  let i1: DataplaneIntent;

  before(async function () {
    if (!isRoot()) this.skip(); // needs CAP_NET_ADMIN for namespaces, rules and VXLAN
    nodes = await fabric(lab, 3);
    [n1, n2, n3] = nodes as [Node, Node, Node];
    vm1 = await vm(lab, n1, 'tap1', '10.0.0.2/24', GW.ip);
    vm2 = await vm(lab, n2, 'tap2', '10.0.0.3/24', GW.ip);
    any2 = await vm(lab, n2, 'tap2b', `${ANYCAST}/24`, GW.ip);
    any3 = await vm(lab, n3, 'tap3', `${ANYCAST}/24`, GW.ip);
    for (const n of nodes) runners.push(new SystemRunner({ netns: n.ns }));
    const toVm1 = [{ prefix: `${vm1.ip}/32`, nextHops: [hop(n1, 1)] }];
    i1 = vrf(
      1,
      [vm1],
      [
        { prefix: `${vm2.ip}/32`, nextHops: [hop(n2, 2)] },
        { prefix: `${ANYCAST}/32`, nextHops: [hop(n2, 2), hop(n3, 3)] },
      ],
    );
    d1 = new LinuxIpvpnDriver({ runner: runners[0]!, localAddress: n1.vtep });
    const others: [Node, DataplaneIntent, SystemRunner][] = [
      [n2, vrf(2, [vm2, any2], toVm1), runners[1]!],
      [n3, vrf(3, [any3], toVm1), runners[2]!],
    ];
    for (const [n, i, r] of others) {
      const res = await new LinuxIpvpnDriver({ runner: r, localAddress: n.vtep }).apply(i);
      assert.deepEqual(res.errors, []);
    }
  });

  after(async () => {
    for (const r of runners) await r.close();
    await lab.cleanup();
  });

  it('routes VM to VM through the VRF tables over VXLAN, and answers on the gateway', async () => {
    const res = await d1.apply(i1);
    assert.deepEqual(res.errors, []);
    assert.ok(await ping(lab, vm1.ns, vm2.ip), 'ping vm1 -> vm2');
    assert.ok(await ping(lab, vm1.ns, GW.ip), 'ping vm1 -> gateway');
    assert.equal((await d1.apply(i1)).changes, 0);
  });

  it('installs an ECMP route for an address behind two nodes, and drops a next hop with one op', async () => {
    const table = await tableOf(n1.ns);
    const routes = JSON.parse(
      await sh(['ip', '-n', n1.ns, '-j', 'route', 'show', 'table', String(table), `${ANYCAST}/32`]),
    ) as { nexthops?: unknown[] }[];
    assert.equal(routes[0]?.nexthops?.length, 2);
    assert.ok(await ping(lab, vm1.ns, ANYCAST), 'ping the anycast address');
    const first = i1.instances[0] as IpvpnInstanceIntent;
    const onlyN3 = vrf(
      1,
      [vm1],
      [first.remotePrefixes[0]!, { prefix: `${ANYCAST}/32`, nextHops: [hop(n3, 3)] }],
    );
    const res = await d1.apply(onlyN3);
    assert.deepEqual(
      res.ops.filter((o) => o.includes(ANYCAST)),
      [`ip route replace ${ANYCAST}/32 table ${table} proto 19 via ${n3.vtep} dev ${VX} onlink`],
    );
    assert.ok(await ping(lab, vm1.ns, ANYCAST), 'ping the anycast address through n3 only');
    assert.ok((await d1.apply(i1)).changes > 0);
  });

  it('repairs a deleted route and rule, leaving foreign routes and rules alone', async () => {
    const table = await tableOf(n1.ns);
    await sh([
      'ip',
      '-n',
      n1.ns,
      'route',
      'add',
      'blackhole',
      '10.77.0.0/24',
      'table',
      String(table),
      'proto',
      'static',
    ]);
    await sh(['ip', '-n', n1.ns, 'rule', 'add', 'pref', '1000', 'iif', 'u0', 'lookup', '77']);
    await sh(['ip', '-n', n1.ns, 'route', 'del', `${vm2.ip}/32`, 'table', String(table)]);
    await sh(['ip', '-n', n1.ns, 'rule', 'del', 'pref', '1000', 'iif', 'tap1']);
    const r = await d1.repair();
    assert.deepEqual(r?.ops, [
      `ip rule add pref 1000 iif tap1 lookup ${table} proto 19`,
      `ip route replace ${vm2.ip}/32 table ${table} proto 19 via ${n2.vtep} dev ${VX} onlink`,
    ]);
    assert.equal(r.changes, 2);
    assert.match(await sh(['ip', '-n', n1.ns, 'route', 'show', 'table', String(table)]), /10\.77\.0\.0\/24/);
    assert.match(await sh(['ip', '-n', n1.ns, 'rule']), /iif u0 lookup 77/);
    assert.ok(await ping(lab, vm1.ns, vm2.ip));
  });

  it('a restarted driver adopts live state (zero changes) and a running ping loses nothing', async () => {
    const running = startPing(lab, vm1.ns, vm2.ip, 30, 0.05);
    await waitFor(() => running.received() >= 3, 5000, { what: 'the first echo replies' });
    await d1.stop();
    await runners[0]!.close();
    runners[0] = new SystemRunner({ netns: n1.ns });
    d1 = new LinuxIpvpnDriver({ runner: runners[0], localAddress: n1.vtep });
    const res = await d1.apply(i1);
    assert.deepEqual([res.changes, res.errors], [0, []]);
    assert.ok(running.received() < 30, 'the restart happened while the ping ran');
    assert.equal(await running.loss, 0);
  });

  it('removes everything the VRF created, and only that', async () => {
    const table = await tableOf(n1.ns);
    await d1.apply({ instances: [] });
    assert.doesNotMatch(await sh(['ip', '-n', n1.ns, '-br', 'link']), /bvi-/);
    assert.doesNotMatch(await sh(['ip', '-n', n1.ns, 'rule']), /proto 19|lookup \d{4}/);
    assert.equal(await sh(['ip', '-n', n1.ns, 'route', 'show', 'table', 'all', 'proto', '19']), '');
    assert.doesNotMatch(await sh(['ip', '-n', n1.ns, 'addr', 'show', 'dev', 'tap1']), /10\.0\.0\.1/);
    assert.equal(
      (await sh(['ip', 'netns', 'exec', n1.ns, 'cat', '/proc/sys/net/ipv4/conf/tap1/proxy_arp'])).trim(),
      '0',
    );
    assert.match(await sh(['ip', '-n', n1.ns, 'route', 'show', 'table', String(table)]), /10\.77\.0\.0\/24/);
    assert.ok(!(await ping(lab, vm1.ns, vm2.ip, 1)));
  });
});
