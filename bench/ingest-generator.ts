/**
 * The load generator of bench/ingest.ts: a raw BGP speaker that writes a pre-encoded stream of
 * packed VPNv4 UPDATEs (codec `packReach`, 4,096-octet messages, distinct RDs and prefixes, a
 * handful of shared attribute sets) once its session is Established. The stream is built once
 * and sent unchanged to every receiver, so all of them get exactly the same bytes.
 *
 * Also used by bench/withdraw.ts (`buildWithdrawStream`: the same routes in packed
 * MP_UNREACH), bench/memory.ts and bench/rtc.ts (routes spread over many route targets, and a
 * session that offers RTC and hands every message received to `onMessage`).
 */
import { connect, type Socket } from 'node:net';
import type { PathAttributes } from '../src/bgp/codec/attributes/types.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../src/bgp/codec/context.js';
import { Framer } from '../src/bgp/codec/framer.js';
import { decodeMessage, encodeMessage, type Message } from '../src/bgp/codec/message.js';
import { vpnNlri } from '../src/bgp/codec/nlri/build.js';
import { rawFromLabel } from '../src/bgp/codec/nlri/label.js';
import type { Nlri } from '../src/bgp/codec/nlri/types.js';
import { packReach, packUnreach } from '../src/bgp/codec/pack.js';

/** 4-octet AS, no ADD-PATH, no extended messages: what gobgpd 3.10 and we both accept. */
const CTX: CodecContext = DEFAULT_CONTEXT;
/** Routes per run of one attribute set (then the next set takes over). */
const RUN = 1000;
const ATTRIBUTE_SETS = 4;

export interface Stream {
  /** The UPDATEs concatenated into large write chunks. */
  readonly chunks: readonly Uint8Array[];
  readonly routes: number;
  readonly updates: number;
  readonly bytes: number;
}

function attributeSet(i: number): PathAttributes {
  return {
    origin: 0,
    asPath: [],
    localPref: 100 + i,
    med: i,
    extCommunities: [
      { type: 'route-target', value: `64512:${100 + i}` },
      { type: 'route-target', value: '64512:1' },
    ],
  };
}

/** Route target number `r` (0-based) of the streams with many RTs (bench rtc). */
export const rtName = (r: number): string => `64512:${1000 + r}`;

/** The attributes of the routes of RT number `r`, for streams with many RTs (bench rtc). */
export function rtAttributes(r: number): PathAttributes {
  return {
    origin: 0,
    asPath: [],
    localPref: 100,
    extCommunities: [{ type: 'route-target', value: rtName(r) }],
  };
}

/** Route `i`: RD 64512:<1 + i/1000>, a /32 from 10.0.0.0/8, label 16 + (i mod 65536). */
export function vpnRoute(i: number): Nlri {
  const prefix = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
  return vpnNlri(`64512:${1 + Math.floor(i / RUN)}`, prefix, [rawFromLabel(16 + (i & 0xffff))]);
}

export interface StreamOptions {
  /** Concatenate UPDATEs into write chunks of about this size (default 256 KiB). */
  readonly chunkBytes?: number;
  /** Routes per attribute set (default 1,000). */
  readonly run?: number;
  /** The attributes of the `n`th run of routes (default: one of 4 shared sets in turn). */
  readonly attributes?: (n: number) => PathAttributes;
}

/** Build the stream of `routes` VPNv4 routes with next hop `nextHop`. */
export function buildStream(routes: number, nextHop: string, options: StreamOptions = {}): Stream {
  const sets = Array.from({ length: ATTRIBUTE_SETS }, (_, i) => attributeSet(i));
  const attributesOf = options.attributes ?? ((n: number) => sets[n % ATTRIBUTE_SETS] ?? attributeSet(0));
  const run = options.run ?? RUN;
  const updates: Uint8Array[] = [];
  for (let start = 0; start < routes; start += run) {
    const nlri = Array.from({ length: Math.min(run, routes - start) }, (_, j) => vpnRoute(start + j));
    const attributes = attributesOf(start / run);
    updates.push(...packReach(attributes, { afi: 1, safi: 128, nextHop, nlri }, CTX));
  }
  return toStream(updates, routes, options.chunkBytes);
}

