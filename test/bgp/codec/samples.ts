/**
 * UPDATE values covering every family, attribute and extended community the codec knows. Used
 * by the round-trip, tshark cross-check and fuzz tests.
 */
import type { Capability } from '../../../src/bgp/codec/capabilities/types.js';
import type { CodecContext } from '../../../src/bgp/codec/context.js';
import { FAMILY } from '../../../src/bgp/codec/context.js';
import type { ExtCommunity } from '../../../src/bgp/codec/extcomm/types.js';
import {
  evpnEthernetAd,
  evpnEthernetSegment,
  evpnIpPrefix,
  evpnMacIp,
  evpnMulticast,
  flowspecNlri,
  prefixNlri,
  rtcNlri,
  vpnNlri,
} from '../../../src/bgp/codec/nlri/build.js';
import { numericOp } from '../../../src/bgp/codec/nlri/flowspec-rules.js';
import { rawFromLabel, WITHDRAW_LABEL } from '../../../src/bgp/codec/nlri/label.js';
import type { Update } from '../../../src/bgp/codec/update.js';
import type { PathAttributes } from '../../../src/bgp/codec/attributes/types.js';
import type { FlowRule } from '../../../src/bgp/codec/nlri/types.js';
import { addPath, ctx } from './helpers.js';

export interface Sample {
  readonly name: string;
  readonly update: Update;
  readonly ctx: CodecContext;
  /** tshark cannot know session facts (ADD-PATH, 2-octet AS); skip those in the cross-check. */
  readonly tshark?: false;
}

export const EXT_COMMUNITIES: readonly ExtCommunity[] = [
  { type: 'route-target', value: '65000:100' },
  { type: 'route-target', value: '10.0.0.1:5' },
  { type: 'route-target', value: '4200000000:7' },
  { type: 'route-target', value: '65000L:7' },
  { type: 'route-origin', value: '65000:1' },
  { type: 'rt-record', value: '65001:2' },
  { type: 'encapsulation', tunnelType: 8 },
  { type: 'encapsulation', tunnelType: 10 },
  { type: 'encapsulation', tunnelType: 2 },
  { type: 'encapsulation', tunnelType: 9 },
  { type: 'encapsulation', tunnelType: 11 },
  { type: 'encapsulation', tunnelType: 13 },
  { type: 'default-gateway' },
  { type: 'consistent-hash-sort-order', order: 3 },
  { type: 'router-mac', mac: '02:00:00:00:00:55' },
  { type: 'mac-mobility', sticky: true, sequence: 5 },
  { type: 'esi-label', singleActive: true, label: rawFromLabel(100) },
  { type: 'opaque', hex: '4300000000000001' },
];

/** Every capability the codec knows (one multiprotocol family). */
export const CAPABILITIES: readonly Capability[] = [
  { type: 'multiprotocol', afi: 1, safi: 128 },
  { type: 'route-refresh' },
  { type: 'enhanced-route-refresh' },
  { type: 'extended-message' },
  { type: 'graceful-restart', flags: 8, restartTime: 120, families: [{ afi: 1, safi: 128, flags: 0x80 }] },
  { type: 'as4', asn: 4200000000 },
  { type: 'add-path', families: [{ afi: 1, safi: 128, sendReceive: 3 }] },
  { type: 'fqdn', hostname: 'n1', domain: '' },
];

/** The FlowSpec components bagpipe uses, with numeric operators. */
export const FLOW_RULES: readonly FlowRule[] = [
  { type: 1, prefix: '10.0.0.0/24' },
  { type: 2, prefix: '10.1.0.0/16' },
  { type: 3, ops: [numericOp('==', 6), numericOp('==', 17)] },
  { type: 5, ops: [numericOp('>=', 1024), numericOp('<=', 2048, true)] },
  { type: 6, ops: [numericOp('==', 80)] },
];

export const FLOW_EXT_COMMUNITIES: readonly ExtCommunity[] = [
  { type: 'route-target', value: '65000:300' },
  { type: 'redirect-vrf', value: '65000:200' },
  { type: 'redirect-vrf', value: '10.0.0.1:3' },
  { type: 'redirect-vrf', value: '4200000000:9' },
  { type: 'traffic-rate', asn: 65000, rate: 1000.5 },
  { type: 'traffic-action', sample: true, terminal: false },
  { type: 'traffic-marking', dscp: 46 },
];

const ibgp: PathAttributes = { origin: 0, asPath: [], localPref: 100 };
const rt = (value: string): ExtCommunity => ({ type: 'route-target', value });
const vxlan: ExtCommunity = { type: 'encapsulation', tunnelType: 8 };
const mp = (
  afi: number,
  safi: number,
  nextHop: string,
  nlri: Update['nlri'] | NonNullable<Update['mpReach']>['nlri'],
) => ({
  afi,
  safi,
  nextHop,
  nlri,
});
const base = { withdrawn: [], nlri: [] } as const;

