/** Intents used by the Linux driver unit tests. */
import type {
  DataplaneIntent,
  EvpnInstanceIntent,
  IpvpnInstanceIntent,
} from '../../../src/dataplane/intent.js';

export const LOCAL = '192.0.2.1';

export function evpn(id = 'vpn-1', over: Partial<EvpnInstanceIntent> = {}): EvpnInstanceIntent {
  return {
    type: 'evpn',
    id,
    vni: 100,
    localPorts: [{ ifname: 'tap1', mac: '02:00:00:00:10:01' }],
    remoteMacs: [
      { mac: '02:00:00:00:20:01', vtep: '192.0.2.2', vni: 100, ip: '10.20.0.2' },
      { mac: '02:00:00:00:20:02', vtep: '192.0.2.3', vni: 100 },
    ],
    floodList: [
      { vtep: '192.0.2.2', vni: 100 },
      { vtep: '192.0.2.3', vni: 100 },
    ],
    ...over,
  };
}

export function ipvpn(id = 'vrf-1', over: Partial<IpvpnInstanceIntent> = {}): IpvpnInstanceIntent {
  return {
    type: 'ipvpn',
    id,
    vni: 5001,
    gateway: { ip: '10.0.0.1', prefixLength: 24 },
    localPorts: [{ ifname: 'tap1', mac: '02:00:00:00:10:01', ip: '10.0.0.2' }],
    remotePrefixes: [
      { prefix: '10.0.0.3/32', nextHops: [{ vtep: '192.0.2.2', label: 5002, encap: 'vxlan' }] },
      {
        prefix: '10.9.0.0/16',
        nextHops: [
          { vtep: '192.0.2.2', label: 5002, encap: 'vxlan' },
          { vtep: '192.0.2.3', label: 5003, encap: 'vxlan' },
        ],
      },
    ],
    ...over,
  };
}

export const intent = (...instances: DataplaneIntent['instances']): DataplaneIntent => ({ instances });
