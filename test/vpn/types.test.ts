import assert from 'node:assert/strict';
import type { EffectivePortAttachment, EffectiveVpnInstance } from '../../src/desired/defaults.js';
import type { Encap } from '../../src/dataplane/intent.js';
import { advertises, endpointKey, endpointOf, keyIn, namespaceOf, portIfname } from '../../src/vpn/types.js';
import type { AttachmentSpec, InstanceSpec } from '../../src/vpn/types.js';
import { attachment } from './fixtures.js';

// The layering keeps src/vpn from importing src/desired; the effective types must still fit.
const instanceFits = (e: EffectiveVpnInstance): InstanceSpec => e;
const attachmentFits = (e: EffectivePortAttachment): AttachmentSpec => e;
const encapFits = (e: NonNullable<EffectiveVpnInstance['encapsulations']>[number]): Encap => e;

describe('vpn/types', () => {
  it('accepts the effective desired objects as they are', () => {
    assert.equal(typeof instanceFits, 'function');
    assert.equal(typeof attachmentFits, 'function');
    assert.equal(encapFits('vxlan'), 'vxlan');
  });

  it('names the interface of a linux or OVS port, nothing for an E-VPN link', () => {
    assert.equal(portIfname({ type: 'linuxInterface', linuxInterface: 'tap1' }), 'tap1');
    assert.equal(portIfname({ type: 'linuxInterface', linuxInterface: '' }), undefined);
    assert.equal(portIfname({ type: 'ovs', ovs: { portName: 'qvo1' } }), 'qvo1');
    assert.equal(portIfname({ type: 'ovs', ovs: {} }), undefined);
    // The Neutron OVS agent gives the port by number only (linuxif "patch2tun:3" names nothing).
    assert.equal(portIfname({ type: 'ovs', ovs: { portNumber: 3 } }), 'ofport-3');
    assert.equal(portIfname({ type: 'evpn', evpnInstance: 'e' }), undefined);
  });

  it('splits the address from its length and keys endpoints by MAC and prefix', () => {
    const ep = endpointOf(
      'ns/a',
      attachment({ mac: '52:54:00:00:00:01', ipAddress: '10.0.0.5/24', direction: 'from-port' }),
      'tap1',
    );
    assert.equal(ep.ip, '10.0.0.5');
    assert.equal(ep.prefix, '10.0.0.5/24');
    assert.equal(endpointKey(ep), '52:54:00:00:00:01|10.0.0.5/24');
    assert.equal(advertises(ep), false);
  });

  it('resolves names within the namespace of a desired key', () => {
    assert.equal(namespaceOf('tenant/port-1'), 'tenant');
    assert.equal(namespaceOf('port-1'), '');
    assert.equal(keyIn('tenant', 'vpn'), 'tenant/vpn');
    assert.equal(keyIn('', 'vpn'), 'vpn');
  });
});
