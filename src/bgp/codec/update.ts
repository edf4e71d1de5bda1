/**
 * UPDATE (RFC 4271 4.3): withdrawn routes, path attributes, NLRI. Decoding is syntax only
 * (STYLE rule 5) and never throws for errors RFC 7606 lets us survive: the result carries the
 * strongest action and every problem, and under 'treat-as-withdraw' the reachable NLRI come
 * back as withdrawals. Only 'session-reset' errors throw.
 */
import { Reader } from '../../lib/reader.js';
import type { Writer } from '../../lib/writer.js';
import { fromWire, toWire } from './attributes/as4.js';
import { decodeAttributes } from './attributes/decode.js';
import { encodeAttributes } from './attributes/encode.js';
import type { MpReach, MpUnreach, PathAttributes, WireAttributes } from './attributes/types.js';
import type { CodecContext } from './context.js';
import { asWireError, stronger, WireError, type WireAction } from './errors.js';
import { ERR, UPDATE_ERR } from './notify.js';
import { nlriError } from './nlri/common.js';
import { ipv4Unicast } from './nlri/registry.js';
import { decodePrefixes } from './nlri/unicast.js';
import type { PrefixNlri } from './nlri/types.js';

export interface Update {
  /** Withdrawn Routes field: IPv4 unicast. */
  readonly withdrawn: readonly PrefixNlri[];
  readonly attributes: PathAttributes;
  /** NLRI field: IPv4 unicast, next hop in `attributes.nextHop`. */
  readonly nlri: readonly PrefixNlri[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

export interface DecodedUpdate {
  readonly update: Update;
  /** The strongest RFC 7606 action among `problems` (never 'session-reset': that throws). */
  readonly action: WireAction | undefined;
  readonly problems: readonly WireError[];
}

function malformedList(message: string): WireError {
  return new WireError(
    { errorCode: ERR.update, subcode: UPDATE_ERR.malformedAttributeList, action: 'session-reset' },
    message,
  );
}

/** RFC 7606 2: treat-as-withdraw turns every reachable NLRI of the UPDATE into a withdrawal. */
export function asWithdraw(u: Update): Update {
  const withdrawn = [...u.withdrawn, ...u.nlri];
  const reach = u.mpReach;
  if (reach === undefined) {
    return { withdrawn, attributes: {}, nlri: [], ...(u.mpUnreach ? { mpUnreach: u.mpUnreach } : {}) };
  }
  const un = u.mpUnreach;
  if (un !== undefined && (un.afi !== reach.afi || un.safi !== reach.safi)) {
    // RFC 7606 2: when treat-as-withdraw cannot be expressed, fall back to session reset.
    throw malformedList('treat-as-withdraw of MP_REACH_NLRI next to MP_UNREACH_NLRI of another family');
  }
  const mpUnreach = { afi: reach.afi, safi: reach.safi, nlri: [...(un?.nlri ?? []), ...reach.nlri] };
  return { withdrawn, attributes: {}, nlri: [], mpUnreach };
}

/** RFC 7606 5.3: a classic NLRI or withdrawn field that does not parse resets the session. */
function prefixes(r: Reader, ctx: CodecContext): PrefixNlri[] {
  try {
    return decodePrefixes(r, ctx);
  } catch (e) {
    throw asWireError(e, (cause) => nlriError(`truncated prefix: ${cause.message}`));
  }
}

/** RFC 4271 6.3: Withdrawn Routes Length or Total Attribute Length too large is Malformed Attribute List. */
function section(r: Reader, what: string): Reader {
  const len = r.remaining >= 2 ? r.u16() : -1;
  if (len < 0 || len > r.remaining) throw malformedList(`${what} length ${len} exceeds the message`);
  return r.sub(len);
}

/** Decode an UPDATE body (the bytes after the 19-octet header). */
export function decodeUpdate(body: Uint8Array, ctx: CodecContext): DecodedUpdate {
  const r = new Reader(body);
  const withdrawn = prefixes(section(r, 'withdrawn routes'), ctx);
  const { attributes: wire, problems } = decodeAttributes(section(r, 'path attributes'), ctx);
  const nlri = prefixes(r, ctx);
  const action = problems.reduce<WireAction | undefined>((a, p) => stronger(a, p.action), undefined);
  // RFC 7606 3(h): the strongest action wins; a session reset ends decoding.
  const fatal = problems.find((p) => p.action === 'session-reset');
  if (fatal !== undefined) throw fatal;
  const { mpReach, mpUnreach, as4Path: _p, as4Aggregator: _a, ...attributes } = fromWire(wire, ctx);
  const update: Update = {
    withdrawn,
    attributes,
    nlri,
    ...(mpReach === undefined ? {} : { mpReach }),
    ...(mpUnreach === undefined ? {} : { mpUnreach }),
  };
  return { update: action === 'treat-as-withdraw' ? asWithdraw(update) : update, action, problems };
}

/** Write an UPDATE body. */
export function encodeUpdateBody(w: Writer, u: Update, ctx: CodecContext): void {
  const wmark = w.reserve(2);
  for (const n of u.withdrawn) ipv4Unicast.encode(w, n, ctx);
  w.patchLength(wmark);
  const amark = w.reserve(2);
  const wire: WireAttributes = {
    ...u.attributes,
    ...(u.mpReach === undefined ? {} : { mpReach: u.mpReach }),
    ...(u.mpUnreach === undefined ? {} : { mpUnreach: u.mpUnreach }),
  };
  encodeAttributes(w, toWire(wire, ctx), ctx);
  w.patchLength(amark);
  for (const n of u.nlri) ipv4Unicast.encode(w, n, ctx);
}

/** RFC 4724 2: End-of-RIB is an empty UPDATE (IPv4 unicast) or an empty MP_UNREACH_NLRI. */
export function endOfRib(afi: number, safi: number): Update {
  if (afi === 1 && safi === 1) return { withdrawn: [], attributes: {}, nlri: [] };
  return { withdrawn: [], attributes: {}, nlri: [], mpUnreach: { afi, safi, nlri: [] } };
}

/** The family an UPDATE marks End-of-RIB for, or undefined. */
export function isEndOfRib(u: Update): { afi: number; safi: number } | undefined {
  if (u.withdrawn.length > 0 || u.nlri.length > 0 || u.mpReach !== undefined) return undefined;
  if (Object.keys(u.attributes).length > 0) return undefined;
  if (u.mpUnreach === undefined) return { afi: 1, safi: 1 };
  return u.mpUnreach.nlri.length === 0 ? { afi: u.mpUnreach.afi, safi: u.mpUnreach.safi } : undefined;
}
