/**
 * Our OPEN, and the agreement with the peer's OPEN (RFC 4271 4.2, RFC 5492, RFC 6793,
 * RFC 4724, RFC 7911, RFC 8654, RFC 2918, RFC 7313).
 */
import { ADD_PATH, AS_TRANS, GR_FAMILY_FLAG, GR_FLAG } from '../codec/constants.js';
import { familyKey, familyOf, type FamilyKey } from '../codec/context.js';
import { commonFamilies, negotiate as contextsOf } from '../codec/negotiate.js';
import type { Capability } from '../codec/capabilities/types.js';
import { WireError } from '../codec/errors.js';
import { ERR, OPEN_ERR } from '../codec/notify.js';
import type { Open } from '../codec/open.js';
import { peerAsOf, validateOpen } from '../codec/validate.js';
import { forwardingKept, restartFlags } from './graceful-restart.js';
import type { Negotiated, PeerConfig } from './types.js';

export interface OpenOptions {
  /** RFC 4724 3: set the Restart State bit (we restarted and the peer should keep our routes). */
  readonly restarting: boolean;
  /**
   * RFC 4724 3: the families whose forwarding state we kept across the restart (F bit), or
   * `true`/`false` for all of them.
   */
  readonly forwardingKept: boolean | readonly FamilyKey[];
}

export function buildOpen(c: PeerConfig, o: OpenOptions): Open {
  const caps: Capability[] = c.families.map((f) => ({ type: 'multiprotocol', ...familyOf(f) }));
  caps.push({ type: 'route-refresh' }, { type: 'enhanced-route-refresh' }, { type: 'as4', asn: c.localAs });
  caps.push({ type: 'extended-message' });
  if (c.gracefulRestart.enabled) {
    caps.push({
      type: 'graceful-restart',
      flags: restartFlags(o.restarting),
      restartTime: c.gracefulRestart.restartTime,
      families: c.families.map((f) => ({
        ...familyOf(f),
        flags: forwardingKept(o.forwardingKept, f) ? GR_FAMILY_FLAG.forwarding : 0,
      })),
    });
  }
  if (c.addPathReceive && c.addPathReceive.length > 0) {
    caps.push({
      type: 'add-path',
      families: c.addPathReceive.map((f) => ({ ...familyOf(f), sendReceive: ADD_PATH.receive })),
    });
  }
  if (c.hostname !== undefined) caps.push({ type: 'fqdn', hostname: c.hostname.slice(0, 64), domain: '' });
  return {
    version: 4,
    myAs: c.localAs > 0xffff ? AS_TRANS : c.localAs,
    holdTime: c.holdTime,
    bgpId: c.routerId,
    capabilities: caps,
  };
}

function capsOf<T extends Capability['type']>(o: Open, type: T): Extract<Capability, { type: T }>[] {
  return o.capabilities.filter((c): c is Extract<Capability, { type: T }> => c.type === type);
}

const has = (o: Open, type: Capability['type']): boolean => o.capabilities.some((c) => c.type === type);

function unsupported(message: string, data: Uint8Array): WireError {
  return new WireError(
    { errorCode: ERR.open, subcode: OPEN_ERR.unsupportedCapability, action: 'session-reset', data },
    message,
  );
}

function gracefulRestartOf(peer: Open): Negotiated['peerGracefulRestart'] {
  const gr = capsOf(peer, 'graceful-restart')[0];
  if (gr === undefined) return undefined;
  return {
    restarting: (gr.flags & GR_FLAG.restart) !== 0,
    notification: (gr.flags & GR_FLAG.notification) !== 0,
    restartTime: gr.restartTime,
    families: gr.families.map((f) => ({
      family: familyKey(f.afi, f.safi),
      forwarding: (f.flags & GR_FAMILY_FLAG.forwarding) !== 0,
    })),
  };
}

/**
 * Agree with the peer's OPEN, or return the NOTIFICATION-carrying error to send:
 * RFC 4271 6.2 checks, then RFC 5492 5 when no family is in common.
 */
export function negotiate(c: PeerConfig, local: Open, peer: Open): Negotiated | WireError {
  const invalid = validateOpen(peer, { peerAs: c.peerAs, localAs: c.localAs, localBgpId: c.routerId });
  if (invalid) return invalid;
  const families = [...commonFamilies(local, peer)];
  if (families.length === 0) {
    // RFC 5492 5: data lists the capabilities we need (our multiprotocol capabilities).
    const data = Uint8Array.from(
      c.families.flatMap((f) => {
        const { afi, safi } = familyOf(f);
        return [1, 4, afi >> 8, afi & 255, 0, safi];
      }),
    );
    return unsupported('no address family in common', data);
  }
  // RFC 4271 4.2: the hold time is the smaller of the two; 0 means no keepalives at all.
  const holdTime = Math.min(c.holdTime, peer.holdTime);
  const keepaliveTime =
    holdTime === 0 ? 0 : Math.min(c.keepaliveTime ?? Math.floor(holdTime / 3), Math.floor(holdTime / 3)) || 1;
  const { rx, tx } = contextsOf(local, peer);
  return {
    peerAs: peerAsOf(peer),
    peerBgpId: peer.bgpId,
    holdTime,
    keepaliveTime,
    families,
    rx,
    tx,
    routeRefresh: has(peer, 'route-refresh'),
    enhancedRouteRefresh: has(peer, 'enhanced-route-refresh'),
    peerGracefulRestart: gracefulRestartOf(peer),
    peerHostname: capsOf(peer, 'fqdn')[0]?.hostname,
  };
}
