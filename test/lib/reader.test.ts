import assert from 'node:assert/strict';
import { Reader } from '../../src/lib/reader.js';
import { BgpdError } from '../../src/lib/errors.js';

describe('Reader', () => {
  it('reads big-endian integers and bounds sub-readers', () => {
    const r = new Reader(Uint8Array.from([1, 0, 2, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 9]));
    assert.equal(r.u8(), 1);
    assert.equal(r.u16(), 2);
    assert.equal(r.u32(), 3);
    assert.equal(r.u32(), 0xffffffff);
    const s = r.sub(1);
    assert.equal(s.u8(), 9);
    assert.throws(
      () => s.u8(),
      (e: unknown) => BgpdError.is(e) && e.code === 'BGPD_ERR_OVERRUN',
    );
    assert.equal(r.done, true);
  });

  it('refuses a sub-reader longer than what is left', () => {
    const r = new Reader(Uint8Array.from([1, 2]));
    assert.throws(
      () => r.sub(3),
      (e: unknown) => BgpdError.is(e) && e.code === 'BGPD_ERR_OVERRUN',
    );
    assert.equal(r.offset, 0);
  });
});
