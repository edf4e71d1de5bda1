/**
 * Our sending side for bench/rtc.ts, run as a child process inside its namespace: a Rib holding
 * `routes` local VPNv4 routes (bench ingest's NLRI, `routes / rts` consecutive routes per route
 * target, one attributes object per RT), and one passive Session per peer address wired as the
 * daemon's speaker wires an established peer: a PeerOutbound (Adj-RIB-Out + PeerRtcFilter,
 * src/daemon/outbound.ts) fed by the RIB, the peer's UPDATEs into the RIB through `applyUpdate`
 * with its RTC NLRI to `rtcChanged`, End-of-RIB and socket drain passed on, the peer's routes
 * deleted when the session goes down.
 *
 * IPC: 'ready' once listening with the table built; 'established' per session (with whether RTC
 * was negotiated); 'stats' on request (UPDATEs sent and routes advertised per peer).
 *
 *   node --import tsx bench/rtc-sender.ts '{"listen":"…","peers":["…"],"routes":100000,"rts":1000}'
 */
import { FAMILY } from '../src/bgp/codec/index.js';
import { BgpListener } from '../src/bgp/session/listener.js';
import { Session } from '../src/bgp/session/session.js';
import { applyUpdate } from '../src/daemon/inbound.js';
import { PeerOutbound } from '../src/daemon/outbound.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/log.js';
import { Rib } from '../src/rib/rib.js';
import type { LocalSource, PeerSource } from '../src/rib/types.js';
import { rtAttributes, vpnRoute } from './ingest-generator.js';

export interface SenderArgs {
  readonly listen: string;
  readonly peers: readonly string[];
  readonly as: number;
  readonly routes: number;
  readonly rts: number;
}

export type SenderMessage =
  | { readonly type: 'ready'; readonly buildMs: number; readonly routes: number }
  | { readonly type: 'established'; readonly peer: string; readonly rtc: boolean }
  | {
      readonly type: 'stats';
      readonly peers: Record<string, { readonly updatesSent: number; readonly advertised: number }>;
    };

const send = (m: SenderMessage): void => {
  process.send?.(m);
};

const LOCAL: LocalSource = { kind: 'local', owner: 'bench-vrf' };

async function main(a: SenderArgs): Promise<void> {
  const rib = new Rib();
  const t = performance.now();
  const perRt = Math.ceil(a.routes / a.rts);
  const sets = Array.from({ length: a.rts }, (_, r) => rtAttributes(r));
  for (let i = 0; i < a.routes; i++) {
    const attributes = sets[Math.floor(i / perRt)] ?? rtAttributes(0);
    rib.set({ family: FAMILY.ipv4Vpn, nlri: vpnRoute(i), attributes, nextHop: a.listen, source: LOCAL });
  }
  const buildMs = performance.now() - t;

  const stats = new Map<string, { updatesSent: number; out: PeerOutbound | undefined }>();
  const sessions = new Map<string, Session>();
  for (const peer of a.peers) {
    const st = { updatesSent: 0, out: undefined as PeerOutbound | undefined };
    stats.set(peer, st);
    let source: PeerSource | undefined;
    const guard = { routerId: a.listen, clusterId: a.listen };
    const session: Session = new Session(
      {
        peerAddress: peer,
        port: 179,
        localAs: a.as,
        peerAs: a.as,
        routerId: a.listen,
        passive: true,
        families: [FAMILY.ipv4Vpn, FAMILY.rtc],
        holdTime: 90,
        connectRetry: 5,
        gracefulRestart: { enabled: false, restartTime: 0 },
      },
      {
        clock: systemClock,
        log: silentLogger,
        handlers: {
          established: (_s, n) => {
            source = {
              kind: 'peer',
              address: peer,
              peerAs: n.peerAs,
              localAs: a.as,
              bgpId: n.peerBgpId,
              rrClient: false,
            };
            st.out = new PeerOutbound(session, source, n, {
              rib,
              clock: systemClock,
              log: silentLogger,
              localAddress: a.listen,
              routerId: a.listen,
              clusterId: a.listen,
              onSent: (count) => {
                st.updatesSent += count;
              },
            });
            st.out.start();
            send({ type: 'established', peer, rtc: n.families.includes(FAMILY.rtc) });
          },
          update: (_s, decoded) => {
            const out = st.out;
            if (source === undefined) return;
            applyUpdate(rib, source, decoded, guard, (nlri, up) => {
              out?.rtcChanged(nlri, up);
            });
          },
          endOfRib: (_s, family) => {
            st.out?.peerEndOfRib(family);
          },
          drain: () => {
            st.out?.pump();
          },
          down: () => {
            st.out?.close();
            st.out = undefined;
            if (source !== undefined) rib.deleteSource(source);
          },
        },
      },
    );
    sessions.set(peer, session);
  }
  const listener = new BgpListener(
    {
      accept: (peer, socket) => {
        const s = sessions.get(peer);
        if (s === undefined) return false;
        s.accept(socket);
        return true;
      },
    },
    silentLogger,
  );
  await listener.listen(a.listen, 179);
  for (const s of sessions.values()) s.start();
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats') {
      const peers: Record<string, { updatesSent: number; advertised: number }> = {};
      for (const [peer, st] of stats)
        peers[peer] = {
          updatesSent: st.updatesSent,
          advertised: st.out?.advertisedCounts().get(FAMILY.ipv4Vpn) ?? 0,
        };
      send({ type: 'stats', peers });
    }
    if (m.type === 'exit') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', buildMs, routes: rib.size });
}

await main(JSON.parse(process.argv[2] ?? '{}') as SenderArgs);
