/**
 * RestSource persistence: one file per instance, atomic and idempotent writes, restart, serialised
 * requests, and storage failures (injected, and on a real full or read-only tmpfs when root).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesiredStore } from '../../../src/desired/index.js';
import {
  nodeStateFs,
  RestSource,
  RestStorageError,
  type StateFs,
} from '../../../src/reconcile/rest/index.js';
import { evpnBody, ipvpnBody } from './fixtures.js';

const isRoot = process.getuid?.() === 0;

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('RestSource', () => {
  let base: string;
  let dir: string;
  const sources: RestSource[] = [];

  async function started(fs?: StateFs): Promise<{ rest: RestSource; store: DesiredStore }> {
    const store = new DesiredStore();
    const rest = new RestSource({ directory: dir, store, nodeName: 'node-a', ...(fs ? { fs } : {}) });
    sources.push(rest);
    await rest.start();
    return { rest, store };
  }

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'bgpd-rest-'));
    dir = join(base, 'desired.d', 'bagpipe-rest');
  });
  afterEach(async () => {
    for (const s of sources.splice(0)) await s.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('persists an attach as one file per instance, and the store holds it when attach resolves', async () => {
    const { rest, store } = await started();
    const r = await rest.attach(ipvpnBody());
    assert.deepEqual(r, { written: ['vrf1.json'], removed: [], warnings: [] });
    const objects = JSON.parse(readFileSync(join(dir, 'vrf1.json'), 'utf8')) as { kind: string }[];
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['VpnInstance', 'PortAttachment'],
    );
    const snap = store.snapshot();
    assert.equal(snap.vpnInstances.get('bagpipe-rest/vrf1')?.source, 'rest');
    const pa = snap.portAttachments.get('bagpipe-rest/vrf1.525400000001.ip-10-0-0-1-24');
    assert.equal(pa?.spec.nodeName, 'node-a');
    assert.equal(pa.spec.ipAddress, '10.0.0.1/24');
  });

  it('writes nothing on a repeated attach: bytes and mtime unchanged', async () => {
    const { rest } = await started();
    await rest.attach(ipvpnBody());
    const before = statSync(join(dir, 'vrf1.json'), { bigint: true });
    const text = readFileSync(join(dir, 'vrf1.json'), 'utf8');
    const r = await rest.attach(ipvpnBody());
    assert.deepEqual(r.written, []);
    assert.equal(readFileSync(join(dir, 'vrf1.json'), 'utf8'), text);
    assert.equal(statSync(join(dir, 'vrf1.json'), { bigint: true }).mtimeNs, before.mtimeNs);
  });

  it('removes the file with the last endpoint, and the store follows', async () => {
    const { rest, store } = await started();
    await rest.attach(evpnBody());
    const r = await rest.detach(evpnBody());
    assert.deepEqual(r.removed, ['evi1.json']);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(store.snapshot().vpnInstances.size, 0);
  });

  it('restores every object after a restart, and keeps serving detaches', async () => {
    const first = await started();
    await first.rest.attach(ipvpnBody());
    await first.rest.attach(evpnBody());
    await first.rest.stop();
    const { rest, store } = await started();
    const snap = await store.whenSynced();
    assert.deepEqual([...snap.vpnInstances.keys()].sort(), ['bagpipe-rest/evi1', 'bagpipe-rest/vrf1']);
    assert.equal(snap.portAttachments.size, 2);
    await rest.detach(ipvpnBody());
    assert.deepEqual(readdirSync(dir), ['evi1.json']);
  });

  it('serialises concurrent requests: no attach is lost', async () => {
    const { rest } = await started();
    const macs = Array.from({ length: 20 }, (_, i) => `52:54:00:00:01:${i.toString(16).padStart(2, '0')}`);
    await Promise.all(
      macs.map((m, i) =>
        rest.attach(ipvpnBody({ mac_address: m, ip_address: `10.0.1.${i + 1}`, local_port: `tap${i}` })),
      ),
    );
    const objects = JSON.parse(readFileSync(join(dir, 'vrf1.json'), 'utf8')) as unknown[];
    assert.equal(objects.length, 21);
  });

  it('answers a storage error and leaves the file and the store as they were (half-written temp removed)', async () => {
    let fail: 'write' | 'rename' | undefined;
    const fs: StateFs = {
      ...nodeStateFs,
      async writeNew(path, data) {
        if (fail !== 'write') return nodeStateFs.writeNew(path, data);
        writeFileSync(path, data.slice(0, 10));
        throw errno('ENOSPC');
      },
      async rename(from, to) {
        if (fail === 'rename') throw errno('EROFS');
        return nodeStateFs.rename(from, to);
      },
    };
    const { rest, store } = await started(fs);
    await rest.attach(ipvpnBody());
    const text = readFileSync(join(dir, 'vrf1.json'), 'utf8');
    for (const step of ['write', 'rename'] as const) {
      fail = step;
      await assert.rejects(rest.attach(ipvpnBody({ import_rt: ['64512:77'] })), (e: unknown) => {
        assert.ok(e instanceof RestStorageError);
        assert.equal(e.code, 'BGPD_ERR_REST_STORAGE');
        return true;
      });
      assert.equal(readFileSync(join(dir, 'vrf1.json'), 'utf8'), text);
      assert.deepEqual(readdirSync(dir), ['vrf1.json']);
    }
    assert.deepEqual(store.snapshot().vpnInstances.get('bagpipe-rest/vrf1')?.spec.importRTs, ['64512:1']);
    fail = undefined;
    await rest.attach(ipvpnBody({ import_rt: ['64512:77'] }));
  });

  it('starts on a directory it cannot create, and answers 503-class errors then', async () => {
    writeFileSync(join(base, 'file'), 'x');
    dir = join(base, 'file', 'bagpipe-rest');
    const { rest, store } = await started();
    assert.equal(store.synced, true);
    await assert.rejects(rest.attach(ipvpnBody()), RestStorageError);
  });

  it('removes temp files an interrupted write left behind', async () => {
    const first = await started();
    await first.rest.stop();
    writeFileSync(join(dir, '.vrf1.json.123.1.tmp'), '[');
    await started();
    assert.deepEqual(readdirSync(dir), []);
  });

  describe('on a real tmpfs (root only)', function () {
    let mnt: string;
    before(function () {
      if (!isRoot) this.skip();
    });
    beforeEach(() => {
      mnt = join(base, 'mnt');
      execFileSync('mkdir', ['-p', mnt]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
      dir = join(mnt, 'bagpipe-rest');
    });
    afterEach(async () => {
      for (const s of sources.splice(0)) await s.stop();
      execFileSync('umount', [mnt]);
    });

    it('full filesystem: 503, nothing half-written; works again once there is room', async () => {
      const { rest } = await started();
      await rest.attach(ipvpnBody());
      const text = readFileSync(join(dir, 'vrf1.json'), 'utf8');
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(1 << 20));
      } catch {
        // ENOSPC: the filesystem is now full
      }
      await assert.rejects(rest.attach(ipvpnBody({ description: 'd'.repeat(900) })), RestStorageError);
      assert.equal(readFileSync(join(dir, 'vrf1.json'), 'utf8'), text);
      assert.deepEqual(readdirSync(dir), ['vrf1.json']);
      rmSync(join(mnt, 'filler'));
      await rest.attach(ipvpnBody({ description: 'd'.repeat(900) }));
    });

    it('read-only filesystem: 503 and the file unchanged', async () => {
      const { rest } = await started();
      await rest.attach(ipvpnBody());
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      await assert.rejects(rest.detach(ipvpnBody()), RestStorageError);
      await assert.rejects(rest.attach(evpnBody()), RestStorageError);
      assert.deepEqual(readdirSync(dir), ['vrf1.json']);
    });
  });
});
