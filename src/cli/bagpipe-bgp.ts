#!/usr/bin/env node
/**
 * `bagpipe-bgp`: the daemon. Reads bagpipe's bgp.conf (or runs on the embedded default), starts
 * the desired-state sources, the BGP speaker and the HTTP API; stops cleanly on SIGTERM/SIGINT.
 * Exit status: 0 after a clean stop, 2 on a bad configuration or command line, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../lib/errors.js';
import { ConfigError, type Config } from '../daemon/config.js';
import { OPTIONS } from '../daemon/config-options.js';
import { createLogger } from './logger.js';
import { startDaemon } from './compose.js';
import { DEFAULT_CONFIG, readConfig } from './tool-config.js';
import { packageVersion } from './version.js';

const version = packageVersion;

function usage(): string {
  const opts = OPTIONS.map(
    (o) => `  [${o.section}] ${o.key}${o.default === undefined ? '' : ` (default ${o.default})`}: ${o.help}`,
  );
  return [
    'usage: bagpipe-bgp [--config-file PATH] [--log-level LEVEL] [--help] [--version]',
    '',
    'BGP VPN speaker (IP VPN, E-VPN, RT Constraint) for compute nodes, driven by desired state.',
    '',
    `  --config-file PATH  bagpipe's INI config (default ${DEFAULT_CONFIG}; if it does not exist`,
    '                      and no --config-file is given, the embedded default is used)',
    '  --log-level LEVEL   trace, debug, info, warn or error (overrides the config file)',
    '  --help, --version',
    '',
    'Options of the config file:',
    ...opts,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        'config-file': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`bagpipe-bgp: ${errorMessage(e)}\n${usage()}`);
    process.exit(2);
  }
  if (args.help === true) {
    process.stdout.write(usage());
    return;
  }
  if (args.version === true) {
    process.stdout.write(`bagpipe-bgp ${version()}\n`);
    return;
  }
  let config: Config;
  try {
    config = readConfig(args['config-file']);
  } catch (e) {
    process.stderr.write(`bagpipe-bgp: bad configuration: ${errorMessage(e)}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  }
  const level = args['log-level'] ?? config.logLevel;
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level)) {
    process.stderr.write(`bagpipe-bgp: --log-level ${level}: must be trace, debug, info, warn or error\n`);
    process.exit(2);
  }
  const log = createLogger(level);
  log.info(
    {
      config: config.file ?? null,
      version: version(),
      localAddress: config.bgp.localAddress,
      myAs: config.bgp.myAs,
    },
    config.file === undefined
      ? `starting on the embedded default (no config file): local address ${config.bgp.localAddress}, AS ${config.bgp.myAs}, dummy dataplanes, desired dir ${config.desired.directory}, API on ${config.api.host}:${config.api.port}`
      : `starting with ${config.file}`,
  );
  for (const w of config.warnings) log.warn(w);
  // Signals are taken before the daemon starts: one that arrives while it is starting (after its
  // "listening" line, say) stops it once started, instead of killing it half-way.
  let requested: string | undefined;
  let onSignal = (signal: string): void => {
    requested = signal;
  };
  process.once('SIGTERM', () => {
    onSignal('SIGTERM');
  });
  process.once('SIGINT', () => {
    onSignal('SIGINT');
  });
  const daemon = await startDaemon(config, log);
  onSignal = (signal: string): void => {
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    daemon.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: errorMessage(e) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  if (requested !== undefined) onSignal(requested);
}

main().catch((e: unknown) => {
  process.stderr.write(`bagpipe-bgp: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
