/**
 * Graceful restart decisions of the receiving speaker (RFC 4724 4.2) and its notification
 * extension (RFC 8538): which families of a peer's routes to keep as stale when the session
 * leaves Established, and how a hard Cease is sent once the N bit was exchanged.
 */
import { GR_FLAG } from '../codec/constants.js';
import type { FamilyKey } from '../codec/context.js';
import { CEASE, ERR } from '../codec/notify.js';
import type { Notification } from '../codec/notification.js';
import { Writer } from '../../lib/writer.js';
import type { Negotiated, PeerConfig, Reason } from './types.js';

/** How the session ended: the NOTIFICATION sent or received on the way down, if any. */
export interface SessionEnd {
  readonly reason: Reason;
  readonly notification?: {
    readonly direction: 'sent' | 'received';
    readonly code: number;
    readonly subcode: number;
  };
}

/** RFC 8538 3: Hard Reset, the Cease subcode that bypasses graceful restart. */
export const HARD_RESET = 9;

/**
 * RFC 8538 5: the Cease subcodes a speaker treats as a hard reset even when they arrive
 * without the Hard Reset wrapper (Maximum Prefixes, Administrative Shutdown, Peer
 * De-configured, Administrative Reset), besides Hard Reset itself.
 */
const HARD_CEASES: ReadonlySet<number> = new Set([
  CEASE.maxPrefixes,
  CEASE.adminShutdown,
  CEASE.peerDeconfigured,
  CEASE.adminReset,
  HARD_RESET,
]);

/** RFC 8538 2: both OPENs carried the N bit (we always set it when GR is enabled). */
export function notificationGr(n: Negotiated, c: PeerConfig): boolean {
  return c.gracefulRestart.enabled && n.peerGracefulRestart?.notification === true;
}

/** Whether this end keeps the peer's routes: RFC 4724 4.2 without the N bit, RFC 8538 4 with it. */
function retains(end: SessionEnd, nBit: boolean): boolean {
  // Our own stop is a deliberate teardown: routes go (RFC 8538 5 sends it as Hard Reset).
  if (end.reason === 'stop' || end.reason === 'admin-shutdown') return false;
  const note = end.notification;
  // RFC 4724 4.2: a TCP session that ends without a NOTIFICATION invokes the helper procedures.
  if (note === undefined) return true;
  // RFC 8538 4: with the N bit, a NOTIFICATION (or hold timer expiry) does too, except a hard Cease.
  return nBit && !(note.code === ERR.cease && HARD_CEASES.has(note.subcode));
}

/**
 * The families whose routes from this peer are kept as stale (empty: delete them). Only
 * families negotiated on the session and listed in the peer's graceful-restart capability
 * qualify (RFC 4724 4.2), and only when we offered the capability ourselves.
 */
export function staleFamilies(
  n: Negotiated | undefined,
  c: PeerConfig,
  end: SessionEnd,
): readonly FamilyKey[] {
  const gr = n?.peerGracefulRestart;
  if (n === undefined || gr === undefined || !c.gracefulRestart.enabled) return [];
  if (!retains(end, notificationGr(n, c))) return [];
  return gr.families.map((f) => f.family).filter((f) => n.families.includes(f));
}

/**
 * RFC 8538 3.1: once the N bit was exchanged, a Cease that must not leave stale routes behind is
 * sent as Hard Reset whose data carries the original code, subcode and data.
 */
export function asHardReset(note: Notification): Notification {
  if (note.code !== ERR.cease || !HARD_CEASES.has(note.subcode) || note.subcode === HARD_RESET) return note;
  const data = new Writer(note.data.length + 2).u8(note.code).u8(note.subcode).bytes(note.data).finish();
  return { code: ERR.cease, subcode: HARD_RESET, data };
}

/**
 * The Cease to send for our own stop: none for a graceful stop once graceful restart was
 * negotiated (RFC 4724 4: the peer sees the TCP session end and keeps our routes), else wrapped
 * in Hard Reset when the N bit was exchanged (RFC 8538 5), else as is.
 */
export function ceaseFor(
  n: Negotiated | undefined,
  c: PeerConfig,
  note: Notification,
  graceful: boolean,
): Notification | undefined {
  if (n === undefined) return note;
  if (graceful && c.gracefulRestart.enabled && n.peerGracefulRestart !== undefined) return undefined;
  return notificationGr(n, c) ? asHardReset(note) : note;
}

/** RFC 4724 3 restart flags of our OPEN. */
export function restartFlags(restarting: boolean): number {
  return (restarting ? GR_FLAG.restart : 0) | GR_FLAG.notification;
}

/** RFC 4724 3: whether the F bit is set for `family` given what the daemon kept. */
export function forwardingKept(kept: boolean | readonly FamilyKey[], family: FamilyKey): boolean {
  return typeof kept === 'boolean' ? kept : kept.includes(family);
}
