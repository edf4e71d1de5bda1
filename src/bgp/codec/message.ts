/**
 * Whole messages (RFC 4271 4.1): the 19-octet header, then a body per type. `decodeMessage`
 * takes one complete frame (see `Framer`) and checks the header again, so it also works on
 * frames from elsewhere (tests, captures).
 */
import { Reader } from '../../lib/reader.js';
import { Writer } from '../../lib/writer.js';
import { HEADER_LENGTH, MSG, REFRESH } from './constants.js';
import { maxMessageLength, type CodecContext } from './context.js';
import { EncodeError, WireError } from './errors.js';
import { ERR, HEADER_ERR, ROUTE_REFRESH_ERR } from './notify.js';
import { decodeNotification, encodeNotificationBody, type Notification } from './notification.js';
import { decodeOpen, encodeOpenBody, type Open } from './open.js';
import { decodeRouteRefresh, encodeRouteRefreshBody, type RouteRefresh } from './route-refresh.js';
import { decodeUpdate, encodeUpdateBody, type DecodedUpdate, type Update } from './update.js';

export type OpenMessage = { readonly type: 'open' } & Open;
export type UpdateMessage = { readonly type: 'update' } & DecodedUpdate;
export type NotificationMessage = { readonly type: 'notification' } & Notification;
export interface KeepaliveMessage {
  readonly type: 'keepalive';
}
export type RouteRefreshMessage = { readonly type: 'route-refresh' } & RouteRefresh;

export type Message =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** What `encodeMessage` takes: a decoded message, or an update without decode results. */
export type OutMessage =
  Exclude<Message, UpdateMessage> | { readonly type: 'update'; readonly update: Update };

function headerError(subcode: number, message: string, data: Uint8Array): WireError {
  return new WireError({ errorCode: ERR.header, subcode, action: 'session-reset', data }, message);
}

/** RFC 4271 6.1: the minimum (or exact) length of each message type; data is the length field. */
const MIN_LENGTH: Readonly<Record<number, number>> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

/**
 * Check the header of a complete frame and return its type and body. The marker must be all
 * ones (RFC 4271 6.1: Connection Not Synchronized), and the length field must match the frame.
 */
export function readHeader(frame: Uint8Array, ctx: CodecContext): { type: number; body: Uint8Array } {
  const r = new Reader(frame);
  let ones = true;
  for (let i = 0; i < 16 && !r.done; i++) ones = r.u8() === 0xff && ones;
  if (!ones || frame.length < HEADER_LENGTH) {
    throw headerError(HEADER_ERR.connectionNotSynchronized, 'bad marker or short frame', new Uint8Array(0));
  }
  const lengthField = r.bytes(2);
  const len = new Reader(lengthField).u16();
  const type = r.u8();
  const min = MIN_LENGTH[type];
  // RFC 4271 6.1: a type we do not know is Bad Message Type, data the type octet.
  if (min === undefined) throw headerError(HEADER_ERR.badMessageType, `type ${type}`, Uint8Array.of(type));
  // RFC 4271 6.1 / RFC 8654 4: a length outside the type's bounds is Bad Message Length.
  const bad =
    len !== frame.length ||
    len < min ||
    len > maxMessageLength(ctx) ||
    (type === MSG.keepalive && len !== 19);
  if (bad)
    throw headerError(HEADER_ERR.badMessageLength, `length ${len} for type ${type}`, lengthField.slice());
  return { type, body: r.rest() };
}

/** Decode one complete message. Throws `WireError` ('session-reset') for fatal errors. */
export function decodeMessage(frame: Uint8Array, ctx: CodecContext): Message {
  const { type, body } = readHeader(frame, ctx);
  switch (type) {
    case MSG.open:
      return { type: 'open', ...decodeOpen(body) };
    case MSG.update:
      return { type: 'update', ...decodeUpdate(body, ctx) };
    case MSG.notification:
      return { type: 'notification', ...decodeNotification(body) };
    case MSG.keepalive:
      return { type: 'keepalive' };
    default: {
      const rr = decodeRouteRefresh(body);
      // RFC 7313 5: a BoRR/EoRR with a body other than 4 octets is Invalid Message Length.
      if (body.length !== 4 && (rr.subtype === REFRESH.borr || rr.subtype === REFRESH.eorr)) {
        throw new WireError(
          {
            errorCode: ERR.routeRefresh,
            subcode: ROUTE_REFRESH_ERR.invalidLength,
            action: 'session-reset',
            data: frame.slice(),
          },
          `ROUTE-REFRESH of ${frame.length} octets`,
        );
      }
      return { type: 'route-refresh', ...rr };
    }
  }
}

const TYPE_CODE = { open: 1, update: 2, notification: 3, keepalive: 4, 'route-refresh': 5 } as const;

/** Encode one message; throws `EncodeError` when it exceeds the negotiated maximum size. */
export function encodeMessage(m: OutMessage, ctx: CodecContext): Uint8Array {
  const w = new Writer(m.type === 'update' ? 4096 : 64);
  for (let i = 0; i < 4; i++) w.u32(0xffffffff);
  const mark = w.reserve(2);
  w.u8(TYPE_CODE[m.type]);
  if (m.type === 'open') encodeOpenBody(w, m);
  else if (m.type === 'update') encodeUpdateBody(w, m.update, ctx);
  else if (m.type === 'notification') encodeNotificationBody(w, m);
  else if (m.type === 'route-refresh') encodeRouteRefreshBody(w, m);
  if (w.length > maxMessageLength(ctx)) {
    throw new EncodeError(`${m.type} of ${w.length} octets exceeds ${maxMessageLength(ctx)}`);
  }
  w.patchLength(mark, w.length);
  return w.finish();
}

export function encodeUpdate(update: Update, ctx: CodecContext): Uint8Array {
  return encodeMessage({ type: 'update', update }, ctx);
}

export function encodeKeepalive(): Uint8Array {
  return Uint8Array.of(...new Array<number>(16).fill(0xff), 0, 19, MSG.keepalive);
}
