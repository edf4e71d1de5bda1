/**
 * Composition root: the only place that constructs concrete objects (layer 7). Builds the
 * desired-state sources, the daemon and the HTTP API from a `Config`.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../lib/log.js';
import type { Config } from '../daemon/config.js';
import { createRegistry } from '../api/http/metrics.js';
import { buildRouter, close, listen } from '../api/http/server.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DesiredStore, FileSource } from '../desired/index.js';
import { RestSource } from '../reconcile/rest/index.js';

export interface RunningDaemon {
  stop(): Promise<void>;
}

/** bagpipe's `/ping` value: an integer of several digits, new per process, JS-safe, never 0/-1. */
export function newPingId(): number {
  return randomInt(2 ** 32, 2 ** 47);
}

export async function startDaemon(config: Config, log: Logger): Promise<RunningDaemon> {
  const pingId = newPingId();
  const nodeName = config.desired.nodeName ?? process.env['NODE_NAME'] ?? hostname();
  const store = new DesiredStore({ logger: log.child({ component: 'desired' }) });
  const files = new FileSource({
    directory: config.desired.directory,
    store,
    nodeName,
    rescanIntervalMs: config.desired.rescanIntervalSeconds * 1000,
    logger: log.child({ component: 'desired.d' }),
  });
  // bagpipe's attach/detach API persists into its own sub-directory, read by a second file source.
  const rest = new RestSource({
    directory: join(config.desired.directory, 'bagpipe-rest'),
    store,
    nodeName,
    rescanIntervalMs: config.desired.rescanIntervalSeconds * 1000,
    logger: log,
  });
  const ready = (): boolean => store.synced;
  const registry = createRegistry({
    ready,
    desiredObjects: () => store.desiredObjects(),
    desiredInvalidObjects: () => store.desiredInvalidObjects(),
  });
  const router = buildRouter({ pingId, ready }, registry, rest);
  const server = await listen(router, config.api.host, config.api.port);
  store.subscribe((snap) => {
    log.info(
      {
        version: snap.version,
        bgpPeers: snap.bgpPeers.size,
        vpnInstances: snap.vpnInstances.size,
        portAttachments: snap.portAttachments.size,
      },
      'desired state changed',
    );
  });
  await files.start();
  await rest.start();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.api.port;
  log.info({ host: config.api.host, port }, 'REST API, looking glass and /metrics listening');
  return {
    async stop() {
      await rest.stop();
      await files.stop();
      await close(server);
    },
  };
}
