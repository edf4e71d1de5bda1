import assert from 'node:assert/strict';
import { FAMILY, ORIGIN, rtcNlri } from '../../src/bgp/codec/index.js';
import { SpecError } from '../../src/lib/errors.js';
import { Rib } from '../../src/rib/rib.js';
import {
  applyChange,
  initialInterests,
  PeerRtcFilter,
  RTC_SOURCE,
  RtcOriginator,
  rtcCovers,
} from '../../src/rib/rtc.js';
import { ANY_RT } from '../../src/rib/types.js';
import { LOCAL_AS, peer, recorder, vpn, withRts } from './helpers.js';

const advertised = (rib: Rib): string[] =>
  rib
    .routesOf(RTC_SOURCE)
    .map((r) => r.nlri.key)
    .sort();
const originator = (rib: Rib, originateDefault?: boolean): RtcOriginator =>
  new RtcOriginator({
    rib,
    localAs: LOCAL_AS,
    nextHop: '192.0.2.254',
    ...(originateDefault === undefined ? {} : { originateDefault }),
  });

describe('RtcOriginator (RFC 4684)', () => {
  it('publishes one route per imported RT: origin AS = local AS, ORIGIN IGP, empty AS_PATH, next hop local', () => {
    const rib = new Rib();
    originator(rib).setImports('ipvpn-1', ['64512:1', '64512:2', '64512:1']);
    assert.deepEqual(advertised(rib), ['64512:64512:1', '64512:64512:2']);
    const r = rib.get(RTC_SOURCE, FAMILY.rtc, rtcNlri(LOCAL_AS, '64512:1').key);
    assert.deepEqual(r?.nlri, rtcNlri(LOCAL_AS, '64512:1'));
    assert.equal(r.family, FAMILY.rtc);
    assert.equal(r.nextHop, '192.0.2.254');
    assert.deepEqual(r.source, { kind: 'local', owner: 'rtc' });
    assert.deepEqual(r.attributes, { origin: ORIGIN.igp, asPath: [] });
  });

  it('keeps an RT advertised while any owner imports it (the original withdrew it too early)', () => {
    const rib = new Rib();
    const o = originator(rib);
    o.setImports('evpn-1', ['64512:100']);
    o.setImports('ipvpn-1', ['64512:100', '64512:200']);
    o.release('evpn-1');
    assert.deepEqual(advertised(rib), ['64512:64512:100', '64512:64512:200']);
    o.setImports('ipvpn-1', ['64512:200']);
    assert.deepEqual(advertised(rib), ['64512:64512:200'], 'withdrawn when the last importer goes');
    o.release('ipvpn-1');
    assert.deepEqual(advertised(rib), []);
    assert.deepEqual(o.routeTargets(), []);
  });

  it('replaces an owner set as a whole and counts each owner once per RT', () => {
    const rib = new Rib();
    const o = originator(rib);
    o.setImports('a', ['64512:1']);
    o.setImports('a', ['64512:1']);
    o.setImports('b', ['64512:1']);
    o.setImports('a', []);
    assert.deepEqual(o.routeTargets(), ['64512:1']);
    o.release('b');
    assert.deepEqual(o.routeTargets(), []);
  });

  it('never originates the default route unless configured, then keeps it until close', () => {
    const rib = new Rib();
    const o = originator(rib);
    o.setImports('a', ['64512:1']);
    assert.ok(rib.routesOf(RTC_SOURCE).every((r) => r.nlri.kind === 'rtc' && r.nlri.prefixLength === 96));
    o.close();
    assert.deepEqual(advertised(rib), []);
    const withDefault = originator(rib, true);
    assert.deepEqual(advertised(rib), ['default']);
    withDefault.setImports('a', ['64512:1']);
    withDefault.release('a');
    assert.deepEqual(advertised(rib), ['default']);
    withDefault.close();
    assert.deepEqual(advertised(rib), []);
  });

  it('rejects an RT that is not one, naming the owner, and changes nothing', () => {
    const rib = new Rib();
    const o = originator(rib);
    for (const bad of ['64512', '*', 'x:1'])
      assert.throws(
        () => {
          o.setImports('vpn-7', ['64512:1', bad]);
        },
        (e) => e instanceof SpecError && e.code === 'BGPD_ERR_SPEC' && e.path === 'vpn-7.importRTs',
      );
    assert.equal(rib.size, 0);
  });
});

