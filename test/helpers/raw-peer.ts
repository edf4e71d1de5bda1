/**
 * A raw BGP peer for tests: a `net.Socket` that writes hand-built bytes and decodes what our
 * side sends (framer + decoder). The builders make whole messages from hex-ish parts so a test
 * can break exactly one field: marker, length, type, OPEN fields, attribute flags or lengths.
 */
import { connect, type Socket } from 'node:net';
import { DEFAULT_CONTEXT, type CodecContext } from '../../src/bgp/codec/context.js';
import { Framer } from '../../src/bgp/codec/framer.js';
import { fromHex } from '../../src/bgp/codec/hex.js';
import { decodeMessage, encodeMessage, type Message, type OutMessage } from '../../src/bgp/codec/message.js';
import type { NotificationMessage } from '../../src/bgp/codec/message.js';
import { silentLogger } from '../../src/lib/log.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import type { Session } from '../../src/bgp/session/session.js';
import { waitFor } from './wait.js';

export class RawPeer {
  readonly messages: Message[] = [];
  /** Codec context for decoding what we receive and encoding `send` (4-octet AS etc.). */
  ctx: CodecContext = DEFAULT_CONTEXT;
  closed = false;
  readonly #framer = new Framer(65535);

  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.#framer.push(c);
      for (const f of this.#framer.frames()) this.messages.push(decodeMessage(f, this.ctx));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  /** Connect to `host:port`, optionally from `localAddress`; resolves once connected. */
  static async connect(host: string, port: number, localAddress?: string): Promise<RawPeer> {
    const s = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return new RawPeer(s);
  }

  send(m: OutMessage): void {
    this.socket.write(encodeMessage(m, this.ctx));
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? bytesOf(bytes) : bytes);
  }

  has(type: Message['type']): boolean {
    return this.messages.some((m) => m.type === type);
  }

  /** Waits for the first NOTIFICATION and returns it. */
  notification(timeoutMs = 5000): Promise<NotificationMessage> {
    return waitFor(
      () => this.messages.find((m): m is NotificationMessage => m.type === 'notification'),
      timeoutMs,
      { what: 'a NOTIFICATION', describe: () => this.messages.map((m) => m.type) },
    );
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Start `session` (passive) behind a BgpListener on 127.0.0.1 and connect a raw peer to it;
 * resolves once our OPEN arrived there. The cleanups (session before listener) go to `cleanups`.
 */
export async function behindListener(session: Session, cleanups: (() => unknown)[]): Promise<RawPeer> {
  const listener = new BgpListener({ accept: (_p, sock) => (session.accept(sock), true) }, silentLogger);
  const port = await listener.listen('127.0.0.1', 0);
  session.start();
  const peer = await RawPeer.connect('127.0.0.1', port);
  cleanups.push(
    () => listener.close(),
    () => {
      session.stop();
    },
    () => {
      peer.destroy();
    },
  );
  await waitFor(() => peer.has('open'), 5000, { what: 'our OPEN' });
  return peer;
}

/** Hex (spaces allowed) to bytes; throws on anything else, a test bug. */
export function bytesOf(hex: string): Uint8Array {
  const b = fromHex(hex.replace(/\s+/g, ''));
  if (b === undefined) throw new Error(`not hex: ${hex}`);
  return b;
}

/** Hex without spaces, each octet two digits. */
const hx = (n: number, octets: number): string => n.toString(16).padStart(octets * 2, '0');

/** A whole message: marker (16 x ff unless given), length (computed unless given), type, body. */
export function frame(type: number, bodyHex: string, o: { marker?: string; length?: number } = {}): string {
  const body = bodyHex.replace(/\s+/g, '');
  const len = o.length ?? 19 + body.length / 2;
  return `${o.marker ?? 'ff'.repeat(16)}${hx(len, 2)}${hx(type, 1)}${body}`;
}

/** Capabilities as one optional parameter of type 2 (RFC 5492 4). */
function capabilities(caps: readonly string[]): string {
  const value = caps.map((c) => c.replace(/\s+/g, '')).join('');
  if (value.length === 0) return '00';
  return `${hx(value.length / 2 + 2, 1)}02${hx(value.length / 2, 1)}${value}`;
}

/** Hex of a capability TLV. */
export const cap = {
  mp: (afi: number, safi: number): string => `0104${hx(afi, 2)}00${hx(safi, 1)}`,
  as4: (asn: number): string => `4104${hx(asn, 4)}`,
  routeRefresh: '0200',
  enhancedRouteRefresh: '4600',
  /** RFC 4724 3: flags nibble, restart time, then AFI/SAFI/flags per family. */
  gracefulRestart: (flags: number, time: number, families: readonly [number, number, number][]): string => {
    const body = `${hx((flags << 12) | time, 2)}${families.map(([a, s, f]) => `${hx(a, 2)}${hx(s, 1)}${hx(f, 1)}`).join('')}`;
    return `40${hx(body.length / 2, 1)}${body}`;
  },
};

export interface OpenFields {
  version?: number;
  as?: number;
  holdTime?: number;
  bgpId?: string;
  caps?: readonly string[];
}

/** A whole OPEN message (RFC 4271 4.2); defaults: version 4, AS 64512, hold 90, VPNv4 + as4. */
export function openMessage(o: OpenFields = {}): string {
  const id = (o.bgpId ?? '10.0.0.9')
    .split('.')
    .map((x) => hx(Number(x), 1))
    .join('');
  const caps = o.caps ?? [cap.mp(1, 128), cap.as4(o.as ?? 64512), cap.routeRefresh];
  const as = o.as ?? 64512;
  return frame(
    1,
    `${hx(o.version ?? 4, 1)}${hx(as > 0xffff ? 23456 : as, 2)}${hx(o.holdTime ?? 90, 2)}${id}${capabilities(caps)}`,
  );
}

/** One path attribute TLV: flags, type, length (1 octet, or 2 with the extended-length flag). */
export function attr(flags: number, code: number, valueHex: string, length?: number): string {
  const v = valueHex.replace(/\s+/g, '');
  const ext = (flags & 0x10) !== 0;
  return `${hx(flags, 1)}${hx(code, 1)}${hx(length ?? v.length / 2, ext ? 2 : 1)}${v}`;
}

/** A whole UPDATE: withdrawn routes, path attributes, NLRI (all hex). */
export function updateMessage(attrsHex: readonly string[], nlriHex = '', withdrawnHex = ''): string {
  const attrs = attrsHex.join('');
  return frame(
    2,
    `${hx(withdrawnHex.length / 2, 2)}${withdrawnHex}${hx(attrs.length / 2, 2)}${attrs}${nlriHex}`,
  );
}

/** Well-formed attributes of an iBGP VPNv4 route, to break one at a time. */
export const ATTRS = {
  origin: attr(0x40, 1, '00'),
  asPath: attr(0x40, 2, ''),
  localPref: attr(0x40, 5, '00000064'),
  /**
   * MP_REACH_NLRI, AFI 1 / SAFI 128, next hop RD 0:0 + 192.0.2.1, NLRI 112 bits: label 100
   * (0x000641 with the bottom-of-stack bit), RD 65000:100, 10.1.1.0/24.
   */
  vpnReach: (nlri = '70 000641 0000fde800000064 0a0101'): string =>
    attr(0x80, 14, `0001 80 0c 0000000000000000 c0000201 00 ${nlri}`),
};

/** The key our decoder gives the VPNv4 NLRI of `ATTRS.vpnReach()`. */
export const VPN_KEY = '65000:100:10.1.1.0/24';

/** A KEEPALIVE message. */
export const KEEPALIVE = frame(4, '');
