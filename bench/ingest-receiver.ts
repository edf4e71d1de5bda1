/**
 * Our receiver for bench/ingest.ts, run as a child process (inside the receiver's namespace):
 * a BgpListener and a passive Session that decode every UPDATE and insert every NLRI into a
 * `new Rib()` through the daemon's inbound path (`applyUpdate`). It reports over the IPC
 * channel: 'ready' when listening, 'established', then 'done' once the RIB holds `target`
 * routes (and 'count' on request).
 *
 *   node --import tsx bench/ingest-receiver.ts '{"listen":"…","peer":"…","target":100000}'
 */
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/log.js';
import { FAMILY } from '../src/bgp/codec/context.js';
import { BgpListener } from '../src/bgp/session/listener.js';
import { Session } from '../src/bgp/session/session.js';
import { applyUpdate } from '../src/daemon/inbound.js';
import { Rib } from '../src/rib/rib.js';
import type { PeerSource } from '../src/rib/types.js';

export interface ReceiverArgs {
  readonly listen: string;
  readonly peer: string;
  readonly target: number;
  readonly as: number;
}

export type ReceiverMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'established' }
  | { readonly type: 'done'; readonly routes: number; readonly updates: number }
  | { readonly type: 'count'; readonly routes: number; readonly updates: number };

const send = (m: ReceiverMessage): void => {
  process.send?.(m);
};

async function main(a: ReceiverArgs): Promise<void> {
  const rib = new Rib();
  let updates = 0;
  let done = false;
  let source: PeerSource | undefined;
  const session = new Session(
    {
      peerAddress: a.peer,
      port: 179,
      localAs: a.as,
      peerAs: a.as,
      routerId: a.listen,
      passive: true,
      families: [FAMILY.ipv4Vpn],
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
            address: a.peer,
            peerAs: n.peerAs,
            localAs: a.as,
            bgpId: n.peerBgpId,
            rrClient: false,
          };
          send({ type: 'established' });
        },
        update: (_s, decoded) => {
          if (source === undefined) return;
          applyUpdate(rib, source, decoded, { routerId: a.listen, clusterId: a.listen });
          updates++;
          if (!done && rib.size >= a.target) {
            done = true;
            send({ type: 'done', routes: rib.size, updates });
          }
        },
      },
    },
  );
  const listener = new BgpListener(
    { accept: (peer, socket) => (peer === a.peer ? (session.accept(socket), true) : false) },
    silentLogger,
  );
  await listener.listen(a.listen, 179);
  session.start();
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'count') send({ type: 'count', routes: rib.size, updates });
    if (m.type === 'exit') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

await main(JSON.parse(process.argv[2] ?? '{}') as ReceiverArgs);
