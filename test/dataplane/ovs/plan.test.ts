/**
 * Planning against a model switch: the mods of a first pass and their order, adoption (a
 * matching switch gives no mods), minimal diffs, removal by cookie (other cookies untouched),
 * and the life of ECMP select groups (numbering, adoption, modify, removal after the flow).
 */
import assert from 'node:assert/strict';
import type { IpvpnInstanceIntent } from '../../../src/dataplane/intent.js';
import { OWNED_COOKIES } from '../../../src/dataplane/ovs/names.js';
import { type OvsObserved, parseFlows, parseGroups } from '../../../src/dataplane/ovs/observe.js';
import { modText, planOvsIpvpn } from '../../../src/dataplane/ovs/plan.js';
import { config, COOKIE, ID, instance, modelSwitch, ports, REG, vx } from './fixtures.js';
import type { ModelOvs } from './model-ovs.js';

const [mark, mask] = OWNED_COOKIES.split('/').map((x) => BigInt(x)) as [bigint, bigint];

function observedOf(m: ModelOvs): OvsObserved {
  return {
    ports,
    flows: parseFlows(m.dump({ value: mark, mask })),
    groups: parseGroups(m.dumpGroups(), config.groupBase, config.groupCount),
    neigh: new Map(),
  };
}

/** Plans against the model, applies the mods to it, returns the mod lines. */
function converge(m: ModelOvs, desired: readonly IpvpnInstanceIntent[]): string[] {
  const plan = planOvsIpvpn(desired, observedOf(m), config);
  assert.equal(m.bundle(plan.mods.map((x) => modText(x))).code, 0);
  return plan.mods.map((x) => modText(x));
}

const ecmp = (hops = [vx('172.31.0.2', 5002), vx('172.31.0.3', 5003)]): IpvpnInstanceIntent =>
  instance({ remotePrefixes: [{ prefix: '10.9.0.0/24', nextHops: hops }] });

