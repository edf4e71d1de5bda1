/**
 * The daemon's domain metrics, read from `DaemonStatus` and the work queue at scrape time:
 * sessions (up, one-hot state, messages by type, flaps), routes per peer and family, VPN
 * instances, dataplane operations and errors, reconcile outcomes and queue depth (names after
 * controller-runtime). Labels are peer addresses, family names, types and driver names: never a
 * MAC or a VM address.
 */
import { Gauge, type Registry } from 'prom-client';
import { SESSION_STATES as STATES } from '../../daemon/status-types.js';
import type { DaemonStatus } from '../../daemon/daemon.js';
import type { QueueCounters } from '../../reconcile/queue.js';
import { familyLabel as familyName } from './looking-glass-bgp.js';

export interface DaemonMetricsSource {
  status(): DaemonStatus;
  readonly queue?: () => { readonly name: string; readonly depth: number; readonly counters: QueueCounters };
}

type Collect = (g: Gauge) => void;

function gauge(registry: Registry, name: string, help: string, labelNames: string[], collect: Collect): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      collect(this);
    },
  });
}

function sessionMetrics(registry: Registry, status: () => DaemonStatus): void {
  gauge(registry, 'bagpipe_bgp_session_up', '1 when the BGP session is Established', ['peer'], (g) => {
    for (const p of status().peers) g.set({ peer: p.address }, p.state === 'Established' ? 1 : 0);
  });
  gauge(
    registry,
    'bagpipe_bgp_session_state',
    'FSM state of each session, one-hot',
    ['peer', 'state'],
    (g) => {
      for (const p of status().peers)
        for (const s of STATES) g.set({ peer: p.address, state: s }, p.state === s ? 1 : 0);
    },
  );
  gauge(registry, 'bagpipe_bgp_session_flaps', 'Times the session left Established', ['peer'], (g) => {
    for (const p of status().peers) g.set({ peer: p.address }, p.flaps);
  });
  gauge(
    registry,
    'bagpipe_bgp_messages',
    'BGP messages by direction and type since start (a counter read at scrape time)',
    ['peer', 'direction', 'type'],
    (g) => {
      for (const p of status().peers) {
        for (const [direction, counts] of [
          ['in', p.counters.messagesIn],
          ['out', p.counters.messagesOut],
        ] as const) {
          for (const [type, n] of Object.entries(counts)) g.set({ peer: p.address, direction, type }, n);
        }
      }
    },
  );
  gauge(
    registry,
    'bagpipe_bgp_routes_received',
    'Routes in the RIB from each peer',
    ['peer', 'family'],
    (g) => {
      for (const p of status().peers)
        for (const [f, n] of p.received) g.set({ peer: p.address, family: familyName(f) }, n);
    },
  );
  gauge(
    registry,
    'bagpipe_bgp_routes_advertised',
    'Routes advertised to each peer',
    ['peer', 'family'],
    (g) => {
      for (const p of status().peers)
        for (const [f, n] of p.advertised) g.set({ peer: p.address, family: familyName(f) }, n);
    },
  );
}

function vpnMetrics(registry: Registry, status: () => DaemonStatus): void {
  gauge(registry, 'bagpipe_vpn_instances', 'VPN instances running, per type', ['type'], (g) => {
    for (const i of status().instances) g.inc({ type: i.type });
  });
  gauge(registry, 'bagpipe_vpn_ports', 'Ports attached, per instance type', ['type'], (g) => {
    for (const i of status().instances) g.inc({ type: i.type }, i.ports.length);
  });
  gauge(
    registry,
    'bagpipe_vpn_routes_received',
    'Routes received by VPN instances, per type',
    ['type'],
    (g) => {
      for (const i of status().instances) g.inc({ type: i.type }, i.receivedRoutes);
    },
  );
  gauge(registry, 'bagpipe_rib_routes', 'Routes in the RIB, all sources', [], (g) => {
    g.set(status().ribSize);
  });
  gauge(registry, 'bagpipe_rtc_route_targets', 'RT Constraint routes we originate', [], (g) => {
    g.set(status().routeTargets.length);
  });
  gauge(
    registry,
    'bagpipe_dataplane_operations',
    'Dataplane operations applied, entry errors, passes and failed passes since start',
    ['driver', 'type', 'what'],
    (g) => {
      for (const d of status().drivers) {
        const c = d.counters;
        const labels = { driver: d.driver, type: d.type };
        g.set({ ...labels, what: 'applied' }, c.opsApplied);
        g.set({ ...labels, what: 'errors' }, c.errors);
        g.set({ ...labels, what: 'passes' }, c.passes);
        g.set({ ...labels, what: 'failed_passes' }, c.failedPasses);
      }
    },
  );
}

function queueMetrics(registry: Registry, source: DaemonMetricsSource): void {
  const q = source.queue;
  if (q === undefined) return;
  gauge(registry, 'workqueue_depth', 'Keys waiting in the reconcile work queue', ['name'], (g) => {
    const s = q();
    g.set({ name: s.name }, s.depth);
  });
  gauge(registry, 'workqueue_retries', 'Retries after reconcile errors since start', ['name'], (g) => {
    const s = q();
    g.set({ name: s.name }, s.counters.retries);
  });
  gauge(
    registry,
    'controller_runtime_reconcile',
    'Reconciles by result since start (success, requeue, error, terminal)',
    ['controller', 'result'],
    (g) => {
      const s = q();
      for (const result of ['success', 'requeue', 'error', 'terminal'] as const)
        g.set({ controller: s.name, result }, s.counters[result]);
    },
  );
}

/**
 * One `DaemonStatus` per scrape: every gauge reads it, and computing it walks each peer's routes,
 * so it is kept for `ms` (a scrape collects every gauge well within that).
 */
export function perScrape<T>(compute: () => T, ms = 200, now = (): number => performance.now()): () => T {
  let cached: { value: T; at: number } | undefined;
  return () => {
    const t = now();
    if (cached === undefined || t - cached.at > ms) cached = { value: compute(), at: t };
    return cached.value;
  };
}

export function registerDaemonMetrics(registry: Registry, source: DaemonMetricsSource): void {
  const status = perScrape((): DaemonStatus => source.status());
  sessionMetrics(registry, status);
  vpnMetrics(registry, status);
  queueMetrics(registry, source);
}