/** The same `routes` routes as `buildStream`, withdrawn: packed MP_UNREACH (4,096-octet UPDATEs). */
export function buildWithdrawStream(routes: number, options: StreamOptions = {}): Stream {
  const updates: Uint8Array[] = [];
  for (let start = 0; start < routes; start += RUN) {
    const nlri = Array.from({ length: Math.min(RUN, routes - start) }, (_, j) => vpnRoute(start + j));
    updates.push(...packUnreach(1, 128, nlri, CTX));
  }
  return toStream(updates, routes, options.chunkBytes);
}

function toStream(updates: readonly Uint8Array[], routes: number, chunkBytes = 1 << 18): Stream {
  const chunks: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let size = 0;
  const flush = (): void => {
    chunks.push(Buffer.concat(pending, size));
    pending = [];
    size = 0;
  };
  for (const u of updates) {
    pending.push(u);
    size += u.length;
    if (size >= chunkBytes) flush();
  }
  if (size > 0) flush();
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  return { chunks, routes, updates: updates.length, bytes };
}

export interface GeneratorOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress: string;
  readonly routerId: string;
  readonly as: number;
  /**
   * Hold time offered (default 0: no keepalives either way). gobgpd 3.10 cannot write to a
   * peer with hold time 0 (its write deadline is "now"), so a peer that must receive from it
   * offers one; KEEPALIVEs then go out every third of it.
   */
  readonly holdTime?: number;
  /** Also offer RT Constraint (AFI 1, SAFI 132). */
  readonly rtc?: boolean;
  /** Every message received once Established, decoded, with its size in octets. */
  readonly onMessage?: (m: Message, octets: number) => void;
}

/** A connected generator session: `established` resolves once OPEN/KEEPALIVE were exchanged. */
export class GeneratorSession {
  readonly socket: Socket;
  readonly established: Promise<void>;
  readonly #framer = new Framer();
  readonly received: Message['type'][] = [];
  #up = false;
  #keepalive: NodeJS.Timeout | undefined;

  constructor(o: GeneratorOptions) {
    this.socket = connect({ host: o.host, port: o.port, localAddress: o.localAddress });
    this.socket.setNoDelay(true);
    this.established = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.once('connect', () => {
        // Hold time 0 by default: no keepalives either way during long runs (RFC 4271 4.2).
        this.#send({
          type: 'open',
          version: 4,
          myAs: o.as,
          holdTime: o.holdTime ?? 0,
          bgpId: o.routerId,
          capabilities: [
            { type: 'multiprotocol', afi: 1, safi: 128 },
            ...(o.rtc === true ? [{ type: 'multiprotocol', afi: 1, safi: 132 } as const] : []),
            { type: 'route-refresh' },
            { type: 'as4', asn: o.as },
          ],
        });
      });
      this.socket.on('data', (c: Buffer) => {
        this.#framer.push(c);
        for (const f of this.#framer.frames()) {
          const m = decodeMessage(f, CTX);
          if (this.#up && o.onMessage !== undefined) {
            o.onMessage(m, f.length);
            continue;
          }
          this.received.push(m.type);
          if (m.type === 'open') this.#send({ type: 'keepalive' });
          if (m.type === 'keepalive' && !this.#up) {
            this.#up = true;
            const hold = o.holdTime ?? 0;
            if (hold > 0) {
              this.#keepalive = setInterval(
                () => {
                  this.#send({ type: 'keepalive' });
                },
                (hold * 1000) / 3,
              );
              this.#keepalive.unref();
            }
            resolve();
          }
          if (m.type === 'notification') reject(new Error(`NOTIFICATION ${m.code}/${m.subcode}`));
        }
      });
    });
  }

  #send(m: Parameters<typeof encodeMessage>[0]): void {
    this.socket.write(encodeMessage(m, CTX));
  }

  /** Write pre-encoded messages (e.g. RTC UPDATEs) now. */
  write(messages: readonly Uint8Array[]): boolean {
    let ok = true;
    for (const m of messages) ok = this.socket.write(m) && ok;
    return ok;
  }

  /** Write the whole stream, waiting for 'drain' whenever the socket buffer is full. */
  async blast(stream: Stream): Promise<void> {
    for (const c of stream.chunks) {
      if (!this.socket.write(c)) await new Promise((r) => this.socket.once('drain', r));
    }
  }

  close(): void {
    clearInterval(this.#keepalive);
    this.socket.destroy();
  }
}
