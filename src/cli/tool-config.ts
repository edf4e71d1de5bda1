/**
 * What the tools that act on this node's dataplane share with the daemon: the config file they
 * read (the daemon's default path, or the embedded default when it does not exist), this node's
 * name, and the dataplane drivers built from the config, without repair timers and optionally
 * inside a network namespace.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, embeddedConfig, loadConfig, type Config } from '../daemon/config.js';
import type { DataplaneDriver } from '../dataplane/index.js';
import { errorMessage } from '../lib/errors.js';
import { silentLogger } from '../lib/log.js';
import { createDrivers, type Drivers } from './drivers.js';
import { parseCommandLine, type Io, type OptionsConfig, type Parsed, type ToolText } from './main.js';

export const DEFAULT_CONFIG = '/etc/bagpipe-bgp/bgp.conf';

/** `file`, else the default path if it exists, else the embedded default. */
export function readConfig(file: string | undefined): Config {
  if (file !== undefined) return loadConfig(file);
  return existsSync(DEFAULT_CONFIG) ? loadConfig(DEFAULT_CONFIG) : embeddedConfig();
}

/** The config, or the exit status after printing why it cannot be read (2: a bad config). */
export function toolConfig(name: string, file: string | undefined, io: Io): Config | number {
  try {
    return readConfig(file);
  } catch (e) {
    io.err(`${name}: bad configuration: ${errorMessage(e)}\n`);
    return e instanceof ConfigError ? 2 : 1;
  }
}

/** This node, as the daemon names it (PortAttachments naming another node are not ours). */
export function nodeNameOf(config: Config): string {
  return config.desired.nodeName ?? process.env['NODE_NAME'] ?? hostname();
}

/** The configured drivers (E-VPN first), no repair timer; the exit status 2 on a bad driver config. */
export function toolDrivers(
  name: string,
  config: Config,
  netns: string | undefined,
  io: Io,
): Drivers | number {
  try {
    return createDrivers(config, silentLogger, { repair: false, ...(netns === undefined ? {} : { netns }) });
  } catch (e) {
    io.err(`${name}: bad configuration: ${errorMessage(e)}\n`);
    return 2;
  }
}

/** `name (type)`, how the tools label a driver in their output. */
export const driverLabel = (d: Pick<DataplaneDriver, 'name' | 'type'>): string => `${d.name} (${d.type})`;

const DRIVER_TOOL_OPTIONS = {
  'config-file': { type: 'string' },
  netns: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type DriverToolValues<O extends OptionsConfig> = Parsed<typeof DRIVER_TOOL_OPTIONS & O>['values'];

/**
 * The command line of a tool acting on the configured drivers (`--config-file`, `--netns`,
 * `--help` and `extra`, no positional argument): parses it, reads the config, builds the
 * drivers, runs `body`, then stops the drivers. Mistakes give the exit status 2.
 */
export async function runDriverTool<O extends OptionsConfig>(
  tool: ToolText,
  argv: readonly string[],
  extra: O,
  io: Io,
  body: (values: DriverToolValues<O>, config: Config, drivers: Drivers) => Promise<number>,
): Promise<number> {
  const parsed = parseCommandLine(tool, argv, { ...DRIVER_TOOL_OPTIONS, ...extra }, io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) {
    io.err(`${tool.synopsis}\n${tool.name}: error: unexpected argument ${parsed.positionals[0] ?? ''}\n`);
    return 2;
  }
  const common: Readonly<Record<string, unknown>> = parsed.values;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const config = toolConfig(tool.name, text(common['config-file']), io);
  if (typeof config === 'number') return config;
  const drivers = toolDrivers(tool.name, config, text(common['netns']), io);
  if (typeof drivers === 'number') return drivers;
  try {
    return await body(parsed.values, config, drivers);
  } finally {
    await drivers.stop();
  }
}
