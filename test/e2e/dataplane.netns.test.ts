/**
 * Root only (and gobgpd 3.10). The demo topology (test/helpers/topology.ts) with assertions:
 * two compute-node namespaces each running a real bagpipe-bgp daemon with the linux E-VPN and
 * IP VPN drivers, a gobgpd route reflector (RTC, graceful restart), one VM namespace per node,
 * everything driven by desired.d files. VM to VM pings cross the E-VPN (VXLAN bridging) and the
 * IP VPN (routed through the gateway); then the daemon of c1 restarts under a 50 ms ping: its
 * drivers hold their intents until the route reflector's End-of-RIB (RFC 4724 4.1), adopt the
 * kernel state with zero changes, and not one packet is lost.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isRoot, Topology } from '../helpers/topology.js';

describe('e2e: dataplane through two daemons and a route reflector (netns, root)', function () {
  this.timeout(120_000);
  let topo: Topology | undefined;

  before(async function () {
    // Namespaces, bridges and VXLAN need CAP_NET_ADMIN; the route reflector is gobgpd.
    if (!isRoot() || !existsSync('/usr/bin/gobgpd')) this.skip();
    topo = new Topology({ prefix: `bgpe2e-${String(process.pid)}` });
    await topo.up();
    for (const n of topo.nodes) await topo.waitSession(n);
  });

  after(async () => {
    if (topo === undefined) return;
    await topo.down();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(`${topo.prefix}-`), `namespaces left: ${left}`);
  });

  it('pings vm1 -> vm2 over E-VPN and over IP VPN', async () => {
    const t = topo!;
    const [c1, c2] = t.nodes;
    await t.waitPing(c1.vm, c2.vm.evpn.ip, 30_000);
    await t.waitPing(c1.vm, c2.vm.ipvpn.ip, 30_000);
    assert.ok(await t.ping(c1.vm, c2.vm.evpn.ip, 3), 'E-VPN ping');
    assert.ok(await t.ping(c1.vm, c2.vm.ipvpn.ip, 3), 'IP VPN ping');
    assert.ok(await t.ping(c2.vm, c1.vm.ipvpn.ip, 3), 'IP VPN ping back');
  });

  it('shows both instances, the session and the drivers in the looking glass and /metrics', async () => {
    const t = topo!;
    for (const n of t.nodes) {
      const root = (await t.apiJson(n, '/looking-glass')) as {
        summary: { BGP_established_peers: number; vpn_instances_count: number };
      };
      assert.equal(root.summary.BGP_established_peers, 1);
      assert.equal(root.summary.vpn_instances_count, 2);
      const m = await t.metrics(n);
      assert.match(m, /^bagpipe_vpn_instances\{type="evpn"\} 1$/m);
      assert.match(m, /^bagpipe_vpn_instances\{type="ipvpn"\} 1$/m);
      assert.match(m, /^bagpipe_dataplane_operations\{driver="linux-evpn",type="evpn",what="errors"\} 0$/m);
      assert.match(m, /^bagpipe_dataplane_operations\{driver="linux-ipvpn",type="ipvpn",what="errors"\} 0$/m);
    }
  });

  it('restarts the c1 daemon under ping: the drivers adopt with zero changes and no packet is lost', async () => {
    const t = topo!;
    const r = await t.restartUnderPing(t.nodes[0]);
    assert.equal(r.exit.code, 0, 'the daemon exits 0 on SIGTERM');
    assert.equal(r.takeover.why, 'End-of-RIB from every peer');
    for (const type of ['evpn', 'ipvpn'] as const) {
      const d = r.dataplane[type];
      assert.deepEqual(
        { passes: d.passes >= 1, applied: d.applied, errors: d.errors, lastChanges: d.last?.changes },
        { passes: true, applied: 0, errors: 0, lastChanges: 0 },
        `${type} driver after the restart: ${JSON.stringify(d)}`,
      );
    }
    for (const [type, p] of Object.entries(r.pings)) {
      assert.ok(p.received >= 100, `${type} ping ran through the restart (${p.summary})`);
      assert.deepEqual(p.missing, [], `${type} ping lost icmp_seq ${p.missing.join(',')} (${p.summary})`);
    }
  });

  it('survives kill -9 of the c1 daemon under ping: adoption with zero changes, no packet lost', async () => {
    const t = topo!;
    const r = await t.restartUnderPing(t.nodes[0], { kill: true });
    assert.equal(r.exit.signal, 'SIGKILL');
    assert.equal(r.takeover.why, 'End-of-RIB from every peer');
    for (const type of ['evpn', 'ipvpn'] as const) {
      const d = r.dataplane[type];
      assert.deepEqual(
        { applied: d.applied, errors: d.errors, lastChanges: d.last?.changes },
        { applied: 0, errors: 0, lastChanges: 0 },
        `${type} driver after the crash: ${JSON.stringify(d)}`,
      );
    }
    for (const [type, p] of Object.entries(r.pings)) {
      assert.deepEqual(p.missing, [], `${type} ping lost icmp_seq ${p.missing.join(',')} (${p.summary})`);
    }
  });
});
