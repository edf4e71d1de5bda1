/**
 * `npm run demo` (root): two compute nodes running real bagpipe-bgp daemons with the linux
 * E-VPN and IP VPN drivers, a gobgpd route reflector, and two VM namespaces, all in network
 * namespaces built here (test/helpers/topology.ts draws the picture). It shows
 *   1. the topology, built from scratch, and the desired.d files that drive each node;
 *   2. ping vm1 -> vm2 over E-VPN (VXLAN, one L2 segment) and over IP VPN (routed via the gateway);
 *   3. each node's looking-glass summary and a few metrics lines;
 *   4. the daemon of c1 restarted (SIGTERM, start again) under a running `ping -i 0.05`: the
 *      packets lost, and what the new daemon's drivers did;
 * and then removes everything it created (also on failure and on Ctrl-C).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ComputeNode, isRoot, type PingResult, Topology } from '../test/helpers/topology.js';

const t0 = performance.now();
const say = (line: string): void => {
  process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
};
const section = (title: string): void => {
  process.stdout.write(`\n== ${title}\n`);
};
const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
const run = (argv: readonly string[]): string => {
  const [file = '', ...args] = argv;
  return execFileSync(file, args, { encoding: 'utf8' });
};

const METRICS = /^(bagpipe_bgp_session_up|bagpipe_vpn_instances|bagpipe_dataplane_operations)\{/;

async function lookingGlass(topo: Topology, n: ComputeNode): Promise<void> {
  const root = (await topo.apiJson(n, '/looking-glass')) as Record<string, unknown>;
  process.stdout.write(
    `  ${n.name}: ip netns exec ${n.ns} curl http://127.0.0.1:8082/looking-glass  (its "summary")\n` +
      `${indent(JSON.stringify(root['summary'], null, 2))}\n`,
  );
  const lines = (await topo.metrics(n)).split('\n').filter((l) => METRICS.test(l));
  process.stdout.write(`  ${n.name}: /metrics (some lines)\n${indent(lines.join('\n'))}\n`);
}

function lossLine(what: string, r: PingResult): string {
  const lost = r.missing.length;
  const gaps = lost === 0 ? '' : ` (icmp_seq ${r.missing.join(',')})`;
  return `${what}: ${String(r.received)} replies, ${String(lost)} lost${gaps}; ping: ${r.summary}`;
}

async function main(): Promise<number> {
  if (!isRoot()) {
    process.stderr.write('demo: needs root (network namespaces, bridges, VXLAN)\n');
    return 2;
  }
  if (!existsSync('/usr/bin/gobgpd') || !existsSync('/usr/bin/gobgp')) {
    process.stderr.write('demo: needs gobgpd and gobgp (Debian package gobgpd)\n');
    return 2;
  }
  const topo = new Topology({ log: say });
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaning ??= topo.down());
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: removing everything`);
    void cleanup().finally(() => {
      say('removed everything; exiting');
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const [c1, c2] = topo.nodes;
  try {
    section('1. topology');
    await topo.up();
    for (const file of ['peer.json', 'vpn.json', 'ports.json']) {
      const objects = JSON.parse(readFileSync(join(c1.desired, file), 'utf8')) as unknown[];
      process.stdout.write(
        `  ${c1.name}/desired.d/${file}:\n${indent(objects.map((o) => JSON.stringify(o)).join('\n'))}\n`,
      );
    }

    section('2. BGP sessions and pings');
    for (const n of topo.nodes) {
      await topo.waitSession(n);
      say(`${n.name}: session with the route reflector Established`);
    }
    await topo.waitPing(c1.vm, c2.vm.evpn.ip, 30000);
    await topo.waitPing(c1.vm, c2.vm.ipvpn.ip, 30000);
    for (const [what, dst] of [
      ['E-VPN ', c2.vm.evpn.ip],
      ['IP VPN', c2.vm.ipvpn.ip],
    ] as const) {
      const ok = await topo.ping(c1.vm, dst, 5);
      say(`ping vm1 -> vm2 over ${what} (${dst}): ${ok ? '5/5 replies' : 'FAILED'}`);
      if (!ok) throw new Error(`ping over ${what.trim()} failed`);
    }
    process.stdout.write(`  what the drivers created in ${c1.ns}:\n`);
    const vxlan = run(['bridge', '-n', c1.ns, 'fdb', 'show'])
      .split('\n')
      .filter((l) => l.includes(' dst '));
    const links = run(['ip', '-n', c1.ns, '-br', 'link', 'show'])
      .split('\n')
      .filter((l) => /^(bgb|bvx|bvi)-/.test(l));
    process.stdout.write(`${indent([...links, ...vxlan].join('\n'))}\n`);

    section('3. looking glass and metrics');
    for (const n of topo.nodes) await lookingGlass(topo, n);

    section('4. restart of the c1 daemon under ping -i 0.05 (vm1 -> vm2, both VPNs)');
    const r = await topo.restartUnderPing(c1);
    say(lossLine('E-VPN  ping', r.pings.evpn));
    say(lossLine('IP VPN ping', r.pings.ipvpn));
    for (const type of ['evpn', 'ipvpn'] as const) {
      const d = r.dataplane[type];
      say(
        `c1 ${type.padEnd(5)} driver of the new daemon: ${String(d.passes)} pass(es), ${String(d.applied)} operations ` +
          `applied, ${String(d.errors)} errors; last pass ${JSON.stringify(d.last?.changes ?? null)} changes`,
      );
      if ((d.last?.diff.length ?? 0) > 0)
        process.stdout.write(`${indent(JSON.stringify(d.last?.diff, null, 2))}\n`);
    }
    process.stdout.write(
      `  (the session takes a few seconds to come back: gobgpd 3.10 keeps a peer Idle ~5 s after its\n` +
        `   session drops and our connect retry backs off; meanwhile the kernel keeps forwarding on the\n` +
        `   state the previous daemon left, and c2 keeps c1's routes through graceful restart)\n`,
    );
    return 0;
  } finally {
    section('5. cleanup');
    await cleanup();
    const left = run(['ip', 'netns', 'list'])
      .split('\n')
      .filter((l) => l.startsWith(`${topo.prefix}-`));
    say(
      left.length === 0
        ? `removed every ${topo.prefix}-* namespace, process and file`
        : `LEFT: ${left.join(', ')}`,
    );
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
