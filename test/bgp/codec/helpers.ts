/** Shared test helpers: commented hex fixtures, contexts, and error predicates. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BgpdError } from '../../../src/lib/errors.js';
import { DEFAULT_CONTEXT, type CodecContext, type FamilyKey } from '../../../src/bgp/codec/context.js';
import { WireError, WIRE_ACTIONS, type WireAction } from '../../../src/bgp/codec/errors.js';
import { fromHex, toHex } from '../../../src/bgp/codec/hex.js';
import { isKnownError } from '../../../src/bgp/codec/notify.js';

/**
 * Hex with a comment per field (STYLE rule 15): everything after "#" on a line is ignored, and
 * so is whitespace.
 */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const digits = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '');
  const out = fromHex(digits);
  if (out === undefined) throw new Error(`bad hex fixture: ${digits}`);
  return out;
}

/** A whole message: marker, length, type, body. */
export function message(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.fill(0xff, 0, 16);
  out.set([(out.length >>> 8) & 0xff, out.length & 0xff, type], 16);
  out.set(body, 19);
  return out;
}

export function ctx(over: Partial<CodecContext> = {}): CodecContext {
  return { ...DEFAULT_CONTEXT, ...over };
}

export function addPath(...keys: FamilyKey[]): CodecContext {
  return ctx({ addPath: new Set(keys) });
}

export { toHex };

/** A predicate for `assert.throws`: a WireError with these fields. */
export function wire(errorCode: number, subcode: number, action?: WireAction): (e: unknown) => boolean {
  return (e) => {
    if (!(e instanceof WireError)) throw e;
    if (e.errorCode !== errorCode || e.subcode !== subcode || (action !== undefined && e.action !== action)) {
      throw new Error(`got ${e.errorCode}/${e.subcode} ${e.action} (${e.code}): ${e.message}`);
    }
    return true;
  };
}

/** True when a thrown value is one the decoders may throw, with sane NOTIFICATION fields. */
export function isProperError(e: unknown): boolean {
  if (e instanceof WireError) return WIRE_ACTIONS.includes(e.action) && isKnownError(e.errorCode, e.subcode);
  return BgpdError.is(e);
}

export const fixtures = fileURLToPath(new URL('../../fixtures/codec/', import.meta.url));

export interface CorpusEntry {
  readonly line: number;
  readonly comment: string;
  readonly bytes: Uint8Array;
}

/** The 47 messages captured between gobgpd 3.10 and exabgp 4.2 (interop README section 4). */
export function corpus(): CorpusEntry[] {
  const lines = readFileSync(`${fixtures}gobgp-exabgp-session.hex`, 'utf8').split('\n');
  const out: CorpusEntry[] = [];
  lines.forEach((l, i) => {
    const bytes = /^[0-9a-f]+$/.test(l) ? fromHex(l) : undefined;
    if (bytes !== undefined) out.push({ line: i + 1, comment: lines[i - 1] ?? '', bytes });
  });
  return out;
}
