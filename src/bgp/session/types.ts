/**
 * Session-level types: a peer's configuration, the FSM states and the closed union of
 * transition reasons used by logs, metrics and status (STYLE rule 8).
 */
import type { CodecContext, FamilyKey } from '../codec/context.js';

export const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
export type State = (typeof STATES)[number];

export type Reason =
  | 'start'
  | 'stop'
  | 'admin-shutdown'
  | 'tcp-connected'
  | 'tcp-accepted'
  | 'tcp-failed'
  | 'tcp-closed'
  | 'connect-retry-expired'
  | 'open-received'
  | 'open-rejected'
  | 'keepalive-received'
  | 'hold-timer-expired'
  | 'notification-received'
  | 'notification-sent'
  | 'message-error'
  | 'fsm-error'
  | 'collision-lost'
  | 'idle-hold-expired';

/**
 * Codes of `Session.info().lastErrorCode` besides the `BGPD_ERR_WIRE_*` codes of the
 * NOTIFICATION we sent: what went wrong last, for status and tests (STYLE rule 9).
 */
export const SESSION_ERR = {
  /** The TCP connect failed (refused, unreachable). */
  connectFailed: 'BGPD_ERR_SESSION_CONNECT_FAILED',
  /** The TCP connect got no answer within the ConnectRetry time. */
  connectTimeout: 'BGPD_ERR_SESSION_CONNECT_TIMEOUT',
  /**
   * No TCP connection while an MD5 key is configured: a key mismatch (or a key on one side
   * only) makes the kernel drop the segments silently (RFC 2385 2), so this is the likely cause.
   */
  md5Suspected: 'BGPD_ERR_SESSION_MD5_SUSPECTED',
  /** The peer closed the connection without a NOTIFICATION. */
  closed: 'BGPD_ERR_SESSION_CLOSED',
  holdExpired: 'BGPD_ERR_SESSION_HOLD_EXPIRED',
  notificationReceived: 'BGPD_ERR_SESSION_NOTIFICATION_RECEIVED',
} as const;
/** One of SESSION_ERR, or the `BGPD_ERR_WIRE_*` code of the error we sent a NOTIFICATION for. */
export type SessionErrorCode = `BGPD_ERR_${string}`;

export interface GracefulRestartConfig {
  readonly enabled: boolean;
  /** Seconds a helper keeps our routes (RFC 4724 3). */
  readonly restartTime: number;
}

export interface PeerConfig {
  readonly peerAddress: string;
  readonly port: number;
  readonly localAs: number;
  readonly peerAs: number;
  readonly routerId: string;
  readonly localAddress?: string | undefined;
  readonly passive: boolean;
  /** RFC 4456: an iBGP peer whose routes we reflect and to which we reflect others'. */
  readonly routeReflectorClient?: boolean | undefined;
  /** Families offered in the OPEN. */
  readonly families: readonly FamilyKey[];
  /** Hold time offered: 0 or >= 3 seconds. */
  readonly holdTime: number;
  /** Keepalive interval; default hold/3 of the negotiated hold time. */
  readonly keepaliveTime?: number | undefined;
  /** Base of the exponential ConnectRetry backoff (seconds). */
  readonly connectRetry: number;
  readonly gracefulRestart: GracefulRestartConfig;
  readonly md5Key?: string | undefined;
  /** eBGP multihop TTL (1 for directly connected eBGP); undefined for iBGP. */
  readonly ttl?: number | undefined;
  /** Families for which we receive ADD-PATH path identifiers (RFC 7911). */
  readonly addPathReceive?: readonly FamilyKey[] | undefined;
  /** Host name announced in the FQDN capability. */
  readonly hostname?: string | undefined;
}

/** What both sides agreed on in their OPENs. */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerBgpId: string;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly families: readonly FamilyKey[];
  /** Codec context for what the peer sends (4-octet AS, ADD-PATH receive, extended message). */
  readonly rx: CodecContext;
  /** Codec context for what we send. */
  readonly tx: CodecContext;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's graceful-restart capability, if it sent one. */
  readonly peerGracefulRestart:
    | {
        readonly restarting: boolean;
        /** RFC 8538 2: the N bit (graceful restart also after a NOTIFICATION). */
        readonly notification: boolean;
        readonly restartTime: number;
        readonly families: readonly { family: FamilyKey; forwarding: boolean }[];
      }
    | undefined;
  /** The peer's FQDN capability host name, if any. */
  readonly peerHostname: string | undefined;
}