describe('rtcCovers (RFC 4684 4 prefix matching)', () => {
  it('/0 and /32 cover every RT: the origin AS is not part of a route RT', () => {
    assert.equal(rtcCovers(rtcNlri(), '64512:1'), true);
    assert.equal(rtcCovers(rtcNlri(65000), '10.0.0.1:5'), true);
  });

  it('/96 covers exactly its RT, type octets included', () => {
    assert.equal(rtcCovers(rtcNlri(65000, '64512:1'), '64512:1'), true);
    assert.equal(rtcCovers(rtcNlri(65000, '64512:1'), '64512:2'), false);
    assert.equal(rtcCovers(rtcNlri(65000, '64512:1'), '64512L:1'), false, '2-octet vs 4-octet AS type');
    assert.equal(rtcCovers(rtcNlri(1, '64512:1'), '64512:1'), true, 'whatever the origin AS');
  });

  it('/33 to /95 cover the RTs sharing the leading bits', () => {
    // /64: type 0x00, subtype 0x02, AS 64512 (the global administrator): every 64512:x.
    assert.equal(rtcCovers(rtcNlri(65000, '64512:0', 64), '64512:77'), true);
    assert.equal(rtcCovers(rtcNlri(65000, '64512:0', 64), '64513:77'), false);
    // /53: type, subtype and the top 5 bits of the AS (0xf800 and 0xfc00 share them).
    assert.equal(rtcCovers(rtcNlri(65000, '63488:0', 53), '64512:1'), true);
    assert.equal(rtcCovers(rtcNlri(65000, '63488:0', 53), '1:1'), false);
    // /40: the type octet only (0x00 = 2-octet AS): not an IPv4-admin RT (0x01).
    assert.equal(rtcCovers(rtcNlri(65000, '0x0000000000000000', 40), '64512:1'), true);
    assert.equal(rtcCovers(rtcNlri(65000, '0x0000000000000000', 40), '10.0.0.1:1'), false);
  });
});

