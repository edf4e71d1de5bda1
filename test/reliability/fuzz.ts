/**
 * UPDATE mutations for the session fuzzing test: a corpus of valid UPDATEs (encoded by our codec),
 * split into parts (withdrawn routes, attributes, NLRI) so a mutation can break one thing and keep
 * the rest consistent, or break the bytes themselves (flipped octets, length fields, truncation).
 * Every choice comes from the seeded Prng, so case N is the same bytes on every run.
 */
import { DEFAULT_CONTEXT } from '../../src/bgp/codec/context.js';
import { encodeMessage } from '../../src/bgp/codec/message.js';
import { evpnMacIp, prefixNlri, rtcNlri, vpnNlri } from '../../src/bgp/codec/nlri/build.js';
import { rawFromLabel } from '../../src/bgp/codec/nlri/label.js';
import type { PathAttributes } from '../../src/bgp/codec/attributes/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import type { Prng } from './harness.js';

interface Attr {
  flags: number;
  type: number;
  value: Uint8Array;
}

interface Parts {
  withdrawn: Uint8Array;
  attrs: Attr[];
  nlri: Uint8Array;
}

const rt = (value: string) => ({ type: 'route-target' as const, value });
const base: PathAttributes = { origin: 0, asPath: [], localPref: 100 };

/** Valid UPDATEs of several shapes (the peer negotiates VPNv4 only: the others are unexpected families). */
function corpusUpdates(nextHop: string): Update[] {
  const vpn = (p: string, label: number) => vpnNlri(`${nextHop}:7`, p, [rawFromLabel(label)]);
  const reach = (attributes: PathAttributes, mp: Update['mpReach']): Update => ({
    withdrawn: [],
    nlri: [],
    attributes,
    ...(mp === undefined ? {} : { mpReach: mp }),
  });
  return [
    reach(
      { ...base, med: 5, extCommunities: [rt('64512:900')] },
      { afi: 1, safi: 128, nextHop, nlri: [vpn('10.90.1.0/24', 100), vpn('10.90.2.0/24', 101)] },
    ),
    {
      withdrawn: [],
      nlri: [],
      attributes: {},
      mpUnreach: { afi: 1, safi: 128, nlri: [vpn('10.90.1.0/24', 100)] },
    },
    reach(
      {
        origin: 2,
        asPath: [{ type: 'sequence', asns: [65001, 65002] }],
        localPref: 200,
        communities: ['64512:1', '64512:2'],
        originatorId: '10.0.0.33',
        clusterList: ['10.0.0.99'],
        extCommunities: [rt('64512:900'), rt('64512:901')],
      },
      { afi: 1, safi: 128, nextHop, nlri: [vpn('10.90.3.128/25', 102)] },
    ),
    {
      withdrawn: [prefixNlri('10.92.0.0/16')],
      nlri: [prefixNlri('10.91.0.0/16'), prefixNlri('10.91.4.0/22')],
      attributes: { ...base, nextHop },
    },
    reach(base, { afi: 1, safi: 132, nextHop, nlri: [rtcNlri(64512, '64512:900')] }),
    reach(
      { ...base, extCommunities: [rt('64512:900'), { type: 'encapsulation', tunnelType: 8 }] },
      {
        afi: 25,
        safi: 70,
        nextHop,
        nlri: [evpnMacIp({ rd: `${nextHop}:8`, mac: '02:00:00:aa:00:01', ip: '10.93.0.1', labels: [5010] })],
      },
    ),
    // End-of-RIB for VPNv4 (RFC 4724 2).
    { withdrawn: [], nlri: [], attributes: {}, mpUnreach: { afi: 1, safi: 128, nlri: [] } },
  ];
}

const u16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

function parse(msg: Uint8Array): Parts {
  const wl = u16(msg, 19);
  const withdrawn = msg.slice(21, 21 + wl);
  const al = u16(msg, 21 + wl);
  const attrs: Attr[] = [];
  let at = 23 + wl;
  const end = at + al;
  while (at < end) {
    const flags = msg[at] ?? 0;
    const type = msg[at + 1] ?? 0;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? u16(msg, at + 2) : (msg[at + 2] ?? 0);
    const v = at + (ext ? 4 : 3);
    attrs.push({ flags, type, value: msg.slice(v, v + len) });
    at = v + len;
  }
  return { withdrawn, attrs, nlri: msg.slice(end) };
}

/** Offsets of every length field in a serialized message, with their size in octets. */
interface Layout {
  readonly bytes: Uint8Array;
  readonly lengths: readonly (readonly [number, 1 | 2])[];
}

function serialize(p: Parts): Layout {
  const out: number[] = [];
  const lengths: [number, 1 | 2][] = [[16, 2]];
  for (let i = 0; i < 16; i++) out.push(0xff);
  out.push(0, 0, 2);
  lengths.push([out.length, 2]);
  out.push(p.withdrawn.length >> 8, p.withdrawn.length & 0xff, ...p.withdrawn);
  const attrLenAt = out.length;
  lengths.push([attrLenAt, 2]);
  out.push(0, 0);
  for (const a of p.attrs) {
    const ext = (a.flags & 0x10) !== 0;
    out.push(a.flags, a.type);
    lengths.push([out.length, ext ? 2 : 1]);
    if (ext) out.push((a.value.length >> 8) & 0xff, a.value.length & 0xff);
    else out.push(a.value.length & 0xff);
    out.push(...a.value);
  }
  const al = out.length - attrLenAt - 2;
  out[attrLenAt] = (al >> 8) & 0xff;
  out[attrLenAt + 1] = al & 0xff;
  out.push(...p.nlri);
  out[16] = (out.length >> 8) & 0xff;
  out[17] = out.length & 0xff;
  return { bytes: Uint8Array.from(out), lengths };
}

