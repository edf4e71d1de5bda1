/**
 * `bagpipe validate`: offline checks of desired.d files with the daemon's reader.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/validate.js';
import { MemoryIo, runTool } from './run-tool.js';

const API = 'bagpipe.io/v1alpha1';
const vpn = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: API,
  kind: 'VpnInstance',
  metadata: { name, namespace: 'tenant' },
  spec: { type: 'ipvpn', importRTs: ['64512:1'], exportRTs: ['64512:1'], ...spec },
});
const attachment = {
  apiVersion: API,
  kind: 'PortAttachment',
  metadata: { name: 'pa1', namespace: 'tenant' },
  spec: {
    vpnInstanceRef: { name: 'vrf1' },
    macAddress: '52:54:00:00:00:01',
    ipAddress: '10.0.0.1/24',
    localPort: { linuxInterface: 'tap1' },
  },
};

describe('bagpipe validate', () => {
  let dir: string;
  const file = (name: string, content: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return p;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-validate-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function validate(...paths: string[]): Promise<{ code: number; out: string }> {
    const io = new MemoryIo();
    const code = await run(['validate', ...paths], io);
    return { code, out: io.stdout };
  }

  it('exits 0 on valid files (one object, or an array) and counts their objects', async () => {
    const a = file('a.json', vpn('vrf1'));
    const b = file('b.json', [vpn('vrf2'), attachment]);
    const r = await validate(a, b);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, `${a}: ok (1 object)\n${b}: ok (2 objects)\n2 file(s), 0 invalid\n`);
  });

  it('exits 1 with one line per problem: file, index, object, field, message, code', async () => {
    const bad = file('bad.json', [
      vpn('vrf1', { exportRTs: ['64512'], frob: 1 }),
      { ...attachment, spec: { ...attachment.spec, localPort: {} } },
    ]);
    const json = file('broken.json', '{\n  "kind": \n}');
    const kind = file('kind.json', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } });
    const r = await validate(bad, json, kind, join(dir, 'missing.json'));
    assert.equal(r.code, 1);
    const lines = r.out.trimEnd().split('\n');
    assert.ok(
      lines.includes(
        `${bad}[0] VpnInstance tenant/vrf1: /spec/frob: unknown field "frob" (BGPD_ERR_SPEC_UNKNOWN_FIELD)`,
      ),
      r.out,
    );
    assert.ok(
      lines.includes(
        `${bad}[0] VpnInstance tenant/vrf1: /spec/exportRTs/0: must match format "route-target" (BGPD_ERR_SPEC_SCHEMA)`,
      ),
      r.out,
    );
    assert.ok(
      lines.includes(
        `${bad}[1] PortAttachment tenant/pa1: /spec/localPort: needs exactly one of linuxInterface, ovs, evpn (found none) (BGPD_ERR_SPEC_INVALID)`,
      ),
      r.out,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${json}: invalid JSON`) && l.endsWith('(BGPD_ERR_SPEC_JSON)')),
      r.out,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${kind} Pod x: /apiVersion: must be "bagpipe.io/v1alpha1"`)),
      r.out,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${join(dir, 'missing.json')}: cannot read:`)),
      r.out,
    );
    assert.equal(lines.at(-1), '4 file(s), 4 invalid');
  });

  it('reports an object defined twice: the later file loses, as in desired.d', async () => {
    const a = file('a.json', vpn('vrf1'));
    const b = file('b.json', vpn('vrf1'));
    const r = await validate(b, a);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^${b}: ok \\(1 object\\)$`, 'm'));
    assert.match(
      r.out,
      new RegExp(
        `^${a} VpnInstance tenant/vrf1: /metadata/name: .* also defined in .*\\(BGPD_ERR_SPEC_DUPLICATE\\)$`,
        'm',
      ),
    );
  });

  it('takes a directory for its *.json files, and leaves no temp files behind', async () => {
    const sub = join(dir, 'desired.d');
    mkdirSync(sub);
    writeFileSync(join(sub, 'one.json'), JSON.stringify(vpn('vrf1')));
    writeFileSync(join(sub, '.hidden.json'), '{');
    writeFileSync(join(sub, 'notes.txt'), 'x');
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('bagpipe-validate-')).length;
    const r = await validate(sub);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, `${join(sub, 'one.json')}: ok (1 object)\n1 file(s), 0 invalid\n`);
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('bagpipe-validate-')).length, before);
  });

  it('has --help, and exits 2 without a command or a file', async () => {
    const help = await runTool('validate', ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: bagpipe validate FILE\|DIR/);
    assert.equal((await runTool('validate', [])).code, 2);
    assert.equal((await runTool('validate', ['validate'])).code, 2);
    const ok = await runTool('validate', ['validate', file('x.json', vpn('vrf1'))]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
