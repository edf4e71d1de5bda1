/**
 * POST /attach_localport and /detach_localport on a real HTTP server with a RestSource on a temp
 * directory: agent replays, restart replay, bad bodies, content types, size limit, garbage.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortAttachment, VpnInstance } from '../../../src/api/gen/index.js';
import { instanceName, nodeStateFs } from '../../../src/reconcile/rest/index.js';
import { badBody, badCases, replay } from '../../reconcile/rest/fixtures.js';
import { rawExchange, request, RestServer } from './rest-server.js';

type Json = Record<string, unknown>;

function readInstance(dir: string, id: string): { instance: VpnInstance; attachments: PortAttachment[] } {
  const [instance, ...attachments] = JSON.parse(
    readFileSync(join(dir, `${instanceName(id)}.json`), 'utf8'),
  ) as [VpnInstance, ...PortAttachment[]];
  return { instance, attachments };
}

function snapshotFiles(dir: string): Map<string, { text: string; mtime: bigint }> {
  return new Map(
    readdirSync(dir).map((f) => [
      f,
      { text: readFileSync(join(dir, f), 'utf8'), mtime: statSync(join(dir, f), { bigint: true }).mtimeNs },
    ]),
  );
}

describe('REST API over HTTP: POST /attach_localport and /detach_localport', () => {
  let base: string;
  let dir: string;
  let server: RestServer;

  beforeEach(async () => {
    base = mkdtempSync(join(tmpdir(), 'bgpd-rest-http-'));
    dir = join(base, 'bagpipe-rest');
    server = await new RestServer(dir).start();
  });
  afterEach(async () => {
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const post = (op: string, body: string, headers: Record<string, string> = {}) =>
    request(`${server.base}/${op}_localport`, 'POST', body, headers);

  async function replayAll(ops: readonly Json[], op: string): Promise<void> {
    for (const b of ops) {
      const r = await post(op, JSON.stringify(b));
      assert.equal(r.status, 200, `${op} ${JSON.stringify(b)}: ${r.text}`);
      assert.equal(r.text, 'null');
      assert.match(r.type, /^application\/json/);
    }
  }

  it("replays the agent's attaches: 200 null each, and the right objects on disk", async () => {
    await replayAll(replay.attach, 'attach');
    assert.equal(readdirSync(dir).length, 5);
    const net = readInstance(dir, 'ipvpn_8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab');
    assert.equal(net.instance.metadata.namespace, 'bagpipe-rest');
    assert.equal(net.instance.spec.type, 'ipvpn');
    assert.equal(net.instance.spec.vpnInstanceId, 'ipvpn_8a3f6f0e-1d2b-4c5a-9e7f-0123456789ab');
    assert.deepEqual(net.instance.spec.importRTs, ['64512:100', '64512:101']);
    assert.deepEqual(net.instance.spec.exportRTs, ['64512:100']);
    assert.equal(net.instance.spec.gatewayIP, '10.0.1.1');
    assert.deepEqual(net.instance.spec.fallback, {
      srcMac: '00:00:5e:2a:10:00',
      dstMac: 'fa:16:3e:00:aa:01',
      ovsPortNumber: 5,
    });
    assert.deepEqual(
      net.attachments.map((a) => [a.spec.macAddress, a.spec.ipAddress, a.spec.localPref]),
      [
        ['fa:16:3e:4b:12:7c', '10.0.1.5', 200],
        ['fa:16:3e:4b:12:7d', '10.0.1.6', 200],
      ],
    );
    for (const a of net.attachments) {
      assert.deepEqual(a.spec.localPort, { ovs: { portNumber: 4, vlan: 3, plugged: true } });
      assert.equal(a.metadata.annotations?.['bagpipe.io/linuxif'], 'patch2tun:3');
      assert.equal(a.spec.vpnInstanceRef.name, net.instance.metadata.name);
    }
    const prefix = readInstance(dir, 'ipvpn_portassoc_5b6c7d8e_prefix_20_1_0_0_24');
    assert.equal(prefix.instance.spec.advertiseSubnet, true);
    const [pa] = prefix.attachments;
    assert.ok(pa);
    assert.deepEqual(
      [pa.spec.direction, pa.spec.localPref, pa.spec.ipAddress],
      ['to-port', 300, '20.1.0.0/24'],
    );
    const evpnOvs = readInstance(dir, 'evpn_2c4e6a8b-0d1f-4e3a-8b5c-7d9e1f3a5b7c');
    assert.equal(evpnOvs.instance.spec.vni, 1007);
    assert.deepEqual(evpnOvs.attachments[0]?.spec.localPort, { linuxInterface: 'patch2tun:7', vlan: 7 });
    const lb = readInstance(dir, 'evpn_9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a');
    assert.equal(lb.instance.spec.linuxBridge, 'brq9d8c7b6a-5f');
    assert.deepEqual(lb.instance.spec.importRTs, ['64512:300', '64512:301']);
    const link = readInstance(dir, '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a_ipvpn');
    assert.deepEqual(link.attachments[0]?.spec.localPort, {
      evpn: { vpnInstanceRef: { name: lb.instance.metadata.name } },
    });
    const snap = server.store.snapshot();
    assert.equal(snap.vpnInstances.size, 5);
    assert.equal(snap.portAttachments.size, 6);
  });

  it('changes nothing when the agent replays everything after a restart (files byte-identical)', async () => {
    await replayAll(replay.attach, 'attach');
    const before = snapshotFiles(dir);
    await server.stop();
    server = await new RestServer(dir, 987654321).start();
    const ping = await request(`${server.base}/ping`, 'GET');
    assert.equal(ping.text, '987654321');
    await replayAll(replay.attach, 'attach');
    assert.deepEqual(snapshotFiles(dir), before);
    await replayAll(replay.detach, 'detach');
    assert.deepEqual(readdirSync(dir), []);
  });

  it(`answers a 400 naming the field to each of ${badCases.length} bad bodies, and stays up`, async () => {
    for (const c of badCases) {
      const r = await post(c.op ?? 'attach', badBody(c));
      assert.equal(r.status, 400, `${c.name}: ${r.text}`);
      const body = JSON.parse(r.text) as Json;
      assert.equal(body['code'], 400, c.name);
      assert.equal(body['title'], 'Bad Request', c.name);
      assert.equal(body['error'], c.code, c.name);
      assert.equal(body['field'], c.field, c.name);
      assert.match(String(body['description']), /^(API error: |No local port details received)/, c.name);
    }
    assert.deepEqual(readdirSync(dir), []);
    assert.equal((await request(`${server.base}/ping`, 'GET')).status, 200);
  });

  it('parses JSON whatever the content type; a form body is "No local port details received"', async () => {
    const form = await post('attach', 'vpn_type=ipvpn', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(form.status, 400);
    assert.equal((JSON.parse(form.text) as Json)['description'], 'No local port details received');
    const json = JSON.stringify(replay.attach[3]);
    assert.equal((await post('attach', json, { 'content-type': 'text/plain' })).status, 200);
  });

  it('answers GET with {} and PUT/DELETE with 405, as bagpipe', async () => {
    for (const op of ['attach', 'detach']) {
      const url = `${server.base}/${op}_localport`;
      assert.deepEqual(await request(url, 'GET'), { status: 200, type: 'application/json', text: '{}' });
      assert.equal((await request(url, 'PUT', '{}')).status, 405);
      assert.equal((await request(url, 'DELETE')).status, 405);
    }
  });

  it('refuses a body over 1 MiB with 413 and keeps serving', async () => {
    const big = JSON.stringify({ ...replay.attach[3], description: 'x'.repeat(1_100_000) });
    const r = await post('attach', big);
    assert.equal(r.status, 413);
    assert.equal((await post('attach', JSON.stringify(replay.attach[3]))).status, 200);
  });

  it('survives garbage on the socket and half-sent requests', async () => {
    const junk = await rawExchange(server.port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10, 65]));
    assert.match(junk, /^HTTP\/1\.1 400/);
    await rawExchange(
      server.port,
      'POST /attach_localport HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"vpn',
    );
    await rawExchange(
      server.port,
      'POST /attach_localport HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    );
    const ping = await request(`${server.base}/ping`, 'GET');
    assert.equal(ping.text, String(server.pingId));
    assert.equal((await post('attach', JSON.stringify(replay.attach[3]))).status, 200);
  });

  it('answers 503 with the storage code when the state cannot be written', async () => {
    await server.stop();
    const fs = {
      ...nodeStateFs,
      writeNew: () => Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' })),
    };
    server = await new RestServer(dir, 1, fs).start();
    const r = await post('attach', JSON.stringify(replay.attach[3]));
    assert.equal(r.status, 503);
    assert.deepEqual(
      [(JSON.parse(r.text) as Json)['error'], (JSON.parse(r.text) as Json)['code']],
      ['BGPD_ERR_REST_STORAGE', 503],
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it('answers in text when the client accepts only text/plain', async () => {
    const r = await post('attach', '{}', { accept: 'text/plain' });
    assert.equal(r.status, 400);
    assert.match(r.text, /^400 Bad Request\n\nAPI error: vpn_type: missing parameter\n$/);
  });
});
