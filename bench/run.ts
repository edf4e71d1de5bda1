/**
 * `npm run bench [-- name...]`: runs every benchmark, or the named ones, in a fixed order.
 * Each writes bench/results/<name>.json and prints its table.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './lib.js';

const order = [
  'desired',
  'codec',
  'ingest',
  'rib',
  'dataplane',
  'restart',
  'reconcile',
  'withdraw',
  'rtc',
  'memory',
];
const here = dirname(fileURLToPath(import.meta.url));
const [...names] = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = names.length ? names : order;

for (const name of wanted) {
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) {
    if (names.length) {
      process.stderr.write(`bench: no benchmark named ${name} (known: ${order.join(', ')})\n`);
      process.exitCode = 2;
    } else process.stdout.write(`\n## ${name}\n\n(not written yet)\n`);
    continue;
  }
  const mod = (await import(pathToFileURL(file).href)) as { default: Benchmark };
  await mod.default(process.argv.slice(2).filter((a) => a.startsWith('-')));
}
