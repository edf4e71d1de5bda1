import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/lib/clock.js';
import { FileSource } from '../../src/desired/file-source.js';
import { DesiredStore, type DesiredSnapshot } from '../../src/desired/store.js';
import type { InvalidReport } from '../../src/desired/types.js';
import { waitFor } from '../helpers/wait.js';
import { TempDir, portAttachment, vpnInstance } from './fixtures.js';

describe('FileSource', () => {
  let dir: TempDir;
  let store: DesiredStore;
  let source: FileSource | undefined;

  beforeEach(() => {
    dir = new TempDir();
    store = new DesiredStore();
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    dir.remove();
  });

  async function start(
    options: Partial<ConstructorParameters<typeof FileSource>[0]> = {},
  ): Promise<DesiredSnapshot> {
    source = new FileSource({
      directory: dir.path,
      store,
      debounceMs: 10,
      rescanIntervalMs: 60_000,
      ...options,
    });
    await source.start();
    return store.snapshot();
  }

  const vpn = (name = 'vpn1'): unknown => store.snapshot().get('VpnInstance', 'tenant', name);
  const reports = (origin: string): InvalidReport[] =>
    store.snapshot().invalid.filter((r) => r.origin === origin);
  const state = (): unknown => ({
    objects: [...store.snapshot().entries()].map((e) => e.key),
    invalid: store.snapshot().invalid,
  });
  const reported = (origin: string, code: string): Promise<InvalidReport> =>
    waitFor(() => reports(origin).find((r) => r.issues.some((i) => i.code === code)), 5000, {
      what: `${code} on ${origin}`,
      describe: state,
    });

  it('loads one object or an array per file and syncs', async () => {
    dir.write('a.json', [vpnInstance('vpn1'), portAttachment('port1')]);
    dir.write('b.json', vpnInstance('vpn2'));
    dir.write('notes.txt', 'not json');
    const snap = await start();
    assert.equal(snap.synced, true);
    assert.deepEqual([...snap.vpnInstances.keys()], ['tenant/vpn1', 'tenant/vpn2']);
    assert.equal(snap.portAttachments.get('tenant/port1')?.spec.macAddress, '52:54:00:aa:00:01');
    assert.equal(snap.portAttachments.get('tenant/port1')?.origin, 'a.json');
    assert.deepEqual(snap.invalid, []);
  });

  it('keeps the last good version of a file that becomes invalid JSON; other files unaffected', async () => {
    dir.write('a.json', vpnInstance('vpn1', { localPref: 150 }));
    dir.write('b.json', vpnInstance('vpn2'));
    await start();
    dir.write('a.json', '{\n  "apiVersion": "bagpipe.io/v1alpha1",\n  "kind": \n}');
    dir.write('b.json', vpnInstance('vpn2', { localPref: 300 }));
    const r = await reported('a.json', 'BGPD_ERR_SPEC_JSON');
    assert.deepEqual(
      {
        origin: r.origin,
        index: r.index,
        kind: r.kind,
        name: r.name,
        path: r.issues[0]?.path,
        lastGood: r.lastGoodInForce,
      },
      { origin: 'a.json', index: undefined, kind: undefined, name: undefined, path: '', lastGood: true },
    );
    assert.equal(store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref, 150);
    await waitFor(() => store.snapshot().get('VpnInstance', 'tenant', 'vpn2')?.spec.localPref === 300);
    assert.deepEqual(reports('b.json'), []);
  });

  it('reports a schema violation with object and JSON path, and keeps the last good version', async () => {
    dir.write('vpn.json', [vpnInstance('vpn0'), vpnInstance('vpn1')]);
    await start();
    dir.write('vpn.json', [vpnInstance('vpn0'), vpnInstance('vpn1', { importRTs: ['64512:4294967296'] })]);
    const r = await reported('vpn.json', 'BGPD_ERR_SPEC_SCHEMA');
    assert.deepEqual(
      { index: r.index, kind: r.kind, namespace: r.namespace, name: r.name, lastGood: r.lastGoodInForce },
      { index: 1, kind: 'VpnInstance', namespace: 'tenant', name: 'vpn1', lastGood: true },
    );
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.path]),
      [['BGPD_ERR_SPEC_SCHEMA', '/spec/importRTs/0']],
    );
    assert.deepEqual(store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.importRTs, ['64512:1']);
    assert.ok(vpn('vpn0'));
  });

  it('rejects an unknown field (files are strict) and keeps the last good version', async () => {
    dir.write('a.json', portAttachment('port1'));
    await start();
    dir.write('a.json', portAttachment('port1', { macAddress: '52:54:00:aa:00:02', bogus: 1 }));
    const r = await reported('a.json', 'BGPD_ERR_SPEC_UNKNOWN_FIELD');
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.path]),
      [['BGPD_ERR_SPEC_UNKNOWN_FIELD', '/spec/bogus']],
    );
    assert.equal(r.name, 'port1');
    assert.equal(
      store.snapshot().get('PortAttachment', 'tenant', 'port1')?.spec.macAddress,
      '52:54:00:aa:00:01',
    );
  });

  it('rejects a wrong apiVersion and keeps the last good version', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    await start();
    dir.write('a.json', { ...vpnInstance('vpn1', { localPref: 1 }), apiVersion: 'bagpipe.io/v1' });
    const r = await reported('a.json', 'BGPD_ERR_SPEC_API_VERSION');
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.path]),
      [['BGPD_ERR_SPEC_API_VERSION', '/apiVersion']],
    );
    assert.deepEqual(
      [r.kind, r.namespace, r.name, r.lastGoodInForce],
      ['VpnInstance', 'tenant', 'vpn1', true],
    );
    assert.equal(store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref, 100);
  });

  it('gives a name defined in two files to the first file and reports the other, naming both', async () => {
    dir.write('b.json', vpnInstance('vpn2'));
    await start();
    dir.write('b.json', [vpnInstance('vpn2', { localPref: 7 }), vpnInstance('vpn1', { localPref: 2 })]);
    dir.write('a.json', vpnInstance('vpn1', { localPref: 1 }));
    const r = await reported('b.json', 'BGPD_ERR_SPEC_DUPLICATE');
    assert.deepEqual(
      { index: r.index, name: r.name, path: r.issues[0]?.path, lastGood: r.lastGoodInForce },
      { index: 1, name: 'vpn1', path: '/metadata/name', lastGood: true },
    );
    assert.match(r.issues[0]?.message ?? '', /a\.json/);
    const snap = store.snapshot();
    assert.equal(snap.get('VpnInstance', 'tenant', 'vpn1')?.origin, 'a.json');
    assert.equal(snap.get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref, 1);
    assert.equal(snap.get('VpnInstance', 'tenant', 'vpn2')?.spec.localPref, 100, 'b.json last good version');
  });

  it('never reads a dotfile, so write-then-rename applies the whole file at once', async () => {
    await start();
    dir.write('.vpn.json.tmp', '{"apiVersion": "bagpipe.io/v1alpha1", "kind": "VpnIns');
    await source!.rescan();
    assert.deepEqual(store.snapshot().invalid, []);
    dir.write('.vpn.json.tmp', vpnInstance('vpn1', { localPref: 42 }));
    renameSync(dir.file('.vpn.json.tmp'), dir.file('vpn.json'));
    await waitFor(() => store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref === 42, 5000, {
      describe: state,
    });
    assert.deepEqual(store.snapshot().invalid, []);
  });

  it('keeps the last good version while a file is written in several chunks', async () => {
    dir.write('vpn.json', vpnInstance('vpn1', { localPref: 100 }));
    await start();
    const text = JSON.stringify(vpnInstance('vpn1', { localPref: 200 }));
    const fd = openSync(dir.file('vpn.json'), 'w');
    try {
      writeSync(fd, text.slice(0, text.length >> 1));
      const r = await reported('vpn.json', 'BGPD_ERR_SPEC_JSON');
      assert.equal(r.lastGoodInForce, true);
      assert.equal(store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref, 100);
      writeSync(fd, text.slice(text.length >> 1));
    } finally {
      closeSync(fd);
    }
    await waitFor(() => store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref === 200, 5000, {
      describe: state,
    });
    assert.deepEqual(store.snapshot().invalid, []);
  });

  it('removes the objects of a deleted file only', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    dir.write('b.json', vpnInstance('vpn2'));
    await start();
    unlinkSync(dir.file('a.json'));
    await waitFor(() => vpn('vpn1') === undefined, 5000, { describe: state });
    assert.ok(vpn('vpn2'));
  });

  it('syncs with nothing when the directory is missing, then follows its creation', async () => {
    const parent = dir.path;
    const missing = join(parent, 'desired.d');
    source = new FileSource({ directory: missing, store, debounceMs: 10, rescanIntervalMs: 60_000 });
    await source.start();
    const snap = store.snapshot();
    assert.equal(snap.synced, true);
    assert.equal([...snap.entries()].length, 0);
    assert.equal(snap.sources.get('file')?.error?.code, 'BGPD_ERR_DESIRED_DIR_MISSING');
    mkdirSync(missing);
    await waitFor(() => store.snapshot().sources.get('file')?.error === undefined, 5000, { describe: state });
    dir.write('desired.d/vpn.json', vpnInstance('vpn1'));
    await waitFor(() => vpn('vpn1'), 5000, { describe: state });
  });

  it('keeps every object when the directory disappears', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    await start();
    rmSync(dir.path, { recursive: true });
    await source!.rescan();
    assert.equal(store.snapshot().sources.get('file')?.error?.code, 'BGPD_ERR_DESIRED_DIR_MISSING');
    assert.ok(vpn('vpn1'));
  });

  it('catches changes the watcher missed with the periodic rescan', async () => {
    const clock = new ManualClock();
    dir.write('a.json', vpnInstance('vpn1'));
    // Debounced rescans never fire on the manual clock within this test; only the periodic one does.
    await start({ clock, debounceMs: 1e9, rescanIntervalMs: 30_000 });
    dir.write('a.json', vpnInstance('vpn1', { localPref: 5 }));
    const before = source!.scans;
    clock.advance(30_000);
    await waitFor(() => source!.scans > before);
    await source!.rescan();
    assert.equal(store.snapshot().get('VpnInstance', 'tenant', 'vpn1')?.spec.localPref, 5);
  });

  it('notifies subscribers only once synced, and not for rescans that change nothing', async () => {
    const seen: DesiredSnapshot[] = [];
    store.subscribe((s) => seen.push(s));
    dir.write('a.json', vpnInstance('vpn1'));
    await start();
    await waitFor(() => seen.length === 1);
    assert.equal(seen[0]?.synced, true);
    assert.ok(seen[0].get('VpnInstance', 'tenant', 'vpn1'));
    await source!.rescan();
    await Promise.resolve();
    assert.equal(seen.length, 1);
  });

  it('handles 1,000 files', async function () {
    this.timeout(30_000);
    for (let i = 0; i < 1000; i++) {
      const n = String(i).padStart(4, '0');
      dir.write(`f${n}.json`, [
        vpnInstance(`vpn${n}`),
        portAttachment(`port${n}`, { vpnInstanceRef: { name: `vpn${n}` } }),
      ]);
    }
    const snap = await start();
    assert.equal(snap.vpnInstances.size, 1000);
    assert.equal(snap.portAttachments.size, 1000);
    assert.deepEqual(
      store.desiredObjects().filter((c) => c.count > 0),
      [
        { kind: 'VpnInstance', source: 'file', count: 1000 },
        { kind: 'PortAttachment', source: 'file', count: 1000 },
      ],
    );
    dir.write('f0500.json', [vpnInstance('vpn0500', { localPref: 9 })]);
    await waitFor(
      () => store.snapshot().get('VpnInstance', 'tenant', 'vpn0500')?.spec.localPref === 9,
      10_000,
    );
    assert.equal(store.snapshot().portAttachments.size, 999);
    assert.equal(store.desiredInvalidObjects(), 0);
  });
});
