import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataplaneIntent, InstanceType } from '../../src/dataplane/intent.js';
import { Rib } from '../../src/rib/rib.js';
import { Allocator } from '../../src/vpn/allocator.js';
import { VpnManager } from '../../src/vpn/manager.js';
import type { AttachmentSpec, InstanceSpec } from '../../src/vpn/types.js';
import {
  attachment,
  BGP_ADDRESS,
  DATAPLANE_ADDRESS,
  instanceSpec,
  macRoute,
  published,
  vpnRoute,
} from './fixtures.js';

interface Setup {
  readonly rib: Rib;
  readonly allocator: Allocator;
  readonly manager: VpnManager;
  readonly emitted: [InstanceType, DataplaneIntent][];
  /** Scheduled passes not run yet. */
  readonly queue: (() => void)[];
  run(): void;
}

function setup(opts: { rib?: Rib; allocator?: Allocator; evpn?: boolean } = {}): Setup {
  const rib = opts.rib ?? new Rib();
  const allocator = opts.allocator ?? new Allocator({ localAddress: BGP_ADDRESS });
  const emitted: [InstanceType, DataplaneIntent][] = [];
  const queue: (() => void)[] = [];
  const manager = new VpnManager({
    rib,
    allocator,
    localAddress: BGP_ADDRESS,
    dataplaneAddress: DATAPLANE_ADDRESS,
    encapsulations: opts.evpn === false ? { ipvpn: ['mpls'] } : { ipvpn: ['mpls'], evpn: ['vxlan'] },
    nodeName: 'node-1',
    onIntent: (type, intent) => emitted.push([type, intent]),
    schedule: (fn) => queue.push(fn),
  });
  const run = (): void => {
    while (queue.length > 0) queue.shift()?.();
  };
  return { rib, allocator, manager, emitted, queue, run };
}

const red = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'red' }, 'red');
const green = instanceSpec(
  { type: 'evpn', vpnInstanceId: 'green', importRTs: ['64512:2'], exportRTs: ['64512:2'] },
  'green',
);
const instances = (...list: [string, InstanceSpec][]): Map<string, InstanceSpec> => new Map(list);
const ports = (...list: [string, AttachmentSpec][]): Map<string, AttachmentSpec> => new Map(list);
const redPort = attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24', ifname: 'tap1' }, 'red');
const greenPort = attachment({ mac: '52:54:00:00:00:02', ifname: 'tap2' }, 'green');
const emittedTypes = (s: Setup): string[] =>
  s.emitted.map(([t, i]) => `${t}:${i.instances.map((x) => x.id).join(',')}`);

