/**
 * eBGP with a real gobgpd 3.10 (AS 65001) and our speaker (AS 64512) on loopback: what we send
 * an external peer has our AS prepended, our address as next hop and no LOCAL_PREF (RFC 4271
 * 5.1.2, 5.1.3, 5.1.5); what it sends us carries its AS and enters our RIB; routes learned from
 * it are never passed to another eBGP peer.
 */
import assert from 'node:assert/strict';
import { FAMILY, rawFromLabel, vpnNlri } from '../../src/bgp/codec/index.js';
import { Speaker } from '../../src/daemon/speaker.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { Rib } from '../../src/rib/rib.js';
import type { LocalSource, PeerSource } from '../../src/rib/types.js';
import { Gobgpd, freePort, hasGobgpd } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const VRF: LocalSource = { kind: 'local', owner: 'vrf-1' };
/** Attribute type codes in gobgp's JSON. */
const AS_PATH = 2;
const NEXT_HOP_MP = 14;
const LOCAL_PREF = 5;

describe('interop: eBGP with gobgpd 3.10', function () {
  this.timeout(40000);
  let gobgp: Gobgpd | undefined;
  let speaker: Speaker | undefined;
  let rib: Rib;

  before(function () {
    if (!hasGobgpd()) this.skip();
  });

  afterEach(async () => {
    await speaker?.stop();
    await gobgp?.stop();
    speaker = undefined;
    gobgp = undefined;
  });

  it('prepends our AS, sets next hop self, drops LOCAL_PREF; learns its routes with its AS', async () => {
    const port = await freePort('127.0.0.1');
    gobgp = new Gobgpd({
      as: 65001,
      routerId: '127.0.0.1',
      listen: '127.0.0.1',
      port,
      neighbors: [{ address: '127.0.0.2', peerAs: 64512, passive: true, families: ['l3vpn-ipv4-unicast'] }],
    });
    await gobgp.start();
    rib = new Rib();
    speaker = new Speaker({ rib, clock: systemClock, log: silentLogger, localAddress: '127.0.0.2' });
    rib.set({
      family: FAMILY.ipv4Vpn,
      nlri: vpnNlri('64512:1', '10.1.0.1/32', [rawFromLabel(100)]),
      attributes: {
        origin: 0,
        asPath: [],
        localPref: 300,
        extCommunities: [{ type: 'route-target', value: '64512:1' }],
      },
      nextHop: '10.9.9.9',
      source: VRF,
    });
    speaker.setPeers([
      peerConfig({
        peerAddress: '127.0.0.1',
        port,
        peerAs: 65001,
        routerId: '127.0.0.2',
        localAddress: '127.0.0.2',
        families: [FAMILY.ipv4Vpn],
        ttl: 1,
      }),
    ]);
    const g = gobgp;
    const [path] = await waitFor(
      async () => {
        const p = await g.paths('vpnv4');
        return p.length > 0 ? p : undefined;
      },
      20000,
      { what: 'our route at gobgpd' },
    );
    const attr = (type: number) => path?.attrs.find((a) => a.type === type);
    assert.deepEqual(attr(AS_PATH)?.['as_paths'], [{ segment_type: 2, num: 1, asns: [64512] }]);
    assert.equal(attr(NEXT_HOP_MP)?.['nexthop'], '127.0.0.2', 'next hop self towards an eBGP peer');
    assert.equal(attr(LOCAL_PREF), undefined, 'no LOCAL_PREF to an eBGP peer');

    await g.cli(
      'global',
      'rib',
      'add',
      '-a',
      'vpnv4',
      '10.2.0.0/24',
      'label',
      '200',
      'rd',
      '65001:7',
      'rt',
      '64512:1',
    );
    const from: PeerSource = {
      kind: 'peer',
      address: '127.0.0.1',
      peerAs: 0,
      localAs: 0,
      bgpId: '',
      rrClient: false,
    };
    const [got] = await waitFor(
      () => {
        const r = [...rib.routesOf(from)].filter((x) => x.family === FAMILY.ipv4Vpn);
        return r.length > 0 ? r : undefined;
      },
      20000,
      { what: 'gobgpd’s route in our RIB' },
    );
    assert.equal(got?.nlri.kind === 'vpn' && got.nlri.prefix, '10.2.0.0/24');
    assert.deepEqual(got?.attributes.asPath?.[0]?.asns, [65001]);
    assert.equal(got.source.kind === 'peer' && got.source.peerAs, 65001);
  });
});