export const SAMPLES: readonly Sample[] = [
  {
    name: 'IPv4 unicast, every classic attribute',
    ctx: ctx(),
    update: {
      withdrawn: [prefixNlri('192.0.2.0/24'), prefixNlri('203.0.113.128/25')],
      attributes: {
        origin: 1,
        asPath: [
          { type: 'sequence', asns: [65001, 4200000000] },
          { type: 'set', asns: [65003, 65004] },
        ],
        nextHop: '192.0.2.1',
        med: 10,
        localPref: 200,
        atomicAggregate: true,
        aggregator: { asn: 4200000001, address: '192.0.2.9' },
        communities: ['65000:1', '65535:65281'],
        originatorId: '192.0.2.7',
        clusterList: ['192.0.2.8', '10.0.0.1'],
        extCommunities: EXT_COMMUNITIES,
        largeCommunities: ['4200000000:1:2'],
        unknown: [{ code: 201, flags: 0xe0, data: Uint8Array.of(1, 2, 3) }],
      },
      nlri: [prefixNlri('198.51.100.0/24'), prefixNlri('10.0.0.1/32'), prefixNlri('172.16.0.0/12')],
    },
  },
  {
    name: 'IPv6 unicast with link-local next hop, withdrawal',
    ctx: ctx(),
    update: {
      ...base,
      attributes: { ...ibgp },
      mpReach: {
        ...mp(2, 1, '2001:db8::1', [prefixNlri('2001:db8:1::/48'), prefixNlri('::/0')]),
        linkLocal: 'fe80::1',
      },
      mpUnreach: { afi: 2, safi: 1, nlri: [prefixNlri('2001:db8:2::/64')] },
    },
  },
  {
    name: 'VPNv4, RD types 0/1/2, label stack',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {
        ...ibgp,
        med: 5,
        extCommunities: [rt('65000:100'), { type: 'encapsulation', tunnelType: 10 }],
      },
      mpReach: mp(1, 128, '192.0.2.4', [
        vpnNlri('65000:100', '10.1.1.0/24', [rawFromLabel(100)]),
        vpnNlri('127.0.0.2:100', '10.1.2.0/24', [rawFromLabel(101)]),
        vpnNlri('4200000000:5', '10.1.3.128/25', [rawFromLabel(16, false), rawFromLabel(1048575)]),
        vpnNlri('65000L:6', '10.1.4.1/32', [rawFromLabel(17)]),
      ]),
    },
  },
  {
    name: 'VPNv4 withdrawal with 0x800000 and 0x000000 labels',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {},
      mpUnreach: {
        afi: 1,
        safi: 128,
        nlri: [
          vpnNlri('65000:100', '10.1.1.0/24', [WITHDRAW_LABEL]),
          vpnNlri('65000:100', '10.1.2.0/24', [0]),
        ],
      },
    },
  },
  {
    name: 'VPNv6 with IPv6 next hop',
    ctx: ctx(),
    update: {
      ...base,
      attributes: { ...ibgp, extCommunities: [rt('65000:600')] },
      mpReach: mp(2, 128, '2001:db8::4', [vpnNlri('65000:600', '2001:db8:6::/48', [rawFromLabel(600)])]),
    },
  },
  {
    name: 'EVPN type 2 with and without IP, one and two labels, IPv6',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {
        ...ibgp,
        extCommunities: [rt('65000:100'), vxlan, { type: 'consistent-hash-sort-order', order: 0 }],
      },
      mpReach: mp(25, 70, '192.0.2.2', [
        evpnMacIp({ rd: '127.0.0.2:100', mac: 'aa:bb:cc:dd:ee:01', ip: '10.0.0.1', labels: [10100] }),
        evpnMacIp({ rd: '127.0.0.2:100', mac: 'aa:bb:cc:dd:ee:02', labels: [10100] }),
        evpnMacIp({
          rd: '127.0.0.2:101',
          mac: 'aa:bb:cc:dd:ee:03',
          ip: '2001:db8::3',
          labels: [10100, 5000],
          etag: 7,
        }),
        evpnMacIp({
          rd: '65000:7',
          esi: '01:02:03:04:05:06:07:08:09:0a',
          mac: '02:00:00:00:00:01',
          labels: [rawFromLabel(300)],
        }),
      ]),
    },
  },
  {
    name: 'EVPN type 3 with PMSI ingress replication',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {
        ...ibgp,
        extCommunities: [rt('65000:100'), vxlan],
        pmsiTunnel: { flags: 0, tunnelType: 6, label: 10100, tunnelId: '192.0.2.2' },
      },
      mpReach: mp(25, 70, '192.0.2.2', [evpnMulticast({ rd: '127.0.0.2:100', originator: '192.0.2.2' })]),
    },
  },
  {
    name: 'EVPN types 1, 4, 5 and an IPv6 type 3',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {
        ...ibgp,
        extCommunities: [rt('65000:100'), { type: 'router-mac', mac: '02:00:00:00:00:55' }],
      },
      mpReach: mp(25, 70, '2001:db8::2', [
        evpnEthernetAd({
          rd: '65000:1',
          esi: '00:11:22:33:44:55:66:77:88:99',
          etag: 0xffffffff,
          label: rawFromLabel(0),
        }),
        evpnEthernetSegment({ rd: '65000:1', esi: '00:11:22:33:44:55:66:77:88:99', originator: '192.0.2.2' }),
        evpnIpPrefix({ rd: '65000:55', prefix: '10.55.0.0/24', label: rawFromLabel(5500) }),
        evpnIpPrefix({ rd: '65000:56', prefix: '2001:db8:56::/64', gateway: '2001:db8::1', label: 5600 }),
        evpnMulticast({ rd: '65000:57', originator: '2001:db8::57' }),
      ]),
    },
  },
  {
    name: 'RTC: default, origin AS only, partial and full route targets',
    ctx: ctx(),
    update: {
      ...base,
      attributes: { ...ibgp },
      mpReach: mp(1, 132, '192.0.2.3', [
        rtcNlri(65000, '65000:100'),
        rtcNlri(65000, '10.0.0.1:7'),
        rtcNlri(65000, '4200000000:8'),
        rtcNlri(65000, '65000:0', 64),
        rtcNlri(65000),
        rtcNlri(),
      ]),
    },
  },
  {
    name: 'FlowSpec VPN with traffic actions',
    ctx: ctx(),
    update: {
      ...base,
      attributes: { ...ibgp, extCommunities: FLOW_EXT_COMMUNITIES },
      mpReach: mp(1, 134, '', [
        flowspecNlri('65000:1', FLOW_RULES),
        flowspecNlri('65000:2', [
          { type: 1, prefix: '10.2.0.0/16' },
          { type: 4, ops: [numericOp('!=', 22)] },
        ]),
      ]),
    },
  },
  {
    name: 'FlowSpec VPN with a 2-octet NLRI length',
    ctx: ctx(),
    update: {
      ...base,
      attributes: { ...ibgp, extCommunities: [rt('65000:300')] },
      mpReach: mp(1, 134, '', [
        flowspecNlri('65000:3', [
          { type: 1, prefix: '10.3.0.0/16' },
          { type: 5, ops: Array.from({ length: 80 }, (_, i) => numericOp('==', 1000 + i)) },
        ]),
      ]),
    },
  },
  {
    name: 'End-of-RIB for VPNv4',
    ctx: ctx(),
    update: { ...base, attributes: {}, mpUnreach: { afi: 1, safi: 128, nlri: [] } },
  },
  {
    name: 'extended-length COMMUNITIES (> 255 octets)',
    ctx: ctx(),
    update: {
      ...base,
      attributes: {
        ...ibgp,
        nextHop: '192.0.2.1',
        communities: Array.from({ length: 80 }, (_, i) => `65000:${i}`),
      },
      nlri: [prefixNlri('203.0.113.0/24')],
    },
  },
  {
    name: 'ADD-PATH VPNv4 and IPv4 unicast',
    ctx: addPath(FAMILY.ipv4Vpn, FAMILY.ipv4Unicast),
    tshark: false,
    update: {
      withdrawn: [prefixNlri('192.0.2.0/24', 3)],
      attributes: { ...ibgp, nextHop: '192.0.2.1' },
      nlri: [prefixNlri('198.51.100.0/24', 1), prefixNlri('198.51.100.0/24', 2)],
      mpReach: mp(1, 128, '192.0.2.4', [vpnNlri('65000:100', '10.1.1.0/24', [rawFromLabel(100)], 7)]),
    },
  },
  {
    name: '2-octet AS peer: AS4_PATH and AS4_AGGREGATOR',
    ctx: ctx({ asn4: false }),
    tshark: false,
    update: {
      ...base,
      attributes: {
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001, 4200000000, 4200000001] }],
        nextHop: '192.0.2.1',
        aggregator: { asn: 4200000002, address: '192.0.2.9' },
      },
      nlri: [prefixNlri('198.51.100.0/24')],
    },
  },
];
