/**
 * Loads bagpipe's `bgp.conf` (oslo INI) into a typed `Config`, or builds the embedded default
 * when no file is given. Every error names the file, section, key and value.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { BgpdError, errorMessage } from '../lib/errors.js';
import { parseIni, type IniSections } from '../lib/ini.js';
import { DRIVER_ALIASES, OPTIONS, type OptionDef } from './config-options.js';

export class ConfigError extends BgpdError {
  constructor(message: string) {
    super('BGPD_ERR_CONFIG', message);
  }
}

export type DriverName = 'dummy' | 'linux' | 'ovs';
export type OptionValue = string | number | boolean | readonly string[] | undefined;

export interface DataplaneConfig {
  readonly driver: DriverName;
  readonly localAddress: string;
  readonly vxlanDstPort: number;
  readonly repairIntervalSeconds: number;
  /** Every option of the section, typed, for driver-specific settings. */
  readonly options: Readonly<Record<string, OptionValue>>;
}

export interface Config {
  /** The file read, or undefined for the embedded default. */
  readonly file: string | undefined;
  readonly logLevel: string;
  readonly api: { readonly host: string; readonly port: number };
  readonly bgp: {
    readonly localAddress: string;
    readonly routerId: string;
    readonly peers: readonly string[];
    readonly myAs: number;
    readonly enableRtc: boolean;
    readonly bgpPort: number;
    /** Address to listen on, or undefined when not listening. */
    readonly listen: string | undefined;
    readonly listenPort: number;
    readonly gracefulRestart: boolean;
    readonly gracefulRestartTime: number;
    readonly holdTime: number;
  };
  readonly desired: {
    readonly directory: string;
    readonly stateDirectory: string;
    readonly kubernetes: boolean;
    readonly kubeconfig: string | undefined;
    readonly nodeName: string | undefined;
    readonly rescanIntervalSeconds: number;
  };
  readonly ipvpn: DataplaneConfig;
  readonly evpn: DataplaneConfig;
  /** Section → key → value as read (with defaults), for the looking glass `config` node. */
  readonly sections: Readonly<Record<string, Readonly<Record<string, OptionValue>>>>;
  /** Non-fatal remarks (unknown keys, deprecated names) for the log. */
  readonly warnings: readonly string[];
}

/** First non-loopback IPv4 address of this host (the embedded default's local address). */
export function firstIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** An interface name becomes its first IPv4 address (bagpipe's InterfaceAddress). */
export function resolveAddress(text: string): string | undefined {
  if (isIP(text)) return text;
  return networkInterfaces()[text]?.find((a) => a.family === 'IPv4')?.address;
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function convert(def: OptionDef, raw: string, where: string): OptionValue {
  const bad = (why: string): never => {
    throw new ConfigError(`${where} = ${JSON.stringify(raw)}: ${why}`);
  };
  const text = raw.trim();
  if (def.choices && !def.choices.includes(text)) bad(`must be one of ${def.choices.join(', ')}`);
  switch (def.type) {
    case 'string':
      return text;
    case 'address':
      return text === ''
        ? undefined
        : (resolveAddress(text) ?? bad('not an IP address nor an interface with an IPv4 address'));
    case 'list':
      return text
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'bool':
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase())) return false;
      return bad('must be True or False');
    case 'listen':
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase()) || text === '') return false;
      return resolveAddress(text) ?? bad('must be True, False, an IP address or an interface name');
    case 'int': {
      if (!/^-?\d+$/.test(text)) bad('must be an integer');
      const n = Number(text);
      if (def.min !== undefined && n < def.min) bad(`must be >= ${def.min}`);
      if (def.max !== undefined && n > def.max) bad(`must be <= ${def.max}`);
      return n;
    }
  }
}

interface Loaded {
  values: Record<string, Record<string, OptionValue>>;
  warnings: string[];
}

function readSections(ini: IniSections, file: string): Loaded {
  const values: Record<string, Record<string, OptionValue>> = {};
  const warnings: string[] = [];
  const known = new Set(OPTIONS.map((o) => `${o.section}/${o.key}`));
  for (const def of OPTIONS) {
    const section = (values[def.section] ??= {});
    const entries = ini.get(def.section);
    const name = [def.key, ...(def.deprecated ?? [])].find((k) => entries?.has(k));
    const entry = name === undefined ? undefined : entries?.get(name);
    if (name !== undefined && name !== def.key)
      warnings.push(`${file}: [${def.section}] ${name} is deprecated, use ${def.key}`);
    const raw = entry?.value ?? def.default;
    const where = `${file}:${entry?.line ?? 0}: [${def.section}] ${name ?? def.key}`;
    section[def.key] = raw === undefined ? undefined : convert(def, raw, where);
  }
  for (const [sec, entries] of ini) {
    if (sec === 'DATAPLANE_DRIVER')
      warnings.push(
        `${file}: [DATAPLANE_DRIVER] is ignored: use [DATAPLANE_DRIVER_IPVPN] and [DATAPLANE_DRIVER_EVPN]`,
      );
    for (const key of entries.keys()) {
      const isDeprecated = OPTIONS.some((o) => o.section === sec && o.deprecated?.includes(key));
      if (!known.has(`${sec}/${key}`) && !isDeprecated)
        warnings.push(`${file}: [${sec}] ${key} is not a known option (ignored)`);
    }
  }
  return { values, warnings };
}

