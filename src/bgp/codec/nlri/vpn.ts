/**
 * Labeled VPN unicast (1/128 RFC 4364 4.3.4, 2/128 RFC 4659 3.2; labels RFC 8277 2): length
 * in bits, label stack, RD, prefix. The decode loop is the hot path, and what it returns is
 * kept as long as the route, so it allocates little per NLRI:
 *   - the RD string, and the key's "rd:" head, are made once per run of routes sharing the RD
 *     (the decoder compares the RD's three fields with the last ones);
 *   - the key is that head + the prefix: V8 keeps a concatenation of 13 characters or more as
 *     one 32-octet node pointing at both (the prefix is shared with `prefix`), not a copy;
 *   - a one-label stack is a one-element array, and consecutive routes with the same single
 *     label (one VRF's routes, with a label per VRF) share one array (labels are readonly).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError, type WireError } from '../errors.js';
import { nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { endsStack, WITHDRAW_LABEL } from './label.js';
import { checkPrefix, readIpv4Prefix, readIpv6Prefix, writePrefixOctets } from './prefix.js';
import { formatRd, writeRd } from './rd.js';
import { vpnKeyHead } from './keys.js';
import type { Nlri, VpnNlri } from './types.js';

/** RFC 8277 2: each label field is 24 bits; the stack must leave room for the RD. */
function tooShort(bits: number): WireError {
  return nlriError(`VPN NLRI of ${bits} bits too short for its labels and RD`);
}

/** The label stack; `last` itself when it is the same single label (see the file comment). */
function readLabels(r: Reader, bits: number, last: readonly number[]): readonly number[] {
  if (bits < 24 + 64) throw tooShort(bits);
  const first = r.u24();
  // A literal, not push() onto []: V8 would give the array room for 17 elements.
  if (endsStack(first)) return last.length === 1 && last[0] === first ? last : [first];
  const labels = [first];
  for (let left = bits - 24; ; left -= 24) {
    if (left < 24 + 64) throw tooShort(bits);
    const raw = r.u24();
    labels.push(raw);
    if (endsStack(raw)) return labels;
  }
}

/** The decode loop for one address family: the hot path, see the file comment. */
function decoder(afi: 1 | 2, name: string): (r: Reader, ctx: CodecContext) => VpnNlri[] {
  const v6 = afi === 2;
  const max = v6 ? 128 : 32;
  const key = familyKey(afi, 128);
  return (r, ctx) => {
    const addPath = ctx.addPath.has(key);
    const out: VpnNlri[] = [];
    let [rdType, rdHi, rdLo, rd, head] = [-1, 0, 0, '', ''];
    let labels: readonly number[] = [];
    while (!r.done) {
      const pathId = addPath ? r.u32() : undefined;
      const bits = r.u8();
      labels = readLabels(r, bits, labels);
      const plen = bits - 24 * labels.length - 64;
      // RFC 7606 5.3: the prefix left after labels and RD must fit the address family.
      if (plen > max) throw nlriError(`${name} prefix length ${plen} > ${max}`);
      const t = r.u16();
      const hi = r.u16();
      const lo = r.u32();
      if (t !== rdType || hi !== rdHi || lo !== rdLo) {
        [rdType, rdHi, rdLo, rd] = [t, hi, lo, formatRd(t, hi, lo)];
        head = vpnKeyHead(rd);
      }
      const prefix = v6 ? readIpv6Prefix(r, plen) : readIpv4Prefix(r, plen);
      const k = head + prefix;
      out.push(
        pathId === undefined
          ? { kind: 'vpn', key: k, rd, prefix, labels }
          : { kind: 'vpn', key: [k, '#', String(pathId)].join(''), rd, prefix, labels, pathId },
      );
    }
    return out;
  };
}

function vpn(afi: 1 | 2, name: string): FamilyDescriptor {
  const v6 = afi === 2;
  const key = familyKey(afi, 128);
  return {
    afi,
    safi: 128,
    key,
    name,
    nextHop: 'vpn',
    decode: decoder(afi, name),
    encode(w: Writer, v: Nlri, ctx: CodecContext): void {
      if (v.kind !== 'vpn') throw wrongKind(name, v);
      writePathId(w, v, ctx, key);
      const bits = checkPrefix(v.prefix, v6);
      const len = 24 * (v.labels.length || 1) + 64 + bits;
      if (len > 255) throw new EncodeError(`${name}: ${v.labels.length} labels do not fit one NLRI`);
      w.u8(len);
      if (v.labels.length === 0) w.u24(WITHDRAW_LABEL);
      for (const l of v.labels) w.u24(l);
      writeRd(w, v.rd);
      writePrefixOctets(w, v.prefix, bits, v6);
    },
  };
}

export const ipv4Vpn = vpn(1, 'ipv4-vpn');
export const ipv6Vpn = vpn(2, 'ipv6-vpn');
