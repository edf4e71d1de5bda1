/**
 * Issue acceptance: the daemon on a temp desired.d: a VpnInstance file dropped in shows up in
 * /metrics, removing it takes it away, and /readyz opens only after the first scan.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const vpn = {
  apiVersion: 'bagpipe.io/v1alpha1',
  kind: 'VpnInstance',
  metadata: { name: 'blue', namespace: 'default' },
  spec: { type: 'evpn', importRTs: ['64512:10'], exportRTs: ['64512:10'], vni: 1010 },
};

/** Fetch /metrics until `pred` holds (deadline 5 s); returns the last text. */
async function metricsUntil(port: number, pred: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (pred(text)) return text;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}:\n${text
          .split('\n')
          .filter((l) => l.startsWith('bagpipe_'))
          .join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

const gauge = (text: string, kind: string): number | undefined => {
  const m = new RegExp(`^bagpipe_desired_objects\\{kind="${kind}",source="file"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('daemon with a desired.d directory', function () {
  this.timeout(30000);
  let dir: string;
  let daemon: DaemonProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-daemon-'));
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a VpnInstance dropped in, and forgets it when removed; keeps the last good version of a broken file', async () => {
    const desired = join(dir, 'desired.d');
    const conf = join(dir, 'bgp.conf');
    writeFileSync(
      conf,
      `[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n[API]\nport = 0\n[DESIRED]\ndirectory = ${desired}\n`,
    );
    daemon = new DaemonProcess(['--config-file', conf]);
    const port = await daemon.apiPort();
    await waitFor(() => daemon!.lines.some((l) => l.msg === 'desired state changed'), 10000, {
      what: 'first snapshot',
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    // Write a dot-temp file and rename it into place, as the README tells writers to.
    mkdirSync(desired, { recursive: true });
    writeFileSync(join(desired, '.blue.json.tmp'), JSON.stringify(vpn));
    renameSync(join(desired, '.blue.json.tmp'), join(desired, 'blue.json'));
    await metricsUntil(port, (t) => gauge(t, 'VpnInstance') === 1, 'the VpnInstance counted');
    // Break it: the last good version stays in force, the invalid count goes up.
    writeFileSync(join(desired, 'blue.json'), '{ "kind": ');
    let text = await metricsUntil(
      port,
      (t) => /^bagpipe_desired_invalid_objects 1$/m.test(t),
      'the broken file counted',
    );
    assert.equal(gauge(text, 'VpnInstance'), 1);
    rmSync(join(desired, 'blue.json'));
    text = await metricsUntil(port, (t) => (gauge(t, 'VpnInstance') ?? 0) === 0, 'the VpnInstance gone');
    assert.match(text, /^bagpipe_desired_invalid_objects 0$/m);
  });
});
