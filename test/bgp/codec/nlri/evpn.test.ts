import assert from 'node:assert/strict';
import {
  evpnEthernetAd,
  evpnEthernetSegment,
  evpnIpPrefix,
  evpnMacIp,
  evpnMulticast,
} from '../../../../src/bgp/codec/nlri/build.js';
import { ERR, UPDATE_ERR } from '../../../../src/bgp/codec/notify.js';
import { hex, toHex, wire } from '../helpers.js';
import { family } from './families.js';

const evpn = family(25, 70);

const ROUTES = hex`
  01 19                               # type 1 Ethernet A-D, 25 octets
    0000fde800000001                  #   RD 65000:1
    00112233445566778899              #   ESI
    ffffffff                          #   Ethernet tag MAX-ET
    000000                            #   label field 0
  02 21                               # type 2 MAC/IP, 33 octets
    00017f0000020064                  #   RD 127.0.0.2:100
    00000000000000000000              #   ESI 0
    00000000                          #   Ethernet tag 0
    30 aabbccddee02                   #   MAC
    00                                #   no IP
    002774                            #   VNI 10100
  02 34                               # type 2 with IPv6 and two labels, 52 octets
    00017f0000020065 00000000000000000000 00000007
    30 aabbccddee03                   #   MAC
    80 20010db8000000000000000000000003 # IPv6 2001:db8::3
    002774 001388                     #   labels 10100, 5000
  03 11                               # type 3 inclusive multicast, 17 octets
    00017f0000020064 00000000         #   RD, Ethernet tag
    20 c0000202                       #   originator 192.0.2.2
  04 17                               # type 4 Ethernet segment, 23 octets
    0000fde800000001 00112233445566778899
    20 c0000202                       #   originator 192.0.2.2
  05 22                               # type 5 IP prefix, 34 octets
    0000fde800000037 00000000000000000000 00000000
    18 0a370000                       #   10.55.0.0/24
    00000000                          #   gateway 0.0.0.0
    0157c1                            #   label 5500
  09 03 010203                        # type 9: unknown, kept raw
`;

describe('EVPN NLRI (25/70)', () => {
  it('decodes route types 1-5 and keeps unknown ones raw', () => {
    const list = evpn.decode(ROUTES);
    assert.deepEqual(list.slice(0, 6), [
      evpnEthernetAd({ rd: '65000:1', esi: '00:11:22:33:44:55:66:77:88:99', etag: 0xffffffff, label: 0 }),
      evpnMacIp({ rd: '127.0.0.2:100', mac: 'aa:bb:cc:dd:ee:02', labels: [10100] }),
      evpnMacIp({
        rd: '127.0.0.2:101',
        mac: 'aa:bb:cc:dd:ee:03',
        ip: '2001:db8::3',
        etag: 7,
        labels: [10100, 5000],
      }),
      evpnMulticast({ rd: '127.0.0.2:100', originator: '192.0.2.2' }),
      evpnEthernetSegment({ rd: '65000:1', esi: '00:11:22:33:44:55:66:77:88:99', originator: '192.0.2.2' }),
      evpnIpPrefix({ rd: '65000:55', prefix: '10.55.0.0/24', label: 0x157c1 }),
    ]);
    assert.deepEqual(list[6], {
      kind: 'evpn',
      route: 'unknown',
      key: '9|010203',
      routeType: 9,
      raw: Uint8Array.of(1, 2, 3),
    });
    assert.equal(toHex(evpn.encode(list)), toHex(ROUTES));
  });

  it('builds keys from the identifying fields only (RFC 7432 7)', () => {
    const a = evpnMacIp({ rd: '1.2.3.4:5', mac: 'AA-BB-CC-DD-EE-FF', ip: '10.0.0.1', labels: [1] });
    const b = evpnMacIp({
      rd: '1.2.3.4:5',
      mac: 'aa:bb:cc:dd:ee:ff',
      ip: '10.0.0.1',
      labels: [2],
      esi: '01:00:00:00:00:00:00:00:00:00',
    });
    assert.equal(a.key, b.key);
    assert.equal(a.key, '2|1.2.3.4:5|0|aa:bb:cc:dd:ee:ff|10.0.0.1');
    assert.equal(evpnIpPrefix({ rd: '1:1', prefix: '10.1.2.3/16', label: 1 }).prefix, '10.1.0.0/16');
  });

  it('rejects wrong lengths inside a route (RFC 7432 7, RFC 7606 5.3)', () => {
    const bad = (b: Uint8Array): void => {
      assert.throws(() => evpn.decode(b), wire(ERR.update, UPDATE_ERR.invalidNetworkField));
    };
    bad(hex`02 21 00017f0000020064 00000000000000000000 00000000 2f aabbccddee02 00 002774  # MAC length 47`);
    bad(hex`02 22 00017f0000020064 00000000000000000000 00000000 30 aabbccddee02 08 00 002774 # IP length 8`);
    bad(hex`03 12 00017f0000020064 00000000 20 c0000202 00  # one extra octet`);
    bad(hex`05 23 0000fde800000037 00000000000000000000 00000000 18 0a370000 00000000 0157c1 00 # 35 octets`);
  });
});
