import assert from 'node:assert/strict';
import { FAMILY, rtcNlri } from '../../src/bgp/codec/index.js';
import { BgpdError } from '../../src/lib/errors.js';
import { Rib } from '../../src/rib/rib.js';
import { ANY_RT, type Route } from '../../src/rib/types.js';
import { local, peer, recorder, vpn, withRts } from './helpers.js';

const P1 = peer('192.0.2.1');
const P2 = peer('192.0.2.2');
const A = withRts(['64512:1']);
const B = withRts(['64512:2']);
const AB = withRts(['64512:1', '64512:2']);

describe('Rib storage', () => {
  it('keeps one route per (source, family, key): set replaces, delete removes', () => {
    const rib = new Rib();
    const r1 = vpn(P1, '10.0.0.0/24', A);
    rib.set(r1);
    rib.set(vpn(P2, '10.0.0.0/24', A));
    assert.equal(rib.size, 2);
    const r1b = vpn(P1, '10.0.0.0/24', B);
    rib.set(r1b);
    assert.equal(rib.size, 2);
    assert.equal(rib.get(P1, FAMILY.ipv4Vpn, r1.nlri.key), r1b);
    assert.deepEqual(
      rib.routesFor(FAMILY.ipv4Vpn, r1.nlri.key).map((r) => r.source),
      [P1, P2],
    );
    assert.equal(rib.delete(P1, FAMILY.ipv4Vpn, r1.nlri.key), true);
    assert.equal(rib.delete(P1, FAMILY.ipv4Vpn, r1.nlri.key), false);
    assert.equal(rib.get(P1, FAMILY.ipv4Vpn, r1.nlri.key), undefined);
    assert.equal(rib.routesFor(FAMILY.ipv4Vpn, r1.nlri.key).length, 1);
    assert.equal(rib.size, 1);
  });

  it('finds a source by its id, not by object identity', () => {
    const rib = new Rib();
    const r = vpn(P1, '10.0.0.0/24', A);
    rib.set(r);
    assert.equal(rib.get(peer('192.0.2.1'), FAMILY.ipv4Vpn, r.nlri.key), r);
    assert.deepEqual(rib.routesOf(peer('192.0.2.1')), [r]);
    assert.deepEqual(rib.routesOf(local('vpn-1')), []);
  });

  it('deleteSource removes every route of the source and announces each', () => {
    const rib = new Rib();
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, ANY_RT);
    rib.set(vpn(P1, '10.0.0.0/24', A));
    rib.set(vpn(P1, '10.0.1.0/24', B));
    rib.set(vpn(P2, '10.0.0.0/24', A));
    rec.events.length = 0;
    assert.equal(rib.deleteSource(P1), 2);
    assert.deepEqual(rec.lines().sort(), [
      'remove 10.0.0.0/24 peer:192.0.2.1',
      'remove 10.0.1.0/24 peer:192.0.2.1',
    ]);
    assert.equal(rib.size, 1);
    assert.equal(rib.deleteSource(P1), 0);
  });
});

