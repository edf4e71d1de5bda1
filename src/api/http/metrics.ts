/**
 * Prometheus metrics at `/metrics`: Node.js process metrics unprefixed, domain metrics with the
 * `bagpipe_` prefix. Domain gauges are collected from the daemon's state at scrape time, so the
 * lower layers never import the metrics library.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the daemon exposes for scraping; each part is optional while features are built. */
export interface MetricsSource {
  desiredObjects?(): readonly { kind: string; source: string; count: number }[];
  desiredInvalidObjects?(): number;
  ready?(): boolean;
}

export function createRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'bagpipe_desired_objects',
    help: 'Valid desired objects in force, per kind and source',
    labelNames: ['kind', 'source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const o of source.desiredObjects?.() ?? []) this.set({ kind: o.kind, source: o.source }, o.count);
    },
  });
  new Gauge({
    name: 'bagpipe_desired_invalid_objects',
    help: 'Desired objects (or files) currently rejected as invalid; their last good version stays in force',
    registers: [registry],
    collect() {
      this.set(source.desiredInvalidObjects?.() ?? 0);
    },
  });
  new Gauge({
    name: 'bagpipe_ready',
    help: '1 once every desired-state source has synced',
    registers: [registry],
    collect() {
      this.set(source.ready?.() === true ? 1 : 0);
    },
  });
  return registry;
}
