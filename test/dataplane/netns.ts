/**
 * Network-namespace labs for the dataplane integration tests: unique `bgt-<random>-<role>`
 * names, veth links, commands inside a namespace, and a cleanup that
 * deletes every namespace it created (and kills every process it started, by PID).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;

export async function sh(argv: readonly string[]): Promise<string> {
  const [file = '', ...args] = argv;
  const { stdout } = await execFileP(file, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return stdout;
}

export class Lab {
  readonly id = randomBytes(3).toString('hex');
  readonly #namespaces: string[] = [];
  readonly #procs: ChildProcess[] = [];

  async ns(role: string): Promise<string> {
    const name = `bgt-${this.id}-${role}`;
    await sh(['ip', 'netns', 'add', name]);
    this.#namespaces.push(name);
    await sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A veth pair between two namespaces, with optional addresses; both ends up. */
  async veth(a: string, ifA: string, b: string, ifB: string, addrA?: string, addrB?: string): Promise<void> {
    await sh(['ip', 'link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
    for (const [ns, ifname, addr] of [
      [a, ifA, addrA],
      [b, ifB, addrB],
    ] as const) {
      if (addr !== undefined) await sh(['ip', '-n', ns, 'addr', 'add', addr, 'dev', ifname]);
      await sh(['ip', '-n', ns, 'link', 'set', ifname, 'up']);
    }
  }

  exec(ns: string, argv: readonly string[]): Promise<string> {
    return sh(['ip', 'netns', 'exec', ns, ...argv]);
  }

  /** A long-running process inside `ns`, killed by PID at cleanup. */
  spawn(ns: string, argv: readonly string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#procs.push(p);
    return p;
  }

  async cleanup(): Promise<void> {
    for (const p of this.#procs)
      if (p.exitCode === null && p.signalCode === null && p.pid !== undefined) process.kill(p.pid);
    for (const ns of this.#namespaces.splice(0)) await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
  }
}

export async function ping(lab: Lab, ns: string, dst: string, count = 3): Promise<boolean> {
  try {
    await lab.exec(ns, ['ping', '-c', String(count), '-W', '1', '-i', '0.2', dst]);
    return true;
  } catch {
    return false;
  }
}

export async function macOf(ns: string, ifname: string): Promise<string> {
  const j = JSON.parse(await sh(['ip', '-n', ns, '-j', 'link', 'show', 'dev', ifname])) as {
    address: string;
  }[];
  return j[0]?.address ?? '';
}

export interface Node {
  readonly ns: string;
  /** Underlay (VTEP) address. */
  readonly vtep: string;
}

/** `count` compute nodes on one underlay bridge (in its own namespace): 172.31.0.<i>/24. */
export async function fabric(lab: Lab, count: number): Promise<Node[]> {
  const fab = await lab.ns('fab');
  await sh(['ip', '-n', fab, 'link', 'add', 'br0', 'type', 'bridge']);
  await sh(['ip', '-n', fab, 'link', 'set', 'br0', 'up']);
  const nodes: Node[] = [];
  for (let i = 1; i <= count; i++) {
    const ns = await lab.ns(`n${i}`);
    const vtep = `172.31.0.${i}`;
    await lab.veth(ns, 'u0', fab, `f${i}`, `${vtep}/24`);
    await sh(['ip', '-n', fab, 'link', 'set', `f${i}`, 'master', 'br0']);
    nodes.push({ ns, vtep });
  }
  return nodes;
}

export interface Vm {
  readonly ns: string;
  readonly tap: string;
  readonly mac: string;
  readonly ip: string;
}

/** A "VM" namespace whose eth0 is joined to `tap` in the node; optional default gateway. */
export async function vm(lab: Lab, node: Node, tap: string, cidr: string, gateway?: string): Promise<Vm> {
  const ns = await lab.ns(`vm-${tap}`);
  await lab.veth(ns, 'eth0', node.ns, tap, cidr);
  if (gateway !== undefined) await sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', gateway]);
  return { ns, tap, mac: await macOf(ns, 'eth0'), ip: cidr.split('/')[0] ?? '' };
}

export interface RunningPing {
  /** Echo replies seen so far. */
  received(): number;
  /** Resolves with the loss percentage when ping exits. */
  readonly loss: Promise<number>;
}

/** Starts `ping` for `count` packets every `intervalS` inside `ns`. */
export function startPing(lab: Lab, ns: string, dst: string, count: number, intervalS: number): RunningPing {
  const p = lab.spawn(ns, ['ping', '-c', String(count), '-W', '1', '-i', String(intervalS), dst]);
  let out = '';
  p.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const loss = new Promise<number>((resolve) => {
    p.on('exit', () => {
      const m = /(\d+(?:\.\d+)?)% packet loss/.exec(out);
      resolve(m === null ? 100 : Number(m[1]));
    });
  });
  return { received: () => out.split('bytes from').length - 1, loss };
}
