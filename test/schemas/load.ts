/**
 * The schema sources and generated CRDs, as the schema tests read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { JsonObject } from '../../src/desired/structural.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sourceSchemas(): { file: string; schema: JsonObject }[] {
  const dir = join(ROOT, 'schemas');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject }));
}

export function crdManifests(): { file: string; crd: JsonObject }[] {
  const dir = join(ROOT, 'manifests', 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bagpipe.io.yaml'))
    .sort()
    .map((file) => ({ file, crd: yaml.load(readFileSync(join(dir, file), 'utf8')) as JsonObject }));
}
