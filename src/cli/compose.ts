/**
 * Composition root: the only place that constructs concrete objects (layer 7). From a `Config`
 * it builds the desired-state sources (desired.d files, the bagpipe REST API's own directory,
 * Kubernetes when enabled), the daemon (RIB, speaker, VPN instances, drivers), the reconcile
 * controller between them, and the HTTP API (REST, looking glass, /metrics).
 *
 * Start order matters for a hitless restart: drivers adopt live state only once the desired
 * store has synced (the controller waits for the gate), sessions start with the graceful
 * restart bits of this start, and stop closes sessions gracefully so peers keep our routes.
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { registerDaemonMetrics } from '../api/http/daemon-metrics.js';
import { registerLookingGlass } from '../api/http/looking-glass.js';
import { createRegistry } from '../api/http/metrics.js';
import { buildRouter, close, listen } from '../api/http/server.js';
import type { Config } from '../daemon/config.js';
import { Daemon } from '../daemon/daemon.js';
import { DesiredStore, FileSource } from '../desired/index.js';
import { systemClock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import { ringLogger, type Logger } from '../lib/log.js';
import { Controller } from '../reconcile/controller.js';
import { RestSource } from '../reconcile/rest/index.js';
import { StatusReporter } from '../reconcile/status/reporter.js';
import { createDrivers } from './drivers.js';
import { nodeNameOf } from './tool-config.js';
import { packageVersion } from './version.js';

export interface RunningDaemon {
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

/** bagpipe's `/ping` value: an integer of several digits, new per process, JS-safe, never 0/-1. */
export function newPingId(): number {
  return randomInt(2 ** 32, 2 ** 47);
}

export async function startDaemon(config: Config, baseLog: Logger): Promise<RunningDaemon> {
  const started = Date.now();
  const { logger: log, entries: logs } = ringLogger(baseLog);
  const pingId = newPingId();
  const nodeName = nodeNameOf(config);
  const store = new DesiredStore({ logger: log.child({ component: 'desired' }) });
  const rescanIntervalMs = config.desired.rescanIntervalSeconds * 1000;
  const files = new FileSource({
    directory: config.desired.directory,
    store,
    nodeName,
    rescanIntervalMs,
    logger: log.child({ component: 'desired.d' }),
  });
  // bagpipe's attach/detach API persists into its own sub-directory, read by a second file source.
  const rest = new RestSource({
    directory: join(config.desired.directory, 'bagpipe-rest'),
    store,
    nodeName,
    rescanIntervalMs,
    logger: log.child({ component: 'rest' }),
    // Called only once serving requests, after `drivers` exists.
    onRefresh: () => {
      for (const d of [drivers.evpn, drivers.ipvpn]) {
        d.repair().catch((e: unknown) => {
          log.warn({ driver: d.name, err: errorMessage(e) }, 'dataplane check after a refresh attach failed');
        });
      }
    },
  });
  // The Kubernetes client library is loaded only when Kubernetes is configured (~60 MB RSS).
  const k8s = config.desired.kubernetes
    ? (await import('./kube.js')).kubernetes(config, store, nodeName, log)
    : undefined;
  const kube = k8s?.source;

  mkdirSync(config.desired.stateDirectory, { recursive: true });
  const allocationsFile = join(config.desired.stateDirectory, 'allocations.json');
  const drivers = createDrivers(config, log.child({ component: 'dataplane' }));
  const daemon = new Daemon({
    config,
    clock: systemClock,
    log,
    drivers,
    nodeName,
    allocationsFile,
    openOptions: {
      // RFC 4724 3: a previous run left its allocations, so peers may hold our routes.
      restarting: existsSync(allocationsFile),
      forwardingKept: drivers.ipvpn.name !== 'dummy' || drivers.evpn.name !== 'dummy',
    },
  });
  const controller = new Controller({
    store,
    daemon,
    bgp: config.bgp,
    clock: systemClock,
    logger: log.child({ component: 'reconcile' }),
    ...(kube ? { secretPassword: (peer) => kube.passwordFor(peer) } : {}),
  });

  const reporter = new StatusReporter({
    source: {
      status: () => daemon.status(),
      desired: () => store.snapshot(),
      problems: () => controller.problems(),
      subscribe: (fn) => store.subscribe(fn),
    },
    ...{ nodeName, stateDirectory: config.desired.stateDirectory, clock: systemClock, logger: log },
    ...(k8s ? { kube: k8s.statusSink() } : {}),
  });

  const ready = (): boolean => store.synced;
  const registry = createRegistry({
    ready,
    desiredObjects: () => store.desiredObjects(),
    desiredInvalidObjects: () => store.desiredInvalidObjects(),
  });
  registerDaemonMetrics(registry, {
    status: () => daemon.status(),
    queue: () => ({
      name: controller.queue.name,
      depth: controller.queue.depth,
      counters: controller.queue.counters,
    }),
  });
  const router = buildRouter({ pingId, ready }, registry, rest);
  registerLookingGlass(router, {
    status: () => daemon.status(),
    desired: () => store.snapshot(),
    problems: () => controller.problems(),
    config: () => config.sections,
    logs,
    routes: (family) => daemon.routes(family),
    startTime: started,
    version: packageVersion(),
  });
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
  const bgpPort = await daemon.start();
  controller.start();
  await reporter.start();
  await files.start();
  await rest.start();
  await kube?.start();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.api.port;
  log.info(
    { host: config.api.host, port, bgpListen: config.bgp.listen, bgpPort, nodeName },
    'REST API, looking glass and /metrics listening',
  );
  return {
    daemon,
    async stop() {
      await reporter.stop();
      await controller.stop();
      await kube?.stop();
      await rest.stop();
      await files.stop();
      await daemon.stop({ graceful: true });
      await drivers.stop();
      await close(server);
    },
  };
}
