/**
 * Which desired instances a Linux driver can program: a duplicate id, a device-name collision
 * (two ids with the same hash) or an invalid VNI refuses the instance with an error, and its
 * devices are kept as they are (neither programmed nor deleted).
 */
import type { InstanceIntent } from '../intent.js';
import { badVni } from './names.js';
import type { PlanBuilder } from './ops.js';

export interface Selected<I extends InstanceIntent> {
  /** Key device name → instance. */
  readonly ok: Map<string, I>;
  /** Every device name of every desired instance (refused ones included). */
  readonly keep: Set<string>;
}

export function selectInstances<I extends InstanceIntent>(
  desired: readonly I[],
  names: (id: string) => readonly [string, ...string[]],
  b: PlanBuilder,
): Selected<I> {
  const ok = new Map<string, I>();
  const keep = new Set<string>();
  const ids = new Set<string>();
  for (const inst of desired) {
    const all = names(inst.id);
    const key = all[0];
    const entry = `${inst.type} ${inst.id}`;
    const clash = ok.get(key);
    const bad = badVni(inst.vni);
    if (ids.has(inst.id)) b.error(entry, 'duplicate instance id');
    else if (clash !== undefined) b.error(entry, `device name ${key} collides with instance ${clash.id}`);
    else if (bad !== undefined) b.error(entry, bad);
    else ok.set(key, inst);
    ids.add(inst.id);
    for (const n of all) keep.add(n);
  }
  return { ok, keep };
}
