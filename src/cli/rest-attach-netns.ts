/**
 * The host-side plumbing of `bagpipe-rest-attach`, command for command as the original runs it:
 * `--port netns` makes a namespace and a veth pair (host `ns-<netns>` MTU 9000, namespace side
 * `tovpn` MTU 1420, optional VLAN sub-interface over `ns2vpn-raw`), sets the MAC and address and
 * a default route via the gateway; `--ovs-preplug` (re)adds the port to an OVS bridge. Commands
 * go through an injected `CommandRunner`; the ones the original runs with `raise_on_error=False`
 * may fail.
 */
import type { CommandRunner } from '../dataplane/index.js';
import type { NetnsPlan } from './rest-attach-request.js';

const HOST_MTU = 9000;
const NS_MTU = 1420;

export class CommandError extends Error {}

async function must(runner: CommandRunner, argv: string[]): Promise<string> {
  const r = await runner.run(argv);
  if (r.code !== 0) throw new CommandError(`${argv.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function mayFail(runner: CommandRunner, argv: string[]): Promise<void> {
  await runner.run(argv);
}

const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

async function vethPair(runner: CommandRunner, hostIf: string, nsIf: string, ns: string): Promise<void> {
  await mayFail(runner, inNs(ns, ['ip', 'link', 'delete', nsIf]));
  // An interface once in OVS would be taken back by OVS when re-created.
  await mayFail(runner, ['ovs-vsctl', 'del-port', hostIf]);
  await mayFail(runner, ['ip', 'link', 'delete', hostIf]);
  await mayFail(runner, [
    'ip',
    'link',
    'add',
    hostIf,
    'type',
    'veth',
    'peer',
    'name',
    nsIf,
    'netns',
    ns,
    'mtu',
    '65535',
  ]);
  await must(runner, ['ip', 'link', 'set', 'dev', hostIf, 'up']);
  await must(runner, ['ip', 'link', 'set', 'dev', hostIf, 'mtu', String(HOST_MTU)]);
  await must(runner, inNs(ns, ['ip', 'link', 'set', 'dev', nsIf, 'up']));
}

/** Creates the namespace port of `--port netns`; `mac` is set on the namespace side when given. */
export async function createNetnsPort(
  runner: CommandRunner,
  plan: NetnsPlan,
  ip: string,
  gateway: string,
  mac: string | undefined,
): Promise<void> {
  const { name: ns, hostIf, nsIf } = plan;
  await mayFail(runner, ['ip', 'netns', 'add', ns]);
  if (plan.vlan) {
    await vethPair(runner, hostIf, 'ns2vpn-raw', ns);
    await must(
      runner,
      inNs(ns, [
        'ip',
        'link',
        'add',
        'link',
        'ns2vpn-raw',
        'name',
        nsIf,
        'type',
        'vlan',
        'id',
        String(plan.vlan),
      ]),
    );
    await must(runner, inNs(ns, ['ip', 'link', 'set', nsIf, 'up']));
  } else {
    await vethPair(runner, hostIf, nsIf, ns);
  }
  if (mac !== undefined) await must(runner, inNs(ns, ['ip', 'link', 'set', nsIf, 'address', mac]));
  await mayFail(runner, inNs(ns, ['ip', 'addr', 'add', ip, 'dev', nsIf]));
  await mayFail(runner, inNs(ns, ['ip', 'route', 'add', 'default', 'dev', nsIf, 'via', gateway]));
  await mayFail(runner, inNs(ns, ['ip', 'link', 'set', nsIf, 'mtu', String(NS_MTU)]));
}

/** The MAC of `ifname` in namespace `ns`. */
export async function readMac(runner: CommandRunner, ns: string, ifname: string): Promise<string> {
  const out = await must(runner, ['ip', '-n', ns, '-j', 'link', 'show', 'dev', ifname]);
  const [link] = JSON.parse(out) as { address?: string }[];
  if (link?.address === undefined) throw new CommandError(`no MAC address for ${ifname} in ${ns}`);
  return link.address;
}

/** `--ovs-preplug`: (re)adds `port` to `bridge`. */
export async function ovsPreplug(runner: CommandRunner, bridge: string, port: string): Promise<void> {
  await mayFail(runner, ['ovs-vsctl', 'del-port', bridge, port]);
  await must(runner, ['ovs-vsctl', 'add-port', bridge, port]);
}
