import assert from 'node:assert/strict';
import { Framer } from '../../../src/bgp/codec/framer.js';
import { encodeUpdate } from '../../../src/bgp/codec/message.js';
import { ERR, HEADER_ERR } from '../../../src/bgp/codec/notify.js';
import { corpus, ctx, hex, toHex, wire } from './helpers.js';
import { SAMPLES } from './samples.js';

const FIXTURES = [...corpus().map((c) => c.bytes), ...SAMPLES.map((s) => encodeUpdate(s.update, s.ctx))];

function drain(f: Framer): string[] {
  return [...f.frames()].map((b) => toHex(b));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('Framer', () => {
  it('returns each fixture split at every byte offset', () => {
    for (const msg of FIXTURES) {
      for (let cut = 0; cut <= msg.length; cut++) {
        const f = new Framer();
        f.push(msg.subarray(0, cut));
        const first = drain(f);
        f.push(msg.subarray(cut));
        const all = [...first, ...drain(f)];
        assert.deepEqual(all, [toHex(msg)], `cut at ${cut}`);
        assert.equal(f.buffered, 0);
      }
    }
  });

  it('splits several messages coalesced into one chunk, and into 1-octet chunks', () => {
    const whole = concat(FIXTURES);
    const f = new Framer();
    f.push(whole);
    assert.deepEqual(
      drain(f),
      FIXTURES.map((m) => toHex(m)),
    );
    const g = new Framer();
    const out: string[] = [];
    for (let i = 0; i < 3000; i++) {
      g.push(whole.subarray(i, i + 1));
      out.push(...drain(g));
    }
    g.push(whole.subarray(3000));
    out.push(...drain(g));
    assert.deepEqual(
      out,
      FIXTURES.map((m) => toHex(m)),
    );
  });

  it('returns views of the chunk when a message lies within it (no copy)', () => {
    const first = FIXTURES[0];
    assert.ok(first !== undefined);
    const f = new Framer();
    f.push(first);
    assert.equal(f.next()?.buffer, first.buffer);
  });

  it('rejects a bad marker with 1/1 (RFC 4271 6.1), and keeps failing', () => {
    const f = new Framer();
    f.push(hex`ffffffffffffffffffffffffffff00ff 0013 04  # marker octet 15 is 0`);
    assert.throws(() => f.next(), wire(ERR.header, HEADER_ERR.connectionNotSynchronized, 'session-reset'));
    assert.throws(() => f.next(), wire(ERR.header, HEADER_ERR.connectionNotSynchronized));
  });

  it('rejects lengths below 19 or above the maximum with 1/2 and the length as data', () => {
    for (const [len, max] of [
      ['0012', 4096],
      ['1001', 4096],
      ['ffff', 4096],
    ] as const) {
      const f = new Framer(max);
      f.push(hex`ffffffffffffffffffffffffffffffff ${len} 02  # marker, length, UPDATE`);
      assert.throws(
        () => f.next(),
        (e) =>
          wire(ERR.header, HEADER_ERR.badMessageLength)(e) && toHex((e as { data: Uint8Array }).data) === len,
      );
    }
  });

  it('accepts 65,535-octet messages once extended messages are negotiated (RFC 8654)', () => {
    const big = new Uint8Array(5000).fill(0xff);
    big.set([0x13, 0x88, 4], 16); // length 5000, type 4 (the framer does not check the type)
    const f = new Framer();
    f.push(big.subarray(0, 19));
    assert.throws(() => f.next(), wire(ERR.header, HEADER_ERR.badMessageLength));
    const g = new Framer();
    g.maxLength = 65535;
    g.push(big);
    assert.equal(g.next()?.length, 5000);
    assert.equal(g.maxLength, 65535);
  });

  it('ignores empty chunks and waits for a full header', () => {
    const f = new Framer();
    f.push(new Uint8Array(0));
    f.push(hex`ffff`);
    assert.equal(f.next(), undefined);
    assert.equal(f.buffered, 2);
    assert.ok(ctx().asn4);
  });
});
