import assert from 'node:assert/strict';
import { formatAdmin, normalizeAdmin, parseAdmin } from '../../../src/bgp/codec/admin.js';

describe('RD / RT strings (admin:assigned)', () => {
  it('parses the three forms', () => {
    assert.deepEqual(parseAdmin('64512:1'), { kind: 0, admin: 64512, assigned: 1 });
    assert.deepEqual(parseAdmin('64512:4294967295'), { kind: 0, admin: 64512, assigned: 4294967295 });
    assert.deepEqual(parseAdmin('10.0.0.1:5'), { kind: 1, admin: 0x0a000001, assigned: 5 });
    assert.deepEqual(parseAdmin('4200000000:7'), { kind: 2, admin: 4200000000, assigned: 7 });
    assert.deepEqual(parseAdmin('64512L:7'), { kind: 2, admin: 64512, assigned: 7 });
  });

  it('rejects what does not fit', () => {
    for (const bad of [
      '',
      '1',
      ':1',
      '1:',
      'a:1',
      '4200000000:65536',
      '10.0.0.1:65536',
      '10.0.0.256:1',
      '01:1',
      '1:-1',
      '4294967296:1',
      '1.2.3:4',
    ]) {
      assert.equal(parseAdmin(bad), undefined, bad);
    }
  });

  it('formats and normalises', () => {
    assert.equal(formatAdmin(2, 65000, 7), '65000L:7');
    assert.equal(formatAdmin(1, 0xc0000201, 9), '192.0.2.1:9');
    assert.equal(normalizeAdmin('65000l:7'), '65000L:7');
    assert.equal(normalizeAdmin('x'), undefined);
  });
});
