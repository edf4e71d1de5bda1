/**
 * The passive side: one TCP listener that hands each accepted connection to the session of
 * its source address. Connections from unconfigured addresses get a NOTIFICATION Cease /
 * Connection Rejected (RFC 4486 4) and are logged. MD5 keys are installed per peer.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../lib/log.js';
import { CEASE, ERR } from '../codec/notify.js';
import { encodeMessage } from '../codec/message.js';
import { notification } from '../codec/notification.js';
import { DEFAULT_CONTEXT } from '../codec/context.js';
import { setListenerMd5 } from './socket-options.js';

export interface Acceptor {
  /** Take the connection, or return false when no enabled session wants it. */
  accept(peerAddress: string, socket: Socket): boolean;
}

const REJECT = encodeMessage(
  { type: 'notification', ...notification(ERR.cease, CEASE.connectionRejected) },
  DEFAULT_CONTEXT,
);

export class BgpListener {
  readonly #server: Server;
  readonly #log: Logger;
  readonly #acceptor: Acceptor;
  readonly #md5 = new Map<string, string>();
  rejected = 0;

  constructor(acceptor: Acceptor, log: Logger) {
    this.#acceptor = acceptor;
    this.#log = log;
    this.#server = createServer({ pauseOnConnect: false }, this.#onConnection);
  }

  listen(address: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, address, () => {
        this.#server.off('error', reject);
        for (const [peer, key] of this.#md5) setListenerMd5(this.#server, peer, key);
        const a = this.#server.address();
        resolve(typeof a === 'object' && a !== null ? a.port : port);
      });
    });
  }

  /** Install (or with `undefined`, remove) the MD5 key of one peer. */
  setMd5(peer: string, key: string | undefined): void {
    const had = this.#md5.has(peer);
    if (key === undefined) this.#md5.delete(peer);
    else this.#md5.set(peer, key);
    if (!this.#server.listening) return;
    if (key !== undefined) setListenerMd5(this.#server, peer, key);
    else if (had) setListenerMd5(this.#server, peer, null);
  }

  close(): Promise<void> {
    return new Promise((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  readonly #onConnection = (socket: Socket): void => {
    const peer = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    socket.on('error', () => undefined);
    if (this.#acceptor.accept(peer, socket)) return;
    this.rejected++;
    this.#log.warn(
      { peer, port: socket.remotePort },
      `rejected BGP connection from unconfigured peer ${peer}`,
    );
    socket.end(REJECT);
  };
}
