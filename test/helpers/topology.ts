/**
 * The demo topology (issue #8), shared by `scripts/demo.ts` and the e2e dataplane test. Root only.
 *
 *                      fabric namespace: bridge br0, 192.168.100.0/24
 *            ┌───────────────────┬─────────────────┴──────┐
 *     rr 192.168.100.1     c1 192.168.100.11        c2 192.168.100.12
 *     gobgpd 3.10 (RR,     bagpipe-bgp daemon       bagpipe-bgp daemon
 *     RTC, GR helper)      linux E-VPN + IP VPN     linux E-VPN + IP VPN
 *                          evpn-vm1 │ ipvpn-vm1     evpn-vm2 │ ipvpn-vm2
 *                          vm1: eth0 10.10.0.1/24   vm2: eth0 10.10.0.2/24
 *                               eth1 10.20.0.1/24        eth1 10.20.0.2/24 (gateway 10.20.0.254)
 *
 * Namespaces are `<prefix>-<role>` (prefix `bgpdemo-<pid>` by default, so parallel runs never
 * collide). Each compute node runs a real daemon process inside its namespace
 * (`ip netns exec`, so the PID is the daemon's), driven only by desired.d files written
 * atomically; its API listens on 127.0.0.1:8082 of the node namespace and is reached with
 * `ip netns exec <ns> curl`. `down()` removes everything `up()` created, also after a partial
 * `up()`: processes are stopped by PID, then the namespaces (and their veths) are deleted.
 *
 * A node may use the OVS IP VPN driver instead (`nodes: [{ ipvpnDriver: 'ovs' }, {}]`, with
 * `evpn: false`): its namespace then runs a private ovsdb-server and ovs-vswitchd (userspace
 * datapath, test/dataplane/ovs/sandbox.ts) and its daemon gets `OVS_RUNDIR` so ovs-vsctl and
 * ovs-ofctl reach them. Userspace tunnelling needs the VTEP address on an OVS bridge, so the
 * node's fabric leg `eth0` is a port of `br-phy` (NORMAL forwarding) and the node address
 * moves to `br-phy`'s internal port; the VM's IP VPN veth is a port of `br-mpls`, named as its
 * PortAttachment's `localPort.linuxInterface`. The fabric end of that node's leg has TX
 * checksum offload off: OVS reads packets off `eth0` without the kernel's "checksum not yet
 * computed" mark, so TCP (BGP) and checksummed VXLAN from the other veths would arrive with
 * bad checksums (shared/interop §5). E-VPN is left out: OVS's VXLAN port takes UDP 4789 on
 * the node address, so a kernel VXLAN device there would never see its packets.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { OvsSandbox } from '../dataplane/ovs/sandbox.js';
import { DaemonProcess } from './daemon.js';
import { Gobgpd } from './gobgpd.js';
import { waitFor } from './wait.js';

const execFileP = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;

async function sh(argv: readonly string[], timeout = 15000): Promise<string> {
  const [file = '', ...args] = argv;
  const { stdout } = await execFileP(file, args, { encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
  return stdout;
}

export const API_GROUP = 'bagpipe.io/v1alpha1';
export const AS = 64512;
export const RR_ADDRESS = '192.168.100.1';
export const API_PORT = 8082;
export const EVPN = { name: 'demo-evpn', rt: `${String(AS)}:100`, vni: 5100 } as const;
export const IPVPN = { name: 'demo-ipvpn', rt: `${String(AS)}:200`, gateway: '10.20.0.254' } as const;
const FAMILIES = ['l3vpn-ipv4-unicast', 'l2vpn-evpn', 'rtc'] as const;

/** A VM namespace: `eth0` on the E-VPN port (unless `evpn: false`), `eth1` on the IP VPN port of its node. */
export interface Vm {
  readonly ns: string;
  readonly evpn: { readonly ip: string; readonly mac: string; readonly port: string };
  readonly ipvpn: { readonly ip: string; readonly mac: string; readonly port: string };
}

export type IpvpnDriverName = 'linux' | 'ovs';

/** The OVS bridges of an `ipvpnDriver: 'ovs'` node: the IP VPN pipeline, and the underlay. */
export const OVS_BRIDGE = 'br-mpls';
export const OVS_UNDERLAY = 'br-phy';

