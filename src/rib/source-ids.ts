/**
 * `sourceId` (types.ts) computed once per source object: sessions and originators reuse one
 * source object for all their routes, so the hot paths (RIB set, Adj-RIB-Out input) look the
 * id up instead of building a string per route.
 */
import { sourceId, type Source } from './types.js';

const ids = new WeakMap<Source, string>();

export function idOf(source: Source): string {
  let id = ids.get(source);
  if (id === undefined) ids.set(source, (id = sourceId(source)));
  return id;
}
