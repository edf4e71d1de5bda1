/**
 * Parsing `ovs-ofctl` output captured from Open vSwitch 3.1 (OpenFlow 1.5, `--no-stats
 * --no-names`), the order-insensitive flow key, and the commands observation runs.
 */
import assert from 'node:assert/strict';
import { FakeRunner } from '../../../src/dataplane/fake-runner.js';
import {
  flowKey,
  observeOvs,
  parseFlows,
  parseGroups,
  parsePorts,
  rawKey,
} from '../../../src/dataplane/ovs/observe.js';

const PORTS = `OFPST_PORT_DESC reply (OF1.5) (xid=0x2):
 1(vxlan): addr:da:c2:ea:61:21:3e
     config:     0
     state:      LIVE
     speed: 0 Mbps now, 0 Mbps max
 2(p1): addr:AA:af:dd:fd:a1:98
     config:     0
     state:      LINK_DOWN
     current:    10GB-FD COPPER
 LOCAL(br0): addr:12:65:25:2f:92:4a
     config:     PORT_DOWN
`;

const FLOWS = `OFPST_FLOW reply (OF1.5) (xid=0x2):
 cookie=0xb9b9000000000000, priority=36864,in_port=1 actions=resubmit(,1)
 cookie=0xb9b9f05e4f1b4358, table=1, priority=36864,tun_id=0x1389,in_port=1 actions=set_field:0x4f1b4358->reg0,resubmit(,2)
 cookie=0xb9b9f05e4f1b4358, table=2, priority=36864,arp,reg0=0x4f1b4358,dl_dst=ff:ff:ff:ff:ff:ff,arp_tpa=10.0.0.1,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:NXM_NX_REG1[0..15]
 cookie=0xb9b9f05e4f1b4358, table=2, reg0=0x4f1b4358 actions=drop
`;

const GROUPS = `OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):
 group_id=3103784960,type=select,selection_method=hash,fields(ip_src,ip_dst),bucket=bucket_id:0,actions=output:1
 group_id=100,type=select,bucket=bucket_id:0,actions=output:1
`;

describe('ovs observe', () => {
  it('reads port numbers and MACs, skipping LOCAL', () => {
    assert.deepEqual(
      [...parsePorts(PORTS).values()],
      [
        { name: 'vxlan', ofport: 1, mac: 'da:c2:ea:61:21:3e' },
        { name: 'p1', ofport: 2, mac: 'aa:af:dd:fd:a1:98' },
      ],
    );
  });

  it('reads flows: cookie, table (0 when omitted), priority (32768 when omitted), match and actions', () => {
    const flows = parseFlows(FLOWS);
    assert.equal(flows.length, 4);
    assert.deepEqual(flows[0], {
      cookie: '0xb9b9000000000000',
      table: 0,
      priority: 36864,
      match: 'in_port=1',
      actions: 'resubmit(,1)',
    });
    assert.equal(flows[2]?.match, 'arp,reg0=0x4f1b4358,dl_dst=ff:ff:ff:ff:ff:ff,arp_tpa=10.0.0.1,arp_op=1');
    assert.deepEqual(
      [flows[3]?.priority, flows[3]?.match, flows[3]?.actions],
      [32768, 'reg0=0x4f1b4358', 'drop'],
    );
  });

  it('keys flows by table, priority and match; the fallback key ignores the order of match fields', () => {
    const f = parseFlows(FLOWS)[1];
    assert.ok(f !== undefined);
    assert.equal(rawKey(f.table, f.priority, f.match), '1|36864|tun_id=0x1389,in_port=1');
    assert.equal(flowKey(f.table, f.priority, f.match), flowKey(1, 36864, 'in_port=1,tun_id=0x1389'));
    assert.notEqual(flowKey(1, 36864, 'in_port=1'), flowKey(2, 36864, 'in_port=1'));
  });

  it('reads only the groups in the driver range', () => {
    assert.deepEqual([...parseGroups(GROUPS, 0xb9000000, 1 << 24).keys()], [3103784960]);
    assert.match(parseGroups(GROUPS, 0, 200).get(100) ?? '', /^group_id=100,type=select,bucket=/);
  });

  it('dumps ports, our flows (cookie mask) and groups; the neighbour table only when asked', async () => {
    const fake = new FakeRunner()
      .respond(['ovs-ofctl', '-O', 'OpenFlow15', '--no-names', 'dump-ports-desc'], PORTS)
      .respond(
        ['ip'],
        '[{"dst":"172.31.0.6","dev":"br-mpls","lladdr":"02:00:00:00:06:06","state":["STALE"]}]',
      );
    const t = { bridge: 'br-mpls', target: 'unix:/x/br-mpls.mgmt', ovsdb: undefined };
    const o = await observeOvs(fake, t, { groupBase: 0, groupCount: 10, withNeigh: true });
    const of = 'ovs-ofctl -O OpenFlow15 --no-names';
    assert.deepEqual(
      fake.runs.map((r) => r.join(' ')),
      [
        `${of} dump-ports-desc unix:/x/br-mpls.mgmt`,
        'ip -j -4 neigh show',
        `${of} --no-stats dump-flows unix:/x/br-mpls.mgmt cookie=0xb9b9000000000000/0xffff000000000000`,
        `${of} dump-groups unix:/x/br-mpls.mgmt`,
      ],
    );
    assert.equal(o.ports.size, 2);
    assert.deepEqual([...o.neigh], [['172.31.0.6', '02:00:00:00:06:06']]);
    fake.clear();
    await observeOvs(fake, t, { groupBase: 0, groupCount: 10, withNeigh: false });
    assert.equal(fake.runs.length, 3);
  });

  it('fails the observation when a dump fails', async () => {
    const fake = new FakeRunner().respond(['ovs-ofctl'], {
      code: 1,
      stdout: '',
      stderr: 'failed to connect',
    });
    const t = { bridge: 'br-mpls', target: 'br-mpls', ovsdb: undefined };
    await assert.rejects(observeOvs(fake, t, { groupBase: 0, groupCount: 1, withNeigh: false }), {
      code: 'BGPD_ERR_DATAPLANE',
    });
  });
});
