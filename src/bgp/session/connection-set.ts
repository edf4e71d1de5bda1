/**
 * The TCP connections of one session: an outgoing attempt, the current connection and, during
 * a collision, a second one (RFC 4271 6.8). The state machine decides; this keeps the sockets.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../lib/log.js';
import { parseIpv4 } from '../codec/ipv4.js';
import { CEASE } from '../codec/notify.js';
import { Connection, dial, type ConnectionEvents } from './connection.js';
import type { ConnectOptions } from './socket-options.js';
import { SESSION_ERR, type PeerConfig, type SessionErrorCode } from './types.js';

/** How an outgoing attempt ends, as events of the state machine. */
export type DialResult = (
  ev:
    | { readonly type: 'connected'; readonly conn: Connection }
    | { readonly type: 'connect-failed'; readonly error: string },
) => void;

export class ConnectionSet {
  /** The connection the FSM runs on. */
  current: Connection | undefined;
  /** A second connection while a collision is unresolved. */
  pending: Connection | undefined;
  /** An outgoing connection attempt, until it connects or fails. */
  #connecting: Socket | undefined;
  readonly #config: PeerConfig;
  readonly #events: ConnectionEvents;
  readonly #log: Logger;
  readonly #connect: ((o: ConnectOptions) => Socket) | undefined;

  constructor(
    config: PeerConfig,
    events: ConnectionEvents,
    log: Logger,
    connect?: (o: ConnectOptions) => Socket,
  ) {
    this.#config = config;
    this.#events = events;
    this.#log = log;
    this.#connect = connect;
  }

  /** Wrap an accepted socket. */
  inbound(socket: Socket): Connection {
    return new Connection(socket, true, this.#events);
  }

  /** Start an outgoing connection; an attempt dropped before it settles reports nothing. */
  dial(result: DialResult): void {
    const c = this.#config;
    const socket = dial(
      { peer: c.peerAddress, port: c.port, localAddress: c.localAddress, md5Key: c.md5Key, ttl: c.ttl },
      {
        connected: (s) => {
          if (s !== this.#connecting) {
            s.destroy();
            return;
          }
          this.#connecting = undefined;
          result({ type: 'connected', conn: new Connection(s, false, this.#events) });
        },
        failed: (error) => {
          this.#connecting = undefined;
          result({ type: 'connect-failed', error });
        },
      },
      this.#connect,
    );
    this.#connecting = socket;
  }

  /** The FSM now runs on `conn`. */
  adopt(conn: Connection): void {
    this.#connecting = undefined;
    this.current = conn;
  }

  /** Keep `conn` as the collision candidate; false (and closed) when there already is one. */
  candidate(conn: Connection): boolean {
    if (this.pending) {
      conn.close();
      return false;
    }
    this.pending = conn;
    return true;
  }

  /**
   * RFC 4271 6.8: with two connections, the one initiated by the speaker with the higher BGP
   * Identifier survives; the other gets Cease / Connection Collision Resolution. Returns the
   * connection kept.
   */
  resolve(conn: Connection, peerBgpId: string): Connection {
    const other = conn === this.current ? this.pending : this.current;
    if (other === undefined) return conn;
    const localWins = parseIpv4(this.#config.routerId) > parseIpv4(peerBgpId);
    const keep = localWins ? (conn.inbound ? other : conn) : conn.inbound ? conn : other;
    const lose = keep === conn ? other : conn;
    this.#log.info(
      { peer: this.#config.peerAddress, kept: keep.inbound ? 'inbound' : 'outbound' },
      'connection collision resolved',
    );
    lose.reject(CEASE.collision);
    this.current = keep;
    this.pending = undefined;
    return keep;
  }

  /** Abandon the outgoing attempt and close the current connection. */
  dropCurrent(): void {
    this.#connecting?.destroy();
    this.#connecting = undefined;
    this.current?.close();
    this.current = undefined;
  }

  dropPending(): void {
    this.pending?.close();
    this.pending = undefined;
  }
}

/**
 * No TCP connection came up within the ConnectRetry time. With an MD5 key configured the likely
 * cause is a key mismatch: the kernel drops unsigned or badly signed segments without an answer
 * (RFC 2385 2), which looks like a black hole. Undefined: nothing to report (passive, no key).
 */
export function silenceError(
  c: PeerConfig,
  outgoing: boolean,
): { code: SessionErrorCode; message: string } | undefined {
  const what = outgoing
    ? `no answer to TCP connect to ${c.peerAddress}:${c.port}`
    : `no TCP connection from ${c.peerAddress}`;
  if (c.md5Key !== undefined)
    return { code: SESSION_ERR.md5Suspected, message: `${what} while a TCP MD5 key is set: check both keys` };
  return outgoing ? { code: SESSION_ERR.connectTimeout, message: what } : undefined;
}
