/**
 * Reading live Linux state through the injected runner, and the pure parsers of iproute2's JSON
 * (`ip -j`, `bridge -j`), which unit tests feed with captured output.
 */
import { DataplaneError } from '../../lib/errors.js';
import type { CommandRunner } from '../runner.js';

export interface VxlanInfo {
  readonly id: number;
  readonly local: string | undefined;
  readonly port: number;
  readonly learning: boolean;
  readonly udpCsum: boolean;
}

export interface LinkInfo {
  readonly ifindex: number;
  readonly ifname: string;
  readonly kind: string | undefined;
  readonly master: string | undefined;
  readonly up: boolean;
  readonly address: string | undefined;
  readonly alias: string | undefined;
  readonly vxlan: VxlanInfo | undefined;
  /** Bridge port settings when enslaved to a bridge. */
  readonly port: { readonly learning: boolean; readonly neighSuppress: boolean } | undefined;
}

export interface FdbEntry {
  readonly mac: string;
  readonly ifname: string;
  readonly master: string | undefined;
  readonly self: boolean;
  readonly dst: string | undefined;
  /** Only present when it differs from the device's VNI. */
  readonly vni: number | undefined;
  /** "static", "permanent", or "" for learnt entries. */
  readonly state: string;
}

export interface NeighEntry {
  readonly dst: string;
  readonly dev: string;
  readonly lladdr: string | undefined;
  readonly permanent: boolean;
  readonly protocol: string | undefined;
}

export interface RouteNextHop {
  readonly gateway: string | undefined;
  readonly dev: string | undefined;
}

export interface RouteEntry {
  /** Canonical "a.b.c.d/len". */
  readonly dst: string;
  readonly table: number;
  readonly protocol: string | undefined;
  readonly nextHops: readonly RouteNextHop[];
}

export interface RuleEntry {
  readonly priority: number;
  readonly iif: string | undefined;
  /** Numeric table, or undefined for a non-lookup action. */
  readonly table: number | undefined;
  readonly action: string | undefined;
  readonly protocol: string | undefined;
}