describe('Rib storage by route-target group', () => {
  it('setting the route held again changes nothing; a deleted route can be set again', () => {
    const rib = new Rib();
    const rec = recorder();
    const r = vpn(P1, '10.0.0.0/24', A);
    rib.set(r);
    rib.set(r);
    assert.equal(rib.size, 1);
    assert.deepEqual(rib.routesOf(P1), [r]);
    assert.equal(rib.delete(P1, FAMILY.ipv4Vpn, r.nlri.key), true);
    rib.set(r);
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, '64512:1');
    assert.deepEqual(rec.lines(), ['add 10.0.0.0/24 peer:192.0.2.1'], 'replayed once');
    assert.deepEqual(rib.routesOf(P1), [r]);
  });

  it('replaces by source id whatever the source object, across RT sets and attributes objects', () => {
    const rib = new Rib();
    rib.set(vpn(P1, '10.0.0.0/24', A));
    rib.set(vpn(P1, '10.0.1.0/24', withRts(['64512:1'])));
    const moved = vpn(peer('192.0.2.1'), '10.0.0.0/24', B);
    rib.set(moved);
    assert.equal(rib.size, 2);
    assert.equal(rib.get(P1, FAMILY.ipv4Vpn, moved.nlri.key), moved);
    const onA = recorder();
    const onB = recorder();
    rib.subscribe(onA.listener).add(FAMILY.ipv4Vpn, '64512:1');
    rib.subscribe(onB.listener).add(FAMILY.ipv4Vpn, '64512:2');
    assert.deepEqual(onA.lines(), ['add 10.0.1.0/24 peer:192.0.2.1']);
    assert.deepEqual(onB.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
  });

  it('forgets an emptied group: a later interest replays nothing from it', () => {
    const rib = new Rib();
    const r = vpn(P1, '10.0.0.0/24', A);
    rib.set(r);
    rib.set(vpn(P1, '10.0.0.0/24', B));
    rib.set(vpn(P1, '10.0.1.0/24', A));
    rib.delete(P1, FAMILY.ipv4Vpn, vpn(P1, '10.0.1.0/24', A).nlri.key);
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, '64512:1');
    assert.deepEqual(rec.lines(), []);
    rib.set(vpn(P1, '10.0.2.0/24', A));
    assert.deepEqual(rec.lines(), ['add 10.0.2.0/24 peer:192.0.2.1']);
    assert.equal(rib.deleteSource(P1), 2);
    assert.equal(rib.size, 0);
    assert.deepEqual(rib.routesOf(P1), []);
  });
});

