/**
 * FlowSpec components and their operators (RFC 8955 4.2). Numeric operators (types 3-8, 10,
 * 11) and bitmask operators (9, 12) share one layout: end-of-list 0x80, AND 0x40, value
 * length 0x30 (1 << n octets), then lt/gt/eq (numeric) or not/match (bitmask).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { EncodeError } from '../errors.js';
import { FLOW } from '../constants.js';
import { nlriError } from './common.js';
import { checkPrefix, readIpv4Prefix, writePrefixOctets } from './prefix.js';
import type { FlowOp, FlowRule } from './types.js';

export const FLOW_OP = {
  end: 0x80,
  and: 0x40,
  lt: 0x04,
  gt: 0x02,
  eq: 0x01,
  not: 0x02,
  match: 0x01,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  1: 'dst',
  2: 'src',
  3: 'proto',
  4: 'port',
  5: 'dport',
  6: 'sport',
  7: 'icmp-type',
  8: 'icmp-code',
  9: 'tcp-flags',
  10: 'length',
  11: 'dscp',
  12: 'fragment',
};

const isBitmask = (type: number): boolean => type === FLOW.tcpFlags || type === FLOW.fragment;

/** Octets needed for a value: 1, 2, 4 or 8, as the 2-bit length code. */
function sizeCode(value: number): number {
  return value <= 0xff ? 0 : value <= 0xffff ? 1 : value <= 0xffffffff ? 2 : 3;
}

export type Comparison = '==' | '>' | '>=' | '<' | '<=' | '!=';
const CMP: Readonly<Record<Comparison, number>> = { '==': 1, '>': 2, '>=': 3, '<': 4, '<=': 5, '!=': 6 };

/** A numeric operator with the smallest value length; `and` joins it to the previous one. */
export function numericOp(cmp: Comparison, value: number, and = false): FlowOp {
  return { op: (and ? FLOW_OP.and : 0) | (sizeCode(value) << 4) | CMP[cmp], value };
}

/** Read operator/value pairs up to the end-of-list bit. */
export function readOps(r: Reader): FlowOp[] {
  const ops: FlowOp[] = [];
  for (;;) {
    const op = r.u8();
    const size = 1 << ((op >>> 4) & 3);
    const value =
      size === 1 ? r.u8() : size === 2 ? r.u16() : size === 4 ? r.u32() : r.u32() * 2 ** 32 + r.u32();
    ops.push({ op: op & 0x7f, value });
    if ((op & FLOW_OP.end) !== 0) return ops;
  }
}

function writeOps(w: Writer, ops: readonly FlowOp[]): void {
  if (ops.length === 0) throw new EncodeError('FlowSpec component without operators');
  ops.forEach((o, i) => {
    const size = (o.op >>> 4) & 3;
    if (sizeCode(o.value) > size)
      throw new EncodeError(`FlowSpec value ${o.value} does not fit its operator`);
    w.u8((o.op & 0x7f) | (i === ops.length - 1 ? FLOW_OP.end : 0));
    if (size === 0) w.u8(o.value);
    else if (size === 1) w.u16(o.value);
    else if (size === 2) w.u32(o.value);
    else w.u32(Math.floor(o.value / 2 ** 32)).u32(o.value >>> 0);
  });
}

/** Read one component (type already consumed). */
export function readRule(r: Reader, type: number): FlowRule {
  if (type === FLOW.destination || type === FLOW.source) {
    const bits = r.u8();
    if (bits > 32) throw nlriError(`FlowSpec prefix length ${bits}`);
    return { type, prefix: readIpv4Prefix(r, bits) };
  }
  // RFC 8955 4.2: an unknown component type makes the NLRI malformed.
  if (type < FLOW.protocol || type > FLOW.fragment) throw nlriError(`FlowSpec component type ${type}`);
  return { type: type as Exclude<FlowRule['type'], 1 | 2>, ops: readOps(r) };
}

export function writeRule(w: Writer, rule: FlowRule): void {
  w.u8(rule.type);
  if ('prefix' in rule) {
    const bits = checkPrefix(rule.prefix, false);
    w.u8(bits);
    writePrefixOctets(w, rule.prefix, bits, false);
  } else writeOps(w, rule.ops);
}

function formatOp(o: FlowOp, bitmask: boolean): string {
  const bits = o.op & 7;
  if (bitmask) return `${bits & 2 ? '!' : ''}${bits & 1 ? '=' : ''}0x${o.value.toString(16)}`;
  const cmp = ['false', '=', '>', '>=', '<', '<=', '!=', 'true'][bits] ?? '?';
  return bits === 0 || bits === 7 ? cmp : `${cmp}${o.value}`;
}

/** Text of the rules, e.g. "dst 10.0.0.0/24 proto =6 dport >=80&<=90": also the key. */
export function formatRules(rules: readonly FlowRule[]): string {
  return rules
    .map((rule) => {
      const name = NAMES[rule.type] ?? String(rule.type);
      if ('prefix' in rule) return `${name} ${rule.prefix}`;
      const bm = isBitmask(rule.type);
      const ops = rule.ops.map((o, i) => (i === 0 ? '' : o.op & FLOW_OP.and ? '&' : ',') + formatOp(o, bm));
      return `${name} ${ops.join('')}`;
    })
    .join(' ');
}
