/** IPv4 and IPv6 unicast (1/1, 2/1; RFC 4271 4.3, RFC 4760, RFC 2545). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { familyKey, type CodecContext } from '../context.js';
import { nlriError, writePathId, wrongKind, type FamilyDescriptor } from './common.js';
import { checkPrefix, readIpv4Prefix, readIpv6Prefix, writePrefixOctets } from './prefix.js';
import type { Nlri, PrefixNlri } from './types.js';

function decoder(afi: 1 | 2, name: string): (r: Reader, ctx: CodecContext) => PrefixNlri[] {
  const v6 = afi === 2;
  const max = v6 ? 128 : 32;
  const key = familyKey(afi, 1);
  return (r, ctx) => {
    const addPath = ctx.addPath.has(key);
    const out: PrefixNlri[] = [];
    while (!r.done) {
      const pathId = addPath ? r.u32() : undefined;
      const bits = r.u8();
      // RFC 7606 5.3: a prefix length longer than the address is a syntax error.
      if (bits > max) throw nlriError(`${name} prefix length ${bits} > ${max}`);
      const prefix = v6 ? readIpv6Prefix(r, bits) : readIpv4Prefix(r, bits);
      out.push(
        pathId === undefined
          ? { kind: 'prefix', key: prefix, prefix }
          : { kind: 'prefix', key: `${prefix}#${pathId}`, prefix, pathId },
      );
    }
    return out;
  };
}

/** IPv4 prefixes as in the UPDATE's own Withdrawn Routes and NLRI fields (RFC 4271 4.3). */
export const decodePrefixes = decoder(1, 'ipv4-unicast');

function unicast(
  afi: 1 | 2,
  name: string,
  decode: (r: Reader, ctx: CodecContext) => PrefixNlri[],
): FamilyDescriptor {
  const v6 = afi === 2;
  const key = familyKey(afi, 1);
  return {
    afi,
    safi: 1,
    key,
    name,
    nextHop: 'ip',
    decode,
    encode(w: Writer, v: Nlri, ctx: CodecContext): void {
      if (v.kind !== 'prefix') throw wrongKind(name, v);
      writePathId(w, v, ctx, key);
      const bits = checkPrefix(v.prefix, v6);
      w.u8(bits);
      writePrefixOctets(w, v.prefix, bits, v6);
    },
  };
}

export const ipv4Unicast = unicast(1, 'ipv4-unicast', decodePrefixes);
export const ipv6Unicast = unicast(2, 'ipv6-unicast', decoder(2, 'ipv6-unicast'));
