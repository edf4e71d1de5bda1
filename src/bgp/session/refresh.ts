/**
 * Enhanced route refresh on the receiving side (RFC 7313 4.2): a BoRR marks the peer's routes
 * of one family stale, the EoRR sweeps what was not re-advertised. The tracker remembers which
 * families are between the two and bounds the wait, so stale routes never stay forever.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { REFRESH } from '../codec/constants.js';
import { familyOf, type FamilyKey } from '../codec/context.js';
import type { RouteRefreshMessage } from '../codec/message.js';
import { SessionError } from '../../lib/errors.js';
import type { Negotiated } from './types.js';

export type RefreshMarker = 'begin' | 'end';

/** RFC 7313 4.2: the upper bound on the wait for an EoRR, after which stale routes are purged. */
export const EORR_WAIT_MS = 300_000;

export class RefreshTracker {
  readonly #clock: Clock;
  readonly #emit: (family: FamilyKey, marker: RefreshMarker, timedOut: boolean) => void;
  readonly #pending = new Map<FamilyKey, TimerHandle>();

  constructor(clock: Clock, emit: (family: FamilyKey, marker: RefreshMarker, timedOut: boolean) => void) {
    this.#clock = clock;
    this.#emit = emit;
  }

  /**
   * A ROUTE-REFRESH of subtype BoRR or EoRR arrived; returns false when it is ignored (an EoRR
   * with no BoRR before it, RFC 7313 4.2).
   */
  receive(family: FamilyKey, subtype: number): boolean {
    if (subtype === REFRESH.borr) {
      // A second BoRR restarts the refresh: mark again and restart the wait.
      this.#pending.get(family)?.cancel();
      this.#pending.set(
        family,
        this.#clock.setTimeout(() => {
          this.#finish(family, true);
        }, EORR_WAIT_MS),
      );
      this.#emit(family, 'begin', false);
      return true;
    }
    if (subtype === REFRESH.eorr && this.#pending.has(family)) {
      this.#finish(family, false);
      return true;
    }
    return false;
  }

  /** The session went down: pending refreshes end with it (graceful restart takes over). */
  clear(): void {
    for (const t of this.#pending.values()) t.cancel();
    this.#pending.clear();
  }

  #finish(family: FamilyKey, timedOut: boolean): void {
    this.#pending.get(family)?.cancel();
    this.#pending.delete(family);
    this.#emit(family, 'end', timedOut);
  }
}

/**
 * RFC 7313 4: the BoRR or EoRR to send around a re-advertisement of `family`. Throws
 * `BGPD_ERR_SESSION_NO_ENHANCED_REFRESH` when the peer did not advertise the capability.
 */
export function markerMessage(
  n: Negotiated | undefined,
  peer: string,
  family: FamilyKey,
  marker: RefreshMarker,
): RouteRefreshMessage {
  if (n?.enhancedRouteRefresh !== true)
    throw new SessionError(
      'BGPD_ERR_SESSION_NO_ENHANCED_REFRESH',
      `${peer} did not advertise enhanced route refresh`,
    );
  const subtype = marker === 'begin' ? REFRESH.borr : REFRESH.eorr;
  return { type: 'route-refresh', ...familyOf(family), subtype };
}
