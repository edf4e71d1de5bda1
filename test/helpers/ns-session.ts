/**
 * Our side of an interop test against a daemon in a namespace: a Session at the host end of the
 * veth facing the peer at `ns.nsAddress:179`, a BgpListener on a free port of the host address
 * (for peers that connect to us), and handlers that record what the session reports.
 */
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import type { FamilyKey } from '../../src/bgp/codec/context.js';
import type { NotificationMessage } from '../../src/bgp/codec/message.js';
import type { Update } from '../../src/bgp/codec/update.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import type { RefreshMarker } from '../../src/bgp/session/refresh.js';
import { Session, type SessionHandlers } from '../../src/bgp/session/session.js';
import type { PeerConfig, Reason, State } from '../../src/bgp/session/types.js';
import { freePort } from './gobgpd.js';
import type { Netns } from './netns.js';
import { peerConfig } from './peer-config.js';

export interface Recorded {
  readonly received: Update[];
  readonly eors: FamilyKey[];
  /** ROUTE-REFRESH requests from the peer (RFC 2918). */
  readonly requests: FamilyKey[];
  /** BoRR/EoRR from the peer (RFC 7313). */
  readonly markers: [FamilyKey, RefreshMarker][];
  readonly transitions: [State, Reason][];
  /** NOTIFICATIONs we sent. */
  readonly sent: NotificationMessage[];
}

export function recordingHandlers(): { rec: Recorded; handlers: SessionHandlers } {
  const rec: Recorded = { received: [], eors: [], requests: [], markers: [], transitions: [], sent: [] };
  const handlers: SessionHandlers = {
    update: (_s, u) => rec.received.push(u.update),
    endOfRib: (_s, f) => rec.eors.push(f),
    routeRefresh: (_s, f) => rec.requests.push(f),
    refreshMarker: (_s, f, m) => rec.markers.push([f, m]),
    stateChanged: (_s, _from, to, reason) => rec.transitions.push([to, reason]),
    message: (_s, dir, _type, m) => {
      if (dir === 'out' && m.type === 'notification') rec.sent.push(m);
    },
  };
  return { rec, handlers };
}

/**
 * Our session with the peer in `ns` (not started) and its listener (listening); `stops` gets the
 * cleanups, the session's after the listener's so that it runs first.
 */
export async function sessionFacing(
  ns: Netns,
  over: Partial<PeerConfig>,
  stops: (() => unknown)[],
): Promise<{ s: Session; rec: Recorded; port: number }> {
  const port = await freePort(ns.hostAddress);
  const { rec, handlers } = recordingHandlers();
  const s = new Session(
    peerConfig({
      peerAddress: ns.nsAddress,
      port: 179,
      routerId: ns.hostAddress,
      localAddress: ns.hostAddress,
      ...over,
    }),
    { clock: systemClock, log: silentLogger, handlers },
  );
  const listener = new BgpListener(
    { accept: (peer, sock) => (peer === ns.nsAddress ? (s.accept(sock), true) : false) },
    silentLogger,
  );
  await listener.listen(ns.hostAddress, port);
  stops.push(
    () => listener.close(),
    () => {
      s.stop();
    },
  );
  return { s, rec, port };
}
