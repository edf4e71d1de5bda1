/**
 * Route engine: 100,000 received VPNv4 routes, as the codec decodes them (1,000 UPDATEs of 100
 * NLRI sharing one attributes object, each UPDATE with one of 1,000 route targets), set into a
 * Rib with 1,000 subscribers that each import one RT and, as a VRF does, keep the routes per
 * destination and run selectBest on every event. Measured: the time from the first set() to
 * the last subscriber done (listeners are synchronous, so: to the last set() returning), and the
 * heap per route once everything is held (after a forced GC). The comparator is the floor of
 * inserting the same route objects into one plain Map keyed by destination, in the same run.
 * `npx tsx bench/run.ts rib [--runs=N]`
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  decodeMessage,
  DEFAULT_CONTEXT,
  FAMILY,
  packReach,
  rawFromLabel,
  vpnNlri,
  type PathAttributes,
} from '../src/bgp/codec/index.js';
import { selectBest } from '../src/rib/best-path.js';
import { Rib } from '../src/rib/rib.js';
import {
  destinationKey,
  type PeerSource,
  type RibEvent,
  type Route,
  type Subscription,
} from '../src/rib/types.js';
import { report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

const RTS = 1000;
const PER_UPDATE = 100;
const ROUTES = RTS * PER_UPDATE;

const source: PeerSource = {
  kind: 'peer',
  address: '192.0.2.1',
  peerAs: 64512,
  localAs: 64512,
  bgpId: '192.0.2.1',
  rrClient: false,
};

/** `globalThis.gc` under `node --expose-gc`, else the same function obtained at run time. */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const gc = findGc();
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

