/** The capability registry (STYLE rule 1), keyed by capability code. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { EncodeError } from '../errors.js';
import { as4 } from './as4.js';
import { addPath, extendedNextHop, gracefulRestart } from './families.js';
import { fqdn } from './fqdn.js';
import { multiprotocol } from './multiprotocol.js';
import { enhancedRouteRefresh, extendedMessage, routeRefresh } from './simple.js';
import type { Capability, CapabilityEntry, CapabilityType } from './types.js';

const entries: readonly CapabilityEntry[] = [
  multiprotocol,
  routeRefresh,
  extendedNextHop,
  extendedMessage,
  gracefulRestart,
  as4,
  addPath,
  enhancedRouteRefresh,
  fqdn,
];

export const CAPABILITIES: ReadonlyMap<number, CapabilityEntry> = new Map(entries.map((e) => [e.code, e]));
const byType: ReadonlyMap<CapabilityType, CapabilityEntry> = new Map(entries.map((e) => [e.type, e]));

/** Decode one capability value of `code` (bounded reader); unknown codes are kept raw. */
export function decodeCapability(code: number, r: Reader): Capability {
  const entry = CAPABILITIES.get(code);
  return entry === undefined ? { type: 'unknown', code, data: r.copy(r.remaining) } : entry.decode(r);
}

/** Write code, length and value. */
export function encodeCapability(w: Writer, v: Capability): void {
  if (v.type === 'unknown') {
    w.u8(v.code).u8(v.data.length).bytes(v.data);
    return;
  }
  const entry = byType.get(v.type);
  if (entry === undefined) throw new EncodeError(`unknown capability type ${JSON.stringify(v.type)}`);
  w.u8(entry.code);
  const mark = w.reserve(1);
  entry.encode(w, v);
  w.patchLength(mark);
}
