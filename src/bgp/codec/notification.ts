/**
 * NOTIFICATION (RFC 4271 4.5) and the shutdown communication of RFC 8203 / RFC 9003 carried
 * in Cease subcodes 2 and 4: a length octet then up to 255 octets of UTF-8.
 */
import { Reader } from '../../lib/reader.js';
import { Writer } from '../../lib/writer.js';
import type { WireError } from './errors.js';
import { CEASE, ERR } from './notify.js';

export interface Notification {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** Decoded shutdown communication, when the data holds a valid one (not used to encode). */
  readonly shutdown?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isShutdown = (code: number, subcode: number): boolean =>
  code === ERR.cease && (subcode === CEASE.adminShutdown || subcode === CEASE.adminReset);

function readShutdown(data: Uint8Array): string | undefined {
  const r = new Reader(data);
  if (r.done || r.u8() !== r.remaining) return undefined;
  try {
    return utf8.decode(r.rest());
  } catch {
    return undefined; // RFC 9003 2: invalid UTF-8 is not a communication; the data stays as is
  }
}

export function decodeNotification(body: Uint8Array): Notification {
  const r = new Reader(body);
  const code = r.u8();
  const subcode = r.u8();
  const data = r.copy(r.remaining);
  const shutdown = isShutdown(code, subcode) ? readShutdown(data) : undefined;
  return shutdown === undefined ? { code, subcode, data } : { code, subcode, data, shutdown };
}

export function encodeNotificationBody(w: Writer, v: Notification): void {
  w.u8(v.code).u8(v.subcode).bytes(v.data);
}

/** RFC 9003 2: a Cease with a shutdown communication, cut to 255 octets on a character boundary. */
export function shutdownNotification(message: string, subcode: number = CEASE.adminShutdown): Notification {
  let bytes = new TextEncoder().encode(message);
  if (bytes.length > 255) {
    let end = 255;
    const r = (at: number): number => new Reader(bytes, at).peekU8();
    while (end > 0 && (r(end) & 0xc0) === 0x80) end--; // back to a UTF-8 character start
    bytes = bytes.subarray(0, end);
  }
  const data = new Writer(bytes.length + 1).u8(bytes.length).bytes(bytes).finish();
  return { code: ERR.cease, subcode, data, shutdown: utf8.decode(bytes) };
}

/** A NOTIFICATION with no data, or with `data`. */
export function notification(
  code: number,
  subcode: number,
  data: Uint8Array = new Uint8Array(0),
): Notification {
  return { code, subcode, data };
}

/** The NOTIFICATION to send for a wire error (RFC 4271 6). */
export function notificationFor(e: WireError): Notification {
  return { code: e.errorCode, subcode: e.subcode, data: e.data };
}
