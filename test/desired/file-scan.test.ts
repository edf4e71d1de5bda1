import assert from 'node:assert/strict';
import { symlinkSync, unlinkSync } from 'node:fs';
import { DirectoryScanner, type ScanResult } from '../../src/desired/file-scan.js';
import { createValidator } from '../../src/desired/validate.js';
import { TempDir, vpnInstance } from './fixtures.js';

const validator = createValidator({ strict: true });

describe('DirectoryScanner', () => {
  let dir: TempDir;
  let scanner: DirectoryScanner;

  beforeEach(() => {
    dir = new TempDir();
    scanner = new DirectoryScanner({ directory: dir.path, source: 'file', validator });
  });

  afterEach(() => {
    dir.remove();
  });

  const summary = (r: ScanResult) => ({
    inForce: r.entries.map((e) => `${e.origin}:${e.name}:${e.kind === 'VpnInstance' ? e.spec.type : ''}`),
    invalid: r.invalid.map((x) => [
      x.origin,
      x.index,
      x.name,
      x.issues.map((i) => `${i.code} ${i.path}`).join(),
      x.lastGoodInForce,
    ]),
  });

  it('reads only what changed, and says when nothing did', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    dir.write('b.json', vpnInstance('vpn2'));
    let r = await scanner.scan();
    assert.deepEqual([r.changed, r.readFiles], [true, ['a.json', 'b.json']]);
    r = await scanner.scan();
    assert.deepEqual([r.changed, r.readFiles, r.entries.length], [false, [], 2]);
    dir.write('b.json', vpnInstance('vpn2', { localPref: 5 }));
    r = await scanner.scan();
    assert.deepEqual([r.changed, r.readFiles], [true, ['b.json']]);
    unlinkSync(dir.file('a.json'));
    r = await scanner.scan();
    assert.deepEqual([r.changed, r.readFiles, r.entries.map((e) => e.name)], [true, [], ['vpn2']]);
  });

  it('refuses a name twice in one file, keeping the file out', async () => {
    dir.write('a.json', [vpnInstance('vpn1'), vpnInstance('vpn1')]);
    assert.deepEqual(summary(await scanner.scan()), {
      inForce: [],
      invalid: [['a.json', 1, 'vpn1', 'BGPD_ERR_SPEC_DUPLICATE /metadata/name', false]],
    });
  });

  it('refuses to change a VpnInstance type in place', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    await scanner.scan();
    dir.write('a.json', vpnInstance('vpn1', { type: 'evpn' }));
    assert.deepEqual(summary(await scanner.scan()), {
      inForce: ['a.json:vpn1:ipvpn'],
      invalid: [['a.json', undefined, 'vpn1', 'BGPD_ERR_SPEC_IMMUTABLE /spec/type', true]],
    });
    dir.write('a.json', []);
    await scanner.scan();
    dir.write('a.json', vpnInstance('vpn1', { type: 'evpn' }));
    assert.deepEqual(summary(await scanner.scan()).inForce, ['a.json:vpn1:evpn']);
  });

  it('gives the name back to the later file when the first lets go of it', async () => {
    dir.write('a.json', vpnInstance('vpn1', { localPref: 1 }));
    dir.write('b.json', [vpnInstance('vpn1', { localPref: 2 }), vpnInstance('vpn2')]);
    let r = await scanner.scan();
    assert.deepEqual(summary(r).inForce, ['a.json:vpn1:ipvpn']);
    assert.equal(r.invalid[0]?.issues[0]?.code, 'BGPD_ERR_SPEC_DUPLICATE');
    unlinkSync(dir.file('a.json'));
    r = await scanner.scan();
    assert.deepEqual(summary(r), { inForce: ['b.json:vpn1:ipvpn', 'b.json:vpn2:ipvpn'], invalid: [] });
  });

  it('keeps an object in force when a new file that sorts first defines it again', async () => {
    dir.write('b.json', vpnInstance('vpn1', { localPref: 2 }));
    let r = await scanner.scan();
    assert.deepEqual(summary(r).inForce, ['b.json:vpn1:ipvpn']);
    dir.write('a-dup.json', vpnInstance('vpn1', { localPref: 1 }));
    r = await scanner.scan();
    const [e] = r.entries;
    assert.deepEqual(
      [e?.origin, e?.kind === 'VpnInstance' && e.spec.localPref],
      ['b.json', 2],
      'b.json keeps it',
    );
    assert.deepEqual(summary(r).invalid, [
      ['a-dup.json', undefined, 'vpn1', 'BGPD_ERR_SPEC_DUPLICATE /metadata/name', false],
    ]);
    assert.match(r.invalid[0]?.issues[0]?.message ?? '', /b\.json/);
    // b.json lets go: the other definition takes over.
    unlinkSync(dir.file('b.json'));
    r = await scanner.scan();
    assert.deepEqual(summary(r), { inForce: ['a-dup.json:vpn1:ipvpn'], invalid: [] });
  });

  it('reports an unreadable file and keeps its last good version', async () => {
    dir.write('a.json', vpnInstance('vpn1'));
    await scanner.scan();
    // A symlink to itself cannot be read, even by root (ELOOP).
    unlinkSync(dir.file('a.json'));
    symlinkSync('a.json', dir.file('a.json'));
    assert.deepEqual(summary(await scanner.scan()).invalid, [
      ['a.json', undefined, undefined, 'BGPD_ERR_SPEC_READ ', true],
    ]);
  });

  it('throws when the directory cannot be listed', async () => {
    dir.remove();
    await assert.rejects(scanner.scan(), { code: 'ENOENT' });
  });
});
