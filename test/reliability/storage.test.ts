/**
 * desired.d on a full, then read-only filesystem (root: a 64 KiB tmpfs mounted on the node's
 * desired.d, unmounted after). A REST attach that needs a write gets a 503 whose JSON body names
 * the storage error and the errno (ENOSPC, EROFS); every file on the filesystem stays
 * byte-identical, no temp file is left, and the daemon keeps running on its last good state
 * (the looking glass shows the same desired objects and instances). Once the filesystem is
 * writable again, the same attach succeeds and shows in the looking glass.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRoot } from '../helpers/netns.js';
import { evpnBody, ipvpnBody } from '../reconcile/rest/fixtures.js';
import { TestNode, portAttachment, vpnInstance } from './harness.js';

const FILLER = '.filler';

/** Every file under `dir` (dotfiles included, the filler excepted), path -> content. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== FILLER) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Fills the filesystem of `dir` with one dotfile (never read by the daemon) until ENOSPC. */
function fill(dir: string): void {
  const fd = openSync(join(dir, FILLER), 'w');
  try {
    const chunk = Buffer.alloc(4096, 0x61);
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'ENOSPC') return;
        throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}

interface ErrorBody {
  code: number;
  error: string;
  description: string;
}

describe('reliability: desired.d on a full or read-only filesystem', function () {
  this.timeout(60_000);
  let node: TestNode | undefined;
  let mounted = false;

  before(function () {
    if (!isRoot()) this.skip(); // mounting a tmpfs needs root
  });

  afterEach(async () => {
    const n = node;
    node = undefined;
    try {
      await n?.stop();
    } finally {
      // Unmounted before the temp dir goes (lazily if something still holds it).
      if (mounted && n !== undefined) {
        try {
          execFileSync('umount', [n.desired]);
        } catch {
          execFileSync('umount', ['-l', n.desired]);
        }
      }
      mounted = false;
      await n?.close();
    }
  });

  it('answers 503 naming ENOSPC and EROFS, changes nothing, and recovers', async () => {
    const n = new TestNode();
    node = n;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', n.desired]);
    mounted = true;
    n.write('vpn.json', [
      vpnInstance('t', 'blue', 'evpn', '64512:10'),
      portAttachment('t', 'b1', 'blue', '02:00:00:00:00:b1', '10.10.0.1/24', 'tapb1'),
    ]);
    await n.start();
    const post = (op: string, body: unknown): Promise<Response> =>
      fetch(n.url(`/${op}_localport`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    const first = await post('attach', ipvpnBody());
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal((await post('attach', evpnBody())).status, 200);

    const files = snapshot(n.desired);
    assert.deepEqual([...files.keys()].sort(), [
      'bagpipe-rest/evi1.json',
      'bagpipe-rest/vrf1.json',
      'vpn.json',
    ]);
    const state = async (): Promise<string> =>
      JSON.stringify([
        await n.lg('desired/objects'),
        await n.lg('vpns/instances'),
        await n.lg('bgp/route_counts'),
      ]);
    const good = await state();

    const second = ipvpnBody({
      mac_address: '52:54:00:00:00:09',
      ip_address: '10.0.0.9/24',
      local_port: 'tap9',
    });
    const other = ipvpnBody({ vpn_instance_id: 'vrf2', import_rt: ['64512:2'], export_rt: ['64512:2'] });
    const refused = async (errno: RegExp): Promise<void> => {
      // A rewrite of an existing instance file, and a new instance file.
      for (const body of [second, other]) {
        const r = await post('attach', body);
        const text = await r.text();
        assert.equal(r.status, 503, text);
        const e = JSON.parse(text) as ErrorBody;
        assert.equal(e.code, 503);
        assert.equal(e.error, 'BGPD_ERR_REST_STORAGE');
        assert.match(e.description, errno);
      }
      assert.ok(n.alive, 'the daemon runs on');
      assert.deepEqual(snapshot(n.desired), files, 'every file byte-identical, no temp file left');
      assert.equal(await state(), good, 'the last good state stays in force');
      assert.equal((await fetch(n.url('/healthz'))).status, 200);
    };

    fill(n.desired);
    await refused(/ENOSPC/);

    rmSync(join(n.desired, FILLER));
    execFileSync('mount', ['-o', 'remount,ro', n.desired]);
    await refused(/EROFS/);

    // Writable again: the same attach goes through.
    execFileSync('mount', ['-o', 'remount,rw', n.desired]);
    const ok = await post('attach', second);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(await ok.text(), 'null');
    const now = snapshot(n.desired);
    assert.deepEqual([...now.keys()].sort(), [...files.keys()].sort(), 'no temp file left');
    assert.deepEqual(now.get('vpn.json'), files.get('vpn.json'), 'vpn.json');
    assert.deepEqual(now.get('bagpipe-rest/evi1.json'), files.get('bagpipe-rest/evi1.json'), 'evi1.json');
    assert.match(now.get('bagpipe-rest/vrf1.json')?.toString() ?? '', /52:54:00:00:00:09/);
    const objects = JSON.stringify(await n.lg('desired/objects'));
    assert.match(objects, /PortAttachment\/bagpipe-rest\/vrf1\.525400000009/);
  });
});
