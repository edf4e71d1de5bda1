import assert from 'node:assert/strict';
import { Framer } from '../../../src/bgp/codec/framer.js';
import { decodeMessage } from '../../../src/bgp/codec/message.js';
import { evpnMacIp, vpnNlri } from '../../../src/bgp/codec/nlri/build.js';
import { rawFromLabel } from '../../../src/bgp/codec/nlri/label.js';
import { packReach, packUnreach } from '../../../src/bgp/codec/pack.js';
import { EncodeError } from '../../../src/bgp/codec/errors.js';
import { ctx } from './helpers.js';

const routes = Array.from({ length: 1000 }, (_, i) =>
  vpnNlri('65000:1', `10.${i >> 8}.${i & 255}.0/24`, [rawFromLabel(16 + i)]),
);
const attrs = {
  origin: 0,
  asPath: [],
  localPref: 100,
  extCommunities: [{ type: 'route-target', value: '65000:1' }],
} as const;

describe('packing UPDATEs', () => {
  it('fills messages up to 4,096 octets and loses no route', () => {
    const msgs = packReach(attrs, { afi: 1, safi: 128, nextHop: '192.0.2.1', nlri: routes }, ctx());
    assert.equal(msgs.length, 4);
    assert.ok(msgs.every((m) => m.length <= 4096));
    const back = msgs.flatMap((m) => {
      const d = decodeMessage(m, ctx());
      assert.ok(d.type === 'update');
      assert.deepEqual(d.update.attributes, attrs);
      return d.update.mpReach?.nlri ?? [];
    });
    assert.deepEqual(back, routes);
  });

  it('uses 65,535-octet messages with extended messages and packs withdrawals', () => {
    assert.equal(
      packReach(
        attrs,
        { afi: 1, safi: 128, nextHop: '192.0.2.1', nlri: routes },
        ctx({ extendedMessage: true }),
      ).length,
      1,
    );
    const un = packUnreach(1, 128, routes, ctx());
    const f = new Framer();
    for (const m of un) f.push(m);
    const keys = [...f.frames()].flatMap((m) => {
      const d = decodeMessage(m, ctx());
      return d.type === 'update' ? (d.update.mpUnreach?.nlri.map((n) => n.key) ?? []) : [];
    });
    assert.deepEqual(
      keys,
      routes.map((r) => r.key),
    );
    assert.equal(packUnreach(25, 70, [], ctx()).length, 1);
  });

  it('packs EVPN and refuses what cannot fit', () => {
    const macs = Array.from({ length: 300 }, (_, i) =>
      evpnMacIp({
        rd: '1.2.3.4:1',
        mac: `02:00:00:00:${(i >> 8).toString(16)}:${(i & 255).toString(16)}`,
        labels: [10100],
      }),
    );
    assert.equal(packReach(attrs, { afi: 25, safi: 70, nextHop: '192.0.2.1', nlri: macs }, ctx()).length, 3);
    const huge = { ...attrs, communities: Array.from({ length: 1100 }, (_, i) => `1:${i}`) };
    assert.throws(
      () => packReach(huge, { afi: 1, safi: 128, nextHop: '192.0.2.1', nlri: routes }, ctx()),
      EncodeError,
    );
    assert.throws(() => packUnreach(1, 7, routes, ctx()), EncodeError);
  });
});
