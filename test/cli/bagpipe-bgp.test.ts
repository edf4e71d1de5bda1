import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, runCli } from '../helpers/daemon.js';

describe('bagpipe-bgp command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints --help with the config options, and --version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--config-file PATH/);
    assert.match(help.stdout, /\[BGP\] local_address/);
    assert.match(help.stdout, /\[DESIRED\] directory \(default \/etc\/bagpipe-bgp\/desired\.d\)/);
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^bagpipe-bgp \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 naming file, section, key and value of a bad config', async () => {
    const file = join(dir, 'bgp.conf');
    writeFileSync(file, '[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n[API]\nport = http\n');
    const r = await runCli(['--config-file', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file}:5: \\[API\\] port = "http": must be an integer`));
  });

  it('exits 2 on an unknown option and on a missing config file', async () => {
    assert.equal((await runCli(['--frob'])).code, 2);
    const r = await runCli(['--config-file', join(dir, 'missing.conf')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.conf: cannot read/);
  });

  it('runs on the embedded default, says so first, and stops cleanly on SIGTERM', async () => {
    // The embedded default listens on 8082; use a config-free run in a temp cwd and override
    // nothing but the working directory (desired.d is relative to it).
    const d = new DaemonProcess(['--log-level', 'info'], { cwd: dir });
    try {
      const first = await d.waitForLog(() => true);
      assert.match(first.msg, /^starting on the embedded default \(no config file\)/);
      assert.match(first.msg, /AS 64512, dummy dataplanes/);
      assert.match(first.msg, new RegExp(`desired dir ${dir}/desired\\.d`));
      await d.waitForLog((l) => l.msg.includes('listening'));
    } finally {
      const r = await d.stop();
      assert.equal(r.code, 0);
      assert.ok(d.lines.some((l) => l.msg === 'stopped'));
    }
  });

  it('stops cleanly on a SIGTERM that arrives while it is still starting', async () => {
    const d = new DaemonProcess(['--log-level', 'info'], { cwd: dir });
    await d.waitForLog(() => true);
    const r = await d.stop();
    assert.deepEqual([r.code, r.signal], [0, null]);
    assert.ok(d.lines.some((l) => l.msg === 'stopped'));
  });
});
