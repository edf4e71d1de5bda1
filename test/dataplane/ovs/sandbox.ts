/**
 * A private Open vSwitch for the netns test and the benchmark (recipe: shared/interop §5):
 * ovsdb-server and ovs-vswitchd run inside a network namespace with their own run directory,
 * database, unixctl and bridge sockets, so a system-wide OVS is neither used nor disturbed.
 * Bridges use the userspace datapath (`datapath_type=netdev`; no kernel module needed).
 * `stop()` kills both daemons by the PIDs in their pidfiles, waits for them to exit and removes
 * the directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../helpers/wait.js';

const execFileP = promisify(execFile);
const BINARIES = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'];
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** The OVS programs the sandbox needs are installed (else tests skip). */
export function ovsInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${BINARIES.join(' ')} >/dev/null && test -r ${SCHEMA}`]);
    return true;
  } catch {
    return false;
  }
}

/** A zombie (state Z) counts as gone: its parent may reap it late. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export class OvsSandbox {
  readonly dir: string;
  readonly ns: string;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(ns: string) {
    this.ns = ns;
    this.dir = mkdtempSync(join(tmpdir(), 'bgb-ovs-'));
    const d = this.dir;
    this.#env = { ...process.env, OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d };
  }

  /** Starts ovsdb-server and ovs-vswitchd inside `ns` (which must exist). */
  static async start(ns: string): Promise<OvsSandbox> {
    const s = new OvsSandbox(ns);
    const d = s.dir;
    try {
      await s.#run(['ovsdb-tool', 'create', `${d}/conf.db`, SCHEMA]);
      await s.#inNs(
        'ovsdb-server',
        `${d}/conf.db`,
        `--remote=punix:${d}/db.sock`,
        `--unixctl=${d}/ovsdb-server.ctl`,
      );
      await s.vsctl('--no-wait', 'init');
      await s.#inNs('ovs-vswitchd', `unix:${d}/db.sock`, `--unixctl=${d}/ovs-vswitchd.ctl`);
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  /** `--db=` value for ovs-vsctl. */
  get db(): string {
    return `unix:${this.dir}/db.sock`;
  }

  /** `ovs-ofctl` target of a bridge. */
  target(bridge: string): string {
    return `unix:${this.dir}/${bridge}.mgmt`;
  }

  vsctl(...args: string[]): Promise<string> {
    return this.#run(['ovs-vsctl', `--db=${this.db}`, ...args]);
  }

  ofctl(cmd: string, bridge: string, ...args: string[]): Promise<string> {
    return this.#run(['ovs-ofctl', '-O', 'OpenFlow15', '--no-names', cmd, this.target(bridge), ...args]);
  }

  appctl(...args: string[]): Promise<string> {
    return this.#run(['ovs-appctl', '-t', `${this.dir}/ovs-vswitchd.ctl`, ...args]);
  }

  /** A userspace-datapath bridge; OpenFlow 1.5 is enabled (bundles with groups need it). */
  async addBridge(name: string, secure = true): Promise<void> {
    const mode = secure ? ['fail-mode=secure'] : [];
    const protocols = 'protocols=OpenFlow10,OpenFlow13,OpenFlow14,OpenFlow15';
    await this.vsctl('add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev', protocols, ...mode);
  }

  async ofport(ifname: string): Promise<number> {
    return Number((await this.vsctl('get', 'Interface', ifname, 'ofport')).trim());
  }

  /** Kills both daemons by pidfile (never by name), waits for them, removes the directory. */
  async stop(): Promise<void> {
    for (const daemon of ['ovs-vswitchd', 'ovsdb-server']) {
      let pid = NaN;
      try {
        pid = Number(readFileSync(join(this.dir, `${daemon}.pid`), 'utf8').trim());
      } catch {
        continue;
      }
      if (!Number.isInteger(pid) || pid <= 1) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      await waitFor(() => !alive(pid), 10_000, { what: `${daemon} (pid ${pid}) to exit` });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #inNs(daemon: string, ...args: string[]): Promise<void> {
    const d = this.dir;
    const common = [`--pidfile=${d}/${daemon}.pid`, '--detach', `--log-file=${d}/${daemon}.log`];
    await this.#run(['ip', 'netns', 'exec', this.ns, daemon, ...args, ...common]);
  }

  async #run(argv: string[]): Promise<string> {
    const [file = '', ...args] = argv;
    const { stdout } = await execFileP(file, args, { env: this.#env, encoding: 'utf8', maxBuffer: 1 << 30 });
    return stdout;
  }
}