/** The wire form, built once: 1,000 UPDATEs of 100 VPNv4 NLRI, UPDATE i carrying RT 64512:i. */
function updates(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let u = 0; u < RTS; u++) {
    const attributes: PathAttributes = {
      origin: 0,
      asPath: [],
      localPref: 100,
      extCommunities: [{ type: 'route-target', value: `64512:${u}` }],
    };
    const nlri = Array.from({ length: PER_UPDATE }, (_, j) => {
      const i = u * PER_UPDATE + j;
      return vpnNlri(`192.0.2.1:${u}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, [
        rawFromLabel(16 + j),
      ]);
    });
    out.push(...packReach(attributes, { afi: 1, safi: 128, nextHop: '192.0.2.1', nlri }, DEFAULT_CONTEXT));
  }
  return out;
}

/** Decode as the session does: one attributes object per UPDATE, shared by its routes. */
function decode(wire: readonly Uint8Array[]): Route[] {
  const routes: Route[] = [];
  for (const m of wire) {
    const d = decodeMessage(m, DEFAULT_CONTEXT);
    if (d.type !== 'update' || d.update.mpReach === undefined) throw new Error('bench: not a VPNv4 UPDATE');
    const { attributes, mpReach } = d.update;
    for (const nlri of mpReach.nlri)
      routes.push({ family: FAMILY.ipv4Vpn, nlri, attributes, nextHop: mpReach.nextHop, source });
  }
  if (routes.length !== ROUTES) throw new Error(`bench: ${routes.length} routes decoded`);
  return routes;
}

/** A VRF: routes per destination per source, and the best path(s) per destination. */
class Vrf {
  readonly routes = new Map<string, Route[]>();
  readonly best = new Map<string, Route[]>();
  events = 0;

  readonly listener = (e: RibEvent): void => {
    this.events++;
    const key = destinationKey(e.route.family, e.route.nlri);
    const others = (this.routes.get(key) ?? []).filter((r) => r.source !== e.route.source);
    const now = e.type === 'add' ? [...others, e.route] : others;
    if (now.length === 0) {
      this.routes.delete(key);
      this.best.delete(key);
    } else {
      this.routes.set(key, now);
      this.best.set(key, selectBest(now, { multipath: true }));
    }
  };
}

interface Sample {
  readonly ms: number;
  readonly bytesPerRoute: number;
  readonly events: number;
}

function ribRun(wire: readonly Uint8Array[], subscribers: number): Sample {
  const routes = decode(wire);
  const before = heap();
  const rib = new Rib();
  const vrfs: Vrf[] = [];
  const subs: Subscription[] = [];
  for (let i = 0; i < subscribers; i++) {
    const vrf = new Vrf();
    vrfs.push(vrf);
    const sub = rib.subscribe(vrf.listener);
    sub.add(FAMILY.ipv4Vpn, `64512:${i}`);
    subs.push(sub);
  }
  const t = performance.now();
  for (const r of routes) rib.set(r);
  const ms = performance.now() - t;
  const bytesPerRoute = (heap() - before) / ROUTES;
  const events = vrfs.reduce((n, v) => n + v.events, 0);
  if (
    rib.size !== ROUTES ||
    (subscribers > 0 && events !== ROUTES) ||
    vrfs.some((v) => v.best.size !== PER_UPDATE)
  )
    throw new Error(`bench: ${rib.size} routes, ${events} events`);
  for (const s of subs) s.close();
  return { ms, bytesPerRoute, events };
}

function mapRun(wire: readonly Uint8Array[]): Sample {
  const routes = decode(wire);
  const before = heap();
  const map = new Map<string, Route>();
  const t = performance.now();
  for (const r of routes) map.set(destinationKey(r.family, r.nlri), r);
  const ms = performance.now() - t;
  const bytesPerRoute = (heap() - before) / ROUTES;
  if (map.size !== ROUTES) throw new Error(`floor: ${map.size} routes`);
  return { ms, bytesPerRoute, events: 0 };
}

function arg(args: readonly string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

const bench: Benchmark = (args): Promise<BenchResult> => {
  const runs = Math.max(3, arg(args, 'runs', 5));
  const wire = updates();
  ribRun(wire, RTS); // warm-up, not measured
  mapRun(wire);
  const withSubs = collect(runs, () => ribRun(wire, RTS));
  const alone = collect(runs, () => ribRun(wire, 0));
  const floor = collect(runs, () => mapRun(wire));
  const gcNote =
    gc === undefined ? 'not forced (no gc available): heap figures are noisy' : 'forced before each reading';
  const extra = {
    rts: RTS,
    subscribers: RTS,
    routesPerUpdate: PER_UPDATE,
    gc: gcNote,
    events: withSubs[0]?.events ?? 0,
  };
  const ms = (s: Sample): number => s.ms;
  const bytes = (s: Sample): number => s.bytesPerRoute;
  const line = (name: string, ours: Sample[], pick: typeof ms): Row =>
    row({
      case: name,
      count: ROUTES,
      unit: pick === ms ? 'ms' : 'bytes/route',
      better: 'lower',
      ours: stats(ours.map(pick)),
      comparatorName: 'Map.set by destination (floor)',
      comparator: stats(floor.map(pick)),
      extra,
    });
  return Promise.resolve(
    report(
      'rib',
      `${ROUTES} VPNv4 routes decoded from ${RTS} UPDATEs of ${PER_UPDATE} NLRI (one RT per UPDATE, ${RTS} RTs) set into a Rib; ${RTS} subscribers import one RT each and run selectBest (multipath) per destination on every event. Time: first set() to the last subscriber done. Heap: heapUsed delta per route once everything is held, GC ${gcNote}; decoded routes are allocated before the first reading and not counted. Median of ${runs} runs after one warm-up; the floor inserts the same route objects into one Map keyed by destination in the same process.`,
      [
        line(`set ${ROUTES} routes, ${RTS} RT subscribers with best path`, withSubs, ms),
        line('heap per route: Rib + subscriptions + the VRFs\u2019 own maps', withSubs, bytes),
        line('heap per route: Rib alone (no subscriber)', alone, bytes),
        line(`set ${ROUTES} routes, no subscriber`, alone, ms),
      ],
    ),
  );
};

function collect(runs: number, fn: () => Sample): Sample[] {
  return Array.from({ length: runs }, fn);
}

export default bench;