export interface NodeOptions {
  /** `[DATAPLANE_DRIVER_IPVPN] dataplane_driver` of this node (default linux). */
  readonly ipvpnDriver?: IpvpnDriverName;
}

export interface ComputeNode {
  readonly name: string;
  readonly ns: string;
  readonly address: string;
  /** The daemon's files: bgp.conf, desired.d/, state/. */
  readonly dir: string;
  readonly conf: string;
  readonly desired: string;
  readonly vm: Vm;
  readonly ipvpnDriver: IpvpnDriverName;
  daemon: DaemonProcess | undefined;
  /** The node's private Open vSwitch (`ipvpnDriver: 'ovs'`), once started. */
  ovs: OvsSandbox | undefined;
}

export interface TopologyOptions {
  /** Namespace name prefix; default `bgpdemo-<pid>`. */
  readonly prefix?: string;
  /** Progress lines (the demo prints them; the test keeps quiet). */
  readonly log?: (line: string) => void;
  /** Log level of the daemons (default info). */
  readonly logLevel?: string;
  /**
   * VM namespaces and their desired.d instances and ports (default true). False: bare compute
   * nodes whose desired.d holds only the BGP peer; ports come from elsewhere (the REST API).
   */
  readonly vms?: boolean;
  /** `repair_interval` of both drivers (seconds between drift-repair passes; default: the daemon's). */
  readonly repairIntervalSeconds?: number;
  /** The E-VPN instance, its ports and the VMs' `eth0` (default true; false with an OVS node). */
  readonly evpn?: boolean;
  /** Per compute node (c1, c2): its IP VPN driver. */
  readonly nodes?: readonly [NodeOptions, NodeOptions];
}

export interface PingResult {
  /** Highest icmp_seq sent (as far as the output shows) and replies seen. */
  readonly transmitted: number;
  readonly received: number;
  /** Sequence numbers with no reply, below the last one answered (a packet in flight at the end is not a loss). */
  readonly missing: readonly number[];
  /** ping's own summary line. */
  readonly summary: string;
}

export interface RunningPing {
  /** Echo replies seen so far. */
  received(): number;
  /** SIGINT by PID, then the counts from its output. */
  stop(): Promise<PingResult>;
}

/** A compute node's dataplane counters from /metrics (`bagpipe_dataplane_operations`). */
export interface DataplaneCounters {
  readonly applied: number;
  readonly passes: number;
  readonly errors: number;
  readonly failedPasses: number;
}

/** `GET /looking-glass/dataplane/<type>`: the last pass. */
export interface LastPass {
  readonly reason: string;
  readonly changes: number;
  readonly diff: readonly string[];
  readonly errors: readonly unknown[];
}

export interface RestartReport {
  /** SIGTERM to exit, and the exit status. */
  readonly stopMs: number;
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
  /** SIGTERM to the session with the route reflector Established again. */
  readonly establishedMs: number;
  /** The new daemon's "dataplane drivers take over" log line (why, and when after the SIGTERM). */
  readonly takeover: { readonly why: string; readonly afterMs: number };
  /** The pings that ran from before the SIGTERM until 3 s after the drivers took over. */
  readonly pings: { readonly evpn: PingResult; readonly ipvpn: PingResult };
  /** The new daemon's drivers: counters since its start, and its last pass. */
  readonly dataplane: {
    readonly evpn: DataplaneCounters & { readonly last: LastPass | null };
    readonly ipvpn: DataplaneCounters & { readonly last: LastPass | null };
  };
}

const TAKEOVER = 'restart: dataplane drivers take over';

/**
 * `ethtool -K <ifname> tx off` inside `ns`, without the ethtool binary (ETHTOOL_STXCSUM ioctl,
 * as shared/interop/txcsum-off.py): the kernel then completes checksums before the packet
 * leaves `ifname` instead of leaving them to an "offload" no veth peer read by OVS performs.
 */
async function txChecksumOff(ns: string, ifname: string): Promise<void> {
  const py = [
    'import ctypes, fcntl, socket, struct, sys',
    'buf = ctypes.create_string_buffer(struct.pack("II", 0x17, 0))',
    'ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(buf))',
    'fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, ifr)',
  ].join('\n');
  await sh(['ip', 'netns', 'exec', ns, 'python3', '-c', py, ifname]);
}