const clone = (p: Parts): Parts => ({
  withdrawn: p.withdrawn.slice(),
  attrs: p.attrs.map((a) => ({ ...a, value: a.value.slice() })),
  nlri: p.nlri.slice(),
});

/** Mutations of the parts: the lengths stay consistent, one field is wrong. */
const structural: Record<string, (r: Prng, p: Parts) => void> = {
  'attribute flags': (r, p) => {
    const a = p.attrs.length > 0 ? r.pick(p.attrs) : undefined;
    if (a === undefined) return;
    // Mostly one of the four defined bits toggled, sometimes a random octet (extended length kept).
    if (r.chance(0.7)) a.flags ^= r.pick([0x80, 0x40, 0x20]);
    else a.flags = (r.int(256) & ~0x10) | (a.flags & 0x10);
  },
  'attribute value octets': (r, p) => {
    const a = p.attrs.filter((x) => x.value.length > 0);
    if (a.length === 0) return;
    const v = r.pick(a).value;
    for (let k = r.range(1, 3); k > 0; k--) v[r.int(v.length)] = r.int(256);
  },
  'attribute value cut or grown': (r, p) => {
    const a = p.attrs.length > 0 ? r.pick(p.attrs) : undefined;
    if (a === undefined) return;
    a.value = r.chance(0.5)
      ? a.value.slice(0, r.int(a.value.length + 1))
      : Uint8Array.from([...a.value, ...r.bytes(r.range(1, 6))]);
  },
  'random attribute': (r, p) => {
    const attr = { flags: r.int(256) & ~0x10, type: r.int(256), value: r.bytes(r.int(12)) };
    p.attrs.splice(r.int(p.attrs.length + 1), 0, attr);
  },
  'duplicate or dropped attribute': (r, p) => {
    if (p.attrs.length === 0) return;
    const i = r.int(p.attrs.length);
    const a = p.attrs[i];
    if (a !== undefined && r.chance(0.5)) p.attrs.splice(r.int(p.attrs.length + 1), 0, { ...a });
    else p.attrs.splice(i, 1);
  },
  'random trailing NLRI': (r, p) => {
    p.nlri = r.bytes(r.range(1, 24));
  },
  'random MP_REACH NLRI': (r, p) => {
    const a = p.attrs.find((x) => x.type === 14 || x.type === 15);
    if (a === undefined) {
      p.nlri = r.bytes(r.range(1, 24));
      return;
    }
    // MP_REACH: afi(2) safi(1) nh-len(1) nh reserved(1) NLRI; MP_UNREACH: afi(2) safi(1) NLRI.
    const head = a.type === 14 ? 5 + (a.value[3] ?? 0) : 3;
    a.value = Uint8Array.from([...a.value.slice(0, head), ...r.bytes(r.range(1, 30))]);
  },
  'random withdrawn routes': (r, p) => {
    p.withdrawn = r.bytes(r.range(1, 12));
  },
};

/** Mutations of the serialized bytes. */
const raw: Record<string, (r: Prng, l: Layout) => Uint8Array> = {
  'flipped octets': (r, l) => {
    const b = l.bytes.slice();
    for (let k = r.range(1, 4); k > 0; k--) {
      const at = 19 + r.int(b.length - 19);
      b[at] = (b[at] ?? 0) ^ r.range(1, 255);
    }
    return b;
  },
  'wrong length field': (r, l) => {
    const b = l.bytes.slice();
    const [at, size] = r.pick(l.lengths);
    const cur = size === 2 ? u16(b, at) : (b[at] ?? 0);
    const v = r.chance(0.5) ? cur + r.pick([-2, -1, 1, 2, 7]) : r.int(size === 2 ? 65536 : 256);
    if (size === 2) {
      b[at] = (v >> 8) & 0xff;
      b[at + 1] = v & 0xff;
    } else b[at] = v & 0xff;
    return b;
  },
  truncated: (r, l) => {
    const cut = l.bytes.slice(0, r.range(19, l.bytes.length - 1));
    if (r.chance(0.5)) {
      cut[16] = (cut.length >> 8) & 0xff;
      cut[17] = cut.length & 0xff;
    }
    return cut;
  },
  'message type': (r, l) => {
    const b = l.bytes.slice();
    // Never 3: a NOTIFICATION from us would just end the session.
    b[18] = r.pick([0, 1, 4, 5, 6, 7, 9, 128, 255]);
    return b;
  },
};

export interface Mutant {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export class UpdateFuzzer {
  readonly #corpus: Parts[];

  constructor(
    readonly rng: Prng,
    nextHop: string,
  ) {
    this.#corpus = corpusUpdates(nextHop).map((u) =>
      parse(encodeMessage({ type: 'update', update: u }, DEFAULT_CONTEXT)),
    );
  }

  /** The valid corpus, encoded (a sanity check for the test). */
  valid(): Uint8Array[] {
    return this.#corpus.map((p) => serialize(p).bytes);
  }

  next(): Mutant {
    const r = this.rng;
    const p = clone(r.pick(this.#corpus));
    if (r.chance(0.55)) {
      const names = Object.keys(structural);
      const name = r.pick(names);
      structural[name]?.(r, p);
      return { name, bytes: serialize(p).bytes };
    }
    const names = Object.keys(raw);
    const name = r.pick(names);
    const f = raw[name];
    if (f === undefined) throw new Error(name);
    return { name, bytes: f(r, serialize(p)) };
  }
}