describe('ovs plan', () => {
  it('adds everything on an empty switch, then adopts it: a second plan has no mods', () => {
    const m = modelSwitch();
    const first = converge(m, [instance()]);
    assert.equal(first.length, 10);
    assert.ok(first.every((l) => l.startsWith('flow add ')));
    assert.deepEqual(converge(m, [instance()]), []);
  });

  it('changes one flow when one next hop changes, and deletes a withdrawn prefix with its exact cookie', () => {
    const m = modelSwitch();
    converge(m, [instance()]);
    const moved = instance({
      remotePrefixes: [{ prefix: '10.0.0.3/32', nextHops: [vx('172.31.0.4', 5004)] }],
    });
    const mods = converge(m, [moved]);
    assert.equal(mods.length, 1);
    assert.match(mods[0] ?? '', /^flow add .*nw_dst=10\.0\.0\.3 actions=.*172\.31\.0\.4->tun_dst/);
    assert.deepEqual(converge(m, [instance({ remotePrefixes: [] })]), [
      `flow delete_strict cookie=${COOKIE}/-1,table=2,priority=36768,ip,${REG},nw_dst=10.0.0.3`,
    ]);
  });

  it('removes the flows of instances no longer wanted, by cookie, and never other cookies', () => {
    const m = modelSwitch();
    m.put('cookie=0x1234, table=2, priority=36768,ip,reg0=0x4f1b4358,nw_dst=10.7.7.7 actions=drop');
    m.put('cookie=0xb9b9000000000042, table=2, priority=5,ip actions=drop');
    const first = converge(m, [instance()]);
    assert.equal(first[0], 'flow delete_strict cookie=0xb9b9000000000042/-1,table=2,priority=5,ip');
    const mods = converge(m, []);
    assert.equal(mods.length, 10);
    assert.ok(mods.every((l) => l.startsWith('flow delete_strict cookie=0xb9b9')));
    assert.deepEqual(
      m
        .dump()
        .split('\n')
        .filter((l) => l !== ''),
      [' cookie=0x1234, table=2, priority=36768,ip,reg0=0x4f1b4358,nw_dst=10.7.7.7 actions=drop'],
    );
  });

  it('adopts flows that OVS prints with the match fields in another order (no churn)', () => {
    const m = modelSwitch();
    converge(m, [instance()]);
    for (const [k, f] of m.flows) m.flows.set(k, { ...f, match: f.match.split(',').reverse().join(',') });
    assert.deepEqual(converge(m, [instance()]), []);
    const moved = instance({
      remotePrefixes: [{ prefix: '10.0.0.4/32', nextHops: [vx('172.31.0.2', 5002)] }],
    });
    const mods = converge(m, [moved]);
    assert.deepEqual(
      mods.map((l) => l.split(' ')[1]),
      ['delete_strict', 'add'],
    );
    assert.match(mods[0] ?? '', /nw_dst=10\.0\.0\.3,reg0=0x4f1b4358,ip$/);
  });

  it('refuses a duplicate instance id and plans the first', () => {
    const plan = planOvsIpvpn([instance(), instance({ vni: 9 })], observedOf(modelSwitch()), config);
    assert.deepEqual(plan.errors, [{ entry: `ipvpn ${ID}`, message: 'duplicate instance id' }]);
    assert.ok(plan.mods.some((x) => modText(x).includes('tun_id=0x1389')));
  });

  it('refuses an instance whose VRF number collides, keeping its live flows and groups', () => {
    const m = modelSwitch();
    const hops = [vx('172.31.0.2', 5002), vx('172.31.0.3', 5003)];
    const b = instance({ id: 'vrf-59671', remotePrefixes: [{ prefix: '10.9.0.0/24', nextHops: hops }] });
    converge(m, [b]);
    const before = m.dump();
    const a = instance({ id: 'vrf-10854', localPorts: [], vni: 7000 });
    const plan = planOvsIpvpn([a, b], observedOf(m), config);
    assert.deepEqual(plan.errors, [
      { entry: 'ipvpn vrf-59671', message: 'VRF number collides with instance vrf-10854' },
    ]);
    assert.ok(
      plan.mods.every((x) => x.kind === 'flow' && x.line.startsWith('add cookie=0xb9b96ef356f4ad50')),
    );
    m.bundle(plan.mods.map(modText));
    assert.ok(m.dump().startsWith(before));
    assert.equal(m.groups.size, 1);
  });

  it('puts ECMP next hops in a select group added before the flow that points at it', () => {
    const m = modelSwitch();
    const mods = converge(m, [ecmp()]);
    const g = mods.findIndex((l) =>
      l.startsWith('group add group_id=1000,type=select,selection_method=hash,'),
    );
    const f = mods.findIndex((l) => l.endsWith('nw_dst=10.9.0.0/24 actions=group:1000'));
    assert.ok(g >= 0 && f > g, mods.join('\n'));
    assert.match(
      m.groups.get(1000) ?? '',
      /bucket=bucket_id:0,actions=.*0x138a.*,bucket=bucket_id:1,actions=.*0x138b/,
    );
    assert.deepEqual(converge(m, [ecmp()]), []);
  });

  it('modifies the group in place when a next hop changes, and drops it after the flow when one remains', () => {
    const m = modelSwitch();
    converge(m, [ecmp()]);
    const modified = converge(m, [ecmp([vx('172.31.0.2', 5002), vx('172.31.0.4', 5004)])]);
    assert.equal(modified.length, 1);
    assert.match(modified[0] ?? '', /^group modify group_id=1000,.*0x138c/);
    const single = converge(m, [ecmp([vx('172.31.0.2', 5002)])]);
    assert.equal(single.length, 2);
    assert.match(
      single[0] ?? '',
      /^flow add .*nw_dst=10\.9\.0\.0\/24 actions=dec_ttl,set_field:0x138a->tun_id/,
    );
    assert.equal(single[1], 'group delete group_id=1000');
    assert.equal(m.groups.size, 0);
  });

  it('adopts the group a live flow points at, deletes orphan groups in its range and leaves others', () => {
    const m = modelSwitch();
    converge(m, [ecmp()]);
    const g = m.groups.get(1000) ?? '';
    m.groups.delete(1000);
    m.groups.set(1002, g.replace('group_id=1000', 'group_id=1002'));
    m.groups.set(1001, 'group_id=1001,type=all,bucket=bucket_id:0,actions=drop');
    m.groups.set(7, 'group_id=7,type=all,bucket=bucket_id:0,actions=drop');
    for (const [k, f] of m.flows)
      if (f.actions === 'group:1000') m.flows.set(k, { ...f, actions: 'group:1002' });
    assert.deepEqual(converge(m, [ecmp()]), ['group delete group_id=1001']);
    assert.deepEqual([...m.groups.keys()].sort(), [1002, 7]);
  });

  it('reports a prefix when the group range is full', () => {
    const m = modelSwitch();
    for (let id = 1000; id < 1004; id++) m.groups.set(id, `group_id=${id},type=all`);
    const plan = planOvsIpvpn([ecmp()], observedOf(m), config);
    assert.deepEqual(plan.errors, [
      { entry: `ipvpn ${ID} prefix 10.9.0.0/24`, message: 'no free group id in the driver range' },
    ]);
    assert.ok(!plan.mods.some((x) => modText(x).includes('10.9.0.0')));
  });
});