export interface AddrEntry {
  readonly ifname: string;
  readonly local: string;
  readonly prefixlen: number;
  readonly metric: number | undefined;
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const protoText = (v: unknown): string | undefined => (typeof v === 'number' ? String(v) : str(v));

function parseArray(text: string, what: string): Json[] {
  if (text.trim() === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DataplaneError(`cannot parse ${what} JSON`, { cause: e });
  }
  return arr(v).flatMap((x) => (obj(x) === undefined ? [] : [x as Json]));
}

function parseVxlan(data: Json | undefined): VxlanInfo | undefined {
  const id = num(data?.['id']);
  if (data === undefined || id === undefined) return undefined;
  return {
    id,
    local: str(data['local']) ?? str(data['local6']),
    port: num(data['port']) ?? 0,
    learning: data['learning'] === true,
    udpCsum: data['udp_csum'] === true,
  };
}

export function parseLinks(text: string): LinkInfo[] {
  return parseArray(text, 'ip link').flatMap((l) => {
    const ifname = str(l['ifname']);
    const ifindex = num(l['ifindex']);
    if (ifname === undefined || ifindex === undefined) return [];
    const info = obj(l['linkinfo']);
    const slave = info?.['info_slave_kind'] === 'bridge' ? obj(info['info_slave_data']) : undefined;
    const kind = str(info?.['info_kind']);
    return [
      {
        ifindex,
        ifname,
        kind,
        master: str(l['master']),
        up: arr(l['flags']).includes('UP'),
        address: str(l['address']),
        alias: str(l['ifalias']),
        vxlan: kind === 'vxlan' ? parseVxlan(obj(info?.['info_data'])) : undefined,
        port:
          slave === undefined
            ? undefined
            : { learning: slave['learning'] === true, neighSuppress: slave['neigh_suppress'] === true },
      },
    ];
  });
}

export function parseFdb(text: string): FdbEntry[] {
  return parseArray(text, 'bridge fdb').flatMap((e) => {
    const mac = str(e['mac']);
    const ifname = str(e['ifname']) ?? str(e['dev']);
    if (mac === undefined || ifname === undefined) return [];
    return [
      {
        mac: mac.toLowerCase(),
        ifname,
        master: str(e['master']),
        self: arr(e['flags']).includes('self'),
        dst: str(e['dst']),
        vni: num(e['vni']),
        state: str(e['state']) ?? '',
      },
    ];
  });
}

export function parseNeigh(text: string): NeighEntry[] {
  return parseArray(text, 'ip neigh').flatMap((n) => {
    const dst = str(n['dst']);
    const dev = str(n['dev']);
    if (dst === undefined || dev === undefined) return [];
    const lladdr = str(n['lladdr']);
    return [
      {
        dst,
        dev,
        lladdr: lladdr?.toLowerCase(),
        permanent: arr(n['state']).includes('PERMANENT'),
        protocol: protoText(n['protocol']),
      },
    ];
  });
}

/** "default" → 0.0.0.0/0, a bare address → /32. */
export function routeDst(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/32`;
}

function tableNumber(v: unknown, fallback: number): number | undefined {
  if (typeof v === 'number') return v;
  if (v === undefined) return fallback;
  if (v === 'main') return 254;
  if (v === 'local') return 255;
  if (v === 'default') return 253;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * `ip -j route show ...`: the dump omits the fields it filtered on, so `defaults` fills in the
 * table and protocol.
 */
export function parseRoutes(
  text: string,
  defaults: { table?: number; protocol?: string } = {},
): RouteEntry[] {
  return parseArray(text, 'ip route').flatMap((r) => {
    const dst = str(r['dst']);
    const table = tableNumber(r['table'], defaults.table ?? 254);
    if (dst === undefined || table === undefined) return [];
    const hops = arr(r['nexthops']).flatMap((h) => (obj(h) === undefined ? [] : [h as Json]));
    const nextHops = (hops.length > 0 ? hops : [r]).map((h) => ({
      gateway: str(h['gateway']),
      dev: str(h['dev']),
    }));
    return [{ dst: routeDst(dst), table, protocol: protoText(r['protocol']) ?? defaults.protocol, nextHops }];
  });
}

export function parseRules(text: string): RuleEntry[] {
  return parseArray(text, 'ip rule').flatMap((r) => {
    const priority = num(r['priority']);
    if (priority === undefined) return [];
    const action = str(r['action']);
    return [
      {
        priority,
        iif: str(r['iif']),
        table: action === undefined ? tableNumber(r['table'], -1) : undefined,
        action,
        protocol: protoText(r['protocol']),
      },
    ];
  });
}

export function parseAddrs(text: string): AddrEntry[] {
  return parseArray(text, 'ip addr').flatMap((l) => {
    const ifname = str(l['ifname']);
    if (ifname === undefined) return [];
    return arr(l['addr_info']).flatMap((a) => {
      const o = obj(a);
      const local = str(o?.['local']);
      const prefixlen = num(o?.['prefixlen']);
      if (o === undefined || local === undefined || prefixlen === undefined || o['family'] !== 'inet')
        return [];
      return [{ ifname, local, prefixlen, metric: num(o['metric']) }];
    });
  });
}

/** `grep -H . <files>` output → path → value. */
export function parseGrepValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** Runs a dump; a failure is a whole-pass failure (we cannot diff without it). */
export async function dump(runner: CommandRunner, argv: readonly string[]): Promise<string> {
  const r = await runner.run(argv);
  if (r.code !== 0) throw new DataplaneError(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Reads sysctl files; missing files (a port that is gone) are simply absent from the map. */
export async function readSysctls(
  runner: CommandRunner,
  paths: readonly string[],
): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const r = await runner.run(['grep', '-H', '.', ...paths]);
  return parseGrepValues(r.stdout);
}

export const sysctlPath = (key: string): string => `/proc/sys/${key}`;

/**
 * Tells when interface indexes changed since the last observation (an interface deleted, or
 * re-created under the same name): the batch children's name → index caches are stale then.
 */
export class IfindexWatch {
  #last = new Map<string, number>();

  changed(links: readonly LinkInfo[]): boolean {
    const now = new Map(links.map((l) => [l.ifname, l.ifindex]));
    let changed = false;
    for (const [name, idx] of this.#last) if (now.get(name) !== idx) changed = true;
    this.#last = now;
    return changed;
  }
}
