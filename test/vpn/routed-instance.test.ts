import assert from 'node:assert/strict';
import { FAMILY } from '../../src/bgp/codec/index.js';
import type { IpvpnInstanceIntent } from '../../src/dataplane/intent.js';
import { InstanceCore, type InstanceStatus } from '../../src/vpn/instance.js';
import { RoutedInstance } from '../../src/vpn/routed-instance.js';
import type { AttachmentSpec } from '../../src/vpn/types.js';
import { attachment, harness, instanceSpec, vpnRoute } from './fixtures.js';

/** The smallest subclass: one counter per resolve, the port count as header. */
class Probe extends RoutedInstance<IpvpnInstanceIntent> {
  readonly type = 'ipvpn';
  rebuilds = 0;
  resolved: string[] = [];
  constructor(h = harness()) {
    super(
      new InstanceCore(instanceSpec({ type: 'ipvpn' }), 'ipvpn', h.ctx, {
        interests: (s) => s.importRTs.map((rt) => [FAMILY.ipv4Vpn, rt] as const),
        groupOf: (r) => (r.nlri.kind === 'vpn' ? r.nlri.prefix : undefined),
      }),
      h.ctx,
    );
  }
  status(): InstanceStatus {
    return this.core.statusBase([]);
  }
  bump(): void {
    this.changed();
  }
  protected header(): unknown {
    return this.core.endpoints().length;
  }
  protected buildIntent(): IpvpnInstanceIntent {
    return { type: 'ipvpn', id: this.id, vni: this.core.ids.vni, localPorts: [], remotePrefixes: [] };
  }
  protected rebuildRoutes(): void {
    this.rebuilds++;
  }
  protected resolve(group: string): void {
    this.resolved.push(group);
  }
}

const port = (mac: string): Map<string, AttachmentSpec> =>
  new Map([['ns/p', attachment({ mac, ipAddress: '10.0.0.1/24' })]]);

describe('vpn/routed-instance', () => {
  it('returns the same intent object until something in it changed', () => {
    const p = new Probe();
    const first = p.intent();
    assert.equal(p.intent(), first);
    p.bump();
    const second = p.intent();
    assert.notEqual(second, first);
    p.update(instanceSpec({ type: 'ipvpn', exportRTs: ['64512:9'] }));
    assert.equal(p.intent(), second, 'an export change rebuilds routes but leaves the intent');
    assert.equal(p.rebuilds, 2);
    p.setPorts(port('52:54:00:00:00:01'));
    assert.notEqual(p.intent(), second, 'the header (ports) changed');
  });

  it('rebuilds only when the spec or the ports changed, and resolves each dirty group once', () => {
    const h = harness();
    const p = new Probe(h);
    p.setPorts(port('52:54:00:00:00:01'));
    p.sync();
    p.setPorts(port('52:54:00:00:00:01'));
    h.rib.set(vpnRoute({ from: '10.9.0.1', prefix: '10.1.0.0/24' }));
    h.rib.set(vpnRoute({ from: '10.9.0.2', prefix: '10.1.0.0/24' }));
    p.sync();
    assert.equal(p.rebuilds, 1);
    assert.deepEqual(p.resolved, ['10.1.0.0/24']);
    assert.equal(h.dirty.count > 0, true);
  });
});