describe('Rib subscriptions', () => {
  it('announces a route once per subscriber however many of its RTs match', () => {
    const rib = new Rib();
    const both = recorder();
    const one = recorder();
    const sub = rib.subscribe(both.listener);
    sub.add(FAMILY.ipv4Vpn, '64512:1');
    sub.add(FAMILY.ipv4Vpn, '64512:2');
    rib.subscribe(one.listener).add(FAMILY.ipv4Vpn, '64512:2');
    rib.set(vpn(P1, '10.0.0.0/24', AB));
    assert.deepEqual(both.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
    assert.deepEqual(one.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
  });

  it('hears only its families and RTs; non-RT extended communities never match', () => {
    const rib = new Rib();
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, '64512:1');
    rib.set(vpn(P1, '10.0.0.0/24', B));
    rib.set(vpn(P1, '10.0.1.0/24', A, { family: FAMILY.ipv6Vpn }));
    rib.set(
      vpn(P1, '10.0.2.0/24', withRts([], { extCommunities: [{ type: 'route-origin', value: '64512:1' }] })),
    );
    rib.set(
      vpn(P1, '10.0.3.0/24', withRts([], { extCommunities: [{ type: 'rt-record', value: '64512:1' }] })),
    );
    assert.deepEqual(rec.lines(), []);
  });

  it('matches RTC routes on ANY_RT only', () => {
    const rib = new Rib();
    const byRt = recorder();
    const any = recorder();
    rib.subscribe(byRt.listener).add(FAMILY.rtc, '64512:1');
    rib.subscribe(any.listener).add(FAMILY.rtc, ANY_RT);
    const rtc: Route = {
      family: FAMILY.rtc,
      nlri: rtcNlri(64512, '64512:1'),
      attributes: A,
      nextHop: '192.0.2.1',
      source: P1,
    };
    rib.set(rtc);
    assert.equal(byRt.events.length, 0);
    assert.equal(any.events.length, 1);
  });

  it('compares RTs in the codec canonical form and rejects what is not an RT', () => {
    const rib = new Rib();
    const rec = recorder();
    const sub = rib.subscribe(rec.listener);
    sub.add(FAMILY.ipv4Vpn, '4200000000L:7');
    rib.set(vpn(P1, '10.0.0.0/24', withRts(['4200000000:7'])));
    assert.equal(rec.events.length, 1);
    assert.throws(
      () => {
        sub.add(FAMILY.ipv4Vpn, 'not-an-rt');
      },
      (e) => BgpdError.is(e) && e.code === 'BGPD_ERR_SPEC',
    );
  });

  it('announces a replacement as add, or as remove when the new RTs are out of sight', () => {
    const rib = new Rib();
    const [onA, onB, onBoth] = [recorder(), recorder(), recorder()];
    rib.subscribe(onA.listener).add(FAMILY.ipv4Vpn, '64512:1');
    rib.subscribe(onB.listener).add(FAMILY.ipv4Vpn, '64512:2');
    const s = rib.subscribe(onBoth.listener);
    s.add(FAMILY.ipv4Vpn, '64512:1');
    s.add(FAMILY.ipv4Vpn, '64512:2');
    const first = vpn(P1, '10.0.0.0/24', A);
    rib.set(first);
    rib.set(vpn(P1, '10.0.0.0/24', B));
    assert.deepEqual(onA.lines(), ['add 10.0.0.0/24 peer:192.0.2.1', 'remove 10.0.0.0/24 peer:192.0.2.1']);
    assert.equal(onA.events[1]?.route, first, 'remove carries the route as it was');
    assert.deepEqual(onB.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
    assert.deepEqual(onBoth.lines(), ['add 10.0.0.0/24 peer:192.0.2.1', 'add 10.0.0.0/24 peer:192.0.2.1']);
  });

  it('add() replays what was not visible yet; remove() announces what is no longer visible', () => {
    const rib = new Rib();
    rib.set(vpn(P1, '10.0.0.0/24', A));
    rib.set(vpn(P1, '10.0.1.0/24', B));
    rib.set(vpn(P1, '10.0.2.0/24', AB));
    const rec = recorder();
    const sub = rib.subscribe(rec.listener);
    sub.add(FAMILY.ipv4Vpn, '64512:1');
    assert.deepEqual(rec.lines().sort(), [
      'add 10.0.0.0/24 peer:192.0.2.1',
      'add 10.0.2.0/24 peer:192.0.2.1',
    ]);
    rec.events.length = 0;
    sub.add(FAMILY.ipv4Vpn, '64512:2');
    assert.deepEqual(rec.lines(), ['add 10.0.1.0/24 peer:192.0.2.1']);
    rec.events.length = 0;
    sub.add(FAMILY.ipv4Vpn, '64512:2');
    assert.deepEqual(rec.lines(), [], 'an interest held already replays nothing');
    sub.remove(FAMILY.ipv4Vpn, '64512:1');
    assert.deepEqual(rec.lines(), ['remove 10.0.0.0/24 peer:192.0.2.1']);
    rec.events.length = 0;
    sub.add(FAMILY.ipv4Vpn, ANY_RT);
    assert.deepEqual(rec.lines(), ['add 10.0.0.0/24 peer:192.0.2.1']);
    rec.events.length = 0;
    sub.remove(FAMILY.ipv4Vpn, '64512:2');
    assert.deepEqual(rec.lines(), [], 'still visible through ANY_RT');
    sub.remove(FAMILY.ipv4Vpn, ANY_RT);
    assert.equal(rec.events.length, 3);
    assert.ok(rec.events.every((e) => e.type === 'remove'));
  });

  it('close() is silent and stops every event, also those already queued', () => {
    const rib = new Rib();
    const late = recorder();
    const lateSub = rib.subscribe(late.listener);
    const first = rib.subscribe(() => {
      lateSub.close();
    });
    first.add(FAMILY.ipv4Vpn, ANY_RT);
    lateSub.add(FAMILY.ipv4Vpn, ANY_RT);
    rib.set(vpn(P1, '10.0.0.0/24', A));
    assert.deepEqual(late.lines(), []);
    first.close();
    lateSub.add(FAMILY.ipv4Vpn, ANY_RT);
    rib.delete(P1, FAMILY.ipv4Vpn, vpn(P1, '10.0.0.0/24', A).nlri.key);
    assert.deepEqual(late.lines(), []);
  });

  it('delivers in change order when a listener changes the RIB', () => {
    const rib = new Rib();
    const r = vpn(P1, '10.0.0.0/24', A);
    rib
      .subscribe((e) => {
        if (e.type === 'add') rib.delete(P1, FAMILY.ipv4Vpn, r.nlri.key);
      })
      .add(FAMILY.ipv4Vpn, ANY_RT);
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, ANY_RT);
    rib.set(r);
    assert.deepEqual(rec.lines(), ['add 10.0.0.0/24 peer:192.0.2.1', 'remove 10.0.0.0/24 peer:192.0.2.1']);
    assert.equal(rib.size, 0);
  });

  it('delivers to every subscriber when one throws, then rethrows', () => {
    const rib = new Rib();
    rib
      .subscribe(() => {
        throw new Error('listener bug');
      })
      .add(FAMILY.ipv4Vpn, ANY_RT);
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, ANY_RT);
    assert.throws(() => {
      rib.set(vpn(P1, '10.0.0.0/24', A));
    }, /listener bug/);
    assert.equal(rec.events.length, 1);
    assert.equal(rib.size, 1);
  });
});

