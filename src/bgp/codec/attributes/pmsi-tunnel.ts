/** PMSI_TUNNEL (type 22, RFC 6514 5; label field raw, RFC 8365 5.1.3). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { isIP } from 'node:net';
import { ATTR, PMSI_TUNNEL } from '../constants.js';
import { EncodeError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import { readIp, writeIp } from '../nlri/prefix.js';
import { OPTIONAL_TRANSITIVE, type AttributeDescriptor } from './common.js';
import type { PmsiTunnel } from './types.js';

export const pmsiTunnel: AttributeDescriptor<'pmsiTunnel'> = {
  code: ATTR.pmsiTunnel,
  name: 'PMSI_TUNNEL',
  key: 'pmsiTunnel',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 8 asks new attributes for treat-as-withdraw; RFC 6514 gives no other rule.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): PmsiTunnel {
    const flags = r.u8();
    const tunnelType = r.u8();
    const label = r.u24();
    const n = r.remaining;
    const ip = tunnelType === PMSI_TUNNEL.ingressReplication && (n === 4 || n === 16);
    return { flags, tunnelType, label, tunnelId: ip ? readIp(r, n) : toHex(r.rest()) };
  },
  encode(w: Writer, v: PmsiTunnel) {
    w.u8(v.flags).u8(v.tunnelType).u24(v.label);
    if (v.tunnelType === PMSI_TUNNEL.ingressReplication && isIP(v.tunnelId) !== 0) {
      writeIp(w, v.tunnelId);
      return;
    }
    const raw = fromHex(v.tunnelId);
    if (raw === undefined) throw new EncodeError(`PMSI tunnel id is neither IP nor hex: ${v.tunnelId}`);
    w.bytes(raw);
  },
};
