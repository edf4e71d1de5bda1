/**
 * The controller between the desired store and a real daemon (dummy drivers; peers passive so
 * nothing connects anywhere): the sync gate, whole-set passes, peer conflicts that keep the
 * applied peer, an unreadable MD5 password file retried with backoff, legacy `[BGP] peers`, and
 * per-object problems from the VPN layer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../src/daemon/config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DummyDriver } from '../../src/dataplane/index.js';
import { admitOrThrow } from '../../src/desired/admit.js';
import { DesiredStore, type SourceWriter } from '../../src/desired/store.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { Controller } from '../../src/reconcile/controller.js';
import { bgpPeer, fileAdmitOptions, portAttachment, TempDir, vpnInstance } from '../desired/fixtures.js';

const entry = (raw: Record<string, unknown>) => admitOrThrow(raw, fileAdmitOptions);

interface Harness {
  store: DesiredStore;
  files: SourceWriter;
  daemon: Daemon;
  controller: Controller;
  clock: ManualClock;
}

function harness(extra = ''): Harness {
  const config = parseConfig(`[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n${extra}`, 'bgp.conf');
  const clock = new ManualClock();
  const store = new DesiredStore();
  const files = store.register('file');
  const daemon = new Daemon({
    config,
    clock,
    log: silentLogger,
    nodeName: 'node-1',
    drivers: { ipvpn: new DummyDriver({ type: 'ipvpn' }), evpn: new DummyDriver({ type: 'evpn' }) },
  });
  const controller = new Controller({
    store,
    daemon,
    bgp: config.bgp,
    clock,
    logger: silentLogger,
    random: () => 0,
  });
  controller.start();
  return { store, files, daemon, controller, clock };
}

async function settle(h: Harness): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await h.controller.whenIdle();
}

const peers = (h: Harness) => h.daemon.speaker.peers().map((p) => [p.address, p.config.md5Key]);

describe('Controller', () => {
  const open: Harness[] = [];
  const make = (extra = ''): Harness => {
    const h = harness(extra);
    open.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of open.splice(0)) {
      await h.controller.stop();
      await h.daemon.stop({ graceful: false });
    }
  });

  it('does nothing before every source has synced, then applies the whole set', async () => {
    const h = make();
    h.files.upsert(entry(bgpPeer('rr', { peerAddress: '192.0.2.7', passive: true })));
    await settle(h);
    assert.deepEqual(peers(h), [], 'the gate is closed');
    h.files.markSynced();
    await settle(h);
    assert.deepEqual(peers(h), [['192.0.2.7', undefined]]);
    h.files.remove({ kind: 'BgpPeer', namespace: '', name: 'rr' });
    await settle(h);
    assert.deepEqual(peers(h), []);
  });

  it('keeps the applied peer when a second object claims its address, and names both', async () => {
    const h = make();
    h.files.upsert(entry(bgpPeer('zeta', { peerAddress: '192.0.2.7', passive: true, port: 1179 })));
    h.files.markSynced();
    await settle(h);
    h.files.upsert(entry(bgpPeer('alpha', { peerAddress: '192.0.2.7', passive: true })));
    await settle(h);
    assert.equal(h.daemon.speaker.peer('192.0.2.7')?.config.port, 1179, 'the applied one stays');
    const [problem] = h.controller.problems();
    assert.equal(problem?.reason, 'Conflict');
    assert.equal(problem.name, 'alpha');
    assert.match(problem.message, /zeta/);
    h.files.remove({ kind: 'BgpPeer', namespace: '', name: 'zeta' });
    await settle(h);
    assert.equal(h.daemon.speaker.peer('192.0.2.7')?.config.port, 179, 'the other takes over');
    assert.deepEqual(h.controller.problems(), []);
  });

  it('retries an unreadable password file with backoff and applies the key once it is readable', async () => {
    const dir = new TempDir();
    try {
      const h = make();
      const file = dir.file('md5');
      h.files.upsert(entry(bgpPeer('rr', { peerAddress: '192.0.2.7', passive: true, passwordFile: file })));
      h.files.markSynced();
      await settle(h);
      assert.deepEqual(peers(h), [], 'no key, no previous config: not started');
      assert.equal(h.controller.problems()[0]?.reason, 'PasswordUnavailable');
      assert.match(h.controller.problems()[0]?.message ?? '', /spec\.passwordFile/);
      writeFileSync(file, 's3cret\n');
      h.clock.advance(100);
      await settle(h);
      assert.deepEqual(peers(h), [['192.0.2.7', 's3cret']]);
      assert.deepEqual(h.controller.problems(), []);
      assert.equal(h.controller.queue.counters.retries, 1);
    } finally {
      dir.remove();
    }
  });

  it('adds the legacy [BGP] peers to the desired ones', async () => {
    const h = make('peers = 192.0.2.9\n');
    h.files.markSynced();
    await settle(h);
    assert.deepEqual(peers(h), [['192.0.2.9', undefined]]);
    assert.equal(h.daemon.speaker.peer('192.0.2.9')?.config.peerAs, 64512, 'iBGP as the original');
  });

  it('reports an attachment whose instance is missing, and converges the rest', async () => {
    const h = make();
    h.files.upsert(entry(vpnInstance('vpn1')));
    h.files.upsert(entry(portAttachment('p1')));
    h.files.upsert(
      entry(portAttachment('p2', { vpnInstanceRef: { name: 'nope' }, macAddress: '52:54:00:aa:00:02' })),
    );
    h.files.markSynced();
    await settle(h);
    const problems = h.controller.problems();
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.kind, 'PortAttachment');
    assert.match(problems[0].message, /nope/);
    const [instance] = h.daemon.status().instances;
    assert.equal(instance?.ports.length, 1);
  });
});
