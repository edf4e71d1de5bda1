/**
 * Root only (and gobgpd 3.10). Issue #9, acceptance 2: the original README's examples on the
 * end-to-end topology (test/helpers/topology.ts, here without VM namespaces nor desired.d ports).
 * On each compute node, inside its network namespace, `bagpipe-rest-attach --attach --port netns`
 * creates a namespace and a veth pair and attaches the host side through the node daemon's REST
 * API, once over E-VPN (`--rt 64512:77`, as in the README) and once over IP VPN with a gateway.
 * The namespaces made on c1 ping the ones made on c2; replaying an attach changes no desired
 * object; `--detach` on both nodes withdraws the routes and the pings stop.
 *
 * The tool runs under `nsenter --net` (see runTool), like a process on a real host: under
 * `ip netns exec` the namespace it makes would live in a private mount namespace and vanish with
 * the tool. Each tool-made namespace has its own name (`--netns`): the default, the VPN instance
 * id, would be the same on both nodes, and namespace names are host-wide here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runTool, type ToolResult } from '../cli/run-tool.js';
import { API_PORT, isRoot, Topology, type ComputeNode } from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

const PID = String(process.pid);

/** One `--port netns` attachment made by the tool on one node. */
interface ToolPort {
  readonly node: 0 | 1;
  /** The namespace the tool creates (`--netns`); the host side of its veth is `ns-<netns>`. */
  readonly netns: string;
  readonly ip: string;
  readonly args: readonly string[];
}

const api = ['--api-port', String(API_PORT)];

// `ns-<netns>` is cut to 15 characters: the names keep the two host sides of a node distinct.
function evpnPort(node: 0 | 1): ToolPort {
  const i = String(node + 1);
  const netns = `rae${i}-${PID}`;
  const ip = `11.11.11.${i}`;
  const mac = `02:00:00:00:77:0${i}`;
  const args = ['--port', 'netns', '--mac', mac, '--ip', ip, '--network-type', 'evpn'];
  args.push('--vpn-instance-id', 'test-evpn', '--rt', '64512:77', '--netns', netns, ...api);
  return { node, netns, ip, args };
}

/** No `--mac`: the tool reads it from the namespace side of the veth. */
function ipvpnPort(node: 0 | 1): ToolPort {
  const i = String(node + 1);
  const netns = `rai${i}-${PID}`;
  const ip = `12.12.12.${i}`;
  const args = ['--port', 'netns', '--ip', ip, '--gateway-ip', '12.12.12.254', '--network-type', 'ipvpn'];
  args.push('--vpn-instance-id', 'test-ipvpn', '--rt', '64512:78', '--netns', netns, ...api);
  return { node, netns, ip, args };
}

const PORTS = {
  evpn: [evpnPort(0), evpnPort(1)],
  ipvpn: [ipvpnPort(0), ipvpnPort(1)],
} as const;
const ALL = [...PORTS.evpn, ...PORTS.ipvpn];

const hostIf = (p: ToolPort): string => `ns-${p.netns}`.slice(0, 15);

interface RouteTable {
  readonly 'L2VPN/evpn,*': Record<string, unknown>[];
  readonly 'IPv4/mpls-vpn,*': Record<string, unknown>[];
}

/** Keys of the node's E-VPN and IP VPN routes (its own and received) in the looking glass. */
async function routeKeys(t: Topology, n: ComputeNode): Promise<string[]> {
  const rib = (await t.apiJson(n, '/looking-glass/bgp/routes')) as RouteTable;
  return [...rib['L2VPN/evpn,*'], ...rib['IPv4/mpls-vpn,*']].flatMap((r) => Object.keys(r));
}

/** Every desired object of the node as the looking glass shows it, with the store version. */
async function desiredState(t: Topology, n: ComputeNode): Promise<unknown> {
  const summary = (await t.apiJson(n, '/looking-glass/desired')) as { version: number };
  const rows = (await t.apiJson(n, '/looking-glass/desired/objects')) as { id: string }[];
  const objects = await Promise.all(
    rows.map((r) => t.apiJson(n, `/looking-glass/desired/objects/${encodeURIComponent(r.id)}`)),
  );
  return { version: summary.version, rows, objects };
}

