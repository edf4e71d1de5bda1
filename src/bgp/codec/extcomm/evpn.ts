/** EVPN extended communities (type 0x06, RFC 7432 7.5/7.7, RFC 9135 8.1). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { macFromBytes, macToBytes } from '../../../lib/ip.js';
import { EncodeError } from '../errors.js';
import { ec, type ExtCommunityDescriptor } from './types.js';

/** RFC 7432 7.7: flags (bit 0x01 sticky), 1 reserved octet, 4-octet sequence number. */
export const macMobility: ExtCommunityDescriptor<'mac-mobility'> = {
  type: 'mac-mobility',
  name: 'MAC mobility',
  codes: [ec(0x06, 0x00)],
  decode(r: Reader) {
    const flags = r.u8();
    if ((flags & ~1) !== 0 || r.u8() !== 0) return undefined;
    return { type: 'mac-mobility', sticky: flags === 1, sequence: r.u32() };
  },
  encode(w: Writer, v) {
    w.u8(0x06)
      .u8(0x00)
      .u8(v.sticky ? 1 : 0)
      .u8(0)
      .u32(v.sequence);
  },
};

/** RFC 7432 7.5: flags (bit 0x01 single-active), 2 reserved octets, the label field. */
export const esiLabel: ExtCommunityDescriptor<'esi-label'> = {
  type: 'esi-label',
  name: 'ESI label',
  codes: [ec(0x06, 0x01)],
  decode(r: Reader) {
    const flags = r.u8();
    if ((flags & ~1) !== 0 || r.u16() !== 0) return undefined;
    return { type: 'esi-label', singleActive: flags === 1, label: r.u24() };
  },
  encode(w: Writer, v) {
    w.u8(0x06)
      .u8(0x01)
      .u8(v.singleActive ? 1 : 0)
      .u16(0)
      .u24(v.label);
  },
};

/** RFC 9135 8.1: the 6-octet MAC of the router. */
export const routerMac: ExtCommunityDescriptor<'router-mac'> = {
  type: 'router-mac',
  name: "router's MAC",
  codes: [ec(0x06, 0x03)],
  decode(r: Reader) {
    return { type: 'router-mac', mac: macFromBytes(r.bytes(6)) };
  },
  encode(w: Writer, v) {
    let mac: Uint8Array;
    try {
      mac = macToBytes(v.mac);
    } catch (e) {
      throw new EncodeError(`router MAC: not a MAC address: ${JSON.stringify(v.mac)}`, { cause: e });
    }
    w.u8(0x06).u8(0x03).bytes(mac);
  },
};
