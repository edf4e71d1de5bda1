/**
 * The daemon as composed (compose.ts): bagpipe's attach/detach API writes into
 * `<desired.d>/bagpipe-rest`, the objects show in /metrics under source "rest", and a restarted
 * daemon (new /ping value) still has them before any replay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import { replay } from '../reconcile/rest/fixtures.js';

const restGauge = async (port: number, kind: string): Promise<number | undefined> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^bagpipe_desired_objects\\{kind="${kind}",source="rest"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('daemon: REST attach/detach persisted in desired.d', function () {
  this.timeout(30000);
  let dir: string;
  let daemon: DaemonProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-rest-daemon-'));
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('persists an agent attach, keeps it over a restart, and removes it on detach', async () => {
    const desired = join(dir, 'desired.d');
    const conf = join(dir, 'bgp.conf');
    writeFileSync(
      conf,
      `[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n[API]\nport = 0\n[DESIRED]\ndirectory = ${desired}\n`,
    );
    daemon = new DaemonProcess(['--config-file', conf, '--log-level', 'info']);
    let port = await daemon.apiPort();
    const ping1 = await (await fetch(`http://127.0.0.1:${port}/ping`)).text();
    const post = (op: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}/${op}_localport`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    const r = await post('attach', replay.attach[0]);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'null');
    assert.equal(readdirSync(join(desired, 'bagpipe-rest')).length, 1);
    assert.equal(await restGauge(port, 'PortAttachment'), 1);
    await daemon.stop();

    daemon = new DaemonProcess(['--config-file', conf, '--log-level', 'info']);
    port = await daemon.apiPort();
    assert.notEqual(await (await fetch(`http://127.0.0.1:${port}/ping`)).text(), ping1);
    await waitFor(async () => (await restGauge(port, 'VpnInstance')) === 1, 5000, {
      what: 'the restored instance',
    });
    const d = await post('detach', replay.detach.at(-1));
    assert.equal(d.status, 200);
    assert.deepEqual(readdirSync(join(desired, 'bagpipe-rest')), []);
    assert.equal(await restGauge(port, 'VpnInstance'), 0);
  });
});
