/**
 * Codec throughput: decode and encode of packed UPDATEs (VPNv4 ~250 routes per message, EVPN
 * MAC/IP), in routes/s and MB/s, side by side with the floor of allocating one plain
 * {prefix, rd, label} object per route from a pre-parsed array, measured in the same run.
 * `npx tsx bench/run.ts codec [--routes=N] [--runs=N]`
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PathAttributes } from '../src/bgp/codec/attributes/types.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../src/bgp/codec/context.js';
import { decodeMessage } from '../src/bgp/codec/message.js';
import { evpnMacIp, vpnNlri } from '../src/bgp/codec/nlri/build.js';
import { rawFromLabel } from '../src/bgp/codec/nlri/label.js';
import type { Nlri } from '../src/bgp/codec/nlri/types.js';
import { packReach, type Reach } from '../src/bgp/codec/pack.js';
import { repeat, report, row, stats, type Benchmark, type BenchResult, type Row } from './lib.js';

const ctx: CodecContext = DEFAULT_CONTEXT;

/** A full GC before each sample, outside the timed region, so that samples start from the same heap. */
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A sampler: the rate of `fn` (which returns how many routes it handled) in routes/s, after a GC. */
function timed(fn: () => number): () => number {
  return () => {
    gc();
    const t = performance.now();
    const n = fn();
    return (n * 1000) / (performance.now() - t);
  };
}

function arg(args: readonly string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

function vpnRoutes(n: number): Nlri[] {
  return Array.from({ length: n }, (_, i) =>
    vpnNlri(`65000:${1 + Math.floor(i / 1000)}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, [
      rawFromLabel(16 + (i & 0xffff)),
    ]),
  );
}

function evpnRoutes(n: number): Nlri[] {
  const hex = (x: number): string => x.toString(16).padStart(2, '0');
  return Array.from({ length: n }, (_, i) =>
    evpnMacIp({
      rd: `192.0.2.1:${1 + Math.floor(i / 1000)}`,
      mac: `02:00:${hex((i >> 16) & 255)}:${hex((i >> 8) & 255)}:${hex(i & 255)}:01`,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      labels: [10100],
    }),
  );
}

interface Flat {
  readonly key: string;
  readonly prefix: string;
  readonly rd: string;
  readonly label: number;
}

const flat = (routes: readonly Nlri[]): Flat[] =>
  routes.map((r) => ({
    key: r.key,
    prefix: r.kind === 'vpn' ? r.prefix : r.key,
    rd: 'rd' in r ? r.rd : '',
    label: r.kind === 'vpn' ? (r.labels[0] ?? 0) : 0,
  }));

/** The comparator: one plain object per route from pre-parsed fields (optionally indexed by key). */
function floor(pre: readonly Flat[], indexed: boolean): () => number {
  return () => {
    const out: { prefix: string; rd: string; label: number }[] = [];
    const rib = new Map<string, object>();
    for (const p of pre) {
      const o = { prefix: p.prefix, rd: p.rd, label: p.label };
      if (indexed) rib.set(p.key, o);
      else out.push(o);
    }
    return indexed ? rib.size : out.length;
  };
}

/** Decode every message; with `indexed`, also index each route by key as a RIB would (flattening keys). */
function decode(msgs: readonly Uint8Array[], indexed: boolean): () => number {
  return () => {
    let n = 0;
    const rib = new Map<string, Nlri>();
    for (const m of msgs) {
      const d = decodeMessage(m, ctx);
      const nlri = d.type === 'update' ? (d.update.mpReach?.nlri ?? []) : [];
      n += nlri.length;
      if (indexed) for (const x of nlri) rib.set(x.key, x);
    }
    return indexed ? rib.size : n;
  };
}

async function family(name: string, attrs: PathAttributes, reach: Reach, runs: number): Promise<Row[]> {
  const msgs = packReach(attrs, reach, ctx);
  const bytes = msgs.reduce((s, m) => s + m.length, 0);
  const count = reach.nlri.length;
  const pre = flat(reach.nlri);
  const sample = async (fn: () => number): Promise<number[]> => repeat(runs, timed(fn), 2);
  const dec = await sample(decode(msgs, false));
  const enc = await sample(() => packReach(attrs, reach, ctx).length * 0 + count);
  const idx = await sample(decode(msgs, true));
  const fl = stats(await sample(floor(pre, false)));
  const flIdx = stats(await sample(floor(pre, true)));
  const mb = (r: number[]): number => Math.round((stats(r).median * bytes) / count / 1e5) / 10;
  const per = Math.round(count / msgs.length);
  const base = { count, unit: 'routes/s', better: 'higher' } as const;
  const extra = { messages: msgs.length, octets: bytes };
  const plain = { ...base, comparatorName: 'plain object per route', comparator: fl };
  return [
    row({
      ...plain,
      case: `decode ${name}, ${per} routes/UPDATE`,
      ours: stats(dec),
      extra: { ...extra, 'MB/s': mb(dec) },
    }),
    row({
      ...plain,
      case: `encode ${name} (packReach)`,
      ours: stats(enc),
      extra: { ...extra, 'MB/s': mb(enc) },
    }),
    row({
      ...base,
      case: `decode ${name} + Map.set by route key`,
      ours: stats(idx),
      comparatorName: 'plain object per route + Map.set',
      comparator: flIdx,
    }),
  ];
}

const bench: Benchmark = async (args): Promise<BenchResult> => {
  const n = arg(args, 'routes', 100_000);
  const runs = Math.max(3, arg(args, 'runs', 5));
  const attrs: PathAttributes = {
    origin: 0,
    asPath: [],
    localPref: 100,
    extCommunities: [
      { type: 'route-target', value: '65000:1' },
      { type: 'encapsulation', tunnelType: 10 },
    ],
  };
  const rows = [
    ...(await family('VPNv4', attrs, { afi: 1, safi: 128, nextHop: '192.0.2.1', nlri: vpnRoutes(n) }, runs)),
    ...(await family(
      'EVPN MAC/IP',
      attrs,
      { afi: 25, safi: 70, nextHop: '192.0.2.1', nlri: evpnRoutes(n) },
      runs,
    )),
  ];
  return report(
    'codec',
    `${n} routes per case, ${runs} runs after 2 warm-ups, a full GC before each run (outside the timing), one core, ` +
      `node ${process.version}. Decode = decodeMessage of each packed 4,096-octet UPDATE; encode = packReach of all ` +
      'routes; "+ Map.set" also indexes each route by its key. Comparator: allocating one {prefix, rd, label} object ' +
      'per route from a pre-parsed array (and Map.set by key), same process, same run. Higher is better.',
    rows,
  );
};

export default bench;