function driverConfig(
  v: Record<string, OptionValue>,
  section: string,
  file: string,
  local: string,
): DataplaneConfig {
  const raw = String(v['dataplane_driver']);
  const driver = DRIVER_ALIASES[raw];
  if (driver === undefined) {
    throw new ConfigError(
      `${file}: [${section}] dataplane_driver = ${JSON.stringify(raw)}: unknown driver (dummy, linux, ovs)`,
    );
  }
  if (section === 'DATAPLANE_DRIVER_EVPN' && driver === 'ovs') {
    throw new ConfigError(
      `${file}: [${section}] dataplane_driver = "ovs": the OVS E-VPN driver is not available; use linux or dummy`,
    );
  }
  return {
    driver: driver as DriverName,
    localAddress: (v['dataplane_local_address'] as string | undefined) ?? local,
    vxlanDstPort: v['vxlan_dst_port'] as number,
    repairIntervalSeconds: v['repair_interval'] as number,
    options: v,
  };
}

function required<T>(value: T | undefined, file: string, section: string, key: string): T {
  if (value === undefined) throw new ConfigError(`${file}: [${section}] ${key} is required`);
  return value;
}

function build(
  loaded: Loaded,
  file: string | undefined,
  fallback: { localAddress?: string; myAs?: number; directory?: string },
): Config {
  const v = loaded.values;
  const name = file ?? '(embedded default)';
  const bgp = v['BGP'] ?? {};
  const localAddress = required(
    (bgp['local_address'] as string | undefined) ?? fallback.localAddress,
    name,
    'BGP',
    'local_address',
  );
  const myAs = required((bgp['my_as'] as number | undefined) ?? fallback.myAs, name, 'BGP', 'my_as');
  const holdTime = bgp['hold_time'] as number;
  if (holdTime > 0 && holdTime < 3)
    throw new ConfigError(`${name}: [BGP] hold_time = ${holdTime}: must be 0 or >= 3`);
  const listen = bgp['listen'];
  const desired = v['DESIRED'] ?? {};
  const directory = fallback.directory ?? (desired['directory'] as string);
  const dflt = v['DEFAULT'] ?? {};
  return {
    file,
    logLevel: dflt['debug'] === true ? 'debug' : (dflt['log_level'] as string),
    api: { host: v['API']?.['host'] as string, port: v['API']?.['port'] as number },
    bgp: {
      localAddress,
      routerId: (bgp['router_id'] as string | undefined) ?? localAddress,
      peers: bgp['peers'] as string[],
      myAs,
      enableRtc: bgp['enable_rtc'] as boolean,
      bgpPort: bgp['bgp_port'] as number,
      listen: listen === true ? localAddress : listen === false ? undefined : (listen as string),
      listenPort: bgp['listen_port'] as number,
      gracefulRestart: bgp['graceful_restart'] as boolean,
      gracefulRestartTime: bgp['graceful_restart_time'] as number,
      holdTime,
    },
    desired: {
      directory,
      stateDirectory:
        (desired['state_directory'] as string | undefined) ?? `${directory.replace(/\/+$/, '')}/../state`,
      kubernetes: desired['kubernetes'] as boolean,
      kubeconfig: desired['kubeconfig'] as string | undefined,
      nodeName: desired['node_name'] as string | undefined,
      rescanIntervalSeconds: desired['rescan_interval'] as number,
    },
    ipvpn: driverConfig(v['DATAPLANE_DRIVER_IPVPN'] ?? {}, 'DATAPLANE_DRIVER_IPVPN', name, localAddress),
    evpn: driverConfig(v['DATAPLANE_DRIVER_EVPN'] ?? {}, 'DATAPLANE_DRIVER_EVPN', name, localAddress),
    sections: v,
    warnings: loaded.warnings,
  };
}

/** Parse config text (exposed for tests); `file` only names it in errors. */
export function parseConfig(text: string, file: string): Config {
  let ini: IniSections;
  try {
    ini = parseIni(text);
  } catch (e) {
    throw new ConfigError(`${file}: ${errorMessage(e)}`);
  }
  return build(readSections(ini, file), file, {});
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${errorMessage(e)}`);
  }
  return parseConfig(text, file);
}

/** The embedded default: first non-loopback IPv4, AS 64512, dummy drivers, ./desired.d. */
export function embeddedConfig(cwd = process.cwd()): Config {
  const localAddress = firstIPv4() ?? '127.0.0.1';
  return build(readSections(new Map(), '(embedded default)'), undefined, {
    localAddress,
    myAs: 64512,
    directory: `${cwd}/desired.d`,
  });
}