function write(dir: string, name: string, objects: unknown[]): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(objects, null, 2)}\n`);
  renameSync(tmp, join(dir, name));
}

/** The shared desired objects: one E-VPN (unless `evpn` is false) and one IP VPN instance. */
export function instances(evpn = true): unknown[] {
  const ipvpn = {
    apiVersion: API_GROUP,
    kind: 'VpnInstance',
    metadata: { name: IPVPN.name, namespace: 'demo' },
    spec: { type: 'ipvpn', importRTs: [IPVPN.rt], exportRTs: [IPVPN.rt], gatewayIP: IPVPN.gateway },
  };
  if (!evpn) return [ipvpn];
  return [
    {
      apiVersion: API_GROUP,
      kind: 'VpnInstance',
      metadata: { name: EVPN.name, namespace: 'demo' },
      spec: { type: 'evpn', importRTs: [EVPN.rt], exportRTs: [EVPN.rt], vni: EVPN.vni },
    },
    ipvpn,
  ];
}

/** The node's ports (its VM's interfaces): E-VPN (unless `evpn` is false) and IP VPN. */
export function ports(node: ComputeNode, evpn = true): unknown[] {
  const port = (instance: string, p: Vm['evpn'], suffix: string): unknown => ({
    apiVersion: API_GROUP,
    kind: 'PortAttachment',
    metadata: { name: `${node.name}-${suffix}`, namespace: 'demo' },
    spec: {
      vpnInstanceRef: { name: instance },
      macAddress: p.mac,
      ipAddress: `${p.ip}/24`,
      localPort: { linuxInterface: p.port },
    },
  });
  const ipvpn = port(IPVPN.name, node.vm.ipvpn, 'ipvpn');
  return evpn ? [port(EVPN.name, node.vm.evpn, 'evpn'), ipvpn] : [ipvpn];
}

export function bgpPeer(): unknown[] {
  return [
    {
      apiVersion: API_GROUP,
      kind: 'BgpPeer',
      metadata: { name: 'rr' },
      spec: {
        peerAddress: RR_ADDRESS,
        families: ['ipv4-vpn', 'l2vpn-evpn', 'rtc'],
        timers: { connectRetrySeconds: 1 },
        gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
      },
    },
  ];
}

function config(node: ComputeNode, logLevel: string, repair: number | undefined): string {
  const driver = (section: string, name: IpvpnDriverName = 'linux'): string[] => [
    `[${section}]`,
    `dataplane_driver = ${name}`,
    `dataplane_local_address = ${node.address}`,
    'vxlan_dst_port = 4789',
    ...(repair === undefined ? [] : [`repair_interval = ${String(repair)}`]),
    // The VMs ping each other inside one /24: ARP is answered for every address, not only the gateway.
    ...(name === 'ovs' ? [`ovs_bridge = ${OVS_BRIDGE}`, 'proxy_arp = True'] : []),
  ];
  return [
    '[DEFAULT]',
    `log_level = ${logLevel}`,
    '[BGP]',
    `local_address = ${node.address}`,
    `my_as = ${String(AS)}`,
    'enable_rtc = True',
    '[API]',
    'host = 127.0.0.1',
    `port = ${String(API_PORT)}`,
    '[DESIRED]',
    `directory = ${node.desired}`,
    `node_name = ${node.name}`,
    `state_directory = ${join(node.dir, 'state')}`,
    ...driver('DATAPLANE_DRIVER_EVPN'),
    ...driver('DATAPLANE_DRIVER_IPVPN', node.ipvpnDriver),
    '',
  ].join('\n');
}

/** Parses `bagpipe_dataplane_operations{driver,type,what}` lines of one instance type. */
export function dataplaneCounters(metrics: string, type: 'evpn' | 'ipvpn'): DataplaneCounters {
  const get = (what: string): number => {
    const re = new RegExp(
      `^bagpipe_dataplane_operations\\{[^}]*type="${type}"[^}]*what="${what}"[^}]*\\} (\\d+)$`,
      'm',
    );
    const m = re.exec(metrics);
    if (m === null) throw new Error(`no bagpipe_dataplane_operations ${type}/${what} in /metrics`);
    return Number(m[1]);
  };
  return {
    applied: get('applied'),
    passes: get('passes'),
    errors: get('errors'),
    failedPasses: get('failed_passes'),
  };
}

export class Topology {
  readonly prefix: string;
  readonly fabric: string;
  readonly rr: string;
  readonly nodes: readonly [ComputeNode, ComputeNode];
  readonly dir: string;
  gobgp: Gobgpd | undefined;
  readonly #log: (line: string) => void;
  readonly #logLevel: string;
  readonly #vms: boolean;
  readonly #evpn: boolean;
  readonly #repair: number | undefined;
  readonly #namespaces: string[] = [];
  readonly #pings: ChildProcess[] = [];

  constructor(options: TopologyOptions = {}) {
    this.prefix = options.prefix ?? `bgpdemo-${String(process.pid)}`;
    this.#log = options.log ?? (() => undefined);
    this.#logLevel = options.logLevel ?? 'info';
    this.#vms = options.vms ?? true;
    this.#evpn = options.evpn ?? true;
    if (this.#evpn && options.nodes?.some((o) => o.ipvpnDriver === 'ovs') === true)
      throw new Error('topology: a node with the OVS IP VPN driver needs evpn: false (UDP 4789 is taken)');
    this.#repair = options.repairIntervalSeconds;
    this.fabric = `${this.prefix}-fabric`;
    this.rr = `${this.prefix}-rr`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    const node = (i: 1 | 2): ComputeNode => {
      const dir = join(this.dir, `c${String(i)}`);
      const mac = (n: number): string => `02:00:00:00:0${String(i)}:0${String(n)}`;
      return {
        name: `c${String(i)}`,
        ns: `${this.prefix}-c${String(i)}`,
        address: `192.168.100.1${String(i)}`,
        dir,
        conf: join(dir, 'bgp.conf'),
        desired: join(dir, 'desired.d'),
        vm: {
          ns: `${this.prefix}-vm${String(i)}`,
          evpn: { ip: `10.10.0.${String(i)}`, mac: mac(1), port: `evpn-vm${String(i)}` },
          ipvpn: { ip: `10.20.0.${String(i)}`, mac: mac(2), port: `ipvpn-vm${String(i)}` },
        },
        ipvpnDriver: options.nodes?.[i - 1]?.ipvpnDriver ?? 'linux',
        daemon: undefined,
        ovs: undefined,
      };
    };
    this.nodes = [node(1), node(2)];
  }

  /** Every namespace this topology has created so far. */
  get namespaces(): readonly string[] {
    return [...this.#namespaces];
  }

  /** Has `down()` delete `ns` too: a namespace made by something else (e.g. bagpipe-rest-attach). */
  track(ns: string): void {
    if (!this.#namespaces.includes(ns)) this.#namespaces.push(ns);
  }

  async #ns(name: string): Promise<void> {
    await sh(['ip', 'netns', 'add', name]);
    this.#namespaces.push(name);
    await sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  /** A veth pair `a:ifA` – `b:ifB`, both ends up, with optional addresses and MAC on the a end. */
  async #veth(a: string, ifA: string, b: string, ifB: string, addrA?: string, macA?: string): Promise<void> {
    const mac = macA === undefined ? [] : ['address', macA];
    await sh(['ip', 'link', 'add', ifA, 'netns', a, ...mac, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
    if (addrA !== undefined) await sh(['ip', '-n', a, 'addr', 'add', addrA, 'dev', ifA]);
    await sh(['ip', '-n', a, 'link', 'set', ifA, 'up']);
    await sh(['ip', '-n', b, 'link', 'set', ifB, 'up']);
  }

  /** Namespaces, fabric, VMs (unless `vms: false`), the route reflector, desired.d files and both daemons. */
  async up(): Promise<void> {
    this.#log(`namespaces ${this.prefix}-{fabric,rr,c1,c2${this.#vms ? ',vm1,vm2' : ''}}`);
    await this.#ns(this.fabric);
    await sh(['ip', '-n', this.fabric, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', this.fabric, 'link', 'set', 'br0', 'up']);
    const attach = async (ns: string, address: string, port: string): Promise<void> => {
      await this.#veth(ns, 'eth0', this.fabric, port, `${address}/24`);
      await sh(['ip', '-n', this.fabric, 'link', 'set', port, 'master', 'br0']);
    };
    await this.#ns(this.rr);
    await attach(this.rr, RR_ADDRESS, 'to-rr');
    for (const n of this.nodes) {
      await this.#ns(n.ns);
      if (n.ipvpnDriver === 'ovs') await this.#ovsNode(n);
      else await attach(n.ns, n.address, `to-${n.name}`);
      if (!this.#vms) continue;
      await this.#ns(n.vm.ns);
      if (this.#evpn)
        await this.#veth(n.vm.ns, 'eth0', n.ns, n.vm.evpn.port, `${n.vm.evpn.ip}/24`, n.vm.evpn.mac);
      await this.#veth(n.vm.ns, 'eth1', n.ns, n.vm.ipvpn.port, `${n.vm.ipvpn.ip}/24`, n.vm.ipvpn.mac);
      await sh(['ip', '-n', n.vm.ns, 'route', 'add', 'default', 'via', IPVPN.gateway, 'dev', 'eth1']);
      if (n.ovs !== undefined) await n.ovs.vsctl('add-port', OVS_BRIDGE, n.vm.ipvpn.port);
    }
    this.#log(`fabric bridge: rr ${RR_ADDRESS}, c1 ${this.nodes[0].address}, c2 ${this.nodes[1].address}`);

    const rrNs = this.rr;
    this.gobgp = new Gobgpd({
      as: AS,
      routerId: RR_ADDRESS,
      listen: RR_ADDRESS,
      port: 179,
      neighbors: this.nodes.map((n) => ({
        address: n.address,
        passive: true,
        rrClient: true,
        gracefulRestart: true,
        families: FAMILIES,
      })),
      netns: {
        exec: (cmd: string, args: readonly string[], timeout?: number) =>
          sh(['ip', 'netns', 'exec', rrNs, cmd, ...args], timeout),
        spawn: (cmd: string, args: readonly string[], options?: SpawnOptions) =>
          spawn('ip', ['netns', 'exec', rrNs, cmd, ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
            ...options,
          }),
      },
    });
    await this.gobgp.start();
    this.#log(`route reflector: gobgpd 3.10 in ${this.rr}, pid ${String(this.gobgp.proc?.pid)}`);

    for (const n of this.nodes) {
      mkdirSync(n.desired, { recursive: true });
      writeFileSync(n.conf, config(n, this.#logLevel, this.#repair));
      write(n.desired, 'peer.json', bgpPeer());
      if (this.#vms) {
        write(n.desired, 'vpn.json', instances(this.#evpn));
        write(n.desired, 'ports.json', ports(n, this.#evpn));
      }
      this.#log(`${n.name}: desired.d ${n.desired} (peer.json${this.#vms ? ', vpn.json, ports.json' : ''})`);
    }
    for (const n of this.nodes) await this.startDaemon(n);
  }

  /**
   * An OVS node's private Open vSwitch: `br-phy` (NORMAL) holds the fabric leg `eth0` and the
   * node address; `br-mpls` (secure, OpenFlow 1.5) is left to the driver.
   */
  async #ovsNode(n: ComputeNode): Promise<void> {
    const leg = `to-${n.name}`;
    await this.#veth(n.ns, 'eth0', this.fabric, leg);
    await sh(['ip', '-n', this.fabric, 'link', 'set', leg, 'master', 'br0']);
    await txChecksumOff(this.fabric, leg);
    const ovs = await OvsSandbox.start(n.ns);
    n.ovs = ovs;
    this.#log(`${n.name}: private ovsdb-server + ovs-vswitchd (userspace datapath) in ${ovs.dir}`);
    await ovs.addBridge(OVS_UNDERLAY, false);
    await ovs.vsctl('add-port', OVS_UNDERLAY, 'eth0');
    await sh(['ip', '-n', n.ns, 'addr', 'add', `${n.address}/24`, 'dev', OVS_UNDERLAY]);
    await sh(['ip', '-n', n.ns, 'link', 'set', OVS_UNDERLAY, 'up']);
    await ovs.addBridge(OVS_BRIDGE);
  }

  /** Starts the node's daemon and waits for its API. */
  async startDaemon(n: ComputeNode): Promise<DaemonProcess> {
    // OVS_RUNDIR: ovs-vsctl's default database and ovs-ofctl's `<bridge>.mgmt` are found there.
    const env = n.ovs === undefined ? {} : { OVS_RUNDIR: n.ovs.dir };
    const d = new DaemonProcess(['--config-file', n.conf], { netns: n.ns, cwd: n.dir, env });
    n.daemon = d;
    await d.waitForLog((l) => l.msg.includes('/metrics listening'), 30000);
    this.#log(
      `${n.name}: bagpipe-bgp pid ${String(d.proc.pid)} in ${n.ns}, API 127.0.0.1:${String(API_PORT)}`,
    );
    return d;
  }

  /** SIGTERM by PID and wait for the exit. */
  async stopDaemon(n: ComputeNode): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const d = n.daemon;
    if (d === undefined) return { code: null, signal: null };
    const r = await d.stop(10000);
    return r;
  }

  /** GET `path` from the node's API (through `ip netns exec … curl`). */
  async api(n: ComputeNode, path: string): Promise<string> {
    const url = `http://127.0.0.1:${String(API_PORT)}${path}`;
    return sh(['ip', 'netns', 'exec', n.ns, 'curl', '-sSf', '--max-time', '5', url]);
  }

  /** POST `body` as JSON to `path` of the node's API: the status and the response body. */
  async apiPost(n: ComputeNode, path: string, body: unknown): Promise<{ status: number; body: string }> {
    const url = `http://127.0.0.1:${String(API_PORT)}${path}`;
    const out = await sh([
      'ip',
      'netns',
      'exec',
      n.ns,
      'curl',
      '-sS',
      '--max-time',
      '5',
      '-H',
      'content-type: application/json',
      '--data-binary',
      JSON.stringify(body),
      '-w',
      '\n%{http_code}',
      url,
    ]);
    const cut = out.lastIndexOf('\n');
    return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
  }

  async apiJson(n: ComputeNode, path: string): Promise<unknown> {
    return JSON.parse(await this.api(n, path)) as unknown;
  }

  async metrics(n: ComputeNode): Promise<string> {
    return this.api(n, '/metrics');
  }

  /** True when the node's session with the route reflector is Established (its /metrics says so). */
  async sessionUp(n: ComputeNode): Promise<boolean> {
    const m = await this.metrics(n).catch(() => '');
    return m.split('\n').includes(`bagpipe_bgp_session_up{peer="${RR_ADDRESS}"} 1`);
  }

  async waitSession(n: ComputeNode, timeoutMs = 30000): Promise<void> {
    await waitFor(() => this.sessionUp(n), timeoutMs, {
      intervalMs: 100,
      what: `${n.name} session to the RR`,
      describe: () => n.daemon?.lines.slice(-5).map((l) => l.msg),
    });
  }

  /**
   * Restarts the daemon of `n` (SIGTERM, start again) while its VM pings the other VM over E-VPN
   * and over IP VPN every 50 ms, and reports what was lost and what the new drivers did.
   */
  /** `kill`: end the daemon with SIGKILL (a crash) instead of SIGTERM. */
  async restartUnderPing(n: ComputeNode, how: { kill?: boolean } = {}): Promise<RestartReport> {
    const other = n === this.nodes[0] ? this.nodes[1] : this.nodes[0];
    const evpn = this.startPing(n.vm, other.vm.evpn.ip);
    const ipvpn = this.startPing(n.vm, other.vm.ipvpn.ip);
    await waitFor(() => evpn.received() >= 20 && ipvpn.received() >= 20, 10000, {
      what: 'the first 20 replies of both pings',
    });
    const t0 = performance.now();
    const sigterm = Date.now();
    const exit =
      how.kill === true ? await (n.daemon?.kill() ?? this.stopDaemon(n)) : await this.stopDaemon(n);
    const stopMs = performance.now() - t0;
    const signal = how.kill === true ? 'SIGKILL' : 'SIGTERM';
    this.#log(
      `${n.name}: daemon stopped (${signal}, exit ${String(exit.code ?? exit.signal)}) in ${stopMs.toFixed(0)} ms`,
    );
    const d = await this.startDaemon(n);
    await this.waitSession(n, 60000);
    const establishedMs = performance.now() - t0;
    this.#log(`${n.name}: session Established again ${establishedMs.toFixed(0)} ms after the SIGTERM`);
    const line = await d.waitForLog((l) => l.msg === TAKEOVER, 30000);
    const takeover = { why: String(line['why']), afterMs: Number(line['time']) - sigterm };
    this.#log(
      `${n.name}: drivers took over ${String(takeover.afterMs)} ms after the SIGTERM (${takeover.why})`,
    );
    const until = [evpn.received() + 60, ipvpn.received() + 60];
    await waitFor(() => evpn.received() >= (until[0] ?? 0) && ipvpn.received() >= (until[1] ?? 0), 20000, {
      what: '3 more seconds of replies on both pings',
    });
    const pings = { evpn: await evpn.stop(), ipvpn: await ipvpn.stop() };
    const metrics = await this.metrics(n);
    const driver = async (type: 'evpn' | 'ipvpn'): Promise<DataplaneCounters & { last: LastPass | null }> => {
      const lg = (await this.apiJson(n, `/looking-glass/dataplane/${type}`)) as {
        last_pass: LastPass | null;
      };
      return { ...dataplaneCounters(metrics, type), last: lg.last_pass };
    };
    return {
      stopMs,
      exit,
      establishedMs,
      takeover,
      pings,
      dataplane: { evpn: await driver('evpn'), ipvpn: await driver('ipvpn') },
    };
  }

  /** `count` pings; true when every one is answered. */
  async ping(from: Pick<Vm, 'ns'>, dst: string, count = 3): Promise<boolean> {
    try {
      await sh([
        'ip',
        'netns',
        'exec',
        from.ns,
        'ping',
        '-n',
        '-c',
        String(count),
        '-W',
        '1',
        '-i',
        '0.2',
        dst,
      ]);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until one ping from `from` to `dst` is answered. */
  async waitPing(from: Pick<Vm, 'ns'>, dst: string, timeoutMs: number): Promise<void> {
    await waitFor(() => this.ping(from, dst, 1), timeoutMs, {
      intervalMs: 200,
      what: `ping ${from.ns} -> ${dst}`,
    });
  }

  /** `ping -i <intervalS>` from `from` to `dst` until `stop()`. */
  startPing(from: Vm, dst: string, intervalS = 0.05): RunningPing {
    const p = spawn('ip', ['netns', 'exec', from.ns, 'ping', '-n', '-i', String(intervalS), '-W', '1', dst], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#pings.push(p);
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<void>((resolve) => {
      p.once('exit', () => {
        resolve();
      });
    });
    const replies = (): number[] =>
      [...out.matchAll(/bytes from .*icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
    return {
      received: () => replies().length,
      stop: async () => {
        if (p.exitCode === null && p.signalCode === null) p.kill('SIGINT');
        await exited;
        const seqs = replies();
        const seen = new Set(seqs);
        const last = Math.max(0, ...seqs);
        const missing: number[] = [];
        for (let s = 1; s < last; s++) if (!seen.has(s)) missing.push(s);
        const sent = /(\d+) packets transmitted/.exec(out);
        return {
          transmitted: sent === null ? last : Number(sent[1]),
          received: seqs.length,
          missing,
          summary: /\d+ packets transmitted.*/.exec(out)?.[0] ?? out.trim().split('\n').slice(-2).join(' | '),
        };
      },
    };
  }

  /** Stops everything by PID, deletes the namespaces and the files. Safe to call twice. */
  async down(): Promise<void> {
    for (const p of this.#pings.splice(0)) {
      if (p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await exited;
      }
    }
    for (const n of this.nodes) {
      await n.daemon?.stop(5000);
    }
    for (const n of this.nodes) {
      await n.ovs?.stop();
      n.ovs = undefined;
    }
    await this.gobgp?.stop();
    for (const ns of this.#namespaces.splice(0).reverse()) {
      await sh(['ip', 'netns', 'del', ns]).catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
