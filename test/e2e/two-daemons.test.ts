/**
 * Two bagpipe-bgp daemons (real processes, dummy dataplane) peer directly over loopback, one
 * passive (listening) and one active, driven only by desired.d files: an E-VPN and an IP VPN
 * instance with a port on each node. Each node's instances receive the other's routes with
 * bagpipe's attributes, RTC restricts what is sent, removing a port withdraws its routes, and a
 * restart of one daemon keeps its routes at the other (graceful restart) until it is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../helpers/daemon.js';
import { freePort } from '../helpers/gobgpd.js';
import { waitFor } from '../helpers/wait.js';

interface Node {
  readonly address: string;
  readonly dir: string;
  readonly conf: string;
  daemon?: DaemonProcess;
  api?: number;
}

const API = 'bagpipe.io/v1alpha1';

function write(dir: string, name: string, objects: unknown[]): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(objects));
  renameSync(tmp, join(dir, name));
}

function instances(): unknown[] {
  return [
    {
      apiVersion: API,
      kind: 'VpnInstance',
      metadata: { name: 'blue', namespace: 'demo' },
      spec: { type: 'evpn', importRTs: ['64512:10'], exportRTs: ['64512:10'], vni: 5010 },
    },
    {
      apiVersion: API,
      kind: 'VpnInstance',
      metadata: { name: 'red', namespace: 'demo' },
      spec: { type: 'ipvpn', importRTs: ['64512:20'], exportRTs: ['64512:20'] },
    },
  ];
}

function ports(n: number): unknown[] {
  const port = (instance: string, mac: string, ip: string, ifname: string) => ({
    apiVersion: API,
    kind: 'PortAttachment',
    metadata: { name: `${instance}-${String(n)}`, namespace: 'demo' },
    spec: {
      vpnInstanceRef: { name: instance },
      macAddress: mac,
      ipAddress: ip,
      localPort: { linuxInterface: ifname },
    },
  });
  return [
    port('blue', `02:00:00:00:0${String(n)}:01`, `10.10.0.${String(n)}/24`, `tap-b${String(n)}`),
    port('red', `02:00:00:00:0${String(n)}:02`, `10.20.0.${String(n)}/24`, `tap-r${String(n)}`),
  ];
}

async function lg(node: Node, path: string): Promise<unknown> {
  const r = await fetch(`http://127.0.0.1:${String(node.api)}/looking-glass/${path}`);
  return r.status === 200 ? r.json() : undefined;
}

const macRoutes = async (node: Node, instance: string): Promise<string> =>
  JSON.stringify((await lg(node, `vpns/instances/${instance}/received_routes`)) ?? []);

describe('e2e: two daemons peering directly', function () {
  this.timeout(60000);
  const nodes: Node[] = [];
  let root: string;
  let bgpPort: number;

  async function start(node: Node): Promise<void> {
    node.daemon = new DaemonProcess(['--config-file', node.conf]);
    node.api = await node.daemon.apiPort();
  }

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'bgpd-e2e-'));
    bgpPort = await freePort('127.0.0.1');
    nodes.length = 0;
    for (const [i, address] of ['127.0.0.1', '127.0.0.2'].entries()) {
      const dir = join(root, `node${String(i + 1)}`);
      const desired = join(dir, 'desired.d');
      mkdirSync(desired, { recursive: true });
      const listen = i === 0 ? `listen = True\nlisten_port = ${String(bgpPort)}\n` : '';
      const conf = join(dir, 'bgp.conf');
      writeFileSync(
        conf,
        `[BGP]\nlocal_address = ${address}\nmy_as = 64512\nenable_rtc = True\n${listen}` +
          `[API]\nhost = 127.0.0.1\nport = 0\n` +
          `[DESIRED]\ndirectory = ${desired}\nnode_name = node${String(i + 1)}\nstate_directory = ${join(dir, 'state')}\n` +
          `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = dummy\n`,
      );
      const other = i === 0 ? '127.0.0.2' : '127.0.0.1';
      const peer = {
        apiVersion: API,
        kind: 'BgpPeer',
        metadata: { name: 'other' },
        spec: i === 0 ? { peerAddress: other, passive: true } : { peerAddress: other, port: bgpPort },
      };
      write(desired, 'peer.json', [peer]);
      write(desired, 'vpn.json', instances());
      write(desired, 'ports.json', ports(i + 1));
      nodes.push({ address, dir, conf });
    }
    for (const n of nodes) await start(n);
  });

  afterEach(async () => {
    for (const n of nodes) await n.daemon?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('exchanges E-VPN and IP VPN routes, withdraws a removed port, keeps routes across a restart', async () => {
    const [a, b] = nodes as [Node, Node];
    await waitFor(async () => (await macRoutes(b, 'blue')).includes('02:00:00:00:01:01'), 30000, {
      what: 'node 2 receives the E-VPN MAC route of node 1',
    });
    await waitFor(async () => (await macRoutes(a, 'red')).includes('10.20.0.2/32'), 20000, {
      what: 'node 1 receives the IP VPN /32 of node 2',
    });
    const peers = JSON.stringify(await lg(a, 'bgp/peers'));
    assert.match(peers, /Established/);
    const metrics = await (await fetch(`http://127.0.0.1:${String(a.api)}/metrics`)).text();
    assert.match(metrics, /^bagpipe_bgp_session_up\{peer="127.0.0.2"\} 1$/m);
    assert.match(metrics, /^bagpipe_vpn_instances\{type="evpn"\} 1$/m);
    assert.match(metrics, /^bagpipe_bgp_routes_received\{peer="127.0.0.2",family="L2VPN\/evpn"\} 2$/m);

    // A port removed on node 1: its routes leave node 2.
    write(join(a.dir, 'desired.d'), 'ports.json', []);
    await waitFor(async () => !(await macRoutes(b, 'blue')).includes('02:00:00:00:01:01'), 20000, {
      what: 'the withdrawal at node 2',
    });

    // Node 2 restarts: node 1 keeps its routes (stale) while it is away, then has them fresh.
    await b.daemon?.stop();
    await waitFor(async () => !JSON.stringify(await lg(a, 'bgp/peers')).includes('Established'), 20000, {
      what: 'node 1 sees node 2 down',
    });
    assert.ok((await macRoutes(a, 'red')).includes('10.20.0.2/32'), 'kept during the restart');
    await start(b);
    await waitFor(async () => JSON.stringify(await lg(a, 'bgp/peers')).includes('Established'), 30000, {
      what: 'the session is back',
    });
    await waitFor(async () => (await macRoutes(a, 'red')).includes('10.20.0.2/32'), 20000, {
      what: 'the route after the restart',
    });
  });
});
