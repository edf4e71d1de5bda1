/**
 * One BGP peer: the RFC 4271 section 8 state machine over one (or, during a collision, two)
 * TCP connections. One function per state, each returning the next state and a reason from a
 * closed union (STYLE rule 8); the clock and the socket factory are injected. Timers, graceful
 * restart decisions and enhanced route refresh live in their own modules.
 */
import type { Socket } from 'node:net';
import { SessionError } from '../../lib/errors.js';
import { REFRESH } from '../codec/constants.js';
import { familyKey, type FamilyKey, familyOf } from '../codec/context.js';
import { WireError } from '../codec/errors.js';
import type * as M from '../codec/message.js';
import type { Open } from '../codec/open.js';
import { CEASE, ERR, FSM_ERR } from '../codec/notify.js';
import * as N from '../codec/notification.js';
import { endOfRib, type Update } from '../codec/update.js';
import type { Connection } from './connection.js';
import { ConnectionSet, silenceError } from './connection-set.js';
import { ceaseFor, staleFamilies, type SessionEnd } from './graceful-restart.js';
import { checkRefresh, checkUpdate, fsmError, notificationText } from './inbound.js';
import { buildOpen, negotiate } from './negotiate.js';
import type { Deps, Event, Handlers, SessionInfo, Transition } from './session-api.js';
import { markerMessage, RefreshTracker, type RefreshMarker } from './refresh.js';
import { SessionTimers } from './timers.js';
import {
  SESSION_ERR,
  type Negotiated,
  type PeerConfig,
  type Reason,
  type SessionErrorCode,
} from './types.js';
import type { State } from './types.js';

/** RFC 4271 8.2.2: the hold time used while waiting for the peer's OPEN (4 minutes). */
const LARGE_HOLD_MS = 240_000;

export type SessionHandlers = Handlers<Session>;
export type SessionDeps = Deps<Session>;
export type { Event, SessionInfo, Transition };

export class Session {
  readonly config: PeerConfig;
  readonly #deps: SessionDeps;
  #state: State = 'Idle';
  #previous: State = 'Idle';
  #since: number;
  readonly #links: ConnectionSet;
  #negotiated: Negotiated | undefined;
  readonly #timers: SessionTimers;
  readonly #refresh: RefreshTracker;
  #enabled = false;
  #lastError: { readonly code: SessionErrorCode; readonly message: string } | undefined;
  /** The NOTIFICATION of the current teardown, for the graceful restart decision. */
  #ending: SessionEnd['notification'];
  #flaps = 0;