describe('PeerRtcFilter', () => {
  it('holds the RTs of the /96 routes, counting several origin ASes per RT', () => {
    const f = new PeerRtcFilter();
    assert.deepEqual(f.add(rtcNlri(65000, '64512:1')), { add: ['64512:1'], remove: [] });
    assert.deepEqual(f.add(rtcNlri(65001, '64512:1')), { add: [], remove: [] });
    assert.deepEqual(f.add(rtcNlri(65000, '64512:1')), { add: [], remove: [] }, 'again: nothing');
    assert.deepEqual(f.add(rtcNlri(65000, '64512:2')), { add: ['64512:2'], remove: [] });
    assert.deepEqual(f.interests(), ['64512:1', '64512:2']);
    assert.deepEqual(f.remove(rtcNlri(65000, '64512:1')), { add: [], remove: [] });
    assert.deepEqual(f.remove(rtcNlri(65001, '64512:1')), { add: [], remove: ['64512:1'] });
    assert.deepEqual(f.remove(rtcNlri(65001, '64512:1')), { add: [], remove: [] }, 'unknown: nothing');
    assert.equal(f.matches('64512:2'), true);
    assert.equal(f.matches('64512:1'), false);
  });

  it('a default route from the peer means every RT, until it is withdrawn', () => {
    const f = new PeerRtcFilter();
    f.add(rtcNlri(65000, '64512:1'));
    assert.deepEqual(f.add(rtcNlri()), { add: [ANY_RT], remove: ['64512:1'] });
    assert.equal(f.wantsAll, true);
    assert.deepEqual(f.add(rtcNlri(65000, '64512:2')), { add: [], remove: [] });
    assert.equal(f.matches('10.0.0.1:9'), true);
    assert.deepEqual(f.remove(rtcNlri()), { add: ['64512:1', '64512:2'], remove: [ANY_RT] });
    assert.deepEqual(f.interests(), ['64512:1', '64512:2']);
  });

  it('a /32 or a partial prefix asks for every RT (a superset); matches() stays exact', () => {
    const f = new PeerRtcFilter();
    assert.deepEqual(f.add(rtcNlri(65000, '64512:0', 64)), { add: [ANY_RT], remove: [] });
    assert.equal(f.matches('64512:5'), true);
    assert.equal(f.matches('64513:5'), false);
    assert.deepEqual(f.add(rtcNlri(65000)), { add: [], remove: [] });
    assert.equal(f.matches('64513:5'), true);
    f.remove(rtcNlri(65000));
    assert.deepEqual(f.remove(rtcNlri(65000, '64512:0', 64)), { add: [], remove: [ANY_RT] });
  });

  it('ignores a /96 whose octets are not a route target', () => {
    const f = new PeerRtcFilter();
    assert.deepEqual(f.add(rtcNlri(65000, '0x0003000000000001')), { add: [], remove: [] });
    assert.deepEqual(f.interests(), []);
  });

  it('clear() drops every interest', () => {
    const f = new PeerRtcFilter();
    f.add(rtcNlri(65000, '64512:1'));
    assert.deepEqual(f.clear(), { add: [], remove: ['64512:1'] });
    assert.deepEqual(f.interests(), []);
  });
});

describe('initial interests and applying changes', () => {
  const families = [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc, FAMILY.ipv4Unicast];

  it('without RTC: every negotiated family gets everything', () => {
    const m = initialInterests([FAMILY.ipv4Vpn, FAMILY.evpn], false);
    assert.deepEqual(
      [...m],
      [
        [FAMILY.ipv4Vpn, [ANY_RT]],
        [FAMILY.evpn, [ANY_RT]],
      ],
    );
  });

  it('with RTC: nothing on VPN families until RTC routes arrive, everything on RTC', () => {
    const m = initialInterests(families, true);
    assert.deepEqual(m.get(FAMILY.ipv4Vpn), []);
    assert.deepEqual(m.get(FAMILY.evpn), []);
    assert.deepEqual(m.get(FAMILY.rtc), [ANY_RT]);
    assert.deepEqual(m.get(FAMILY.ipv4Unicast), [ANY_RT]);
  });

  it('a peer turning to the default route gets the missing routes only, and nothing flaps', () => {
    const rib = new Rib();
    const p = peer('192.0.2.1');
    rib.set(vpn(p, '10.0.0.0/24', withRts(['64512:1'])));
    rib.set(vpn(p, '10.0.1.0/24', withRts(['64512:2'])));
    rib.set(vpn(p, '10.0.2.0/24', withRts(['64512:2']), { family: FAMILY.evpn }));
    const rec = recorder();
    const sub = rib.subscribe(rec.listener);
    const vpnFamilies = [FAMILY.ipv4Vpn, FAMILY.evpn];
    const f = new PeerRtcFilter();
    applyChange(sub, vpnFamilies, f.add(rtcNlri(65000, '64512:1')));
    assert.deepEqual(rec.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
    rec.events.length = 0;
    applyChange(sub, vpnFamilies, f.add(rtcNlri()));
    assert.deepEqual(rec.lines().sort(), [
      'add 10.0.1.0/24 peer:192.0.2.1',
      'add 10.0.2.0/24 peer:192.0.2.1',
    ]);
    rec.events.length = 0;
    applyChange(sub, vpnFamilies, f.remove(rtcNlri()));
    assert.deepEqual(rec.lines().sort(), [
      'remove 10.0.1.0/24 peer:192.0.2.1',
      'remove 10.0.2.0/24 peer:192.0.2.1',
    ]);
  });
});
