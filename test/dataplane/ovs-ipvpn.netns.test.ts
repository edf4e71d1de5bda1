/**
 * Root and Open vSwitch only. Node 1 runs a private ovs-vswitchd (userspace datapath) with the
 * OVS IP VPN driver on `br-mpls` and its VXLAN tunnel through `br-phy` (172.31.0.1); node 2 is
 * a Linux node whose kernel VXLAN device (`noudpcsum`) is programmed by the Linux IP VPN
 * driver. Ping crosses from a VM on OVS to a VM behind the kernel VXLAN and back;
 * `ofproto/trace` shows the tunnel push with the remote VNI. Then: ECMP select group adopted
 * with zero changes, drift repaired (a flow with another cookie untouched), a restarted driver
 * applies nothing while a ping runs, and removal leaves only foreign flows.
 */
import assert from 'node:assert/strict';
import type { DataplaneIntent, IpvpnInstanceIntent, NextHop } from '../../src/dataplane/intent.js';
import { LinuxIpvpnDriver } from '../../src/dataplane/linux/ipvpn.js';
import { OvsIpvpnDriver } from '../../src/dataplane/ovs/ipvpn.js';
import { instanceIds } from '../../src/dataplane/ovs/names.js';
import { SystemRunner } from '../../src/dataplane/system-runner.js';
import { waitFor } from '../helpers/wait.js';
import { isRoot, Lab, ping, sh, startPing, type Vm, vm } from './netns.js';
import { ovsInstalled, OvsSandbox } from './ovs/sandbox.js';

const ID = 'vrf-ovs-1';
const GW = { ip: '10.0.0.1', prefixLength: 24 };
const BR = 'br-mpls';
const N1_VTEP = '172.31.0.1';
const N2_VTEP = '172.31.0.2';
const hop = (vtep: string, label: number): NextHop => ({ vtep, label, encap: 'vxlan' });
const ECMP = { prefix: '10.9.0.0/24', nextHops: [hop(N2_VTEP, 5002), hop('172.31.0.3', 5003)] };

function vrf(
  vni: number,
  ports: Vm[],
  remotePrefixes: IpvpnInstanceIntent['remotePrefixes'],
): DataplaneIntent {
  const localPorts = ports.map((p) => ({ ifname: p.tap, mac: p.mac, ip: p.ip }));
  return { instances: [{ type: 'ipvpn', id: ID, vni, gateway: GW, localPorts, remotePrefixes }] };
}