/** Interfaces of the node namespace other than lo, eth0 and the tool's veth host sides. */
function daemonLinks(n: ComputeNode): string[] {
  const links = JSON.parse(execFileSync('ip', ['-n', n.ns, '-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  const ours = new Set(['lo', 'eth0', ...ALL.map(hostIf)]);
  return links.map((l) => l.ifname).filter((name) => !ours.has(name));
}

function requestOf(r: ToolResult): unknown {
  const line = r.stdout.split('\n').find((l) => l.startsWith('request: '));
  assert.ok(line, r.stdout);
  return JSON.parse(line.slice('request: '.length)) as unknown;
}

describe('e2e: bagpipe-rest-attach --port netns on two nodes (netns, root)', function () {
  this.timeout(120_000);
  let topo: Topology | undefined;
  /** The tool's request for the E-VPN port of c1, replayed later. */
  let evpnRequest: unknown;

  const t = (): Topology => {
    assert.ok(topo);
    return topo;
  };
  const nodeOf = (p: ToolPort): ComputeNode => t().nodes[p.node];
  const tool = async (op: 'attach' | 'detach', p: ToolPort): Promise<ToolResult> => {
    const r = await runTool('rest-attach', [`--${op}`, ...p.args], { netns: nodeOf(p).ns });
    assert.equal(r.code, 0, `${op} ${p.netns}: ${r.stderr}${r.stdout}`);
    assert.match(r.stdout, /^response: 200 null$/m, r.stdout);
    return r;
  };

  before(async function () {
    // Namespaces, bridges and VXLAN need CAP_NET_ADMIN; the route reflector is gobgpd.
    if (!isRoot() || !existsSync('/usr/bin/gobgpd')) this.skip();
    // The default drift repair (30 s): a repeated attach must re-plug its veth by itself (below).
    topo = new Topology({ prefix: `bgpra-${PID}`, vms: false });
    // down() deletes the tool's namespaces too (with them, both ends of their veths).
    for (const p of ALL) topo.track(p.netns);
    await topo.up();
    for (const n of topo.nodes) await topo.waitSession(n);
  });

  after(async () => {
    if (topo === undefined) return;
    await topo.down();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const name of [`${topo.prefix}-`, ...ALL.map((p) => p.netns)])
      assert.ok(!left.includes(name), `namespace ${name} left: ${left}`);
  });

  it('attaches a tool-made namespace per node and VPN type; c1 pings c2 over E-VPN and over IP VPN', async () => {
    const c1 = t().nodes[0];
    for (const p of ALL) {
      const r = await tool('attach', p);
      assert.match(r.stdout, new RegExp(`^Will plug local namespace ${p.netns} into network$`, 'm'));
      if (p === PORTS.evpn[0]) evpnRequest = requestOf(r);
    }
    // The daemon of c1 holds the REST objects the tool asked for, on the veth host sides.
    const rows = (await t().apiJson(c1, '/looking-glass/desired/objects')) as { id: string; ready: string }[];
    const ports = rows.filter((r) => r.id.startsWith('PortAttachment/'));
    assert.equal(ports.length, 2, JSON.stringify(rows));
    for (const r of rows) assert.equal(r.ready, 'True', JSON.stringify(r));
    const evpnPortId = ports.find((r) => r.id.includes('test-evpn'))?.id ?? '';
    const evpn = (await t().apiJson(
      c1,
      `/looking-glass/desired/objects/${encodeURIComponent(evpnPortId)}`,
    )) as { spec: { macAddress: string; localPort: { linuxInterface?: string } } };
    assert.equal(evpn.spec.macAddress, '02:00:00:00:77:01');
    assert.equal(evpn.spec.localPort.linuxInterface, hostIf(PORTS.evpn[0]));

    // c2's routes reached c1 through the route reflector.
    await waitFor(
      async () => {
        const keys = await routeKeys(t(), c1);
        return keys.some((k) => k.includes('mac 02:00:00:00:77:02 ip 11.11.11.2')) &&
          keys.some((k) => k.includes('12.12.12.2/32'))
          ? keys
          : false;
      },
      30_000,
      { intervalMs: 100, what: "c2's E-VPN and IP VPN routes on c1" },
    );
    const [e1, e2] = PORTS.evpn;
    const [i1, i2] = PORTS.ipvpn;
    await t().waitPing({ ns: e1.netns }, e2.ip, 30_000);
    await t().waitPing({ ns: i1.netns }, i2.ip, 30_000);
    assert.ok(await t().ping({ ns: e1.netns }, e2.ip, 3), 'E-VPN ping c1 -> c2');
    assert.ok(await t().ping({ ns: e2.netns }, e1.ip, 3), 'E-VPN ping c2 -> c1');
    assert.ok(await t().ping({ ns: i1.netns }, i2.ip, 3), 'IP VPN ping c1 -> c2');
    assert.ok(await t().ping({ ns: i2.netns }, i1.ip, 3), 'IP VPN ping c2 -> c1');
  });

  it('replays an attach idempotently: 200 and the same desired objects', async () => {
    const c1 = t().nodes[0];
    const [e1, e2] = PORTS.evpn;
    const before = await desiredState(t(), c1);
    // The REST replay (what an agent does after a daemon restart): the very same body.
    assert.ok(evpnRequest);
    const replay = await t().apiPost(c1, '/attach_localport', evpnRequest);
    assert.deepEqual(replay, { status: 200, body: 'null' });
    assert.deepEqual(await desiredState(t(), c1), before, 'desired objects after the REST replay');
    assert.ok(await t().ping({ ns: e1.netns }, e2.ip, 3), 'E-VPN ping after the REST replay');
    // The tool again: the same request, but it re-creates the veth pair first (as the original
    // does). The attach changes no desired object; as a refresh it makes the drivers check the
    // dataplane at once, which plugs the new host side back (well before the 30 s repair pass).
    await tool('attach', e1);
    assert.deepEqual(await desiredState(t(), c1), before, 'desired objects after the repeated tool');
    await t().waitPing({ ns: e1.netns }, e2.ip, 10_000);
  });

  it('detaches on both nodes: the routes leave the looking glass, the daemons clean up and the pings fail', async () => {
    for (const p of ALL) await tool('detach', p);
    for (const n of t().nodes) {
      await waitFor(
        async () => {
          const keys = await routeKeys(t(), n);
          const instances = (await t().apiJson(n, '/looking-glass/vpns/instances')) as unknown[];
          return keys.length === 0 && instances.length === 0 && daemonLinks(n).length === 0;
        },
        30_000,
        {
          intervalMs: 100,
          what: `no route, instance nor driver device left on ${n.name}`,
          describe: () => daemonLinks(n),
        },
      );
      const rows = (await t().apiJson(n, '/looking-glass/desired/objects')) as { id: string }[];
      assert.deepEqual(
        rows.map((r) => r.id),
        ['BgpPeer/rr'],
      );
    }
    // One echo request each, 1 s for its reply: none may come.
    const [e1, e2] = PORTS.evpn;
    const [i1, i2] = PORTS.ipvpn;
    assert.equal(await t().ping({ ns: e1.netns }, e2.ip, 1), false, 'E-VPN ping after --detach');
    assert.equal(await t().ping({ ns: i1.netns }, i2.ip, 1), false, 'IP VPN ping after --detach');
  });
});