  constructor(config: PeerConfig, deps: SessionDeps) {
    this.config = config;
    this.#deps = deps;
    this.#since = deps.clock.wallNow();
    this.#links = new ConnectionSet(config, this.#connEvents, deps.log, deps.connect);
    this.#timers = new SessionTimers(
      deps.clock,
      {
        expired: this.#dispatchEvent,
        keepalive: () => {
          const conn = this.#links.current;
          if (conn && (this.#state === 'Established' || this.#state === 'OpenConfirm'))
            this.#out(conn, { type: 'keepalive' });
        },
      },
      config.connectRetry,
      deps.random,
    );
    this.#refresh = new RefreshTracker(deps.clock, (family, marker, timedOut) => {
      deps.handlers.refreshMarker?.(this, family, marker, timedOut);
    });
  }

  get state(): State {
    return this.#state;
  }

  get negotiated(): Negotiated | undefined {
    return this.#negotiated;
  }

  /** Looking-glass facts; `lastErrorCode` names the likely cause of the last failure. */
  info(): SessionInfo {
    return {
      state: this.#state,
      previousState: this.#previous,
      lastTransitionTime: this.#since,
      lastError: this.#lastError?.message,
      lastErrorCode: this.#lastError?.code,
      flaps: this.#flaps,
    };
  }

  start(): void {
    this.#enabled = true;
    this.#dispatch({ type: 'start' });
  }

  /**
   * Administrative shutdown (RFC 8203 message); the session stays Idle until `start`. `graceful`
   * (we are restarting): with graceful restart negotiated, close without a NOTIFICATION so that
   * the peer keeps our routes (RFC 4724 4).
   */
  stop(message = 'administrative shutdown', options: { graceful?: boolean } = {}): void {
    this.#enabled = false;
    const notification = N.shutdownNotification(message);
    this.#dispatch({
      type: 'stop',
      notification,
      graceful: options.graceful === true,
      reason: 'admin-shutdown',
    });
  }

  /** A connection accepted by the listener for this peer. */
  accept(socket: Socket): void {
    const conn = this.#links.inbound(socket);
    if (!this.#enabled) {
      conn.reject(CEASE.connectionRejected);
      return;
    }
    this.#dispatch({ type: 'accepted', conn });
  }

  /** Send an UPDATE; returns the `socket.write()` boolean (false: wait for `drain`). */
  send(update: Update): boolean {
    return this.#out(this.#established(), { type: 'update', update });
  }

  /**
   * Send UPDATE messages already encoded with `negotiated.tx` (`packReach`/`packUnreach`);
   * returns the `socket.write()` boolean of the last one.
   */
  sendEncoded(messages: readonly Uint8Array[]): boolean {
    const conn = this.#established();
    let ok = true;
    for (const m of messages) ok = conn.sendEncoded(m);
    return ok;
  }

  sendEndOfRib(family: FamilyKey): boolean {
    const { afi, safi } = familyOf(family);
    return this.send(endOfRib(afi, safi));
  }

  /** RFC 2918 ROUTE-REFRESH (subtype 0), if the peer supports it. */
  requestRefresh(family: FamilyKey): boolean {
    const conn = this.#established();
    if (this.#negotiated?.routeRefresh !== true) return false;
    return this.#out(conn, { type: 'route-refresh', ...familyOf(family), subtype: REFRESH.normal });
  }

  /**
   * RFC 7313 4: BoRR before re-advertising the whole Adj-RIB-Out of `family`, EoRR after it.
   * Throws `BGPD_ERR_SESSION_NO_ENHANCED_REFRESH` when the peer did not advertise the capability.
   */
  sendRefreshMarker(family: FamilyKey, marker: RefreshMarker): boolean {
    const conn = this.#established();
    return this.#out(conn, markerMessage(this.#negotiated, this.config.peerAddress, family, marker));
  }

  /** Inbound backpressure: stop reading while the engine is over its high-water mark. */
  pauseInput(): void {
    this.#links.current?.pause();
  }

  resumeInput(): void {
    this.#links.current?.resume();
  }

  #established(): Connection {
    const conn = this.#links.current;
    if (this.#state !== 'Established' || conn === undefined) {
      throw new SessionError(
        'BGPD_ERR_SESSION_NOT_ESTABLISHED',
        `session with ${this.config.peerAddress} is ${this.#state}`,
      );
    }
    return conn;
  }

  #out(conn: Connection, m: M.OutMessage): boolean {
    const ok = conn.send(m);
    this.#deps.handlers.message?.(this, 'out', m.type, m);
    return ok;
  }

  readonly #connEvents = {
    message: (conn: Connection, m: M.Message): void => {
      this.#deps.handlers.message?.(this, 'in', m.type, m);
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

  readonly #dispatchEvent = (ev: Event): void => {
    this.#dispatch(ev);
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
      this.#timers.resetBackoff();
      this.#ending = undefined;
      this.#deps.handlers.established?.(this, this.#negotiated);
    }
  }

  #idle(ev: Event): Transition | undefined {
    if ((ev.type === 'start' || ev.type === 'retry-expired') && this.#enabled) {
      const reason = ev.type === 'start' ? 'start' : 'idle-hold-expired';
      // RFC 4271 8.2.2: the ConnectRetryTimer runs in Connect and in Active.
      this.#timers.armRetry();
      if (this.config.passive) return { next: 'Active', reason };
      this.#links.dial(this.#dispatchEvent);
      return { next: 'Connect', reason };
    }
    if (ev.type === 'accepted') return this.#adoptInbound(ev.conn);
    if (ev.type === 'connected') ev.conn.close();
    return undefined;
  }

  #connect(ev: Event): Transition | undefined {
    if (ev.type === 'connected') return this.#sendOpen(ev.conn, 'tcp-connected');
    if (ev.type === 'connect-failed') {
      this.#fail(SESSION_ERR.connectFailed, ev.error);
      this.#timers.armRetry(true);
      return { next: 'Active', reason: 'tcp-failed' };
    }
    if (ev.type === 'retry-expired') {
      // RFC 4271 8.2.2 (Connect, event 9): drop the attempt, restart the timer, connect again.
      this.#lastError = silenceError(this.config, true) ?? this.#lastError;
      this.#links.dropCurrent();
      this.#timers.armRetry(true);
      this.#links.dial(this.#dispatchEvent);
      return { next: 'Connect', reason: 'connect-retry-expired' };
    }
    if (ev.type === 'accepted') {
      this.#links.dropCurrent();
      return this.#adoptInbound(ev.conn);
    }
    return undefined;
  }

  #active(ev: Event): Transition | undefined {
    if (ev.type === 'retry-expired') {
      this.#timers.armRetry();
      if (this.config.passive) {
        this.#lastError = silenceError(this.config, false) ?? this.#lastError;
        return undefined;
      }
      this.#links.dial(this.#dispatchEvent);
      return { next: 'Connect', reason: 'connect-retry-expired' };
    }
    if (ev.type === 'accepted') return this.#adoptInbound(ev.conn);
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
    if (ev.conn !== this.#links.current) return undefined;
    return this.#fsmError(FSM_ERR.openSent, ev.m.type);
  }

  #openConfirm(ev: Event): Transition | undefined {
    if (ev.type === 'accepted') {
      this.#collisionCandidate(ev.conn);
      return undefined;
    }
    if (ev.type !== 'message') return undefined;
    if (ev.m.type === 'open') return this.#receiveOpen(ev.conn, ev.m);
    if (ev.conn !== this.#links.current) return undefined;
    this.#restartHold();
    if (ev.m.type === 'keepalive') {
      this.#timers.startKeepalive((this.#negotiated?.keepaliveTime ?? 0) * 1000);
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
    if (ev.type !== 'message' || ev.conn !== this.#links.current) return undefined;
    this.#restartHold();
    const m = ev.m;
    switch (m.type) {
      case 'keepalive':
        return undefined;
      case 'update':
        return this.#negotiated && this.#receiveUpdate(m, this.#negotiated);
      case 'route-refresh':
        if (this.#negotiated) this.#receiveRefresh(m, this.#negotiated);
        return undefined;
      case 'notification':
        return this.#notified(ev.conn, m);
      case 'open':
        return this.#fsmError(FSM_ERR.established, 'open');
    }
  }

  /** Events every non-Idle state handles the same way. */
  #common(ev: Event): Transition | undefined {
    if (ev.type === 'stop') {
      const note = ceaseFor(this.#negotiated, this.config, ev.notification, ev.graceful);
      if (note) this.#notify(note);
      return { next: 'Idle', reason: ev.reason };
    }
    if (ev.type === 'hold-expired') {
      this.#fail(SESSION_ERR.holdExpired, 'hold timer expired');
      this.#notify(N.notification(ERR.holdTimer, 0));
      return { next: 'Idle', reason: 'hold-timer-expired' };
    }
    if (ev.type === 'connected') ev.conn.close();
    if ((ev.type === 'wire-error' || ev.type === 'closed') && ev.conn === this.#links.pending) {
      this.#links.dropPending();
      return undefined;
    }
    if (ev.type === 'wire-error' && ev.conn === this.#links.current) return this.#wireError(ev.error);
    if (ev.type === 'closed' && ev.conn === this.#links.current) {
      this.#fail(SESSION_ERR.closed, ev.error ?? 'connection closed by peer');
      return { next: 'Idle', reason: 'tcp-closed' };
    }
    return undefined;
  }

  #fail(code: SessionErrorCode, message: string): void {
    this.#lastError = { code, message };
  }

  #sendOpen(conn: Connection, reason: Reason): Transition {
    this.#links.adopt(conn);
    this.#timers.cancelRetry();
    this.#out(conn, { type: 'open', ...this.#localOpen() });
    this.#timers.armHold(LARGE_HOLD_MS);
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
    return this.#sendOpen(conn, 'tcp-accepted');
  }

  #collisionCandidate(conn: Connection): void {
    if (this.#links.candidate(conn)) this.#out(conn, { type: 'open', ...this.#localOpen() });
  }

  #receiveOpen(conn: Connection, open: M.OpenMessage): Transition | undefined {
    const keep = this.#links.resolve(conn, open.bgpId);
    if (keep !== conn) return undefined;
    const n = negotiate(this.config, this.#localOpen(), open);
    if (n instanceof WireError) {
      this.#fail(n.code, n.message);
      this.#notify(N.notificationFor(n));
      return { next: 'Idle', reason: 'open-rejected' };
    }
    this.#negotiated = n;
    conn.setContexts(n.rx, n.tx);
    this.#out(conn, { type: 'keepalive' });
    if (n.holdTime === 0) this.#timers.cancelHold();
    else this.#timers.armHold(n.holdTime * 1000);
    return { next: 'OpenConfirm', reason: 'open-received' };
  }

  #receiveUpdate(m: M.UpdateMessage, n: Negotiated): Transition | undefined {
    const o = checkUpdate(m, n, this.config);
    if (o.kind === 'reset') return this.#wireError(o.error);
    if (o.kind === 'update') this.#deps.handlers.update?.(this, o.decoded);
    else this.#deps.handlers.endOfRib?.(this, o.family);
    return undefined;
  }

  #receiveRefresh(m: M.RouteRefreshMessage, n: Negotiated): void {
    const o = checkRefresh(m, n, this.#refresh);
    if (o === 'request') this.#deps.handlers.routeRefresh?.(this, familyKey(m.afi, m.safi), m.subtype);
    if (o === 'ignored')
      this.#deps.log.debug({ peer: this.config.peerAddress, ...m }, 'ROUTE-REFRESH ignored');
  }

  #wireError(e: WireError): Transition {
    this.#fail(e.code, e.message);
    this.#notify(N.notificationFor(e));
    return { next: 'Idle', reason: 'message-error' };
  }

  #notified(conn: Connection, m: M.NotificationMessage): Transition | undefined {
    if (conn !== this.#links.current) {
      this.#links.dropPending();
      return undefined;
    }
    this.#ending = { direction: 'received', code: m.code, subcode: m.subcode };
    this.#fail(SESSION_ERR.notificationReceived, notificationText(m));
    return { next: 'Idle', reason: 'notification-received' };
  }

  #fsmError(subcode: number, got: string): Transition {
    const e = fsmError(subcode, got, this.#state);
    this.#fail(e.code, e.message);
    this.#notify(N.notificationFor(e));
    return { next: 'Idle', reason: 'fsm-error' };
  }

  #notify(n: N.Notification): void {
    const conn = this.#links.current;
    if (conn && !conn.closed) {
      this.#ending = { direction: 'sent', code: n.code, subcode: n.subcode };
      this.#out(conn, { type: 'notification', ...n });
    }
  }

  #enterIdle(from: State, reason: Reason): void {
    this.#timers.cancelAll();
    this.#refresh.clear();
    this.#links.dropCurrent();
    this.#links.dropPending();
    if (from === 'Established') {
      this.#flaps++;
      const end: SessionEnd = { reason, ...(this.#ending ? { notification: this.#ending } : {}) };
      const stale = staleFamilies(this.#negotiated, this.config, end);
      this.#deps.handlers.down?.(this, reason, stale.length > 0, stale);
    }
    this.#negotiated = undefined;
    this.#ending = undefined;
    if (this.#enabled) this.#timers.armRetry(true);
  }

  /** RFC 4271 8.2.2: every message received restarts the hold timer (not only KEEPALIVE). */
  #restartHold(): void {
    const hold = this.#negotiated?.holdTime ?? 0;
    if (hold > 0) this.#timers.armHold(hold * 1000);
  }
}
