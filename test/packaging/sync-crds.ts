/**
 * Copies the generated CRDs (manifests/crds, from `npm run gen`) into the Helm chart's crds/
 * directory, byte for byte, and removes stale ones. Never edit helm/bagpipe-bgp/crds by hand.
 *   npx tsx test/packaging/sync-crds.ts          copy
 *   npx tsx test/packaging/sync-crds.ts --check  exit 1 when the copies differ
 * helm.test.ts uses `diffCrds` to fail when they are out of sync.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHART_CRDS, crdFiles, rel } from './lib.js';

const chartCrds = (): string[] =>
  existsSync(CHART_CRDS)
    ? readdirSync(CHART_CRDS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/** Differences between manifests/crds and the chart's crds/ (empty when in sync). */
export function diffCrds(): string[] {
  const source = new Map(crdFiles().map((f) => [basename(f), f]));
  const out: string[] = [];
  for (const [name, file] of source) {
    const copy = join(CHART_CRDS, name);
    if (!existsSync(copy)) out.push(`${rel(copy)}: missing`);
    else if (!readFileSync(copy).equals(readFileSync(file)))
      out.push(`${rel(copy)}: differs from ${rel(file)}`);
  }
  for (const name of chartCrds()) if (!source.has(name)) out.push(`${rel(join(CHART_CRDS, name))}: stale`);
  return out;
}

export function syncCrds(): string[] {
  mkdirSync(CHART_CRDS, { recursive: true });
  const names = new Set<string>();
  for (const f of crdFiles()) {
    names.add(basename(f));
    copyFileSync(f, join(CHART_CRDS, basename(f)));
  }
  for (const name of chartCrds()) if (!names.has(name)) rmSync(join(CHART_CRDS, name));
  return [...names];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    const diff = diffCrds();
    for (const d of diff) process.stderr.write(`${d}\n`);
    process.exitCode = diff.length === 0 ? 0 : 1;
  } else {
    const copied = syncCrds();
    process.stdout.write(`copied ${copied.length} CRD(s) to ${rel(CHART_CRDS)}\n`);
  }
}
