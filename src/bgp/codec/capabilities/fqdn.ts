/** FQDN (code 73, draft-walton-bgp-hostname-capability 3): hostname and domain, each length-prefixed. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { CAP } from '../constants.js';
import { EncodeError } from '../errors.js';
import type { CapabilityDescriptor } from './types.js';

/** Latin-1 keeps every octet, so any name re-encodes to the same bytes. */
const text = (b: Uint8Array): string => String.fromCharCode(...b);

function bytes(s: string, what: string): Uint8Array {
  const out = Uint8Array.from(s, (c) => c.charCodeAt(0));
  if (out.some((b, i) => b !== s.charCodeAt(i)) || out.length > 255) {
    throw new EncodeError(`FQDN ${what} must be at most 255 single-octet characters`);
  }
  return out;
}

export const fqdn: CapabilityDescriptor<'fqdn'> = {
  code: CAP.fqdn,
  type: 'fqdn',
  name: 'FQDN',
  decode(r: Reader) {
    const hostname = text(r.bytes(r.u8()));
    return { type: 'fqdn', hostname, domain: text(r.bytes(r.u8())) };
  },
  encode(w: Writer, v) {
    const h = bytes(v.hostname, 'hostname');
    const d = bytes(v.domain, 'domain');
    w.u8(h.length).bytes(h).u8(d.length).bytes(d);
  },
};
