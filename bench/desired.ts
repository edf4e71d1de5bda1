/**
 * desired.d start-up: 10,000 objects (half VpnInstance, half PortAttachment) in 1,000 files.
 * Measures the time from constructing and starting the file source to the first synced
 * snapshot (list, read, parse, validate, normalise, merge, publish), against the floor of
 * reading and JSON.parse-ing the same files with no validation, in the same run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../src/desired/file-source.js';
import { DesiredStore } from '../src/desired/store.js';
import { createValidator, type SchemaValidator } from '../src/desired/validate.js';
import { report, repeat, row, stats, type Benchmark, type BenchResult } from './lib.js';

const FILES = 1000;
const PER_FILE = 10;
const RUNS = 5;

function objects(file: number): unknown[] {
  const out: unknown[] = [];
  for (let j = 0; j < PER_FILE / 2; j++) {
    const n = file * PER_FILE + j;
    const name = `vpn-${n}`;
    out.push({
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'VpnInstance',
      metadata: { name, namespace: `tenant-${file % 50}` },
      spec: {
        type: j % 2 ? 'evpn' : 'ipvpn',
        importRTs: [`64512:${n}`],
        exportRTs: [`64512:${n}`],
        vni: n + 1,
      },
    });
    out.push({
      apiVersion: 'bagpipe.io/v1alpha1',
      kind: 'PortAttachment',
      metadata: { name: `port-${n}`, namespace: `tenant-${file % 50}` },
      spec: {
        vpnInstanceRef: { name },
        macAddress: `52:54:00:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
        ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/24`,
        localPort: { linuxInterface: `tap${n}` },
      },
    });
  }
  return out;
}

async function startToSynced(dir: string, validator?: SchemaValidator): Promise<number> {
  const t0 = performance.now();
  const store = new DesiredStore();
  const source = new FileSource({ directory: dir, store, ...(validator ? { validator } : {}) });
  await source.start();
  const snap = await store.whenSynced();
  const ms = performance.now() - t0;
  await source.stop();
  const count = snap.vpnInstances.size + snap.portAttachments.size;
  if (count !== FILES * PER_FILE || snap.invalid.length)
    throw new Error(`bench: ${count} objects, ${snap.invalid.length} invalid`);
  return ms;
}

function floor(dir: string): number {
  const t0 = performance.now();
  let n = 0;
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith('.json')) n += (JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown[]).length;
  }
  const ms = performance.now() - t0;
  if (n !== FILES * PER_FILE) throw new Error(`floor: ${n} objects`);
  return ms;
}

const bench: Benchmark = async (): Promise<BenchResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'bagpipe-bench-desired-'));
  try {
    for (let i = 0; i < FILES; i++)
      writeFileSync(join(dir, `f${String(i).padStart(4, '0')}.json`), JSON.stringify(objects(i), null, 2));
    const floorRuns = await repeat(RUNS, () => floor(dir), 1);
    const cold = await repeat(RUNS, () => startToSynced(dir), 1);
    const validator = createValidator({ strict: true });
    const warm = await repeat(RUNS, () => startToSynced(dir, validator), 1);
    const common = {
      count: FILES * PER_FILE,
      unit: 'ms',
      better: 'lower',
      comparatorName: 'read + JSON.parse only',
    } as const;
    const extra = { files: FILES, objectsPerFile: PER_FILE };
    return report(
      'desired',
      `Start of the desired.d file source to its first synced snapshot; ${FILES} files of ${PER_FILE} objects (VpnInstance + PortAttachment), median of ${RUNS} runs after one warm-up. The floor reads and parses the same files synchronously with no validation.`,
      [
        row({
          ...common,
          case: 'file source start -> synced (schema compiled per run)',
          ours: stats(cold),
          comparator: stats(floorRuns),
          extra,
        }),
        row({
          ...common,
          case: 'file source start -> synced (validator reused)',
          ours: stats(warm),
          comparator: stats(floorRuns),
          extra,
        }),
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
