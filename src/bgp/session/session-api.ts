/**
 * The contract of a `Session` (session.ts): the handlers it calls, what it is built with, the
 * events its state machine consumes and the facts it reports. Generic in the session type so
 * that this file does not import the class.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { FamilyKey } from '../codec/context.js';
import type { WireError } from '../codec/errors.js';
import type { Message, OutMessage } from '../codec/message.js';
import type { Notification } from '../codec/notification.js';
import type { DecodedUpdate } from '../codec/update.js';
import type { Connection } from './connection.js';
import type { OpenOptions } from './negotiate.js';
import type { RefreshMarker } from './refresh.js';
import type { ConnectOptions } from './socket-options.js';
import type { Negotiated, Reason, SessionErrorCode, State } from './types.js';

export interface Handlers<S> {
  stateChanged?(s: S, from: State, to: State, reason: Reason): void;
  established?(s: S, n: Negotiated): void;
  /**
   * The session left Established. `retainStale`: keep the peer's routes of `staleFamilies` as
   * stale (RFC 4724 4.2 helper, RFC 8538 4); the others are deleted.
   */
  down?(s: S, reason: Reason, retainStale: boolean, staleFamilies: readonly FamilyKey[]): void;
  update?(s: S, u: DecodedUpdate): void;
  endOfRib?(s: S, family: FamilyKey): void;
  /** RFC 2918: the peer asks us to re-advertise `family` (subtype 0). */
  routeRefresh?(s: S, family: FamilyKey, subtype: number): void;
  /**
   * RFC 7313 4.2: BoRR ('begin': mark the peer's routes of `family` stale) and EoRR ('end':
   * sweep the ones still stale). `timedOut`: no EoRR came within `EORR_WAIT_MS`.
   */
  refreshMarker?(s: S, family: FamilyKey, marker: RefreshMarker, timedOut: boolean): void;
  drain?(s: S): void;
  /** Every message in and out; `m` is the message itself (a NOTIFICATION carries its code). */
  message?(s: S, direction: 'in' | 'out', type: Message['type'], m: Message | OutMessage): void;
}

export interface Deps<S> {
  readonly clock: Clock;
  readonly log: Logger;
  readonly handlers: Handlers<S>;
  readonly connect?: (o: ConnectOptions) => Socket;
  readonly random?: () => number;
  /** Graceful-restart facts of this daemon start (RFC 4724). */
  readonly openOptions?: OpenOptions;
}

export type Event =
  | { readonly type: 'start' }
  | {
      readonly type: 'stop';
      readonly notification: Notification;
      readonly graceful: boolean;
      readonly reason: Reason;
    }
  | { readonly type: 'connected'; readonly conn: Connection }
  | { readonly type: 'connect-failed'; readonly error: string }
  | { readonly type: 'accepted'; readonly conn: Connection }
  | { readonly type: 'closed'; readonly conn: Connection; readonly error: string | undefined }
  | { readonly type: 'message'; readonly conn: Connection; readonly m: Message }
  | { readonly type: 'wire-error'; readonly conn: Connection; readonly error: WireError }
  | { readonly type: 'hold-expired' }
  | { readonly type: 'retry-expired' };

export interface Transition {
  readonly next: State;
  readonly reason: Reason;
}

export interface SessionInfo {
  readonly state: State;
  readonly previousState: State;
  readonly lastTransitionTime: number;
  readonly lastError: string | undefined;
  readonly lastErrorCode: SessionErrorCode | undefined;
  readonly flaps: number;
}
