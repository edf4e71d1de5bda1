import assert from 'node:assert/strict';
import { Writer } from '../../src/lib/writer.js';

describe('Writer', () => {
  it('back-patches lengths and grows', () => {
    const w = new Writer(16);
    const m = w.reserve(2);
    for (let i = 0; i < 100; i++) w.u8(i);
    w.patchLength(m);
    const out = w.finish();
    assert.equal(out.length, 102);
    assert.equal((out[0]! << 8) | out[1]!, 100);
    assert.equal(out[101], 99);
  });

  it('refuses a length that does not fit', () => {
    const w = new Writer();
    const m = w.reserve(1);
    w.bytes(new Uint8Array(300));
    assert.throws(() => {
      w.patchLength(m);
    }, RangeError);
  });
});
