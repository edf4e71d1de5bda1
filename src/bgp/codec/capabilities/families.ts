/**
 * Capabilities that are a list of per-family records: ADD-PATH (code 69, RFC 7911 4: AFI,
 * SAFI, send/receive), extended next hop (code 5, RFC 8950 3: AFI, SAFI as 2 octets, next hop
 * AFI) and graceful restart (code 64, RFC 4724 3: flags and time, then AFI, SAFI, flags).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { CAP } from '../constants.js';
import type { CapabilityDescriptor } from './types.js';

export const addPath: CapabilityDescriptor<'add-path'> = {
  code: CAP.addPath,
  type: 'add-path',
  name: 'ADD-PATH',
  decode(r: Reader) {
    const families = [];
    while (!r.done) families.push({ afi: r.u16(), safi: r.u8(), sendReceive: r.u8() });
    return { type: 'add-path', families };
  },
  encode(w: Writer, v) {
    for (const f of v.families) w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
  },
};

export const extendedNextHop: CapabilityDescriptor<'extended-next-hop'> = {
  code: CAP.extendedNextHop,
  type: 'extended-next-hop',
  name: 'extended next hop',
  decode(r: Reader) {
    const entries = [];
    while (!r.done) entries.push({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() });
    return { type: 'extended-next-hop', entries };
  },
  encode(w: Writer, v) {
    for (const e of v.entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
  },
};

export const gracefulRestart: CapabilityDescriptor<'graceful-restart'> = {
  code: CAP.gracefulRestart,
  type: 'graceful-restart',
  name: 'graceful restart',
  decode(r: Reader) {
    const head = r.u16();
    const families = [];
    while (!r.done) families.push({ afi: r.u16(), safi: r.u8(), flags: r.u8() });
    return { type: 'graceful-restart', flags: head >>> 12, restartTime: head & 0xfff, families };
  },
  encode(w: Writer, v) {
    w.u16(((v.flags & 0xf) << 12) | (v.restartTime & 0xfff));
    for (const f of v.families) w.u16(f.afi).u8(f.safi).u8(f.flags);
  },
};
