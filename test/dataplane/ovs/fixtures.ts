/**
 * Shared values for the OVS driver unit tests: a config, the switch's ports, an instance
 * (whose id hashes to cookie 0xb9b9f05e4f1b4358 / VRF 0x4f1b4358) and a model switch holding
 * those ports.
 */
import type { IpvpnInstanceIntent, NextHop } from '../../../src/dataplane/intent.js';
import type { OvsConfig } from '../../../src/dataplane/ovs/names.js';
import type { OvsPort } from '../../../src/dataplane/ovs/observe.js';
import { ModelOvs } from './model-ovs.js';

export const LOCAL = '172.31.0.1';
export const ID = 'vrf-1';
export const COOKIE = '0xb9b9f05e4f1b4358';
export const REG = 'reg0=0x4f1b4358';
export const TO_VRF = 'set_field:0x4f1b4358->reg0,resubmit(,2)';

export const config: OvsConfig = {
  localAddress: LOCAL,
  inputTable: 0,
  encapTable: 1,
  vrfTable: 2,
  vxlanPort: 'vxlan',
  greTunnel: 'mpls_gre',
  mplsInterface: 'eth1',
  proxyArp: false,
  groupBase: 1000,
  groupCount: 4,
};

const port = (name: string, ofport: number): [string, OvsPort] => [
  name,
  { name, ofport, mac: `aa:00:00:00:00:0${ofport}` },
];

/** vxlan 1, tap1 2, mpls_gre 3, eth1 4, tap2 5. */
export const ports = new Map([
  port('vxlan', 1),
  port('tap1', 2),
  port('mpls_gre', 3),
  port('eth1', 4),
  port('tap2', 5),
]);

export const vx = (vtep: string, label: number, lbOrder?: number): NextHop =>
  lbOrder === undefined ? { vtep, label, encap: 'vxlan' } : { vtep, label, encap: 'vxlan', lbOrder };

export function instance(over: Partial<IpvpnInstanceIntent> = {}): IpvpnInstanceIntent {
  return {
    type: 'ipvpn',
    id: ID,
    vni: 5001,
    gateway: { ip: '10.0.0.1', prefixLength: 24 },
    localPorts: [{ ifname: 'tap1', mac: '02:00:00:00:00:02', ip: '10.0.0.2' }],
    remotePrefixes: [{ prefix: '10.0.0.3/32', nextHops: [vx('172.31.0.2', 5002)] }],
    ...over,
  };
}

/** A model switch with the same ports as `ports`. */
export function modelSwitch(): ModelOvs {
  const m = new ModelOvs();
  for (const [name, p] of ports) m.addPort(name, p.ofport, p.mac);
  return m;
}
