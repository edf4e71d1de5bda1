import assert from 'node:assert/strict';
import { instancesOf } from '../../../src/dataplane/intent.js';
import { allocateTables, type IpvpnConfig, planIpvpn } from '../../../src/dataplane/linux/ipvpn-plan.js';
import { observeIpvpn } from '../../../src/dataplane/linux/ipvpn.js';
import { ipvpnVxlanName, vtepMac } from '../../../src/dataplane/linux/names.js';
import { opText } from '../../../src/dataplane/linux/ops.js';
import { intent, ipvpn, LOCAL } from './fixtures.js';
import { planner } from './converge.js';
import { ModelKernel } from './model-kernel.js';

const config: IpvpnConfig = {
  localAddress: LOCAL,
  dstPort: 4789,
  udpCsum: true,
  tableBase: 1000,
  tableCount: 10000,
  rulePriority: 1000,
};
const VX = ipvpnVxlanName('vrf-1');

const { planFor, converge } = planner(observeIpvpn, (d, o) => planIpvpn(instancesOf(d, 'ipvpn'), o, config));

describe('planIpvpn', () => {
  let k: ModelKernel;
  let table: number;
  beforeEach(() => {
    k = new ModelKernel();
    k.addPort('tap1');
    table =
      allocateTables(
        [VX],
        { links: [], fdb: [], neigh: [], routes: [], rules: [], addrs: [], sysctl: new Map() },
        config,
      ).get(VX) ?? 0;
  });

  it('builds the VRF: device, rules, gateway, host route, VTEP neighbour and fdb, ECMP route', async () => {
    const ops = await converge(k, intent(ipvpn()));
    const mac2 = vtepMac('192.0.2.2');
    assert.ok(
      ops.includes(
        `ip link add name ${VX} address ${vtepMac(LOCAL)} type vxlan id 5001 local ${LOCAL} dstport 4789 nolearning`,
      ),
    );
    assert.ok(ops.includes(`ip rule add pref 1000 iif tap1 lookup ${table} proto 19`));
    assert.ok(ops.includes(`ip rule add pref 1001 iif ${VX} unreachable proto 19`));
    assert.ok(ops.includes('ip addr replace 10.0.0.1/24 dev tap1 metric 19'));
    assert.ok(ops.includes(`ip route replace 10.0.0.2/32 dev tap1 table ${table} proto 19 scope link`));
    assert.ok(ops.includes(`ip neigh replace 192.0.2.2 lladdr ${mac2} dev ${VX} nud permanent proto 19`));
    assert.ok(ops.includes(`bridge fdb replace ${mac2} dev ${VX} dst 192.0.2.2 vni 5002 self permanent`));
    assert.ok(
      ops.includes(
        `ip route replace 10.9.0.0/16 table ${table} proto 19 nexthop via 192.0.2.2 dev ${VX} onlink nexthop via 192.0.2.3 dev ${VX} onlink`,
      ),
    );
    assert.ok(ops.includes('sysctl -w net/ipv4/conf/tap1/proxy_arp=1'));
    assert.ok(ops.includes('sysctl -w net/ipv4/ip_forward=1'));
  });

  it('adopts matching state (zero ops) and keeps the table its rules use', async () => {
    await converge(k, intent(ipvpn()));
    for (const r of k.rules) if (r.table !== undefined) r.table = 4242;
    for (const r of k.routes) r.table = 4242;
    assert.deepEqual(await planFor(k, intent(ipvpn())), []);
  });

  it('repairs a deleted route and a changed sysctl with one op each', async () => {
    await converge(k, intent(ipvpn()));
    k.routes = k.routes.filter((r) => r.dst !== '10.0.0.3/32');
    k.sysctl.set('net/ipv4/conf/tap1/proxy_arp', '0');
    assert.deepEqual(await planFor(k, intent(ipvpn())), [
      `ip route replace 10.0.0.3/32 table ${table} proto 19 via 192.0.2.2 dev ${VX} onlink`,
      'sysctl -w net/ipv4/conf/tap1/proxy_arp=1',
    ]);
  });

  it('ignores routes, rules and neighbours it does not own', async () => {
    k.routes.push({ dst: '10.0.0.3/32', table, protocol: 'static', hops: [{ dev: 'tap1' }] });
    k.rules.push({ priority: 1000, iif: 'tap1', table: 7, protocol: 'boot' });
    k.neigh.push({ dst: '10.0.0.9', dev: 'tap1', lladdr: '02:00:00:00:00:09' });
    k.addrs.push({ ifname: 'tap1', local: '10.7.0.1', prefixlen: 24 });
    const plan = planIpvpn(
      instancesOf(intent(), 'ipvpn'),
      {
        ...(await observeIpvpn(k)),
        routes: [
          { dst: '10.0.0.3/32', table, protocol: 'static', nextHops: [{ gateway: undefined, dev: 'tap1' }] },
        ],
      },
      config,
    );
    assert.deepEqual(plan.ops.map(opText), []);
    await converge(k, intent(ipvpn()));
    await converge(k, intent());
    assert.equal(k.rules.length, 1);
    assert.equal(k.neigh.length, 1);
    assert.deepEqual(k.addrs, [{ ifname: 'tap1', local: '10.7.0.1', prefixlen: 24 }]);
  });

  it('removes a whole VRF: device, rules, routes, port settings', async () => {
    await converge(k, intent(ipvpn()));
    const ops = await converge(k, intent());
    assert.ok(ops.includes(`ip link del dev ${VX}`));
    assert.ok(ops.includes('sysctl -w net/ipv4/conf/tap1/proxy_arp=0'));
    assert.ok(ops.includes('ip addr del 10.0.0.1/24 dev tap1'));
    assert.deepEqual([k.rules, k.routes, k.neigh, k.addrs, k.fdb], [[], [], [], [], []]);
  });

  it('drops one next hop of an ECMP route with one replace', async () => {
    await converge(k, intent(ipvpn()));
    const one = ipvpn('vrf-1', {
      remotePrefixes: [
        { prefix: '10.0.0.3/32', nextHops: [{ vtep: '192.0.2.2', label: 5002, encap: 'vxlan' }] },
        { prefix: '10.9.0.0/16', nextHops: [{ vtep: '192.0.2.2', label: 5002, encap: 'vxlan' }] },
      ],
    });
    assert.deepEqual((await converge(k, intent(one))).sort(), [
      `bridge fdb del ${vtepMac('192.0.2.3')} dev ${VX} self`,
      `ip neigh del 192.0.2.3 dev ${VX}`,
      `ip route replace 10.9.0.0/16 table ${table} proto 19 via 192.0.2.2 dev ${VX} onlink`,
    ]);
  });

  it('reports unsupported next hops and keeps the others', () => {
    const odd = ipvpn('vrf-1', {
      remotePrefixes: [
        {
          prefix: '10.1.0.0/24',
          nextHops: [
            { vtep: '192.0.2.2', label: 16, encap: 'mpls' },
            { vtep: '192.0.2.3', label: 5003, encap: 'vxlan' },
          ],
        },
        { prefix: '10.2.0.0/24', nextHops: [{ vtep: '192.0.2.3', label: 5004, encap: 'vxlan' }] },
        { prefix: '10.3.0.0/24', nextHops: [{ vtep: LOCAL, label: 5001, encap: 'vxlan' }] },
        { prefix: '10.4.0.300/24', nextHops: [] },
      ],
    });
    const plan = planIpvpn(
      [odd],
      { links: [], fdb: [], neigh: [], routes: [], rules: [], addrs: [], sysctl: new Map() },
      config,
    );
    assert.deepEqual(
      plan.errors.map((e) => e.entry),
      [
        'ipvpn vrf-1 port tap1',
        'ipvpn vrf-1 prefix 10.1.0.0/24 via 192.0.2.2',
        'ipvpn vrf-1 prefix 10.2.0.0/24 via 192.0.2.3',
        'ipvpn vrf-1 prefix 10.3.0.0/24 via 192.0.2.1',
        'ipvpn vrf-1 prefix 10.4.0.300/24',
      ],
    );
    assert.ok(plan.ops.some((o) => o.line.startsWith('route replace 10.1.0.0/24')));
  });

  it('allocates distinct, stable tables', () => {
    const names = ['bvi-a', 'bvi-b', 'bvi-c'];
    const empty = {
      links: [],
      fdb: [],
      neigh: [],
      routes: [],
      rules: [],
      addrs: [],
      sysctl: new Map<string, string>(),
    };
    const t = allocateTables(names, empty, { ...config, tableCount: 2 + 1 });
    assert.equal(new Set(t.values()).size, 3);
    assert.deepEqual(allocateTables(names, empty, { ...config, tableCount: 3 }), t);
  });
});
