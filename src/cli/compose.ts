/**
 * Composition root: the only place that constructs concrete objects (layer 7). Builds the
 * desired-state sources, the daemon and the HTTP API from a `Config`.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../lib/log.js';
import type { Config } from '../daemon/config.js';
import { createRegistry } from '../api/http/metrics.js';
import { buildRouter, close, listen } from '../api/http/server.js';
import type { RecentLogs } from './logger.js';

export interface RunningDaemon {
  stop(): Promise<void>;
}

/** bagpipe's `/ping` value: an integer of several digits, new per process, JS-safe, never 0/-1. */
export function newPingId(): number {
  return randomInt(2 ** 32, 2 ** 47);
}

export async function startDaemon(config: Config, log: Logger, _recent: RecentLogs): Promise<RunningDaemon> {
  const pingId = newPingId();
  const registry = createRegistry({ ready: () => true });
  const router = buildRouter({ pingId, ready: () => true }, registry);
  const server = await listen(router, config.api.host, config.api.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.api.port;
  log.info({ host: config.api.host, port }, 'REST API, looking glass and /metrics listening');
  return {
    async stop() {
      await close(server);
    },
  };
}
