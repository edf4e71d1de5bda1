import assert from 'node:assert/strict';
import * as observe from '../../../src/dataplane/linux/observe.js';
import { BgpdError } from '../../../src/lib/errors.js';

// Captured from iproute2 6.1 on kernel 6.18 (trimmed to the fields that matter).
const LINKS = `[{"ifindex":2,"ifname":"bvx-1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"master":"bgb-1","address":"36:f2:e7:28:cc:e7","ifalias":"bagpipe-bgp evpn x","linkinfo":{"info_kind":"vxlan","info_data":{"id":100,"local":"172.30.0.1","port_range":{"low":0,"high":0},"port":4789,"learning":false,"ttl":0,"udp_csum":false},"info_slave_kind":"bridge","info_slave_data":{"state":"forwarding","learning":false,"neigh_suppress":true}}},
{"ifindex":5,"link":"vm1","ifname":"p1","flags":["NO-CARRIER","BROADCAST","MULTICAST","M-DOWN"],"address":"ca:3e:f2:8a:6d:f0","linkinfo":{"info_kind":"veth"}}]`;
const FDB = `[{"mac":"02:00:00:00:20:02","ifname":"bvx-1","flags":[],"master":"bgb-1","state":"static"},{"mac":"02:00:00:00:20:04","ifname":"bvx-1","dst":"172.30.0.2","vni":300,"flags":["self"],"state":"static"},{"mac":"00:00:00:00:00:00","ifname":"bvx-1","dst":"172.30.0.2","flags":["self"],"state":"permanent"},{"mac":"33:33:00:00:00:01","ifname":"bgb-1","flags":["self"],"state":"permanent"}]`;
const NEIGH = `[{"dst":"10.20.0.2","dev":"bgb-1","lladdr":"02:00:00:00:20:02","state":["PERMANENT"],"protocol":"19"},{"dst":"10.0.0.2","dev":"p1","lladdr":"AA:11:96:6D:D0:19","state":["PERMANENT"]}]`;
const ROUTES = `[{"dst":"default","gateway":"172.30.0.2","dev":"bvi-1","table":"1001","flags":["onlink"]},{"dst":"10.0.0.2","dev":"p1","table":"1001","scope":"link","flags":[]},{"dst":"10.5.0.0/24","table":"1001","flags":[],"nexthops":[{"gateway":"172.30.0.2","dev":"bvi-1","weight":1,"flags":["onlink"]},{"gateway":"172.30.0.9","dev":"bvi-1","weight":1,"flags":["onlink"]}]}]`;
const RULES = `[{"priority":0,"src":"all","table":"local"},{"priority":1000,"src":"all","iif":"bvi-1","table":"1001","protocol":"19"},{"priority":1001,"src":"all","iif":"p1","action":"unreachable","protocol":"19"},{"priority":32766,"src":"all","table":"main"}]`;
const ADDRS = `[{"ifindex":3,"ifname":"p1","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global"},{"family":"inet","local":"10.9.0.1","prefixlen":24,"metric":19,"scope":"global"},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]`;

describe('linux observe parsers', () => {
  it('parses links with VXLAN and bridge-port details', () => {
    const [vx, p1] = observe.parseLinks(LINKS);
    assert.deepEqual(vx, {
      ifindex: 2,
      ifname: 'bvx-1',
      kind: 'vxlan',
      master: 'bgb-1',
      up: true,
      address: '36:f2:e7:28:cc:e7',
      alias: 'bagpipe-bgp evpn x',
      vxlan: { id: 100, local: '172.30.0.1', port: 4789, learning: false, udpCsum: false },
      port: { learning: false, neighSuppress: true },
    });
    assert.equal(p1?.up, false);
    assert.equal(p1.port, undefined);
  });

  it('parses fdb entries (self and master), and neighbours with protocol', () => {
    const fdb = observe.parseFdb(FDB);
    assert.deepEqual(fdb[1], {
      mac: '02:00:00:00:20:04',
      ifname: 'bvx-1',
      master: undefined,
      self: true,
      dst: '172.30.0.2',
      vni: 300,
      state: 'static',
    });
    assert.equal(fdb[0]?.master, 'bgb-1');
    const [n1, n2] = observe.parseNeigh(NEIGH);
    assert.equal(n1?.protocol, '19');
    assert.equal(n2?.lladdr, 'aa:11:96:6d:d0:19');
    assert.equal(n2.permanent, true);
  });

  it('parses routes (default, host, multipath) and fills filtered-out fields', () => {
    const r = observe.parseRoutes(ROUTES, { protocol: '19' });
    assert.deepEqual(
      r.map((x) => [x.dst, x.table, x.protocol, x.nextHops.length]),
      [
        ['0.0.0.0/0', 1001, '19', 1],
        ['10.0.0.2/32', 1001, '19', 1],
        ['10.5.0.0/24', 1001, '19', 2],
      ],
    );
    assert.equal(r[2]?.nextHops[1]?.gateway, '172.30.0.9');
  });

  it('parses rules, addresses and sysctl values', () => {
    const rules = observe.parseRules(RULES);
    assert.deepEqual(rules[1], {
      priority: 1000,
      iif: 'bvi-1',
      table: 1001,
      action: undefined,
      protocol: '19',
    });
    assert.equal(rules[2]?.action, 'unreachable');
    assert.equal(rules[0]?.table, 255);
    assert.deepEqual(observe.parseAddrs(ADDRS)[1], {
      ifname: 'p1',
      local: '10.9.0.1',
      prefixlen: 24,
      metric: 19,
    });
    assert.equal(observe.parseAddrs(ADDRS).length, 2);
    const v = observe.parseGrepValues(
      '/proc/sys/net/ipv4/conf/p1/proxy_arp:1\n/proc/sys/net/ipv4/ip_forward:0\n',
    );
    assert.equal(v.get('/proc/sys/net/ipv4/conf/p1/proxy_arp'), '1');
  });

  it('throws a DataplaneError on garbage and accepts empty output', () => {
    assert.deepEqual(observe.parseLinks(''), []);
    assert.throws(
      () => observe.parseFdb('{not json'),
      (e: unknown) => BgpdError.is(e) && e.code === 'BGPD_ERR_DATAPLANE',
    );
  });

  it('observe.IfindexWatch notices a deleted or re-created interface', () => {
    const w = new observe.IfindexWatch();
    const links = observe.parseLinks(LINKS);
    assert.equal(w.changed(links), false);
    assert.equal(w.changed(links), false);
    assert.equal(w.changed(links.map((l) => ({ ...l, ifindex: l.ifindex + 10 }))), true);
    assert.equal(w.changed([]), true);
    assert.equal(w.changed(links), false);
  });
});
