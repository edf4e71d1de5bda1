/**
 * FileStatusSink in a temp directory: node-status.json written atomically only when its text
 * changes, read back for the next run, and a failing filesystem logged, never thrown.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BagpipeNodeStateStatus } from '../../../src/api/gen/index.js';
import { nodeStateFs } from '../../../src/reconcile/rest/atomic.js';
import { FileStatusSink, NODE_STATUS_FILE } from '../../../src/reconcile/status/file-sink.js';
import { TempDir } from '../../desired/fixtures.js';

const status = (peers: number): BagpipeNodeStateStatus => ({
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      lastTransitionTime: '2026-01-01T00:00:00Z',
      reason: 'Ready',
      message: '',
    },
  ],
  summary: { peers },
});

describe('reconcile/status FileStatusSink', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => {
    dir.remove();
  });

  it('writes a BagpipeNodeState document only when it changed', async () => {
    const stateDir = join(dir.path, 'state');
    const sink = new FileStatusSink({ directory: stateDir, nodeName: 'node-1' });
    assert.equal(await sink.load(), undefined);
    assert.equal(await sink.write(status(1)), true);
    assert.equal(await sink.write(status(1)), false);
    assert.equal(await sink.write(status(2)), true);
    assert.equal(sink.writes, 2);
    assert.deepEqual(readdirSync(stateDir), [NODE_STATUS_FILE]);
    const doc = JSON.parse(readFileSync(join(stateDir, NODE_STATUS_FILE), 'utf8')) as unknown;
    assert.deepEqual(doc, {
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'BagpipeNodeState',
      metadata: { name: 'node-1' },
      status: status(2),
    });

    // The next run reads it back, and does not rewrite the same content.
    const next = new FileStatusSink({ directory: stateDir, nodeName: 'node-1' });
    assert.deepEqual(await next.load(), status(2));
    assert.equal(await next.write(status(2)), false);
  });

  it('ignores an unreadable previous file and survives a failing filesystem', async () => {
    dir.write(NODE_STATUS_FILE, '{not json');
    const failing = { ...nodeStateFs, rename: () => Promise.reject(new Error('EROFS')) };
    const sink = new FileStatusSink({ directory: dir.path, nodeName: 'node-1', fs: failing });
    assert.equal(await sink.load(), undefined);
    assert.equal(await sink.write(status(1)), false);
    assert.equal(sink.writes, 0);
    assert.deepEqual(readdirSync(dir.path), [NODE_STATUS_FILE]);
    assert.equal(readFileSync(dir.file(NODE_STATUS_FILE), 'utf8'), '{not json');
  });
});
