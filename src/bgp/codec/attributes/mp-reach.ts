/**
 * MP_REACH_NLRI (type 14) and MP_UNREACH_NLRI (type 15), RFC 4760 3-4. The family's registry
 * entry decodes the next hop and NLRI. Errors found once the AFI/SAFI is known are
 * 'afisafi-disable' for that family (RFC 7606 7.11, RFC 4760 7).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { OverrunError } from '../../../lib/errors.js';
import { ATTR } from '../constants.js';
import { familyKey, type CodecContext } from '../context.js';
import { EncodeError, WireError } from '../errors.js';
import { ERR, UPDATE_ERR } from '../notify.js';
import type { FamilyDescriptor } from '../nlri/common.js';
import { decodeNextHop, encodeNextHop } from '../nlri/next-hop.js';
import { FAMILIES } from '../nlri/registry.js';
import { OPTIONAL, type AttributeDescriptor } from './common.js';
import type { MpReach, MpUnreach } from './types.js';

/** Run `fn` for a known family, turning any error into 'afisafi-disable' for it. */
function inFamily<T>(afi: number, safi: number, fn: (fam: FamilyDescriptor) => T): T {
  const fam = FAMILIES.get(familyKey(afi, safi));
  const init = { errorCode: ERR.update, subcode: UPDATE_ERR.optionalAttribute, afi, safi } as const;
  // RFC 4760 7: an MP attribute we cannot process disables that AFI/SAFI.
  if (fam === undefined)
    throw new WireError({ ...init, action: 'afisafi-disable' }, `unsupported family ${afi}/${safi}`);
  try {
    return fn(fam);
  } catch (e) {
    if (e instanceof WireError) throw e.withAction('afisafi-disable', { afi, safi });
    if (e instanceof OverrunError) {
      throw new WireError(
        { ...init, action: 'afisafi-disable', cause: e },
        `truncated in family ${afi}/${safi}`,
      );
    }
    throw e;
  }
}

function familyFor(afi: number, safi: number): FamilyDescriptor {
  const fam = FAMILIES.get(familyKey(afi, safi));
  if (fam === undefined) throw new EncodeError(`unsupported family ${afi}/${safi}`);
  return fam;
}

export const mpReach: AttributeDescriptor<'mpReach'> = {
  code: ATTR.mpReach,
  name: 'MP_REACH_NLRI',
  key: 'mpReach',
  flags: OPTIONAL,
  // RFC 7606 7.11: when not even the AFI/SAFI can be read, the session is reset.
  malformed: 'session-reset',
  decode(r: Reader, ctx: CodecContext): MpReach {
    const afi = r.u16();
    const safi = r.u8();
    return inFamily(afi, safi, (fam) => {
      const nh = decodeNextHop(r.sub(r.u8()), fam.nextHop);
      r.skip(1); // RFC 4760 3: the reserved octet is ignored on receipt
      return { afi, safi, ...nh, nlri: fam.decode(r, ctx) };
    });
  },
  encode(w: Writer, v: MpReach, ctx: CodecContext) {
    const fam = familyFor(v.afi, v.safi);
    w.u16(v.afi).u8(v.safi);
    encodeNextHop(w, v, fam.nextHop);
    w.u8(0);
    for (const n of v.nlri) fam.encode(w, n, ctx);
  },
};

export const mpUnreach: AttributeDescriptor<'mpUnreach'> = {
  code: ATTR.mpUnreach,
  name: 'MP_UNREACH_NLRI',
  key: 'mpUnreach',
  flags: OPTIONAL,
  // RFC 7606 7.12: when not even the AFI/SAFI can be read, the session is reset.
  malformed: 'session-reset',
  decode(r: Reader, ctx: CodecContext): MpUnreach {
    const afi = r.u16();
    const safi = r.u8();
    return inFamily(afi, safi, (fam) => ({ afi, safi, nlri: fam.decode(r, ctx) }));
  },
  encode(w: Writer, v: MpUnreach, ctx: CodecContext) {
    const fam = familyFor(v.afi, v.safi);
    w.u16(v.afi).u8(v.safi);
    for (const n of v.nlri) fam.encode(w, n, ctx);
  },
};