describe('Rib graceful restart helper (RFC 4724 4.2)', () => {
  it('marks stale silently, a re-received route clears it, the sweep removes the rest', () => {
    const rib = new Rib();
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, ANY_RT);
    const [r1, r2] = [vpn(P1, '10.0.0.0/24', A), vpn(P1, '10.0.1.0/24', A)];
    rib.set(r1);
    rib.set(r2);
    rib.set(vpn(P2, '10.0.0.0/24', A));
    rec.events.length = 0;
    assert.equal(rib.markStale(P1), 2);
    assert.equal(rec.events.length, 0);
    assert.equal(rib.get(P1, FAMILY.ipv4Vpn, r1.nlri.key)?.stale, true);
    assert.equal(rib.routesFor(FAMILY.ipv4Vpn, r1.nlri.key).filter((r) => r.stale === true).length, 1);
    rib.set(r1);
    assert.equal(rib.get(P1, FAMILY.ipv4Vpn, r1.nlri.key)?.stale, undefined);
    assert.equal(rib.sweepStale(P1), 1);
    assert.deepEqual(rec.lines(), ['add 10.0.0.0/24 peer:192.0.2.1', 'remove 10.0.1.0/24 peer:192.0.2.1']);
    assert.equal(rec.events[1]?.route.stale, true);
    assert.equal(rib.size, 2);
  });

  it('limits marking and sweeping to the families given', () => {
    const rib = new Rib();
    rib.set(vpn(P1, '10.0.0.0/24', A));
    rib.set(vpn(P1, '10.0.0.0/24', A, { family: FAMILY.ipv6Vpn }));
    assert.equal(rib.markStale(P1, [FAMILY.ipv6Vpn]), 1);
    assert.equal(rib.markStale(P1), 2);
    assert.equal(rib.sweepStale(P1, FAMILY.ipv4Vpn), 1);
    assert.equal(rib.size, 1);
    assert.equal(rib.sweepStale(P1), 1);
    assert.equal(rib.size, 0);
  });

  it('keeps the RT index on stale copies: a new subscriber still sees them', () => {
    const rib = new Rib();
    rib.set(vpn(P1, '10.0.0.0/24', A));
    rib.markStale(P1);
    const rec = recorder();
    rib.subscribe(rec.listener).add(FAMILY.ipv4Vpn, '64512:1');
    assert.equal(rec.events[0]?.route.stale, true);
  });
});
