import assert from 'node:assert/strict';
import { instancesOf } from '../../../src/dataplane/intent.js';
import { type EvpnConfig, planEvpn } from '../../../src/dataplane/linux/evpn-plan.js';
import { observeEvpn } from '../../../src/dataplane/linux/evpn.js';
import { evpnBridgeName, evpnVxlanName } from '../../../src/dataplane/linux/names.js';
import { evpn, intent, LOCAL } from './fixtures.js';
import { planner } from './converge.js';
import { ModelKernel } from './model-kernel.js';

const config: EvpnConfig = { localAddress: LOCAL, dstPort: 4789, udpCsum: true };
const BR = evpnBridgeName('vpn-1');
const VX = evpnVxlanName('vpn-1');

const { planFor, converge } = planner(observeEvpn, (d, o) => planEvpn(instancesOf(d, 'evpn'), o, config));

describe('planEvpn', () => {
  let k: ModelKernel;
  beforeEach(() => {
    k = new ModelKernel();
    k.addPort('tap1');
  });

  it('creates bridge, VXLAN, port, fdb, flood and neighbour entries from scratch', async () => {
    const ops = await converge(k, intent(evpn()));
    assert.ok(
      ops.includes(`ip link add name ${VX} type vxlan id 100 local ${LOCAL} dstport 4789 nolearning`),
    );
    assert.ok(ops.includes(`bridge link set dev ${VX} learning off neigh_suppress on`));
    assert.ok(ops.includes(`ip link set dev tap1 master ${BR} up`));
    assert.ok(
      ops.includes(`bridge fdb replace 02:00:00:00:20:01 dev ${VX} dst 192.0.2.2 vni 100 self static`),
    );
    assert.ok(ops.includes(`bridge fdb replace 02:00:00:00:20:01 dev ${VX} master static`));
    assert.ok(
      ops.includes(`bridge fdb append 00:00:00:00:00:00 dev ${VX} dst 192.0.2.3 vni 100 self permanent`),
    );
    assert.ok(
      ops.includes(`ip neigh replace 10.20.0.2 lladdr 02:00:00:00:20:01 dev ${BR} nud permanent proto 19`),
    );
    assert.equal(BR.length, 14);
  });

  it('adopts live state that matches: zero ops', async () => {
    await converge(k, intent(evpn()));
    assert.deepEqual(await planFor(k, intent(evpn())), []);
  });

  it('repairs drift with one op per missing entry', async () => {
    await converge(k, intent(evpn()));
    k.fdb = k.fdb.filter((e) => !(e.mac === '02:00:00:00:20:02' && e.self));
    k.neigh = [];
    assert.deepEqual(await planFor(k, intent(evpn())), [
      `bridge fdb replace 02:00:00:00:20:02 dev ${VX} dst 192.0.2.3 vni 100 self static`,
      `ip neigh replace 10.20.0.2 lladdr 02:00:00:00:20:01 dev ${BR} nud permanent proto 19`,
    ]);
  });

  it('moves a MAC to a new VTEP with one replace', async () => {
    await converge(k, intent(evpn()));
    const moved = evpn('vpn-1', {
      remoteMacs: [
        { mac: '02:00:00:00:20:01', vtep: '192.0.2.9', vni: 100, ip: '10.20.0.2' },
        { mac: '02:00:00:00:20:02', vtep: '192.0.2.3', vni: 100 },
      ],
    });
    assert.deepEqual(await planFor(k, intent(moved)), [
      `bridge fdb replace 02:00:00:00:20:01 dev ${VX} dst 192.0.2.9 vni 100 self static`,
    ]);
  });

  it('never touches entries on devices it does not own', async () => {
    k.addPort('vxlan100');
    k.addPort('br0');
    k.links.get('vxlan100')!.master = 'br0';
    k.fdb.push({
      mac: '02:00:00:00:99:01',
      ifname: 'vxlan100',
      self: true,
      dst: '192.0.2.50',
      state: 'static',
    });
    k.fdb.push({ mac: '02:00:00:00:99:01', ifname: 'vxlan100', master: 'br0', self: false, state: 'static' });
    k.neigh.push({ dst: '10.99.0.1', dev: 'br0', lladdr: '02:00:00:00:99:01' });
    const ops = await converge(k, intent(evpn()));
    assert.ok(
      ops.every((o) => !/vxlan100|br0|99:01|10\.99/.test(o)),
      ops.join('\n'),
    );
    assert.deepEqual(await planFor(k, intent()), [`ip link del dev ${BR}`, `ip link del dev ${VX}`]);
  });

  it('removes what the intent no longer wants, and a whole instance with both devices', async () => {
    await converge(k, intent(evpn()));
    const smaller = evpn('vpn-1', { remoteMacs: [], floodList: [{ vtep: '192.0.2.2', vni: 100 }] });
    assert.deepEqual((await converge(k, intent(smaller))).sort(), [
      `bridge fdb del 00:00:00:00:00:00 dev ${VX} dst 192.0.2.3 vni 100 self`,
      `bridge fdb del 02:00:00:00:20:01 dev ${VX} master`,
      `bridge fdb del 02:00:00:00:20:01 dev ${VX} self`,
      `bridge fdb del 02:00:00:00:20:02 dev ${VX} master`,
      `bridge fdb del 02:00:00:00:20:02 dev ${VX} self`,
      `ip neigh del 10.20.0.2 dev ${BR}`,
    ]);
    await converge(k, intent());
    assert.deepEqual([...k.links.keys()], ['tap1']);
    assert.equal(k.links.get('tap1')?.master, undefined);
  });

  it('releases a port that left the instance', async () => {
    await converge(k, intent(evpn()));
    assert.deepEqual(await converge(k, intent(evpn('vpn-1', { localPorts: [] }))), [
      'ip link set dev tap1 nomaster',
    ]);
  });

  it('re-creates the VXLAN device when its VNI changes, then re-adds its entries', async () => {
    await converge(k, intent(evpn()));
    const ops = await converge(k, intent(evpn('vpn-1', { vni: 200 })));
    assert.equal(ops[0], `ip link del dev ${VX}`);
    assert.ok(
      ops.includes(`bridge fdb replace 02:00:00:00:20:02 dev ${VX} dst 192.0.2.3 vni 100 self static`),
    );
  });

  it('refuses bad entries alone and keeps the rest', async () => {
    const bad = evpn('vpn-1', {
      localPorts: [
        { ifname: 'tap1', mac: '02:00:00:00:10:01' },
        { ifname: 'nosuch', mac: '02:00:00:00:10:02' },
      ],
      remoteMacs: [
        { mac: 'zz:00:00:00:20:01', vtep: '192.0.2.2', vni: 100 },
        { mac: '02:00:00:00:20:02', vtep: '192.0.2.3', vni: 100 },
        { mac: '02:00:00:00:20:02', vtep: '192.0.2.4', vni: 100 },
        { mac: '02:00:00:00:10:01', vtep: '192.0.2.4', vni: 100 },
      ],
    });
    const plan = planEvpn([bad], await observeEvpn(k), config);
    assert.deepEqual(
      plan.errors.map((e) => e.entry),
      [
        'evpn vpn-1 port nosuch',
        'evpn vpn-1 mac zz:00:00:00:20:01',
        'evpn vpn-1 mac 02:00:00:00:20:02',
        'evpn vpn-1 mac 02:00:00:00:10:01',
      ],
    );
    assert.ok(
      plan.ops.some(
        (o) => o.line.startsWith('fdb replace 02:00:00:00:20:02') && o.line.includes('192.0.2.3'),
      ),
    );
  });

  it('refuses duplicate ids and invalid VNIs without touching their devices', () => {
    const plan = planEvpn(
      [evpn('a'), evpn('a'), evpn('b', { vni: 0 })],
      { links: [], fdb: [], neigh: [] },
      config,
    );
    assert.deepEqual(
      plan.errors.filter((e) => !e.entry.includes('port')).map((e) => e.entry),
      ['evpn a', 'evpn b'],
    );
    assert.ok(plan.ops.every((o) => !o.line.includes(evpnBridgeName('b'))));
  });

  it('uses noudpcsum and the configured port when asked', () => {
    const plan = planEvpn(
      [evpn()],
      { links: [], fdb: [], neigh: [] },
      { ...config, udpCsum: false, dstPort: 8472 },
    );
    assert.ok(plan.ops.some((o) => o.line.endsWith('dstport 8472 nolearning noudpcsum')));
  });
});
