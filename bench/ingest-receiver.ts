/**
 * Our receiver for bench/ingest.ts, run as a child process (inside the receiver's namespace):
 * a BgpListener and a passive Session that decode every UPDATE and insert every NLRI into a
 * `new Rib()` through the daemon's inbound path (`applyUpdate`). It reports over the IPC
 * channel: 'ready' when listening, 'established', then 'done' once the RIB holds `target`
 * routes (and 'count' on request). For bench/withdraw.ts: 'empty' once the RIB is empty again
 * after a 'done' (withdrawn, or the session went down: the peer's routes are deleted as the
 * speaker does without graceful restart), after which 'done' is armed again. For
 * bench/memory.ts: 'memory' on request, after a full GC when run with `--expose-gc`.
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
  | { readonly type: 'count'; readonly routes: number; readonly updates: number }
  | { readonly type: 'empty'; readonly updates: number }
  | {
      readonly type: 'memory';
      readonly gc: boolean;
      readonly rss: number;
      readonly heapUsed: number;
      readonly external: number;
      readonly arrayBuffers: number;
    };

const send = (m: ReceiverMessage): void => {
  process.send?.(m);
};

async function main(a: ReceiverArgs): Promise<void> {
  const rib = new Rib();
  let updates = 0;
  let done = false;
  let source: PeerSource | undefined;
  const checkEmpty = (): void => {
    if (done && rib.size === 0) {
      done = false;
      send({ type: 'empty', updates });
    }
  };
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
        down: () => {
          if (source !== undefined) rib.deleteSource(source);
          checkEmpty();
        },
        update: (_s, decoded) => {
          if (source === undefined) return;
          applyUpdate(rib, source, decoded, { routerId: a.listen, clusterId: a.listen });
          updates++;
          if (!done && rib.size >= a.target) {
            done = true;
            send({ type: 'done', routes: rib.size, updates });
          }
          checkEmpty();
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
    if (m.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const u = process.memoryUsage();
      send({
        type: 'memory',
        gc: gc !== undefined,
        rss: u.rss,
        heapUsed: u.heapUsed,
        external: u.external,
        arrayBuffers: u.arrayBuffers,
      });
    }
    if (m.type === 'exit') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

await main(JSON.parse(process.argv[2] ?? '{}') as ReceiverArgs);