describe('OVS IP VPN driver (netns, root, userspace OVS)', function () {
  this.timeout(60_000);
  const lab = new Lab();
  let ovs: OvsSandbox | undefined;
  const runners: SystemRunner[] = [];
  let sw: string;
  let vm1: Vm, vm2: Vm;
  let d1: OvsIpvpnDriver;
  let i1: DataplaneIntent;
  const box = (): OvsSandbox => {
    assert.ok(ovs !== undefined);
    return ovs;
  };
  const driver = (): OvsIpvpnDriver => {
    const runner = new SystemRunner({ netns: sw });
    runners.push(runner);
    const o = { bridge: BR, target: box().target(BR), ovsdb: box().db, proxyArp: true };
    return new OvsIpvpnDriver({ runner, localAddress: N1_VTEP, ...o });
  };
  const ours = async (): Promise<string[]> =>
    (await box().ofctl('dump-flows', BR, 'cookie=0xb9b9000000000000/0xffff000000000000'))
      .split('\n')
      .filter((l) => l.includes('cookie='));

  before(async function () {
    if (!isRoot()) this.skip(); // namespaces, veths and ovs-vswitchd need root
    if (!ovsInstalled()) this.skip(); // openvswitch-switch (ovsdb-server, ovs-vswitchd, ovs-*ctl)
    sw = await lab.ns('ovs');
    const n2 = await lab.ns('n2');
    ovs = await OvsSandbox.start(sw);
    await lab.veth(sw, 'u0', n2, 'u1', undefined, `${N2_VTEP}/24`);
    await ovs.addBridge('br-phy', false);
    await ovs.vsctl('add-port', 'br-phy', 'u0');
    await sh(['ip', '-n', sw, 'addr', 'add', `${N1_VTEP}/24`, 'dev', 'br-phy']);
    await sh(['ip', '-n', sw, 'link', 'set', 'br-phy', 'up']);
    await ovs.addBridge(BR);
    vm1 = await vm(lab, { ns: sw, vtep: N1_VTEP }, 'tap1', '10.0.0.2/24', GW.ip);
    await ovs.vsctl('add-port', BR, 'tap1');
    vm2 = await vm(lab, { ns: n2, vtep: N2_VTEP }, 'tap2', '10.0.0.3/24', GW.ip);
    const r2 = new SystemRunner({ netns: n2 });
    runners.push(r2);
    const linux = new LinuxIpvpnDriver({ runner: r2, localAddress: N2_VTEP, udpCsum: false });
    const res = await linux.apply(
      vrf(5002, [vm2], [{ prefix: `${vm1.ip}/32`, nextHops: [hop(N1_VTEP, 5001)] }]),
    );
    assert.deepEqual(res.errors, []);
    i1 = vrf(5001, [vm1], [{ prefix: `${vm2.ip}/32`, nextHops: [hop(N2_VTEP, 5002)] }, ECMP]);
    d1 = driver();
  });

  after(async () => {
    for (const r of runners) await r.close();
    await ovs?.stop();
    await lab.cleanup();
  });

  it('pings from a VM on OVS to a VM behind a kernel VXLAN, and traces the tunnel push', async () => {
    const res = await d1.apply(i1);
    assert.deepEqual(res.errors, []);
    await waitFor(() => ping(lab, vm1.ns, vm2.ip, 1), 15_000, { what: 'ping vm1 -> vm2 over VXLAN' });
    assert.match(await sh(['ip', '-n', vm1.ns, 'neigh', 'show', vm2.ip]), /lladdr 00:00:5e:00:43:64/);
    const tap1 = await box().ofport('tap1');
    const flow = `in_port=${tap1},ip,dl_src=${vm1.mac},dl_dst=00:00:5e:00:43:64,nw_src=${vm1.ip},nw_dst=${vm2.ip},nw_ttl=64`;
    const trace = await box().appctl('ofproto/trace', BR, flow);
    assert.match(trace, /set_field:0x138a->tun_id/);
    assert.match(
      trace,
      /Datapath actions: .*tnl_push\(.*ipv4\(src=172\.31\.0\.1,dst=172\.31\.0\.2,.*vxlan\(flags=0x8000000,vni=0x138a\)/,
    );
  });

  it('programs ECMP as a select group, adopted unchanged on the next pass', async () => {
    const groups = await box().ofctl('dump-groups', BR);
    assert.match(groups, /type=select,.*bucket=bucket_id:0,.*0x138a.*bucket=bucket_id:1,.*0x138b/);
    const res = await d1.apply(i1);
    assert.deepEqual([res.changes, res.ops], [0, []]);
  });

  it('repairs a flow deleted by hand and leaves a flow with another cookie alone', async () => {
    const { vrf: v } = instanceIds(ID);
    await box().ofctl('add-flow', BR, 'cookie=0x77,table=2,priority=100,ip,nw_dst=10.77.0.0/24,actions=drop');
    await box().ofctl('del-flows', BR, `table=2,ip,reg0=0x${v.toString(16)},nw_dst=${vm2.ip}`);
    assert.ok(!(await ping(lab, vm1.ns, vm2.ip, 1)), 'the deleted flow broke the path');
    const r = await d1.repair();
    assert.equal(r?.changes, 1);
    assert.match(r.ops[0] ?? '', new RegExp(`^flow add .*nw_dst=${vm2.ip.replaceAll('.', '\\.')} `));
    assert.match(
      await box().ofctl('dump-flows', BR, 'cookie=0x77/-1'),
      /nw_dst=10\.77\.0\.0\/24 actions=drop/,
    );
    assert.ok(await ping(lab, vm1.ns, vm2.ip));
  });

  it('a restarted driver adopts the live flows (zero changes) while a ping runs', async () => {
    const running = startPing(lab, vm1.ns, vm2.ip, 30, 0.05);
    await waitFor(() => running.received() >= 3, 5000, { what: 'the first echo replies' });
    await d1.stop();
    d1 = driver();
    const res = await d1.apply(i1);
    assert.deepEqual([res.changes, res.errors, res.ops], [0, [], []]);
    assert.ok(running.received() < 30, 'the restart happened while the ping ran');
    assert.equal(await running.loss, 0);
  });

  it('removes its flows and groups when nothing is wanted, and only those', async () => {
    const before = (await ours()).length;
    const res = await d1.apply({ instances: [] });
    assert.deepEqual([res.changes, res.errors], [before + 1, []]);
    assert.deepEqual(await ours(), []);
    assert.doesNotMatch(await box().ofctl('dump-groups', BR), /group_id=/);
    assert.match(await box().ofctl('dump-flows', BR), /cookie=0x77,/);
    assert.ok(!(await ping(lab, vm1.ns, vm2.ip, 1)));
  });
});