describe('vpn/manager', () => {
  it('creates the instances and hands each driver its whole intent once, on the next pass', () => {
    const s = setup();
    const problems = s.manager.setDesired(
      instances(['ns/red', red], ['ns/green', green]),
      ports(['ns/p1', redPort], ['ns/p2', greenPort]),
    );
    assert.deepEqual(problems, []);
    assert.equal(s.emitted.length, 0, 'nothing before the scheduled pass');
    s.run();
    assert.deepEqual(emittedTypes(s), ['ipvpn:red', 'evpn:green']);
    // With MPLS among the driver's encapsulations, the port carries its own label.
    const label = s.allocator.holdings('red').labels.get('52:54:00:00:00:01');
    assert.ok(label !== undefined);
    assert.deepEqual(s.emitted[0]?.[1].instances[0]?.localPorts, [
      { ifname: 'tap1', mac: '52:54:00:00:00:01', ip: '10.0.0.1', label },
    ]);
    s.manager.setDesired(
      instances(['ns/red', red], ['ns/green', green]),
      ports(['ns/p1', redPort], ['ns/p2', greenPort]),
    );
    s.run();
    assert.equal(s.emitted.length, 2, 'the same desired state changes nothing');
    assert.deepEqual(s.manager.instanceIds(), ['green', 'red']);
  });

  it('tells a driver with no instance to own nothing, once', () => {
    const s = setup();
    s.manager.setDesired(instances(['ns/red', red]), ports());
    s.run();
    assert.deepEqual(emittedTypes(s), ['ipvpn:red', 'evpn:']);
  });

  it('coalesces a burst of route events into one pass and one intent', () => {
    const s = setup({ evpn: false });
    s.manager.setDesired(instances(['ns/red', red]), ports(['ns/p1', redPort]));
    s.run();
    s.emitted.length = 0;
    for (let i = 0; i < 1000; i++)
      s.rib.set(vpnRoute({ from: '10.9.0.1', prefix: `10.${100 + (i >> 8)}.${i & 255}.0/24` }));
    assert.equal(s.queue.length, 1, 'one pass scheduled for the whole burst');
    s.run();
    assert.equal(s.emitted.length, 1);
    const [, intent] = s.emitted[0]!;
    assert.equal(intent.instances[0]?.type === 'ipvpn' && intent.instances[0].remotePrefixes.length, 1000);
  });

  it('converges local leaking in one pass: the routes one instance publishes reach the other', () => {
    const s = setup({ evpn: false });
    const blue = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'blue' }, 'blue');
    s.manager.setDesired(instances(['ns/red', red], ['ns/blue', blue]), ports(['ns/p1', redPort]));
    s.run();
    assert.equal(s.emitted.length, 1);
    const blueIntent = s.emitted[0]?.[1].instances.find((i) => i.id === 'blue');
    assert.deepEqual(
      blueIntent?.type === 'ipvpn' && blueIntent.remotePrefixes.map((p) => [p.prefix, p.nextHops[0]?.vtep]),
      [['10.0.0.1/32', DATAPLANE_ADDRESS]],
    );
  });

  it('calls the driver only when its intent changed', () => {
    const s = setup({ evpn: false });
    s.manager.setDesired(instances(['ns/red', red]), ports(['ns/p1', redPort]));
    s.run();
    s.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.7.0.0/24', localPref: 200 }));
    s.run();
    assert.equal(s.emitted.length, 2);
    s.rib.set(vpnRoute({ from: '10.9.0.2', prefix: '10.7.0.0/24', localPref: 50 }));
    s.run();
    assert.equal(s.emitted.length, 2, 'a worse route changes no next hop');
    s.rib.set(vpnRoute({ from: '10.9.0.3', prefix: '10.7.0.0/24', rts: ['64512:99'] }));
    s.run();
    assert.equal(s.emitted.length, 2, 'a route of another VPN is not even heard');
  });

  it('withdraws the routes and releases the numbers of a deleted instance, and drops its intent', () => {
    const s = setup({ evpn: false });
    s.manager.setDesired(instances(['ns/red', red]), ports(['ns/p1', redPort]));
    s.run();
    assert.equal(published(s.rib, 'red').length, 1);
    s.manager.setDesired(instances(), ports());
    s.run();
    assert.equal(published(s.rib, 'red').length, 0);
    assert.deepEqual(s.allocator.owners(), []);
    assert.deepEqual(emittedTypes(s), ['ipvpn:red', 'ipvpn:']);
  });

  it('keeps routes and numbers over a restart: a new manager finds the same RD, VNI and labels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgpd-vpn-'));
    try {
      const path = join(dir, 'allocations.json');
      const first = setup({ allocator: new Allocator({ localAddress: BGP_ADDRESS, path }) });
      first.manager.setDesired(instances(['ns/red', red], ['ns/green', green]), ports(['ns/p1', redPort]));
      first.run();
      const before = published(first.rib, 'red');
      const status = first.manager.status('red');
      first.manager.close();
      assert.equal(published(first.rib, 'red').length, 1, 'a shutdown withdraws nothing');
      const second = setup({ allocator: new Allocator({ localAddress: BGP_ADDRESS, path }) });
      // the newcomer is created first in key order, yet must not take red's numbers
      const blue = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'blue' }, 'blue');
      second.manager.setDesired(
        instances(['ns/blue', blue], ['ns/red', red], ['ns/green', green]),
        ports(['ns/p1', redPort]),
      );
      second.run();
      assert.deepEqual(published(second.rib, 'red'), before);
      assert.deepEqual(
        [second.manager.status('red')?.rd, second.manager.status('red')?.vni],
        [status?.rd, status?.vni],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports per-object problems instead of throwing, and keeps the rest running', () => {
    const s = setup();
    const blue = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'blue', vni: 5000 }, 'blue');
    const clash = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'clash', vni: 5000 }, 'clash');
    const twin = instanceSpec({ type: 'ipvpn', vpnInstanceId: 'red' }, 'twin');
    const problems = s.manager.setDesired(
      instances(
        ['ns/red', red],
        ['ns/blue', blue],
        ['ns/clash', clash],
        ['ns/twin', twin],
        ['ns/green', green],
      ),
      ports(
        ['ns/p1', redPort],
        ['ns/p2', attachment({ mac: '52:54:00:00:00:03', ipAddress: '10.0.0.3/24', ifname: 'tap1' }, 'blue')],
        ['ns/p3', attachment({ mac: '52:54:00:00:00:04', ipAddress: '10.0.0.4/24' }, 'missing')],
        ['ns/p4', attachment({ mac: '52:54:00:00:00:05', ipAddress: '10.0.0.5/24' }, 'clash')],
        ['ns/p5', attachment({ mac: '52:54:00:00:00:06' }, 'red')],
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.kind, p.name, p.code]),
      [
        ['VpnInstance', 'ns/twin', 'BGPD_ERR_VPN_DUPLICATE_ID'],
        ['VpnInstance', 'ns/clash', 'BGPD_ERR_ALLOCATION_CONFLICT'],
        ['PortAttachment', 'ns/p2', 'BGPD_ERR_VPN_PORT_CONFLICT'],
        ['PortAttachment', 'ns/p3', 'BGPD_ERR_VPN_INSTANCE_NOT_FOUND'],
        ['PortAttachment', 'ns/p4', 'BGPD_ERR_VPN_INSTANCE_FAILED'],
        ['PortAttachment', 'ns/p5', 'BGPD_ERR_VPN_INVALID_PORT'],
      ],
    );
    assert.match(problems[1]!.message, /clash.*blue/);
    assert.deepEqual(s.manager.problems(), problems);
    assert.deepEqual(s.manager.instanceIds(), ['blue', 'green', 'red']);
  });

  it('refuses a type change and keeps the running instance', () => {
    const s = setup();
    s.manager.setDesired(instances(['ns/red', red]), ports(['ns/p1', redPort]));
    const asEvpn = instanceSpec({ type: 'evpn', vpnInstanceId: 'red' }, 'red');
    const problems = s.manager.setDesired(instances(['ns/red', asEvpn]), ports(['ns/p1', redPort]));
    assert.deepEqual(
      problems.map((p) => p.code),
      ['BGPD_ERR_VPN_TYPE_CHANGE'],
    );
    assert.equal(s.manager.status('red')?.type, 'ipvpn');
    assert.equal(s.manager.status('red')?.ports.length, 1);
  });

  it('reports an instance type without a driver, and attractTraffic as not implemented', () => {
    const s = setup({ evpn: false });
    const attract = instanceSpec(
      {
        type: 'ipvpn',
        vpnInstanceId: 'red',
        readvertise: { fromRTs: ['64512:5'], toRTs: ['64512:6'] },
        attractTraffic: { redirectRTs: ['64512:7'], classifier: {} },
      },
      'red',
    );
    const problems = s.manager.setDesired(instances(['ns/red', attract], ['ns/green', green]), ports());
    assert.deepEqual(
      problems.map((p) => [p.name, p.code]),
      [
        ['ns/green', 'BGPD_ERR_VPN_UNSUPPORTED'],
        ['ns/red', 'BGPD_ERR_VPN_UNSUPPORTED'],
      ],
    );
    assert.deepEqual(s.manager.instanceIds(), ['red']);
  });

  it('exposes the imported RTs per instance and per type, and a status per instance', () => {
    const s = setup();
    const readv = instanceSpec(
      { type: 'ipvpn', vpnInstanceId: 'red', readvertise: { fromRTs: ['64512:5'], toRTs: ['64512:6'] } },
      'red',
    );
    const fip = instanceSpec(
      { type: 'unicast', vpnInstanceId: 'fip', staticRoutes: [{ prefix: '203.0.113.1/32' }] },
      'fip',
    );
    s.manager.setDesired(
      instances(['ns/red', readv], ['ns/green', green], ['ns/fip', fip]),
      ports(['ns/p2', greenPort]),
    );
    s.rib.set(macRoute({ from: '10.9.0.1', mac: '52:54:00:00:00:99', rts: ['64512:2'] }));
    s.run();
    assert.deepEqual(
      s.manager.importedRouteTargets(),
      new Map([
        ['red', new Set(['64512:1', '64512:5'])],
        ['green', new Set(['64512:2'])],
        ['fip', new Set()],
      ]),
    );
    assert.deepEqual(s.manager.importedRouteTargetsByType().get('evpn'), new Set(['64512:2']));
    const st = s.manager.status('green')!;
    assert.deepEqual(
      [st.type, st.importRTs, st.exportRTs, st.ports.length, st.receivedRoutes, st.bestRoutes.length],
      ['evpn', ['64512:2'], ['64512:2'], 1, 1, 1],
    );
    assert.equal(st.advertisedRoutes.length, 2, 'type 3 and the port type 2');
    assert.equal(published(s.rib, 'fip').length, 1);
    assert.equal(s.manager.status('nope'), undefined);
  });
});
