/**
 * What an incoming UPDATE, ROUTE-REFRESH or unexpected message means for an Established
 * session, as values the state machine acts on: End-of-RIB (RFC 4724 2), a checked UPDATE
 * (RFC 7606), a refresh request or marker (RFC 2918, RFC 7313), or the error to send.
 */
import { REFRESH } from '../codec/constants.js';
import { familyKey, type FamilyKey } from '../codec/context.js';
import { WireError } from '../codec/errors.js';
import type { NotificationMessage, RouteRefreshMessage, UpdateMessage } from '../codec/message.js';
import { ERR } from '../codec/notify.js';
import { decodeNotification } from '../codec/notification.js';
import { HARD_RESET } from './graceful-restart.js';
import { isEndOfRib, type DecodedUpdate } from '../codec/update.js';
import { validateUpdate } from '../codec/validate.js';
import type { RefreshTracker } from './refresh.js';
import type { Negotiated, PeerConfig } from './types.js';

export type UpdateOutcome =
  | { readonly kind: 'end-of-rib'; readonly family: FamilyKey }
  | { readonly kind: 'update'; readonly decoded: DecodedUpdate }
  | { readonly kind: 'reset'; readonly error: WireError };

export function checkUpdate(m: UpdateMessage, n: Negotiated, c: PeerConfig): UpdateOutcome {
  const eor = isEndOfRib(m.update);
  if (eor) return { kind: 'end-of-rib', family: familyKey(eor.afi, eor.safi) };
  const decoded = validateUpdate(m, {
    ebgp: n.peerAs !== c.localAs,
    localAs: c.localAs,
    peerAs: n.peerAs,
    routerId: c.routerId,
  });
  // RFC 7606 2: where AFI/SAFI disable is called for, session reset is the fallback we use.
  const disable = decoded.problems.find((p) => p.action === 'afisafi-disable');
  return disable ? { kind: 'reset', error: disable } : { kind: 'update', decoded };
}

/**
 * A ROUTE-REFRESH: 'request' (RFC 2918, re-advertise the family), 'marker' (a BoRR/EoRR the
 * tracker handled) or 'ignored' (a family not negotiated, RFC 2918 4; a marker without the
 * capability or an EoRR without BoRR; any other subtype, RFC 7313 5).
 */
export function checkRefresh(
  m: RouteRefreshMessage,
  n: Negotiated,
  tracker: RefreshTracker,
): 'request' | 'marker' | 'ignored' {
  const family = familyKey(m.afi, m.safi);
  if (!n.families.includes(family)) return 'ignored';
  if (m.subtype === REFRESH.normal) return 'request';
  return n.enhancedRouteRefresh && tracker.receive(family, m.subtype) ? 'marker' : 'ignored';
}

/** RFC 6608 4: an unexpected message; the subcode says in which state it arrived. */
export function fsmError(subcode: number, got: string, state: string): WireError {
  return new WireError(
    { errorCode: ERR.fsm, subcode, action: 'session-reset' },
    `unexpected ${got} in ${state}`,
  );
}

/** "NOTIFICATION received 6/2: message", with the Cease inside a Hard Reset (RFC 8538 3.1) shown. */
export function notificationText(m: NotificationMessage): string {
  const text = `NOTIFICATION received ${m.code}/${m.subcode}`;
  if (m.code === ERR.cease && m.subcode === HARD_RESET && m.data.length >= 2) {
    const inner = decodeNotification(m.data);
    return `${text} (hard reset of ${inner.code}/${inner.subcode}${inner.shutdown === undefined ? '' : `: ${inner.shutdown}`})`;
  }
  return m.shutdown === undefined ? text : `${text}: ${m.shutdown}`;
}
