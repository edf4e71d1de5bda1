/**
 * Shared by the reliability tests: one daemon node in a temp dir (bgp.conf, desired.d, state
 * directory, dummy dataplane), started as a real process (DaemonProcess), read through its looking
 * glass and /metrics; desired objects; and a small seeded PRNG so every random choice replays.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess } from '../helpers/daemon.js';

export const API_VERSION = 'bagpipe.io/v1alpha1';

/** mulberry32: a tiny deterministic PRNG (same seed, same sequence). */
export class Prng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    const v = items[this.int(items.length)];
    if (v === undefined) throw new Error('pick from an empty list');
    return v;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

export type DesiredObject = Record<string, unknown>;

export function bgpPeer(name: string, spec: Record<string, unknown>): DesiredObject {
  return { apiVersion: API_VERSION, kind: 'BgpPeer', metadata: { name }, spec };
}

export function vpnInstance(
  namespace: string,
  name: string,
  type: 'ipvpn' | 'evpn',
  rt: string,
  more: Record<string, unknown> = {},
): DesiredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'VpnInstance',
    metadata: { name, namespace },
    spec: { type, importRTs: [rt], exportRTs: [rt], ...more },
  };
}

export function portAttachment(
  namespace: string,
  name: string,
  instance: string,
  mac: string,
  ip: string,
  ifname: string,
): DesiredObject {
  return {
    apiVersion: API_VERSION,
    kind: 'PortAttachment',
    metadata: { name, namespace },
    spec: {
      vpnInstanceRef: { name: instance },
      macAddress: mac,
      ipAddress: ip,
      localPort: { linuxInterface: ifname },
    },
  };
}

/** A MAC from an index: 02:00:00:xx:xx:xx. */
export function macOf(i: number): string {
  const h = (n: number): string => n.toString(16).padStart(2, '0');
  return `02:00:00:${h((i >> 16) & 0xff)}:${h((i >> 8) & 0xff)}:${h(i & 0xff)}`;
}

/** Writes `objects` as `dir/name` atomically (dot-temp file, then rename), as the README says. */
export function writeDesired(dir: string, name: string, content: unknown): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, typeof content === 'string' ? content : JSON.stringify(content));
  renameSync(tmp, join(dir, name));
}

export interface NodeOptions {
  /** [BGP] local_address (default 127.0.0.1). */
  readonly address?: string;
  /** Listen for configured peers on this port of `address`. */
  readonly listenPort?: number;
  /** The desired.d directory (default `<root>/desired.d`, created). */
  readonly desiredDir?: string;
  /** Extra environment for the daemon process. */
  readonly env?: NodeJS.ProcessEnv;
  /** Appended to bgp.conf verbatim. */
  readonly extraConf?: string;
  /** [DATAPLANE_DRIVER_EVPN] dataplane_driver (default dummy). */
  readonly evpnDriver?: 'dummy' | 'linux';
  /** Run the daemon in this network namespace (its API then listens on `apiHost`). */
  readonly netns?: string;
  /** [API] host (default 127.0.0.1); must be reachable from the test process. */
  readonly apiHost?: string;
}

/** One daemon in its own temp dir; `close()` stops it and removes the dir. */
export class TestNode {
  readonly root = mkdtempSync(join(tmpdir(), 'bgpd-rel-'));
  readonly desired: string;
  readonly state: string;
  readonly conf: string;
  readonly address: string;
  daemon: DaemonProcess | undefined;
  api = 0;
  readonly apiHost: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #netns: string | undefined;

  constructor(o: NodeOptions = {}) {
    this.address = o.address ?? '127.0.0.1';
    this.apiHost = o.apiHost ?? '127.0.0.1';
    this.#netns = o.netns;
    this.desired = o.desiredDir ?? join(this.root, 'desired.d');
    this.state = join(this.root, 'state');
    this.conf = join(this.root, 'bgp.conf');
    this.#env = o.env ?? {};
    mkdirSync(this.desired, { recursive: true });
    const listen =
      o.listenPort === undefined ? '' : `listen = ${this.address}\nlisten_port = ${String(o.listenPort)}\n`;
    writeFileSync(
      this.conf,
      `[BGP]\nlocal_address = ${this.address}\nmy_as = 64512\n${listen}` +
        `[API]\nhost = ${this.apiHost}\nport = 0\n` +
        `[DESIRED]\ndirectory = ${this.desired}\nnode_name = node1\nstate_directory = ${this.state}\n` +
        `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = dummy\n` +
        `[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = ${o.evpnDriver ?? 'dummy'}\n` +
        (o.extraConf ?? ''),
    );
  }

  async start(): Promise<void> {
    this.daemon = new DaemonProcess(['--config-file', this.conf], {
      env: this.#env,
      ...(this.#netns === undefined ? {} : { netns: this.#netns }),
    });
    this.api = await this.daemon.apiPort();
  }

  /** The daemon process is running. */
  get alive(): boolean {
    const p = this.daemon?.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  write(name: string, content: unknown): void {
    writeDesired(this.desired, name, content);
  }

  url(path: string): string {
    return `http://${this.apiHost}:${String(this.api)}${path}`;
  }

  /** GET of a looking glass path as JSON; throws on anything but 200. */
  async lg<T = unknown>(path: string): Promise<T> {
    const r = await fetch(this.url(`/looking-glass/${path}`), { signal: AbortSignal.timeout(10_000) });
    if (r.status !== 200) throw new Error(`looking glass ${path}: HTTP ${String(r.status)}`);
    return (await r.json()) as T;
  }

  async metrics(): Promise<string> {
    const r = await fetch(this.url('/metrics'), { signal: AbortSignal.timeout(10_000) });
    return r.text();
  }

  /** One sample of /metrics (first matching line; `labels` as written, e.g. `{peer="x"}`). */
  async metric(name: string, labels = ''): Promise<number | undefined> {
    const text = await this.metrics();
    const esc = `${name}${labels}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^${esc} (\\S+)$`, 'm').exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  }

  /** The looking glass view of one BGP peer. */
  peer(address: string): Promise<LgPeer> {
    return this.lg<LgPeer>(`bgp/peers/${address}`);
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
  }

  async kill(): Promise<void> {
    await this.daemon?.kill();
  }

  async close(): Promise<void> {
    try {
      await this.daemon?.stop();
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }
}

/** What the tests read of `bgp/peers/<address>`. */
export interface LgPeer {
  readonly protocol: { readonly state: string };
  readonly flaps: number;
  readonly last_error: string | null;
  readonly messages: { readonly in: Record<string, number>; readonly out: Record<string, number> };
  readonly routes: {
    readonly received: Record<string, number>;
    readonly advertised: Record<string, number>;
    readonly stale: number;
  };
}

/** `bgp/routes`: family label -> [{<nlri text>: {source: {id}, …}}]. */
export type LgRoutes = Record<string, Record<string, { readonly source: { readonly id: string } }>[]>;

/** The NLRI texts of `bgp/routes` of one family from one source id (e.g. "BGP-127.0.0.2"). */
export function routesFrom(routes: LgRoutes, family: string, sourceId: string): string[] {
  const out: string[] = [];
  for (const entry of routes[`${family},*`] ?? []) {
    for (const [nlri, r] of Object.entries(entry)) if (r.source.id === sourceId) out.push(nlri);
  }
  return out.sort();
}
