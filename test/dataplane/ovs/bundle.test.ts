/**
 * Executing mods as one atomic `ovs-ofctl bundle`, and error isolation when OVS refuses it:
 * bisection applies the good mods and names the bad ones, within a retry budget; an
 * unreachable switch fails the pass; temporary files are removed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBundle } from '../../../src/dataplane/ovs/bundle.js';
import type { Mod } from '../../../src/dataplane/ovs/plan.js';
import { ModelOvs } from './model-ovs.js';

const T = { bridge: 'br-mpls', target: 'br-mpls', ovsdb: undefined };

const mods = (n: number): Mod[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'flow',
    line: `add cookie=0xb9b9000000000001,table=2,priority=36768,ip,reg0=0x1,nw_dst=10.0.0.${i} actions=drop`,
    source: `prefix ${i}`,
  }));

describe('ovs bundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgb-ovs-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every mod in one bundle and removes its file', async () => {
    const m = new ModelOvs();
    const r = await applyBundle(m, T, mods(20), { tmpDir: dir, maxAttempts: 64 });
    assert.deepEqual([r.ok, r.errors, r.attempts, m.flows.size], [20, [], 1, 20]);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('isolates a bad mod by bisection: the others are applied, the bad one is named', async () => {
    const m = new ModelOvs().failMods((l) => l.includes('nw_dst=10.0.0.11 '), 'Error OFPBAC_BAD_ARGUMENT');
    const r = await applyBundle(m, T, mods(16), { tmpDir: dir, maxAttempts: 64 });
    assert.equal(r.ok, 15);
    assert.deepEqual(
      r.errors.map((e) => e.entry),
      ['prefix 11'],
    );
    assert.match(r.errors[0]?.message ?? '', /Error OFPBAC_BAD_ARGUMENT$/);
    assert.ok(r.attempts <= 9, `attempts ${r.attempts}`);
    assert.equal(m.flows.size, 15);
  });

  it('keeps the bundle order across halves (a group before the flow that uses it)', async () => {
    const m = new ModelOvs().failMods((l) => l.includes('nw_dst=10.0.0.0 '));
    const list: Mod[] = [
      ...mods(1),
      { kind: 'group', line: 'add group_id=5,type=select,bucket=bucket_id:0,actions=drop', source: 'group' },
      { kind: 'flow', line: 'add cookie=0x1,table=2,priority=9,ip actions=group:5', source: 'flow' },
    ];
    const r = await applyBundle(m, T, list, { tmpDir: dir, maxAttempts: 64 });
    assert.deepEqual([r.ok, r.errors.map((e) => e.entry)], [2, ['prefix 0']]);
  });

  it('stops bisecting when the retry budget is spent, accounting for every mod', async () => {
    const m = new ModelOvs().failMods((l) => /nw_dst=10\.0\.0\.(3|12) /.test(l));
    const r = await applyBundle(m, T, mods(16), { tmpDir: dir, maxAttempts: 3 });
    assert.equal(r.attempts, 3);
    assert.equal(r.ok + r.errors.length, 16);
    assert.ok(r.errors.some((e) => e.entry === 'prefix 3') && r.errors.some((e) => e.entry === 'prefix 12'));
  });

  it('fails the pass when the switch cannot be reached', async () => {
    const m = new ModelOvs();
    m.unreachable = true;
    await assert.rejects(applyBundle(m, T, mods(4), { tmpDir: dir, maxAttempts: 64 }), {
      code: 'BGPD_ERR_DATAPLANE',
    });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('does nothing for an empty plan', async () => {
    const m = new ModelOvs();
    assert.deepEqual(await applyBundle(m, T, [], { tmpDir: dir, maxAttempts: 64 }), {
      ok: 0,
      errors: [],
      attempts: 0,
    });
    assert.equal(m.runs.length, 0);
  });
});
