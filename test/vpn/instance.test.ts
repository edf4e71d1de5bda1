import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/index.js';
import { BgpdError } from '../../src/lib/errors.js';
import type { Route } from '../../src/rib/types.js';
import { effectiveEncaps, InstanceCore, localPortsOf, type CoreHooks } from '../../src/vpn/instance.js';
import { routeKey } from '../../src/vpn/publisher.js';
import { ipvpnEndpointRoute } from '../../src/vpn/routes.js';
import type { AttachmentSpec, InstanceSpec } from '../../src/vpn/types.js';
import { attachment, harness, instanceSpec, spyRib, vpnRoute } from './fixtures.js';

const hooks: CoreHooks = {
  interests: (s) => s.importRTs.map((rt) => [FAMILY.ipv4Vpn, rt] as const),
  groupOf: (r) => (r.nlri.kind === 'vpn' ? r.nlri.prefix : undefined),
};

function core(spec: InstanceSpec = instanceSpec({ type: 'ipvpn' })) {
  const { rib, calls } = spyRib();
  const h = harness(['mpls'], rib);
  return { ...h, calls, core: new InstanceCore(spec, 'ipvpn', h.ctx, hooks) };
}

const ports = (...list: [string, AttachmentSpec][]): Map<string, AttachmentSpec> => new Map(list);

