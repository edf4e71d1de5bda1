/**
 * A real exabgp 4.2 connects to our listener and announces VPNv4 routes; we decode them with
 * the right values (exabgp cannot originate E-VPN or speak RTC, see ../shared/interop).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { labelFromRaw } from '../../src/bgp/codec/nlri/label.js';
import type { VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import { Session } from '../../src/bgp/session/session.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const EXABGP = '/usr/sbin/exabgp';

describe('interop: exabgp 4.2 connects to us', function () {
  this.timeout(60000);
  let dir: string;
  let proc: ChildProcess | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!existsSync(EXABGP)) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-exabgp-'));
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    proc = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the VPNv4 routes exabgp announces over a live session', async () => {
    const port = await freePort('127.0.0.5');
    const received: Update[] = [];
    const s = new Session(
      peerConfig({ peerAddress: '127.0.0.4', port, routerId: '127.0.0.5', passive: true }),
      { clock: systemClock, log: silentLogger, handlers: { update: (_s, u) => received.push(u.update) } },
    );
    const listener = new BgpListener(
      { accept: (peer, sock) => (peer === '127.0.0.4' ? (s.accept(sock), true) : false) },
      silentLogger,
    );
    await listener.listen('127.0.0.5', port);
    stops.push(
      () => listener.close(),
      () => {
        s.stop();
      },
    );
    s.start();
    const conf = join(dir, 'exabgp.conf');
    writeFileSync(
      conf,
      `neighbor 127.0.0.5 {
  router-id 127.0.0.4; local-address 127.0.0.4; local-as 64512; peer-as 64512;
  connect ${port};
  family { ipv4 mpls-vpn; }
  static {
    route 10.4.1.0/24 rd 127.0.0.4:100 label 400 next-hop 192.0.2.4 extended-community [ target:64512:100 ];
    route 10.4.2.0/24 rd 64512:100 label [ 401 ] next-hop 192.0.2.4 local-preference 150 med 5 extended-community [ target:64512:100 target:64512:200 ];
  }
}
`,
    );
    proc = spawn(EXABGP, [conf], {
      env: {
        ...process.env,
        'exabgp.daemon.user': 'root',
        'exabgp.api.cli': 'false',
        'exabgp.log.destination': 'stdout',
      },
      stdio: 'ignore',
    });
    await waitFor(() => s.state === 'Established', 40000, { what: 'exabgp session' });
    assert.deepEqual(s.negotiated?.families, [FAMILY.ipv4Vpn]);
    const vpn = (): VpnNlri[] =>
      received.flatMap((u) => (u.mpReach?.nlri ?? []).filter((n): n is VpnNlri => n.kind === 'vpn'));
    await waitFor(() => vpn().length >= 2, 20000, { what: 'both routes' });
    const r1 = vpn().find((n) => n.prefix === '10.4.1.0/24');
    const r2 = vpn().find((n) => n.prefix === '10.4.2.0/24');
    assert.ok(r1 && r2);
    assert.equal(r1.rd, '127.0.0.4:100');
    assert.deepEqual(r1.labels.map(labelFromRaw), [400]);
    assert.equal(r2.rd, '64512:100');
    assert.deepEqual(r2.labels.map(labelFromRaw), [401]);
    const u2 = received.find((u) =>
      u.mpReach?.nlri.some((n) => n.kind === 'vpn' && n.prefix === '10.4.2.0/24'),
    );
    assert.ok(u2);
    assert.equal(u2.mpReach?.nextHop, '192.0.2.4');
    assert.equal(u2.attributes.localPref, 150);
    assert.equal(u2.attributes.med, 5);
    assert.deepEqual(
      u2.attributes.extCommunities?.flatMap((e) => (e.type === 'route-target' ? [e.value] : [])),
      ['64512:100', '64512:200'],
    );
  });
});
