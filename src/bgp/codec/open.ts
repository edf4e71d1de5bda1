/**
 * OPEN (RFC 4271 4.2) with capabilities in optional parameter type 2 (RFC 5492 4), including
 * the extended optional parameters length of RFC 9072 on both decode and encode.
 */
import { Reader } from '../../lib/reader.js';
import { Writer } from '../../lib/writer.js';
import { decodeCapability, encodeCapability } from './capabilities/registry.js';
import type { Capability } from './capabilities/types.js';
import { asWireError, EncodeError, WireError } from './errors.js';
import { writeIpv4Text } from './attributes/ipv4-attr.js';
import { ERR, OPEN_ERR } from './notify.js';
import { readIpv4 } from './nlri/prefix.js';

export interface Open {
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS is in the as4 capability). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
}

const CAPABILITIES_PARAM = 2;
const EXTENDED_PARAMS = 255;

function openError(subcode: number, message: string, data?: Uint8Array): WireError {
  return new WireError(
    { errorCode: ERR.open, subcode, action: 'session-reset', ...(data ? { data } : {}) },
    message,
  );
}

function readParams(r: Reader): Capability[] {
  const caps: Capability[] = [];
  const len = r.u8();
  // RFC 9072 2: a non-extended length of 255 followed by type 255 announces 2-octet lengths.
  const extended = len === EXTENDED_PARAMS && r.remaining > 0 && r.peekU8() === EXTENDED_PARAMS;
  if (extended) r.skip(1);
  const params = r.sub(extended ? r.u16() : len);
  while (!params.done) {
    const type = params.u8();
    const body = params.sub(extended ? params.u16() : params.u8());
    // RFC 4271 6.2: an optional parameter we do not recognize is Unsupported Optional Parameter.
    if (type !== CAPABILITIES_PARAM)
      throw openError(OPEN_ERR.unsupportedOptionalParameter, `parameter ${type}`);
    while (!body.done) {
      const code = body.u8();
      const value = body.sub(body.u8());
      caps.push(decodeCapability(code, value));
      // RFC 5492 4: a capability's length must match its value.
      if (!value.done)
        throw openError(OPEN_ERR.unspecific, `capability ${code} has ${value.remaining} extra octets`);
    }
  }
  return caps;
}

/** Decode an OPEN body; errors are 'session-reset' (RFC 4271 6.2). */
export function decodeOpen(body: Uint8Array): Open {
  try {
    return readOpen(new Reader(body));
  } catch (e) {
    // RFC 4271 6.2: an OPEN whose fields overrun its length is an OPEN Message Error.
    throw asWireError(e, (cause) => openError(OPEN_ERR.unspecific, `truncated OPEN: ${cause.message}`));
  }
}

function readOpen(r: Reader): Open {
  const version = r.u8();
  // RFC 4271 6.2: data is the largest supported version, as 2 octets.
  if (version !== 4) throw openError(OPEN_ERR.unsupportedVersion, `version ${version}`, Uint8Array.of(0, 4));
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = readIpv4(r);
  const capabilities = readParams(r);
  // RFC 4271 6.2: the message must end with the optional parameters.
  if (!r.done) throw openError(OPEN_ERR.unspecific, `${r.remaining} octets after the optional parameters`);
  return { version, myAs, holdTime, bgpId, capabilities };
}

/** Write an OPEN body: all capabilities in one parameter, RFC 9072 form only when needed. */
export function encodeOpenBody(w: Writer, v: Open): void {
  if (v.holdTime > 0xffff || v.myAs > 0xffff) throw new EncodeError('OPEN hold time and My AS are 2 octets');
  w.u8(v.version).u16(v.myAs).u16(v.holdTime);
  writeIpv4Text(w, v.bgpId, 'BGP identifier');
  const caps = new Writer(128);
  for (const c of v.capabilities) encodeCapability(caps, c);
  const value = caps.view();
  if (value.length === 0) {
    w.u8(0);
  } else if (value.length + 2 <= 255) {
    w.u8(value.length + 2)
      .u8(CAPABILITIES_PARAM)
      .u8(value.length)
      .bytes(value);
  } else {
    w.u8(EXTENDED_PARAMS)
      .u8(EXTENDED_PARAMS)
      .u16(value.length + 3);
    w.u8(CAPABILITIES_PARAM).u16(value.length).bytes(value);
  }
}