describe('vpn/instance', () => {
  it('subscribes to (family, RT) per import RT, and changes only the difference on update', () => {
    const t = core(instanceSpec({ type: 'ipvpn', importRTs: ['64512:1', '64512:2'] }));
    const f = FAMILY.ipv4Vpn;
    assert.deepEqual(t.calls, [`+${f}|64512:1`, `+${f}|64512:2`]);
    t.calls.length = 0;
    t.core.update(instanceSpec({ type: 'ipvpn', importRTs: ['64512:2', '64512:3'] }));
    assert.deepEqual(t.calls, [`+${f}|64512:3`, `-${f}|64512:1`]);
    assert.deepEqual([...t.core.importedRouteTargets()].sort(), ['64512:2', '64512:3']);
    t.calls.length = 0;
    t.core.update(instanceSpec({ type: 'ipvpn', importRTs: ['64512:2', '64512:3'], exportRTs: ['64512:9'] }));
    assert.deepEqual(t.calls, [], 'an export change touches no subscription');
  });

  it('groups received routes, marks their group dirty, forgets removed routes, and ignores its own', () => {
    const t = core();
    const r = vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24' });
    t.rib.set(r);
    assert.deepEqual(t.core.takeDirty(), ['10.1.0.0/24']);
    assert.deepEqual([...t.core.group('10.1.0.0/24').values()], [r]);
    assert.equal(t.core.receivedRoutes, 1);
    t.rib.set({ ...r, source: { kind: 'local', owner: 'vpn-a' } });
    assert.deepEqual(t.core.takeDirty(), [], 'a route of this instance is not received');
    t.rib.delete(r.source, r.family, r.nlri.key);
    assert.deepEqual(t.core.takeDirty(), ['10.1.0.0/24']);
    assert.equal(t.core.group('10.1.0.0/24').size, 0);
    assert.equal(t.core.receivedRoutes, 0);
  });

  it('receives routes of other local instances (local leaking)', () => {
    const t = core();
    t.rib.set({
      ...vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24' }),
      source: { kind: 'local', owner: 'vpn-b' },
    });
    assert.deepEqual(t.core.takeDirty(), ['10.1.0.0/24']);
  });

  it('marks every group dirty when the import side changes, and drops routes no longer visible', () => {
    const t = core(instanceSpec({ type: 'ipvpn', importRTs: ['64512:1', '64512:2'] }));
    t.rib.set(vpnRoute({ from: '10.0.0.2', prefix: '10.1.0.0/24', rts: ['64512:1'] }));
    t.rib.set(vpnRoute({ from: '10.0.0.2', prefix: '10.2.0.0/24', rts: ['64512:2'] }));
    t.core.takeDirty();
    t.core.update(instanceSpec({ type: 'ipvpn', importRTs: ['64512:2'] }));
    assert.deepEqual(t.core.takeDirty().sort(), ['10.1.0.0/24', '10.2.0.0/24']);
    assert.equal(t.core.group('10.1.0.0/24').size, 0);
    assert.equal(t.core.receivedRoutes, 1);
  });

  it('accepts consistent endpoints and reports the others (bagpipe 1.4 vif_plugged rules)', () => {
    const t = core();
    const problems = t.core.setAttachments(
      ports(
        ['ns/a', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24', ifname: 'tap1' })],
        ['ns/b', attachment({ mac: '52:54:00:00:00:02', ipAddress: '10.0.0.1/24', ifname: 'tap2' })],
        ['ns/c', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.3/24', ifname: 'tap3' })],
        ['ns/d', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24', ifname: 'tap1' })],
        ['ns/e', attachment({ mac: '52:54:00:00:00:05', ifname: 'tap5' })],
        [
          'ns/f',
          { ...attachment({ mac: '52:54:00:00:00:06' }), localPort: { type: 'evpn', evpnInstance: 'e' } },
        ],
        ['ns/g', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.7/24', ifname: 'tap1' })],
      ),
    ).problems;
    assert.deepEqual(
      problems.map((p) => [p.name, p.code]),
      [
        ['ns/b', 'BGPD_ERR_VPN_ENDPOINT_CONFLICT'],
        ['ns/c', 'BGPD_ERR_VPN_ENDPOINT_CONFLICT'],
        ['ns/d', 'BGPD_ERR_VPN_ENDPOINT_CONFLICT'],
        ['ns/e', 'BGPD_ERR_VPN_INVALID_PORT'],
        ['ns/f', 'BGPD_ERR_VPN_UNSUPPORTED'],
      ],
    );
    assert.deepEqual(
      t.core.endpoints().map((e) => e.name),
      ['ns/a', 'ns/g'],
    );
  });

  it('keeps an accepted endpoint when a conflicting newcomer sorts before it', () => {
    const t = core();
    t.core.setAttachments(
      ports(['ns/z', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24' })]),
    );
    const { problems } = t.core.setAttachments(
      ports(
        ['ns/a', attachment({ mac: '52:54:00:00:00:02', ipAddress: '10.0.0.1/24' })],
        ['ns/z', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24' })],
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.name),
      ['ns/a'],
    );
  });

  it('gives each MAC a stable label, released with its last endpoint, and says when ports changed', () => {
    const t = core();
    const a = attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24' });
    assert.equal(t.core.setAttachments(ports(['ns/a', a])).changed, true);
    const label = t.core.idsOf(t.core.endpoints()[0]!).portLabel;
    assert.equal(typeof label, 'number');
    assert.equal(t.core.setAttachments(ports(['ns/a', a])).changed, false);
    assert.deepEqual(t.allocator.holdings('vpn-a').labels, new Map([['52:54:00:00:00:01', label]]));
    t.core.setAttachments(ports());
    assert.equal(t.allocator.holdings('vpn-a').labels.size, 0, 'released with the last endpoint');
  });

  it('refuses a spec whose encapsulations the driver lacks, without changing anything', () => {
    assert.deepEqual(
      effectiveEncaps(instanceSpec({ type: 'ipvpn', encapsulations: ['vxlan', 'mpls'] }), ['mpls', 'vxlan']),
      ['vxlan', 'mpls'],
    );
    const t = core();
    const before = t.core.ids;
    assert.throws(
      () => t.core.update(instanceSpec({ type: 'ipvpn', encapsulations: ['vxlan'] })),
      (e) => BgpdError.is(e) && e.code === 'BGPD_ERR_VPN_ENCAPSULATION',
    );
    assert.deepEqual(t.core.encaps, ['mpls']);
    assert.equal(t.core.ids, before);
  });

  it('publishes by difference and withdraws everything on close(true)', () => {
    const t = core();
    t.core.setAttachments(
      ports(['ns/a', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24' })]),
    );
    const ep = t.core.endpoints()[0]!;
    const r = ipvpnEndpointRoute(t.core.origin(), ep, t.core.idsOf(ep))!;
    const want = new Map<string, Route>([[routeKey(r), r]]);
    assert.equal(
      t.core.publisher.sync(want.keys(), (k) => want.get(k)),
      1,
    );
    assert.equal(
      t.core.publisher.sync(want.keys(), (k) => want.get(k)),
      0,
    );
    t.core.close(true);
    assert.equal(t.rib.size, 0);
    assert.ok(t.calls.includes('close'));
  });

  it('lists one intent port per (interface, MAC, IP)', () => {
    const t = core();
    t.core.setAttachments(
      ports(['ns/a', attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.1/24', ifname: 'tap1' })]),
    );
    assert.deepEqual(localPortsOf([...t.core.endpoints(), ...t.core.endpoints()]), [
      { ifname: 'tap1', mac: '52:54:00:00:00:01', ip: '10.0.0.1' },
    ]);
  });
});
