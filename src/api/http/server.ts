/**
 * The HTTP front: bagpipe's REST API (`/ping`, attach/detach, looking glass) plus `/metrics`,
 * `/healthz` and `/readyz` on `[API] host:port`.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { RestApi } from '../../reconcile/rest/index.js';
import { registerRestRoutes } from './rest.js';
import { HttpError, Router, json, text } from './router.js';

export interface ApiDaemon {
  /** bagpipe's restart-detection integer, fixed per process. */
  readonly pingId: number;
  /** True once every desired-state source has synced (the sync gate). */
  ready(): boolean;
}

/** `rest`: the bagpipe attach/detach API (absent: those paths are 404). Bodies over 1 MiB are 413. */
export function buildRouter(daemon: ApiDaemon, registry: Registry, rest?: RestApi): Router {
  const router = new Router(1 << 20);
  router.get('/', () => json({}));
  router.get('/ping', () => json(daemon.pingId));
  router.get('/healthz', () => text('ok\n'));
  router.get('/readyz', () => {
    if (!daemon.ready())
      throw new HttpError(503, 'Service Unavailable', 'desired-state sources have not all synced yet');
    return text('ok\n');
  });
  router.get('/metrics', async () => text(await registry.metrics(), 200, registry.contentType));
  if (rest !== undefined) registerRestRoutes(router, rest);
  return router;
}

export function listen(router: Router, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(router.listener);
    server.keepAliveTimeout = 5000;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
