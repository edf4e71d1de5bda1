/** Plan → apply → re-plan loops over the model kernel, shared by the plan tests. */
import assert from 'node:assert/strict';
import type { DataplaneIntent } from '../../../src/dataplane/intent.js';
import { execute, opText, type Plan } from '../../../src/dataplane/linux/ops.js';
import type { ModelKernel } from './model-kernel.js';

export interface Planner {
  /** The ops a plan would run now, as text. */
  planFor: (k: ModelKernel, d: DataplaneIntent) => Promise<string[]>;
  /** Plans and applies (no errors allowed), checks a second plan is empty; returns the first. */
  converge: (k: ModelKernel, d: DataplaneIntent) => Promise<string[]>;
}

export function planner<O>(
  observe: (k: ModelKernel) => Promise<O>,
  plan: (d: DataplaneIntent, o: O) => Plan,
): Planner {
  const planFor = async (k: ModelKernel, d: DataplaneIntent): Promise<string[]> =>
    plan(d, await observe(k)).ops.map(opText);
  return {
    planFor,
    converge: async (k, d) => {
      const p = plan(d, await observe(k));
      const r = await execute(k, p);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(await planFor(k, d), [], 'a second plan is empty');
      return p.ops.map(opText);
    },
  };
}
