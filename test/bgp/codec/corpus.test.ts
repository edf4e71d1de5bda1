/**
 * The 47 real messages of test/fixtures/codec/gobgp-exabgp-session.hex (gobgpd 3.10 and
 * exabgp 4.2): all decode cleanly with the right values, and re-encode to the same bytes, or,
 * where the capture is not canonical, to the same attributes in RFC 7606 5.1 order.
 */
import assert from 'node:assert/strict';
import { Reader } from '../../../src/lib/reader.js';
import { decodeMessage, encodeMessage, type Message } from '../../../src/bgp/codec/message.js';
import { rawFromLabel } from '../../../src/bgp/codec/nlri/label.js';
import { corpus, ctx, toHex } from './helpers.js';

const messages = corpus();
const decoded = messages.map((m) => decodeMessage(m.bytes, ctx()));

function update(i: number): Extract<Message, { type: 'update' }>['update'] {
  const m = decoded[i];
  assert.ok(m?.type === 'update', `message ${i} is an UPDATE`);
  return m.update;
}

/** Withdrawn routes, NLRI, and each attribute as "flags:code:value" (extended-length bit ignored), sorted. */
function parts(bytes: Uint8Array): { withdrawn: string; nlri: string; attributes: string[] } {
  const r = new Reader(bytes, 19);
  const withdrawn = toHex(r.bytes(r.u16()));
  const a = r.sub(r.u16());
  const attributes: string[] = [];
  while (!a.done) {
    const flags = a.u8();
    const code = a.u8();
    const len = flags & 0x10 ? a.u16() : a.u8();
    attributes.push(`${flags & 0xef}:${code}:${toHex(a.bytes(len))}`);
  }
  return { withdrawn, nlri: toHex(r.rest()), attributes: attributes.sort() };
}

describe('gobgpd/exabgp session corpus', () => {
  it('has the 47 messages and decodes them all without problems', () => {
    assert.equal(messages.length, 47);
    const types = decoded.map((m) => m.type);
    assert.deepEqual(
      Object.fromEntries(
        ['open', 'update', 'notification', 'keepalive'].map((t) => [t, types.filter((x) => x === t).length]),
      ),
      { open: 6, update: 31, notification: 2, keepalive: 8 },
    );
    for (const m of decoded) if (m.type === 'update') assert.deepEqual(m.problems, []);
  });

  it('decodes the right values (spot checks)', () => {
    assert.deepEqual(decoded[0], { type: 'notification', code: 6, subcode: 4, data: new Uint8Array(0) });
    const rtc = update(1);
    assert.deepEqual(rtc.mpReach?.nlri[0], {
      kind: 'rtc',
      key: '65000:65000:100',
      prefixLength: 96,
      originAs: 65000,
      routeTarget: '65000:100',
    });
    assert.equal(rtc.attributes.originatorId, '127.0.0.1');
    assert.deepEqual(update(3).mpUnreach?.nlri[0], {
      kind: 'vpn',
      key: '127.0.0.4:100:10.4.1.0/24',
      rd: '127.0.0.4:100',
      prefix: '10.4.1.0/24',
      labels: [rawFromLabel(400)],
    });
    const open = decoded[6];
    assert.ok(open?.type === 'open');
    assert.equal(open.bgpId, '127.0.0.1');
    assert.deepEqual(
      open.capabilities.filter((c) => c.type === 'multiprotocol').map((c) => `${c.afi}/${c.safi}`),
      ['1/1', '1/128', '25/70', '1/132'],
    );
    assert.deepEqual(open.capabilities[1], { type: 'fqdn', hostname: 'vm', domain: '' });
    const exa = decoded[7];
    assert.ok(exa?.type === 'open');
    assert.deepEqual(
      exa.capabilities.slice(-3).map((c) => c.type),
      ['route-refresh', 'enhanced-route-refresh', 'extended-message'],
    );
    const mac = update(14);
    assert.deepEqual(mac.mpReach?.nlri[0], {
      kind: 'evpn',
      route: 'mac-ip',
      key: '2|127.0.0.2:100|0|aa:bb:cc:dd:ee:01|10.0.0.1',
      rd: '127.0.0.2:100',
      esi: '00:00:00:00:00:00:00:00:00:00',
      etag: 0,
      mac: 'aa:bb:cc:dd:ee:01',
      ip: '10.0.0.1',
      labels: [10100],
    });
    assert.deepEqual(mac.attributes.extCommunities, [
      { type: 'route-target', value: '65000:100' },
      { type: 'encapsulation', tunnelType: 8 },
    ]);
    const imet = update(13);
    assert.deepEqual(imet.attributes.pmsiTunnel, {
      flags: 0,
      tunnelType: 6,
      label: 10100,
      tunnelId: '127.0.0.2',
    });
    assert.equal(imet.mpReach?.nlri[0]?.key, '3|127.0.0.2:100|0|127.0.0.2');
    const v4 = update(15);
    assert.deepEqual(v4.nlri, [{ kind: 'prefix', key: '198.51.100.0/24', prefix: '198.51.100.0/24' }]);
    assert.equal(v4.attributes.nextHop, '192.0.2.4');
    assert.deepEqual(update(20).mpUnreach, { afi: 1, safi: 128, nlri: [] });
    assert.deepEqual(update(21).mpUnreach, { afi: 25, safi: 70, nlri: [] });
    assert.equal(update(11).attributes.med, 10);
    assert.deepEqual(update(19), { withdrawn: [], attributes: {}, nlri: [] });
  });

  it('re-encodes: identical bytes where canonical, same attributes otherwise', () => {
    let identical = 0;
    messages.forEach((m, i) => {
      const d = decoded[i];
      assert.ok(d !== undefined);
      const again = encodeMessage(d, ctx());
      assert.deepEqual(decodeMessage(again, ctx()), d, `line ${m.line} decodes back to the same value`);
      if (toHex(again) === toHex(m.bytes)) {
        identical++;
        return;
      }
      // Not canonical: attribute order (RFC 7606 5.1 puts MP_REACH first), an extended length on
      // a short attribute (exabgp), or one capability per optional parameter (exabgp's OPEN).
      if (d.type === 'update') assert.deepEqual(parts(again), parts(m.bytes), `line ${m.line}`);
      else assert.equal(d.type, 'open', `line ${m.line}`);
    });
    assert.equal(identical, 20);
  });
});
