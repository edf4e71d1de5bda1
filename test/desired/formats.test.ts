import assert from 'node:assert/strict';
import {
  canonicalAdminAssigned,
  canonicalPrefix,
  formatCheckers,
  parseAdminAssigned,
} from '../../src/desired/formats.js';

const check = (format: string, text: string): boolean => formatCheckers[format]?.(text) ?? false;

describe('formats', () => {
  it('parses route targets by type, with ranges', () => {
    assert.deepEqual(parseAdminAssigned('64512:4294967295'), {
      type: 0,
      admin: '64512',
      assigned: 4294967295,
    });
    assert.deepEqual(parseAdminAssigned('192.0.2.1:65535'), { type: 1, admin: '192.0.2.1', assigned: 65535 });
    assert.deepEqual(parseAdminAssigned('4200000000:65535'), {
      type: 2,
      admin: '4200000000',
      assigned: 65535,
    });
    for (const bad of [
      '64512:4294967296',
      '192.0.2.1:65536',
      '4200000000:65536',
      '4294967296:1',
      '1.2.3:4',
      ':1',
      '1:',
      'a:1',
      '1:2:3',
    ]) {
      assert.equal(parseAdminAssigned(bad), undefined, bad);
      assert.equal(check('route-target', bad), false, bad);
      assert.equal(check('route-distinguisher', bad), false, bad);
    }
    assert.equal(canonicalAdminAssigned('0064512:007'), '64512:7');
  });

  it('checks ip, cidr, mac and port ranges', () => {
    assert.deepEqual(
      ['10.0.0.1', '2001:db8::1', '10.0.0.256', 'x'].map((t) => check('ip', t)),
      [true, true, false, false],
    );
    assert.deepEqual(
      ['10.0.0.0/8', '10.0.0.1', '2001:db8::/129', '10.0.0.0/8/1'].map((t) => check('cidr', t)),
      [true, true, false, false],
    );
    assert.deepEqual(
      ['52:54:00:aa:00:01', '52-54-00-AA-00-01', '5254.00aa.0001', '52:54:00:aa:00'].map((t) =>
        check('mac', t),
      ),
      [true, true, true, false],
    );
    assert.deepEqual(
      ['80', '1024:2048', '65535', '65536', '90:80', '80-90'].map((t) => check('port-range', t)),
      [true, true, true, false, false, false],
    );
  });

  it('makes prefixes canonical', () => {
    assert.equal(canonicalPrefix('2001:DB8:0:0:0::1'), '2001:db8::1/128');
    assert.equal(canonicalPrefix('10.1.0.0/16'), '10.1.0.0/16');
  });
});
