/**
 * One BGP peer: the RFC 4271 section 8 state machine over one (or, during a collision, two)
 * TCP connections. One function per state, each returning the next state and a reason from a
 * closed union (STYLE rule 8); the clock and the socket factory are injected.
 */
import type { Socket } from 'node:net';
import { Backoff } from '../../lib/backoff.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { familyKey, type FamilyKey, familyOf } from '../codec/context.js';
import { WireError } from '../codec/errors.js';
import type { Message } from '../codec/message.js';
import { parseIpv4 } from '../codec/ipv4.js';
import type { Open } from '../codec/open.js';
import { CEASE, ERR, FSM_ERR } from '../codec/notify.js';
import {
  notification,
  notificationFor,
  shutdownNotification,
  type Notification,
} from '../codec/notification.js';
import { endOfRib, isEndOfRib, type DecodedUpdate, type Update } from '../codec/update.js';
import { validateUpdate } from '../codec/validate.js';
import { Connection } from './connection.js';
import { buildOpen, negotiate, type OpenOptions } from './negotiate.js';
import { connectSocket, type ConnectOptions } from './socket-options.js';
import type { Negotiated, PeerConfig, Reason, State } from './types.js';

export interface SessionHandlers {
  stateChanged?(s: Session, from: State, to: State, reason: Reason): void;
  established?(s: Session, n: Negotiated): void;
  /** The session left Established; `retainStale`: keep its routes as stale (RFC 4724 helper). */
  down?(s: Session, reason: Reason, retainStale: boolean): void;
  update?(s: Session, u: DecodedUpdate): void;
  endOfRib?(s: Session, family: FamilyKey): void;
  routeRefresh?(s: Session, family: FamilyKey, subtype: number): void;
  drain?(s: Session): void;
  message?(s: Session, direction: 'in' | 'out', type: Message['type']): void;
}

export interface SessionDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly handlers: SessionHandlers;
  readonly connect?: (o: ConnectOptions) => Socket;
  readonly random?: () => number;
  /** Graceful-restart facts of this daemon start (RFC 4724). */
  readonly openOptions?: OpenOptions;
}

type Event =
  | { readonly type: 'start' }
  | { readonly type: 'stop'; readonly notification: Notification; readonly reason: Reason }
  | { readonly type: 'connected'; readonly conn: Connection }
  | { readonly type: 'connect-failed'; readonly error: string }
  | { readonly type: 'accepted'; readonly conn: Connection }
  | { readonly type: 'closed'; readonly conn: Connection; readonly error: string | undefined }
  | { readonly type: 'message'; readonly conn: Connection; readonly m: Message }
  | { readonly type: 'wire-error'; readonly conn: Connection; readonly error: WireError }
  | { readonly type: 'hold-expired' }
  | { readonly type: 'retry-expired' };

interface Transition {
  readonly next: State;
  readonly reason: Reason;
}

/** RFC 4271 8.2.2: the hold time used while waiting for the peer's OPEN (4 minutes). */
const LARGE_HOLD_MS = 240_000;

export class Session {
  readonly config: PeerConfig;
  readonly #deps: SessionDeps;
  #state: State = 'Idle';
  #previous: State = 'Idle';
  #since: number;
  #conn: Connection | undefined;
  #pending: Connection | undefined;
  /** An outgoing connection attempt, until it connects or fails. */
  #connecting: Socket | undefined;
  #negotiated: Negotiated | undefined;
  #hold: TimerHandle | undefined;
  #keepalive: TimerHandle | undefined;
  #retry: TimerHandle | undefined;
  readonly #backoff: Backoff;
  #enabled = false;
  #lastError: string | undefined;
  #flaps = 0;

