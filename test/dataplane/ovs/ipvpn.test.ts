/**
 * The OVS IP VPN driver end to end against the model switch (no root, no OVS): one bundle per
 * pass, adoption and restart with zero changes, drift repair, removal by cookie, tunnel port
 * creation through a private ovsdb, per-entry errors, option validation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataplaneIntent, IpvpnInstanceIntent } from '../../../src/dataplane/intent.js';
import { OvsIpvpnDriver, type OvsIpvpnOptions } from '../../../src/dataplane/ovs/ipvpn.js';
import { instance, LOCAL, modelSwitch, vx } from './fixtures.js';
import type { ModelOvs } from './model-ovs.js';

const intent = (...instances: IpvpnInstanceIntent[]): DataplaneIntent => ({ instances });
const bundles = (m: ModelOvs): number => m.bundles.length;

describe('OvsIpvpnDriver', () => {
  let dir: string;
  let m: ModelOvs;
  const driver = (over: Partial<OvsIpvpnOptions> = {}): OvsIpvpnDriver =>
    new OvsIpvpnDriver({ runner: m, localAddress: LOCAL, tmpDir: dir, greTunnel: 'mpls_gre', ...over });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgb-ovs-test-'));
    m = modelSwitch();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('programs an instance in one bundle, then adopts it: zero changes and no bundle', async () => {
    const d = driver();
    const first = await d.apply(intent(instance()));
    assert.deepEqual([first.changes, first.errors, bundles(m)], [9, [], 1]);
    assert.equal(d.type, 'ipvpn');
    assert.equal(d.name, 'ovs');
    const again = await d.apply(intent(instance()));
    assert.deepEqual([again.changes, again.attempted, again.ops, bundles(m)], [0, 0, [], 1]);
    const restarted = await driver().apply(intent(instance()));
    assert.deepEqual([restarted.changes, bundles(m)], [0, 1]);
  });

  it('replans when a port changed since the previous pass (its number is never guessed)', async () => {
    const d = driver();
    await d.apply(intent(instance()));
    m.addPort('tap1', 9);
    const r = await d.apply(intent(instance()));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.ops.map((o) => /^flow (\w+) .*(in_port=\d|output:\d)/.exec(o)?.slice(1)),
      [
        ['delete_strict', 'in_port=2'],
        ['delete_strict', 'in_port=2'],
        ['add', 'in_port=9'],
        ['add', 'in_port=9'],
        ['add', 'output:9'],
      ],
    );
    assert.equal((await d.apply(intent(instance()))).changes, 0);
  });

  it('creates a missing tunnel port through the configured ovsdb, then uses its port number', async () => {
    m.ports.delete('vxlan');
    const d = driver({ ovsdb: 'unix:/tmp/x/db.sock', bridge: 'br-x', vxlanDstPort: 4790 });
    const r = await d.apply(intent(instance()));
    assert.deepEqual(r.errors, []);
    assert.equal(
      r.ops[0],
      'ovs-vsctl --db=unix:/tmp/x/db.sock --may-exist add-port br-x vxlan -- set Interface vxlan type=vxlan ' +
        `options:remote_ip=flow options:key=flow options:local_ip=${LOCAL} options:dst_port=4790`,
    );
    const vxPort = m.ports.get('vxlan')?.ofport ?? -1;
    assert.ok(m.dump().includes(`tun_id=0x1389,in_port=${vxPort} `));
    assert.equal((await d.apply(intent(instance()))).changes, 0);
  });

  it('repairs a flow deleted by hand and leaves a flow with another cookie alone', async () => {
    const d = driver();
    await d.apply(intent(instance()));
    const key = [...m.flows].find(([, f]) => f.match.endsWith('nw_dst=10.0.0.3'))?.[0] ?? '';
    m.flows.delete(key);
    m.put('cookie=0x77, table=2, priority=100,ip actions=drop');
    const r = await d.repair();
    assert.equal(r?.changes, 1);
    assert.match(r.ops[0] ?? '', /^flow add .*nw_dst=10\.0\.0\.3 /);
    assert.ok(m.dump().includes(' cookie=0x77, table=2, priority=100,ip actions=drop'));
    assert.equal(d.status().counters.repairs, 1);
  });

  it('removes its flows and groups when nothing is wanted, and only those', async () => {
    const d = driver();
    const hops = [vx('172.31.0.2', 5002), vx('172.31.0.3', 5003)];
    await d.apply(intent(instance({ remotePrefixes: [{ prefix: '10.9.0.0/24', nextHops: hops }] })));
    assert.equal(m.groups.size, 1);
    m.put('cookie=0x77, table=2, priority=100,ip actions=drop');
    m.groups.set(5, 'group_id=5,type=all,bucket=bucket_id:0,actions=drop');
    const r = await d.apply(intent());
    assert.deepEqual(r.errors, []);
    assert.deepEqual([...m.groups.keys()], [5]);
    assert.equal(m.dump(), ' cookie=0x77, table=2, priority=100,ip actions=drop\n');
  });

  it('reports an entry OVS refuses and applies the rest', async () => {
    m.failMods((l) => l.includes('nw_dst=10.0.0.3 '), 'Error OFPBAC_BAD_SET_ARGUMENT');
    const r = await driver().apply(intent(instance()));
    assert.deepEqual(
      r.errors.map((e) => e.entry),
      ['ipvpn vrf-1 prefix 10.0.0.3/32'],
    );
    assert.equal(r.changes, 8);
    assert.ok(m.dump().includes('nw_dst=10.0.0.2 '));
  });

  it('reads the neighbour table only for bare MPLS next hops', async () => {
    const mpls = instance({
      remotePrefixes: [
        { prefix: '10.2.0.0/24', nextHops: [{ vtep: '172.31.0.6', label: 301, encap: 'mpls' }] },
      ],
    });
    m.neigh.set('172.31.0.6', '02:00:00:00:06:06');
    await driver().apply(intent(instance()));
    assert.ok(!m.runs.some((r) => r[0] === 'ip'));
    const r = await driver({ mplsInterface: 'eth1' }).apply(intent(mpls));
    assert.deepEqual(r.errors, []);
    assert.ok(m.dump().includes('set_field:02:00:00:00:06:06->eth_dst,output:4'));
  });

  it('fails the pass when the switch cannot be reached', async () => {
    m.unreachable = true;
    const d = driver();
    await assert.rejects(d.apply(intent(instance())), { code: 'BGPD_ERR_DATAPLANE' });
    assert.equal(d.status().counters.failedPasses, 1);
  });

  it('rejects invalid tables and group ranges', () => {
    assert.throws(() => driver({ inputTable: 1, tableStart: 1 }), { code: 'BGPD_ERR_DATAPLANE' });
    assert.throws(() => driver({ tableStart: 253 }), { code: 'BGPD_ERR_DATAPLANE' });
    assert.throws(() => driver({ groupBase: 0xffffff00 }), { code: 'BGPD_ERR_DATAPLANE' });
  });
});
