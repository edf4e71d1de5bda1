/**
 * FlowSpec VPN for IPv4 (1/134, RFC 8955 8): a length (1 octet below 240, else 2 octets
 * 0xfnnn), the RD, then components in strictly increasing type order.
 */
import type { Reader } from '../../../lib/reader.js';
import { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError } from '../errors.js';
import { decodeEach, nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { readRule, writeRule } from './flowspec-rules.js';
import { flowspecKey } from './keys.js';
import { readRd, writeRd } from './rd.js';
import { withPathId, type FlowRule, type FlowspecNlri, type Nlri } from './types.js';

const key = familyKey(1, 134);

function decodeOne(r: Reader, pathId: number | undefined): FlowspecNlri {
  const first = r.u8();
  // RFC 8955 4.1: lengths of 240 and more use two octets, the high nibble set to 0xf.
  const len = first < 0xf0 ? first : ((first & 0x0f) << 8) | r.u8();
  const body = r.sub(len);
  const rd = readRd(body);
  const rules: FlowRule[] = [];
  let last = 0;
  while (!body.done) {
    const type = body.u8();
    // RFC 8955 4.2: components appear once each, in increasing type order.
    if (type <= last) throw nlriError(`FlowSpec component ${type} after ${last}`);
    last = type;
    rules.push(readRule(body, type));
  }
  const k = withPathId(flowspecKey(rd, rules), pathId);
  return pathId === undefined
    ? { kind: 'flowspec', key: k, rd, rules }
    : { kind: 'flowspec', key: k, rd, rules, pathId };
}

export const flowspecVpn: FamilyDescriptor = {
  afi: 1,
  safi: 134,
  key,
  name: 'ipv4-flowspec-vpn',
  nextHop: 'none',
  decode: (r: Reader, ctx: CodecContext): FlowspecNlri[] => decodeEach(r, ctx, key, decodeOne),
  encode(w: Writer, v: Nlri, ctx: CodecContext): void {
    if (v.kind !== 'flowspec') throw wrongKind('ipv4-flowspec-vpn', v);
    const body = new Writer(64);
    writeRd(body, v.rd);
    let last = 0;
    for (const rule of v.rules) {
      if (rule.type <= last) throw new EncodeError('FlowSpec rules must be in increasing type order');
      last = rule.type;
      writeRule(body, rule);
    }
    const bytes = body.view();
    if (bytes.length > 0xfff) throw new EncodeError('FlowSpec NLRI longer than 4095 octets');
    writePathId(w, v, ctx, key);
    if (bytes.length < 0xf0) w.u8(bytes.length);
    else w.u16(0xf000 | bytes.length);
    w.bytes(bytes);
  },
};