  constructor(config: PeerConfig, deps: SessionDeps) {
    this.config = config;
    this.#deps = deps;
    this.#since = deps.clock.wallNow();
    this.#backoff = new Backoff({
      baseMs: config.connectRetry * 1000,
      maxMs: Math.max(config.connectRetry * 1000, 120_000),
      jitter: 0.25,
      ...(deps.random ? { random: deps.random } : {}),
    });
  }

  get state(): State {
    return this.#state;
  }

  get negotiated(): Negotiated | undefined {
    return this.#negotiated;
  }

  /** Looking-glass facts. */
  info(): {
    state: State;
    previousState: State;
    lastTransitionTime: number;
    lastError: string | undefined;
    flaps: number;
  } {
    return {
      state: this.#state,
      previousState: this.#previous,
      lastTransitionTime: this.#since,
      lastError: this.#lastError,
      flaps: this.#flaps,
    };
  }

  start(): void {
    this.#enabled = true;
    this.#dispatch({ type: 'start' });
  }

  /** Administrative shutdown (RFC 8203 message); the session stays Idle until `start`. */
  stop(message = 'administrative shutdown'): void {
    this.#enabled = false;
    this.#dispatch({ type: 'stop', notification: shutdownNotification(message), reason: 'admin-shutdown' });
  }

  /** A connection accepted by the listener for this peer. */
  accept(socket: Socket): void {
    const conn = new Connection(socket, true, this.#connEvents);
    if (!this.#enabled) {
      conn.reject(CEASE.connectionRejected);
      return;
    }
    this.#dispatch({ type: 'accepted', conn });
  }

  /** Send an UPDATE; returns the `socket.write()` boolean (false: wait for `drain`). */
  send(update: Update): boolean {
    const conn = this.#established();
    this.#deps.handlers.message?.(this, 'out', 'update');
    return conn.send({ type: 'update', update });
  }

  sendEndOfRib(family: FamilyKey): boolean {
    const { afi, safi } = familyOf(family);
    return this.send(endOfRib(afi, safi));
  }

  /** RFC 2918 ROUTE-REFRESH (subtype 0), if the peer supports it. */
  requestRefresh(family: FamilyKey): boolean {
    const conn = this.#established();
    if (this.#negotiated?.routeRefresh !== true) return false;
    const { afi, safi } = familyOf(family);
    this.#deps.handlers.message?.(this, 'out', 'route-refresh');
    return conn.send({ type: 'route-refresh', afi, safi, subtype: 0 });
  }

  /** Inbound backpressure: stop reading while the engine is over its high-water mark. */
  pauseInput(): void {
    this.#conn?.pause();
  }

  resumeInput(): void {
    this.#conn?.resume();
  }

  #established(): Connection {
    if (this.#state !== 'Established' || this.#conn === undefined) {
      throw new WireError(
        { errorCode: ERR.fsm, subcode: FSM_ERR.unspecified, action: 'session-reset' },
        `session with ${this.config.peerAddress} is ${this.#state}`,
      );
    }
    return this.#conn;
  }

  // ---- event plumbing -------------------------------------------------------------------

  readonly #connEvents = {
    message: (conn: Connection, m: Message): void => {
      this.#deps.handlers.message?.(this, 'in', m.type);
      this.#dispatch({ type: 'message', conn, m });
    },
    wireError: (conn: Connection, error: WireError): void => {
      this.#dispatch({ type: 'wire-error', conn, error });
    },
    closed: (conn: Connection, error: Error | undefined): void => {
      this.#dispatch({ type: 'closed', conn, error: error?.message });
    },
    drain: (): void => {
      this.#deps.handlers.drain?.(this);
    },
  };

  #dispatch(ev: Event): void {
    const t = this.#step(ev);
    if (t !== undefined) this.#transition(t);
  }

  #step(ev: Event): Transition | undefined {
    switch (this.#state) {
      case 'Idle':
        return this.#idle(ev);
      case 'Connect':
        return this.#connect(ev) ?? this.#common(ev);
      case 'Active':
        return this.#active(ev) ?? this.#common(ev);
      case 'OpenSent':
        return this.#openSent(ev) ?? this.#common(ev);
      case 'OpenConfirm':
        return this.#openConfirm(ev) ?? this.#common(ev);
      case 'Established':
        return this.#establishedState(ev) ?? this.#common(ev);
    }
  }

  #transition(t: Transition): void {
    const from = this.#state;
    if (t.next === from && t.reason !== 'start') return;
    this.#previous = from;
    this.#state = t.next;
    this.#since = this.#deps.clock.wallNow();
    this.#deps.log.info(
      { peer: this.config.peerAddress, from, to: t.next, reason: t.reason },
      `${from} -> ${t.next} (${t.reason})`,
    );
    this.#deps.handlers.stateChanged?.(this, from, t.next, t.reason);
    if (t.next === 'Idle') this.#enterIdle(from, t.reason);
    if (t.next === 'Established' && this.#negotiated) {
      this.#backoff.reset();
      this.#deps.handlers.established?.(this, this.#negotiated);
    }
  }

  // ---- states (RFC 4271 8.2.2) ------------------------------------------------------------

  #idle(ev: Event): Transition | undefined {
    if ((ev.type === 'start' || ev.type === 'retry-expired') && this.#enabled) {
      if (this.config.passive)
        return { next: 'Active', reason: ev.type === 'start' ? 'start' : 'idle-hold-expired' };
      this.#initiate();
      return { next: 'Connect', reason: ev.type === 'start' ? 'start' : 'idle-hold-expired' };
    }
    if (ev.type === 'accepted') return this.#adoptInbound(ev.conn);
    if (ev.type === 'connected') ev.conn.close();
    return undefined;
  }

  #connect(ev: Event): Transition | undefined {
    if (ev.type === 'connected') return this.#sendOpen(ev.conn, 'tcp-connected');
    if (ev.type === 'connect-failed') {
      this.#lastError = ev.error;
      this.#armRetry();
      return { next: 'Active', reason: 'tcp-failed' };
    }
    if (ev.type === 'accepted') {
      this.#dropConn();
      return this.#adoptInbound(ev.conn);
    }
    return undefined;
  }

  #active(ev: Event): Transition | undefined {
    if (ev.type === 'retry-expired') {
      if (this.config.passive) return undefined;
      this.#initiate();
      return { next: 'Connect', reason: 'connect-retry-expired' };
    }
    if (ev.type === 'accepted') {
      this.#cancel('retry');
      return this.#adoptInbound(ev.conn);
    }
    return undefined;
  }

  #openSent(ev: Event): Transition | undefined {
    if (ev.type === 'accepted') {
      this.#collisionCandidate(ev.conn);
      return undefined;
    }
    if (ev.type !== 'message') return undefined;
    if (ev.m.type === 'open') return this.#receiveOpen(ev.conn, ev.m);
    if (ev.m.type === 'notification') return this.#notified(ev.conn, ev.m);
    if (ev.conn !== this.#conn) return undefined;
    return this.#fsmError(FSM_ERR.openSent, ev.m.type);
  }

  #openConfirm(ev: Event): Transition | undefined {
    if (ev.type === 'accepted') {
      this.#collisionCandidate(ev.conn);
      return undefined;
    }
    if (ev.type !== 'message') return undefined;
    if (ev.m.type === 'open') return this.#receiveOpen(ev.conn, ev.m);
    if (ev.conn !== this.#conn) return undefined;
    this.#restartHold();
    if (ev.m.type === 'keepalive') {
      this.#armKeepalive();
      return { next: 'Established', reason: 'keepalive-received' };
    }
    if (ev.m.type === 'notification') return this.#notified(ev.conn, ev.m);
    return this.#fsmError(FSM_ERR.openConfirm, ev.m.type);
  }

  #establishedState(ev: Event): Transition | undefined {
    if (ev.type === 'accepted') {
      // RFC 4271 6.8: a connection arriving while Established loses the collision.
      ev.conn.reject(CEASE.collision);
      return undefined;
    }
    if (ev.type !== 'message' || ev.conn !== this.#conn) return undefined;
    this.#restartHold();
    const m = ev.m;
    switch (m.type) {
      case 'keepalive':
        return undefined;
      case 'update':
        this.#receiveUpdate(m);
        return undefined;
      case 'route-refresh':
        this.#deps.handlers.routeRefresh?.(this, familyKey(m.afi, m.safi), m.subtype);
        return undefined;
      case 'notification':
        return this.#notified(ev.conn, m);
      case 'open':
        return this.#fsmError(FSM_ERR.established, 'open');
    }
  }

  /** Events every non-Idle state handles the same way. */
  #common(ev: Event): Transition | undefined {
    switch (ev.type) {
      case 'stop':
        this.#notify(ev.notification);
        return { next: 'Idle', reason: ev.reason };
      case 'hold-expired':
        this.#lastError = 'hold timer expired';
        this.#notify(notification(ERR.holdTimer, 0));
        return { next: 'Idle', reason: 'hold-timer-expired' };
      case 'wire-error':
        if (ev.conn !== this.#conn) {
          this.#dropPending();
          return undefined;
        }
        this.#lastError = ev.error.message;
        this.#notify(notificationFor(ev.error));
        return { next: 'Idle', reason: 'message-error' };
      case 'closed':
        if (ev.conn === this.#pending) {
          this.#pending = undefined;
          return undefined;
        }
        if (ev.conn !== this.#conn) return undefined;
        this.#lastError = ev.error ?? 'connection closed by peer';
        return { next: 'Idle', reason: 'tcp-closed' };
      case 'connected':
        ev.conn.close();
        return undefined;
      case 'accepted':
      case 'connect-failed':
      case 'message':
      case 'retry-expired':
      case 'start':
        return undefined;
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  #initiate(): void {
    const connect = this.#deps.connect ?? connectSocket;
    let socket: Socket;
    try {
      socket = connect({
        peer: this.config.peerAddress,
        port: this.config.port,
        localAddress: this.config.localAddress,
        md5Key: this.config.md5Key,
        ttl: this.config.ttl,
      });
    } catch (e) {
      const error = errorMessage(e);
      queueMicrotask(() => {
        this.#dispatch({ type: 'connect-failed', error });
      });
      return;
    }
    const onError = (e: Error): void => {
      socket.off('connect', onConnect);
      socket.destroy();
      this.#dispatch({ type: 'connect-failed', error: e.message });
    };
    const onConnect = (): void => {
      socket.off('error', onError);
      const conn = new Connection(socket, false, this.#connEvents);
      this.#dispatch({ type: 'connected', conn });
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
    this.#connecting = socket;
  }

  #sendOpen(conn: Connection, reason: Reason): Transition {
    this.#connecting = undefined;
    this.#conn = conn;
    this.#cancel('retry');
    conn.send({
      type: 'open',
      ...this.#localOpen(),
    });
    this.#deps.handlers.message?.(this, 'out', 'open');
    this.#armHold(LARGE_HOLD_MS);
    return { next: 'OpenSent', reason };
  }

  /** The OPEN we send (a pure value, built again for negotiation). */
  #localOpen(): Open {
    return buildOpen(this.config, this.#deps.openOptions ?? { restarting: false, forwardingKept: false });
  }

  #adoptInbound(conn: Connection): Transition {
    if (!this.#enabled) {
      conn.close();
      return { next: 'Idle', reason: 'stop' };
    }
    this.#cancel('retry');
    return this.#sendOpen(conn, 'tcp-accepted');
  }

  #collisionCandidate(conn: Connection): void {
    if (this.#pending) {
      conn.close();
      return;
    }
    this.#pending = conn;
    conn.send({
      type: 'open',
      ...this.#localOpen(),
    });
    return undefined;
  }

  /**
   * RFC 4271 6.8: with two connections, the one initiated by the speaker with the higher BGP
   * Identifier survives. Returns the connection to keep.
   */
  #resolveCollision(conn: Connection, peerBgpId: string): Connection {
    const other = conn === this.#conn ? this.#pending : this.#conn;
    if (other === undefined) return conn;
    const localWins = parseIpv4(this.config.routerId) > parseIpv4(peerBgpId);
    const keep = localWins ? (conn.inbound ? other : conn) : conn.inbound ? conn : other;
    const lose = keep === conn ? other : conn;
    this.#deps.log.info(
      { peer: this.config.peerAddress, kept: keep.inbound ? 'inbound' : 'outbound' },
      'connection collision resolved',
    );
    lose.reject(CEASE.collision);
    this.#conn = keep;
    this.#pending = undefined;
    return keep;
  }

  #receiveOpen(conn: Connection, open: Message & { type: 'open' }): Transition | undefined {
    const keep = this.#resolveCollision(conn, open.bgpId);
    if (keep !== conn) return undefined;
    const n = negotiate(this.config, this.#localOpen(), open);
    if (n instanceof WireError) {
      this.#lastError = n.message;
      this.#notify(notificationFor(n));
      return { next: 'Idle', reason: 'open-rejected' };
    }
    this.#negotiated = n;
    conn.setContexts(n.rx, n.tx);
    conn.send({ type: 'keepalive' });
    this.#deps.handlers.message?.(this, 'out', 'keepalive');
    if (n.holdTime === 0) this.#cancel('hold');
    else this.#armHold(n.holdTime * 1000);
    return { next: 'OpenConfirm', reason: 'open-received' };
  }

  #receiveUpdate(m: Message & { type: 'update' }): void {
    const n = this.#negotiated;
    if (!n) return;
    const eor = isEndOfRib(m.update);
    if (eor) {
      this.#deps.handlers.endOfRib?.(this, familyKey(eor.afi, eor.safi));
      return;
    }
    const checked = validateUpdate(m, {
      ebgp: n.peerAs !== this.config.localAs,
      localAs: this.config.localAs,
      peerAs: n.peerAs,
      routerId: this.config.routerId,
    });
    this.#deps.handlers.update?.(this, checked);
  }

  #notified(conn: Connection, m: Message & { type: 'notification' }): Transition | undefined {
    if (conn !== this.#conn) {
      this.#dropPending();
      return undefined;
    }
    this.#lastError = `NOTIFICATION received ${m.code}/${m.subcode}${m.shutdown === undefined ? '' : `: ${m.shutdown}`}`;
    return { next: 'Idle', reason: 'notification-received' };
  }

  #fsmError(subcode: number, got: string): Transition {
    this.#lastError = `unexpected ${got} in ${this.#state}`;
    // RFC 6608 4: the subcode says in which state the unexpected message arrived.
    this.#notify(notification(ERR.fsm, subcode));
    return { next: 'Idle', reason: 'fsm-error' };
  }

  #notify(n: Notification): void {
    if (this.#conn && !this.#conn.closed) {
      this.#conn.send({ type: 'notification', ...n });
      this.#deps.handlers.message?.(this, 'out', 'notification');
    }
  }

  #enterIdle(from: State, reason: Reason): void {
    this.#cancel('hold');
    this.#cancel('keepalive');
    this.#cancel('retry');
    this.#dropConn();
    this.#dropPending();
    if (from === 'Established') {
      this.#flaps++;
      const peerGr =
        this.#negotiated?.peerGracefulRestart !== undefined && this.config.gracefulRestart.enabled;
      const retain =
        peerGr && reason !== 'notification-received' && reason !== 'admin-shutdown' && reason !== 'stop';
      this.#deps.handlers.down?.(this, reason, retain);
    }
    this.#negotiated = undefined;
    if (this.#enabled) this.#armRetry();
  }

  #dropConn(): void {
    this.#connecting?.destroy();
    this.#connecting = undefined;
    this.#conn?.close();
    this.#conn = undefined;
  }

  #dropPending(): void {
    this.#pending?.close();
    this.#pending = undefined;
  }

  #armRetry(): void {
    this.#cancel('retry');
    const delay = this.#backoff.next();
    this.#retry = this.#deps.clock.setTimeout(() => {
      this.#retry = undefined;
      this.#dispatch({ type: 'retry-expired' });
    }, delay);
  }

  #armHold(ms: number): void {
    this.#cancel('hold');
    this.#hold = this.#deps.clock.setTimeout(() => {
      this.#hold = undefined;
      this.#dispatch({ type: 'hold-expired' });
    }, ms);
  }

  /** RFC 4271 8.2.2: every message received restarts the hold timer (not only KEEPALIVE). */
  #restartHold(): void {
    const hold = this.#negotiated?.holdTime ?? 0;
    if (hold > 0) this.#armHold(hold * 1000);
  }

  #armKeepalive(): void {
    this.#cancel('keepalive');
    const n = this.#negotiated;
    if (!n || n.keepaliveTime === 0) return;
    this.#keepalive = this.#deps.clock.setTimeout(() => {
      this.#keepalive = undefined;
      if (this.#conn && (this.#state === 'Established' || this.#state === 'OpenConfirm')) {
        this.#conn.send({ type: 'keepalive' });
        this.#deps.handlers.message?.(this, 'out', 'keepalive');
      }
      this.#armKeepalive();
    }, n.keepaliveTime * 1000);
  }

  #cancel(which: 'hold' | 'keepalive' | 'retry'): void {
    if (which === 'hold') {
      this.#hold?.cancel();
      this.#hold = undefined;
    } else if (which === 'keepalive') {
      this.#keepalive?.cancel();
      this.#keepalive = undefined;
    } else {
      this.#retry?.cancel();
      this.#retry = undefined;
    }
  }
}
