/**
 * One TCP connection of a session: frames and decodes what arrives, encodes and writes what
 * leaves. Listeners are named methods detached on close (STYLE rule 8); `send` returns the
 * `socket.write()` boolean so callers see backpressure (STYLE rule 7).
 */
import type { Socket } from 'node:net';
import { errorMessage } from '../../lib/errors.js';
import { DEFAULT_CONTEXT, maxMessageLength, type CodecContext } from '../codec/context.js';
import { WireError } from '../codec/errors.js';
import { Framer } from '../codec/framer.js';
import { decodeMessage, encodeMessage, type Message, type OutMessage } from '../codec/message.js';
import { notification } from '../codec/notification.js';
import { ERR } from '../codec/notify.js';
import { connectSocket, type ConnectOptions } from './socket-options.js';

export interface ConnectionEvents {
  message(conn: Connection, m: Message, bytes: number): void;
  wireError(conn: Connection, e: WireError): void;
  closed(conn: Connection, error: Error | undefined): void;
  drain(conn: Connection): void;
}

export class Connection {
  readonly socket: Socket;
  /** True when the peer opened this connection (passive side). */
  readonly inbound: boolean;
  readonly #events: ConnectionEvents;
  readonly #framer = new Framer();
  #rx: CodecContext = DEFAULT_CONTEXT;
  #tx: CodecContext = DEFAULT_CONTEXT;
  #closed = false;
  #lastError: Error | undefined;

  constructor(socket: Socket, inbound: boolean, events: ConnectionEvents) {
    this.socket = socket;
    this.inbound = inbound;
    this.#events = events;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  }

  /** After OPEN negotiation: the contexts of each direction, and the frame size limit. */
  setContexts(rx: CodecContext, tx: CodecContext): void {
    this.#rx = rx;
    this.#tx = tx;
    this.#framer.maxLength = maxMessageLength(rx);
  }

  send(m: OutMessage): boolean {
    if (this.#closed) return false;
    return this.socket.write(encodeMessage(m, this.#tx));
  }

  /** Write an already encoded message (e.g. from `packReach`), encoded for this `tx` context. */
  sendEncoded(message: Uint8Array): boolean {
    if (this.#closed) return false;
    return this.socket.write(message);
  }

  /** Send a Cease with `subcode` (RFC 4486) and close: a connection we do not keep. */
  reject(subcode: number): void {
    this.send({ type: 'notification', ...notification(ERR.cease, subcode) });
    this.close();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Write what is queued, then close; `destroy` after a grace period if the peer stalls. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    t.unref();
    this.socket.once('close', () => {
      clearTimeout(t);
    });
  }

  #detach(): void {
    this.socket.off('data', this.#onData);
    this.socket.off('drain', this.#onDrain);
    this.socket.off('close', this.#onClose);
    // keep an error listener: a late ECONNRESET must not crash the process
    this.socket.off('error', this.#onError);
    this.socket.on('error', () => undefined);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#framer.push(chunk);
    try {
      for (const frame of this.#framer.frames()) {
        if (this.#closed) return;
        this.#events.message(this, decodeMessage(frame, this.#rx), frame.length);
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      if (!this.#closed) this.#events.wireError(this, e);
    }
  };

  readonly #onError = (e: Error): void => {
    this.#lastError = e;
  };

  readonly #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.#events.closed(this, this.#lastError);
  };

  readonly #onDrain = (): void => {
    this.#events.drain(this);
  };
}

export interface DialEvents {
  connected(socket: Socket): void;
  failed(error: string): void;
}

/**
 * Start an outgoing connection; exactly one of `connected` or `failed` follows, unless the
 * returned socket is destroyed first (an abandoned attempt reports nothing).
 */
export function dial(
  o: ConnectOptions,
  events: DialEvents,
  connect: (o: ConnectOptions) => Socket = connectSocket,
): Socket | undefined {
  let socket: Socket;
  try {
    socket = connect(o);
  } catch (e) {
    const error = errorMessage(e);
    queueMicrotask(() => {
      events.failed(error);
    });
    return undefined;
  }
  const onError = (e: Error): void => {
    socket.off('connect', onConnect);
    socket.destroy();
    events.failed(e.message);
  };
  const onConnect = (): void => {
    socket.off('error', onError);
    events.connected(socket);
  };
  socket.once('error', onError);
  socket.once('connect', onConnect);
  return socket;
}
