/**
 * bagpipe-looking-glass against a fake looking-glass server: the original's tree printing, -r,
 * top-level link, 404 and no-server messages.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { run } from '../../src/cli/looking-glass.js';
import { MemoryIo, runTool } from './run-tool.js';

/** A looking-glass tree as bagpipe serves it: nodes, links, collections. */
function tree(base: string): Record<string, unknown> {
  const lg = `${base}/looking-glass`;
  return {
    '/looking-glass': {
      summary: { BGP_established_peers: 1, warnings_and_errors: 0, enabled: true, missing: null },
      config: { href: `${lg}/config` },
      vpns: { href: `${lg}/vpns` },
    },
    '/looking-glass/config': { API: { host: '127.0.0.1', port: 8082 } },
    '/looking-glass/vpns': { instances: { href: `${lg}/vpns/instances` } },
    '/looking-glass/vpns/instances': [
      { id: 'ipvpn-1', name: 'VRF-1', href: `${lg}/vpns/instances/ipvpn-1` },
      { id: 'evpn 2', name: 'EVI-2', href: `${lg}/vpns/instances/evpn%202` },
    ],
    '/looking-glass/vpns/instances/ipvpn-1': {
      route_targets: { import: ['64512:1'], export: [] },
      note: 'line one\nline two\n',
      other: { href: 'http://elsewhere.invalid/x' },
    },
    '/looking-glass/vpns/instances/evpn%202': { ports: {} },
    '/looking-glass/top': { href: `${lg}/config` },
  };
}

describe('bagpipe-looking-glass', () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer((req, res) => {
      const nodes = tree(`http://${req.headers.host ?? ''}`);
      const node = nodes[(req.url ?? '').replace(/\/$/, '')];
      res.writeHead(node === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(node ?? { code: 404 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function lg(...args: string[]): Promise<{ code: number; out: string }> {
    const io = new MemoryIo();
    const code = await run(['--port', String(port), ...args], io);
    return { code, out: io.stdout + io.stderr };
  }

  it('prints a node as an indented tree, links as (...), empty values as -', async () => {
    const r = await lg();
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      [
        'summary: ',
        '  BGP_established_peers: 1',
        '  warnings_and_errors: 0',
        '  enabled: True',
        '  missing: None',
        'config:  (...)',
        'vpns:  (...)',
        '',
      ].join('\n'),
    );
  });

  it('prints collections with their ids, and quotes path elements', async () => {
    const r = await lg('vpns', 'instances');
    assert.equal(
      r.out,
      ['* ipvpn-1 (...)', '  name: VRF-1', '* evpn 2 (...)', '  name: EVI-2', ''].join('\n'),
    );
    const one = await lg('vpns', 'instances', 'evpn 2');
    assert.equal(one.out, 'ports: -\n');
  });

  it('recurses into same-server links with -r, not into others', async () => {
    const r = await lg('-r', 'vpns');
    assert.equal(
      r.out,
      [
        'instances: ',
        '    * ipvpn-1',
        '        route_targets: ',
        '          import: ',
        '            * 64512:1',
        '          export: -',
        '        note: ',
        '          line one',
        '          line two',
        '        other:  (...)',
        '    * evpn 2',
        '        ports: -',
        '',
      ].join('\n'),
    );
  });

  it('follows a top-level link once', async () => {
    const r = await lg('top');
    assert.equal(r.out, 'API: \n  host: 127.0.0.1\n  port: 8082\n');
  });

  it('says "No such looking glass path" on 404 and "No server" without one (exit 1)', async () => {
    const r = await lg('nope', 'x');
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      `No such looking glass path: nope x\n(http://127.0.0.1:${port}/looking-glass/nope/x)\n`,
    );
    const io = new MemoryIo();
    assert.equal(await run(['--port', '1'], io), 1);
    assert.match(io.stdout, /^No server at http:\/\/127\.0\.0\.1:1 : /);
  });

  it('has --help and refuses unknown options', async () => {
    const help = await runTool('looking-glass', ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /-r, --recurse/);
    const bad = await runTool('looking-glass', ['--frob']);
    assert.equal(bad.code, 2);
  });
});
