/**
 * Root only (gobgpd 3.10 and Open vSwitch). Issue #6, acceptance 1, through the daemon: the
 * e2e topology (test/helpers/topology.ts) with c1's daemon on `[DATAPLANE_DRIVER_IPVPN]
 * dataplane_driver = ovs` (a private ovsdb-server + ovs-vswitchd, userspace datapath, in c1's
 * namespace; the VM's veth is a port of br-mpls named as its PortAttachment's
 * `localPort.linuxInterface`) and c2's on the linux IP VPN driver, both driven by desired.d
 * files, routes through a gobgpd route reflector. VM to VM pings cross the IP VPN over VXLAN in
 * both directions, and `ofproto/trace` shows the tunnel push with c2's VNI; every flow on
 * br-mpls carries the instance's cookie (or the driver-wide one); c1's daemon restarts
 * (SIGTERM, start again) under a ping and its OVS driver adopts the flows with zero changes;
 * removing the port's desired file removes the port's flows, removing the instance's removes
 * every flow the driver owns.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataplaneIntent, IpvpnInstanceIntent } from '../../src/dataplane/intent.js';
import { DRIVER_COOKIE, GATEWAY_MAC, instanceIds } from '../../src/dataplane/ovs/names.js';
import { ovsInstalled, type OvsSandbox } from '../dataplane/ovs/sandbox.js';
import {
  dataplaneCounters,
  isRoot,
  type LastPass,
  OVS_BRIDGE,
  Topology,
  type ComputeNode,
} from '../helpers/topology.js';
import { waitFor } from '../helpers/wait.js';

const TAKEOVER = 'restart: dataplane drivers take over';

describe('e2e: OVS IP VPN driver through the daemon, against a linux node (netns, root)', function () {
  this.timeout(120_000);
  let topo: Topology | undefined;
  let ovsDir = '';

  const t = (): Topology => {
    assert.ok(topo);
    return topo;
  };
  const box = (): OvsSandbox => {
    const o = t().nodes[0].ovs;
    assert.ok(o, 'c1 runs a private Open vSwitch');
    return o;
  };
  /** The node's IP VPN instance as its daemon hands it to its driver. */
  const intent = async (n: ComputeNode): Promise<IpvpnInstanceIntent | undefined> => {
    const d = (await t().apiJson(n, '/looking-glass/dataplane/ipvpn/intent')) as DataplaneIntent | null;
    return d?.instances.find((i): i is IpvpnInstanceIntent => i.type === 'ipvpn');
  };
  const flows = async (): Promise<string[]> =>
    (await box().ofctl('dump-flows', OVS_BRIDGE, '--no-stats'))
      .split('\n')
      .filter((l) => l.includes(' actions='))
      .map((l) => l.trim());
  const ofport = async (): Promise<number> => box().ofport(t().nodes[0].vm.ipvpn.port);
  /** Flows that match on or output to the VM's OVS port. */
  const portFlows = async (): Promise<string[]> => {
    const n = String(await ofport());
    const re = new RegExp(`(in_port=${n}[, ]|output:${n}(,|$))`);
    return (await flows()).filter((l) => re.test(l));
  };

  before(async function () {
    // Namespaces, veths, VXLAN and ovs-vswitchd need root; the route reflector is gobgpd.
    if (!isRoot() || !existsSync('/usr/bin/gobgpd') || !ovsInstalled()) this.skip();
    topo = new Topology({
      prefix: `bgpovs-${String(process.pid)}`,
      evpn: false,
      nodes: [{ ipvpnDriver: 'ovs' }, { ipvpnDriver: 'linux' }],
    });
    try {
      await topo.up();
    } finally {
      ovsDir = topo.nodes[0].ovs?.dir ?? '';
    }
    for (const n of topo.nodes) await topo.waitSession(n);
  });

  after(async () => {
    if (topo === undefined) return;
    await topo.down();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(`${topo.prefix}-`), `namespaces left: ${left}`);
    assert.ok(ovsDir === '' || !existsSync(ovsDir), `OVS sandbox left: ${ovsDir}`);
  });

  it('pings vm1 (OVS) -> vm2 (linux) and back over IP VPN / VXLAN', async () => {
    const [c1, c2] = t().nodes;
    await t().waitPing(c1.vm, c2.vm.ipvpn.ip, 30_000);
    assert.ok(await t().ping(c1.vm, c2.vm.ipvpn.ip, 3), 'IP VPN ping vm1 -> vm2');
    assert.ok(await t().ping(c2.vm, c1.vm.ipvpn.ip, 3), 'IP VPN ping vm2 -> vm1');
    const m = await t().metrics(c1);
    assert.match(m, /^bagpipe_dataplane_operations\{driver="ovs",type="ipvpn",what="errors"\} 0$/m);
  });

  it('traces vm1 -> vm2 to a VXLAN tunnel push with the VNI c2 advertised', async () => {
    const [c1, c2] = t().nodes;
    const inst = await intent(c1);
    const hop = inst?.remotePrefixes.find((r) => r.prefix === `${c2.vm.ipvpn.ip}/32`)?.nextHops[0];
    assert.ok(hop, `a route to vm2 in c1's intent: ${JSON.stringify(inst)}`);
    assert.deepEqual([hop.vtep, hop.encap], [c2.address, 'vxlan']);
    assert.equal(hop.label, (await intent(c2))?.vni, "the label is c2's VNI for the instance");
    const { ip, mac } = c1.vm.ipvpn;
    const flow = `in_port=${String(await ofport())},ip,dl_src=${mac},dl_dst=${GATEWAY_MAC},nw_src=${ip},nw_dst=${c2.vm.ipvpn.ip},nw_ttl=64`;
    const trace = await box().appctl('ofproto/trace', OVS_BRIDGE, flow);
    const vni = `0x${hop.label.toString(16)}`;
    assert.match(trace, new RegExp(`set_field:${vni}->tun_id`));
    const src = c1.address.replaceAll('.', '\\.');
    const dst = c2.address.replaceAll('.', '\\.');
    assert.match(
      trace,
      new RegExp(
        `Datapath actions: .*tnl_push\\(.*ipv4\\(src=${src},dst=${dst},.*vxlan\\(flags=0x8000000,vni=${vni}\\)`,
      ),
    );
  });

  it("carries the instance's cookie on every flow of the VM port", async () => {
    const [c1, c2] = t().nodes;
    const inst = await intent(c1);
    assert.ok(inst);
    const { cookie } = instanceIds(inst.id);
    const all = await flows();
    const n = String(await ofport());
    const label = inst.localPorts[0]?.label;
    assert.ok(label !== undefined, `the port's own label is in the intent: ${JSON.stringify(inst)}`);
    const wanted = [
      `,ip,in_port=${n} `, // from the VM (input table) ...
      `,arp,in_port=${n} `,
      `,nw_dst=${c1.vm.ipvpn.ip} actions=`, // ... to the VM, routed in the VRF ...
      `,tun_id=0x${label.toString(16)},`, // ... and received with its label from c2
      `,nw_dst=${c2.vm.ipvpn.ip} actions=`, // vm2 through the tunnel
    ];
    for (const w of wanted) {
      const hit = all.filter((l) => l.includes(w));
      assert.equal(hit.length, 1, `one flow with ${w}:\n${all.join('\n')}`);
      assert.ok(hit[0]?.startsWith(`cookie=${cookie},`), hit[0]);
    }
    for (const l of await portFlows()) assert.ok(l.startsWith(`cookie=${cookie},`), l);
    const cookies = new Set(all.map((l) => l.split(',')[0]));
    assert.deepEqual([...cookies].sort(), [`cookie=${DRIVER_COOKIE}`, `cookie=${cookie}`].sort());
  });

  it("restarts c1's daemon under ping: its OVS driver applies zero changes", async () => {
    const [c1, c2] = t().nodes;
    const before = await flows();
    const ping = t().startPing(c1.vm, c2.vm.ipvpn.ip);
    await waitFor(() => ping.received() >= 20, 10_000, { what: 'the first 20 replies' });
    const exit = await t().stopDaemon(c1);
    assert.equal(exit.code, 0, 'the daemon exits 0 on SIGTERM');
    const d = await t().startDaemon(c1);
    await t().waitSession(c1, 60_000);
    const line = await d.waitForLog((l) => l.msg === TAKEOVER, 30_000);
    assert.equal(line['why'], 'End-of-RIB from every peer');
    const until = ping.received() + 40;
    await waitFor(() => ping.received() >= until, 20_000, { what: '2 more seconds of replies' });
    const p = await ping.stop();
    const metrics = await t().metrics(c1);
    const counters = dataplaneCounters(metrics, 'ipvpn');
    const lg = (await t().apiJson(c1, '/looking-glass/dataplane/ipvpn')) as {
      driver: string;
      last_pass: LastPass | null;
    };
    assert.equal(lg.driver, 'ovs');
    assert.deepEqual(
      {
        passes: counters.passes >= 1,
        applied: counters.applied,
        errors: counters.errors,
        last: lg.last_pass?.changes,
      },
      { passes: true, applied: 0, errors: 0, last: 0 },
      `OVS driver after the restart: ${JSON.stringify({ counters, last: lg.last_pass })}`,
    );
    assert.match(metrics, /^bagpipe_dataplane_operations\{driver="ovs",type="ipvpn",what="applied"\} 0$/m);
    assert.deepEqual(await flows(), before, 'the flows are the same');
    assert.deepEqual(p.missing, [], `lost icmp_seq ${p.missing.join(',')} (${p.summary})`);
  });

  it("removing the port's desired file removes its flows; removing the instance's, all of ours", async () => {
    const [c1, c2] = t().nodes;
    assert.ok((await portFlows()).length >= 3);
    const file = join(c1.desired, 'ports.json');
    rmSync(file);
    await waitFor(async () => (await portFlows()).length === 0, 15_000, {
      what: "the VM port's flows to go",
      describe: () => portFlows(),
    });
    assert.ok(!(await t().ping(c2.vm, c1.vm.ipvpn.ip, 1)), 'vm1 is unreachable');
    rmSync(join(c1.desired, 'vpn.json'));
    await waitFor(async () => (await flows()).length === 0, 15_000, {
      what: 'every flow of the driver to go',
      describe: () => flows(),
    });
    assert.equal(dataplaneCounters(await t().metrics(c1), 'ipvpn').errors, 0);
  });
});
