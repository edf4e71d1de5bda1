/**
 * Labeled VPN unicast (1/128 RFC 4364 4.3.4, 2/128 RFC 4659 3.2; labels RFC 8277 2): length
 * in bits, label stack, RD, prefix. The decode loop is the hot path: it keeps the last RD's
 * three fields and reuses its string while consecutive routes share it.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError } from '../errors.js';
import { nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { endsStack, WITHDRAW_LABEL } from './label.js';
import { checkPrefix, readIpv4Prefix, readIpv6Prefix, writePrefixOctets } from './prefix.js';
import { formatRd, writeRd } from './rd.js';
import { vpnKey } from './keys.js';
import type { Nlri, VpnNlri } from './types.js';

function readLabels(r: Reader, bits: number): number[] {
  const labels: number[] = [];
  let left = bits;
  for (;;) {
    // RFC 8277 2: each label field is 24 bits; the stack must leave room for the RD.
    if (left < 24 + 64) throw nlriError(`VPN NLRI of ${bits} bits too short for its labels and RD`);
    const raw = r.u24();
    labels.push(raw);
    left -= 24;
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
    let [rdType, rdHi, rdLo, rd] = [-1, 0, 0, ''];
    while (!r.done) {
      const pathId = addPath ? r.u32() : undefined;
      const bits = r.u8();
      const labels = readLabels(r, bits);
      const plen = bits - 24 * labels.length - 64;
      // RFC 7606 5.3: the prefix left after labels and RD must fit the address family.
      if (plen > max) throw nlriError(`${name} prefix length ${plen} > ${max}`);
      const t = r.u16();
      const hi = r.u16();
      const lo = r.u32();
      if (t !== rdType || hi !== rdHi || lo !== rdLo)
        [rdType, rdHi, rdLo, rd] = [t, hi, lo, formatRd(t, hi, lo)];
      const prefix = v6 ? readIpv6Prefix(r, plen) : readIpv4Prefix(r, plen);
      const k = vpnKey(rd, prefix);
      out.push(
        pathId === undefined
          ? { kind: 'vpn', key: k, rd, prefix, labels }
          : { kind: 'vpn', key: `${k}#${pathId}`, rd, prefix, labels, pathId },
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
