import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/cli/logger.js';

describe('logger', () => {
  it('redacts passwords and MD5 keys, at the top and nested, and keeps the rest', () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', out);
    log
      .child({ component: 'session' })
      .info({ password: 'p1', peer: { md5Key: 'k1', address: '192.0.2.1' } }, 'up');
    log.info({ spec: { passwordSecretRef: { name: 's', key: 'k' } } }, 'peer');
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(first && second);
    assert.deepEqual(first['password'], '[redacted]');
    assert.deepEqual(first['peer'], { md5Key: '[redacted]', address: '192.0.2.1' });
    assert.equal(first['component'], 'session');
    assert.deepEqual(second['spec'], { passwordSecretRef: { name: 's', key: '[redacted]' } });
    assert.ok(!lines.join('').includes('p1') && !lines.join('').includes('k1'));
  });
});
