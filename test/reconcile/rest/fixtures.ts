/**
 * Shared by the REST API tests: the agent replay and bad-payload fixtures, bodies built from a
 * base, and a pure state machine that applies translations (for the translate tests).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createValidator } from '../../../src/desired/index.js';
import type {
  InstanceDoc,
  RestState,
  Translation,
  TranslateOptions,
} from '../../../src/reconcile/rest/index.js';

type Json = Record<string, unknown>;

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'rest');

export interface Replay {
  readonly attach: readonly Json[];
  readonly detach: readonly Json[];
}

export interface BadCase {
  readonly name: string;
  readonly op?: 'attach' | 'detach';
  readonly base: 'ipvpn' | 'evpn';
  readonly set?: Json;
  readonly unset?: readonly string[];
  readonly raw?: string;
  readonly code: string;
  readonly field: string | null;
}

export const replay = JSON.parse(readFileSync(join(DIR, 'agent-replay.json'), 'utf8')) as Replay;

const bad = JSON.parse(readFileSync(join(DIR, 'bad-payloads.json'), 'utf8')) as {
  bases: Record<string, Json>;
  cases: BadCase[];
};
export const badCases: readonly BadCase[] = bad.cases;

/** The body text of a bad case. */
export function badBody(c: BadCase): string {
  if (c.raw !== undefined) return c.raw;
  const body: Json = { ...bad.bases[c.base], ...c.set };
  for (const k of c.unset ?? []) Reflect.deleteProperty(body, k);
  return JSON.stringify(body);
}

export const opts: TranslateOptions = {
  namespace: 'bagpipe-rest',
  validator: createValidator({ strict: true }),
};

/** The state after a translation. */
export function applied(state: RestState, t: Translation): Map<string, InstanceDoc> {
  const next = new Map(state);
  for (const [name, doc] of t.changes) {
    if (doc === null) next.delete(name);
    else next.set(name, doc);
  }
  return next;
}

export const ipvpnBody = (over: Json = {}): Json => ({
  vpn_type: 'ipvpn',
  vpn_instance_id: 'vrf1',
  mac_address: '52:54:00:00:00:01',
  ip_address: '10.0.0.1/24',
  gateway_ip: '10.0.0.254',
  local_port: 'tap1',
  import_rt: ['64512:1'],
  export_rt: ['64512:1'],
  ...over,
});

export const evpnBody = (over: Json = {}): Json => ({
  vpn_type: 'evpn',
  vpn_instance_id: 'evi1',
  mac_address: '52:54:00:00:00:02',
  local_port: { linuxif: 'tap2' },
  import_rt: '64512:2',
  export_rt: '64512:2',
  ...over,
});
