/**
 * Seeded, reproducible fuzzing (STYLE rule 15): mutations of the real corpus and of our own
 * encodings (bit flips, truncations, length-field edits, insertions, deletions). The decoder
 * may only throw `WireError`, each with a valid action and a known NOTIFICATION code/subcode,
 * and so must every problem it reports. Set FUZZ_SEED / FUZZ_CASES to replay or go longer.
 */
import assert from 'node:assert/strict';
import { Framer } from '../../../src/bgp/codec/framer.js';
import { FAMILY, type CodecContext } from '../../../src/bgp/codec/context.js';
import { WireError } from '../../../src/bgp/codec/errors.js';
import { decodeMessage, encodeMessage, encodeUpdate } from '../../../src/bgp/codec/message.js';
import { BgpdError } from '../../../src/lib/errors.js';
import { corpus, ctx, isProperError, toHex } from './helpers.js';
import { SAMPLES } from './samples.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const CASES = Number(process.env['FUZZ_CASES'] ?? 120_000);

/** mulberry32: small, fast, good enough, and reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: readonly Uint8Array[] = [
  ...corpus().map((c) => c.bytes),
  ...SAMPLES.map((s) => encodeUpdate(s.update, s.ctx)),
];
const CONTEXTS: readonly CodecContext[] = [
  ctx(),
  ctx({ asn4: false }),
  ctx({ addPath: new Set([FAMILY.ipv4Unicast, FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc]) }),
  ctx({ extendedMessage: true }),
];

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rnd() * n);
  let b = Uint8Array.from(src);
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const at = 19 + int(Math.max(1, b.length - 19));
    switch (int(6)) {
      case 0: // bit flips
        b[Math.min(at, b.length - 1)] = (b[Math.min(at, b.length - 1)] ?? 0) ^ (1 << int(8));
        break;
      case 1: // truncation
        b = b.slice(0, Math.max(19, at));
        break;
      case 2: // a length-like field: one octet set to a small, boundary or random value
        b[Math.min(at, b.length - 1)] =
          [0, 1, 2, 3, 4, 0x20, 0x30, 0x60, 0x70, 0x80, 0xff, int(256)][int(12)] ?? 0;
        break;
      case 3: // a 2-octet length edited by +-1..3
        if (at + 1 < b.length) {
          const v = (((b[at] ?? 0) << 8) | (b[at + 1] ?? 0)) + int(7) - 3;
          b.set([(v >>> 8) & 255, v & 255], at);
        }
        break;
      case 4: {
        // insertion of 1-4 random octets
        const ins = Uint8Array.from({ length: 1 + int(4) }, () => int(256));
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      default: // deletion of 1-4 octets
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + int(4))]);
    }
  }
  // Most of the time fix the header length so that the body gets parsed.
  if (rnd() < 0.85 && b.length >= 19) b.set([(b.length >>> 8) & 255, b.length & 255], 16);
  return b;
}

function check(e: unknown, input: Uint8Array): void {
  if (!(e instanceof WireError) || !isProperError(e)) {
    assert.fail(
      `input ${toHex(input)} threw ${e instanceof Error ? `${e.name}: ${e.stack ?? e.message}` : String(e)}`,
    );
  }
}

describe('fuzz', function () {
  this.timeout(60000);

  it(`decodes ${CASES} mutated messages (seed ${SEED}) throwing only proper WireErrors`, () => {
    const rnd = prng(SEED);
    const stats = { ok: 0, problems: 0, thrown: 0, reencoded: 0 };
    for (let i = 0; i < CASES; i++) {
      const input = mutate(SEEDS[i % SEEDS.length] ?? new Uint8Array(), rnd);
      const c = CONTEXTS[i % CONTEXTS.length] ?? ctx();
      try {
        const m = decodeMessage(input, c);
        stats.ok++;
        if (m.type === 'update' && m.problems.length > 0) {
          stats.problems++;
          for (const p of m.problems) check(p, input);
          assert.ok(m.action !== 'session-reset');
        }
        try {
          encodeMessage(m, c);
          stats.reencoded++;
        } catch (e) {
          if (!BgpdError.is(e)) assert.fail(`re-encoding ${toHex(input)} threw ${String(e)}`);
        }
      } catch (e) {
        stats.thrown++;
        check(e, input);
      }
    }
    assert.ok(
      stats.ok > CASES / 10 && stats.thrown > CASES / 10 && stats.problems > 100,
      JSON.stringify(stats),
    );
  });

  it('frames random chunkings of mutated streams throwing only WireErrors', () => {
    const rnd = prng(SEED + 1);
    for (let i = 0; i < 2000; i++) {
      const input = mutate(SEEDS[i % SEEDS.length] ?? new Uint8Array(), rnd);
      const f = new Framer();
      try {
        for (let at = 0; at < input.length;) {
          const n = 1 + Math.floor(rnd() * 40);
          f.push(input.subarray(at, at + n));
          at += n;
          for (const frame of f.frames()) decodeMessage(frame, ctx());
        }
      } catch (e) {
        check(e, input);
      }
    }
  });
});
