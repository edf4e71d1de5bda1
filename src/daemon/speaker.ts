/**
 * The BGP speaker: one `Session` per configured peer, the passive listener, and the glue
 * between sessions and the RIB. Routes a peer sends go into the RIB (inbound.ts); what we send
 * each peer comes from its Adj-RIB-Out (outbound.ts). Graceful restart as helper (RFC 4724
 * 4.2): when a session that negotiated GR drops, the peer's routes stay as stale until its
 * End-of-RIB per family or the restart timer, then the stale ones are swept.
 *
 * `setPeers` takes the whole set (STYLE rule 12) and does the diff: a peer whose config
 * changed is restarted, a removed one is stopped with an RFC 8203 message and its routes leave.
 */
import type { Socket } from 'node:net';
import type { FamilyKey, Message, Nlri } from '../bgp/codec/index.js';
import { BgpListener } from '../bgp/session/listener.js';
import type { OpenOptions } from '../bgp/session/negotiate.js';
import { Session, type SessionDeps, type SessionHandlers } from '../bgp/session/session.js';
import type { Negotiated, PeerConfig, Reason, State } from '../bgp/session/types.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { PeerSource, RibApi } from '../rib/types.js';
import { applyUpdate } from './inbound.js';
import { samePeerConfig } from './peer-config.js';
import { PeerOutbound, type OutboundOptions } from './outbound.js';

export interface SpeakerOptions {
  readonly rib: RibApi;
  readonly clock: Clock;
  readonly log: Logger;
  /** Our address on the wire: next hop self, RTC routes. */
  readonly localAddress: string;
  /** RFC 4456 cluster id when some peers are route-reflector clients (default: router id). */
  readonly clusterId?: string;
  /** Facts of this start for the GR capability (RFC 4724 3). */
  readonly openOptions?: OpenOptions;
  /** Tests inject a connector. */
  readonly connect?: SessionDeps['connect'];
  readonly outbound?: Partial<OutboundOptions>;
  /** Each End-of-RIB a peer sends, once its routes are in the RIB (RFC 4724 4.1 deferral). */
  readonly onEndOfRib?: (peer: string, family: FamilyKey) => void;
}

export interface PeerCounters {
  readonly messagesIn: Record<string, number>;
  readonly messagesOut: Record<string, number>;
  /** Routes announced and withdrawn by the peer, per family name, over the daemon's life. */
  readonly announced: Map<FamilyKey, number>;
  readonly withdrawn: Map<FamilyKey, number>;
  readonly staleSwept: number;
}

export interface PeerStatus {
  readonly address: string;
  readonly config: PeerConfig;
  readonly state: State;
  readonly previousState: State;
  readonly lastTransitionTime: number;
  readonly lastError: string | undefined;
  readonly flaps: number;
  readonly negotiated: Negotiated | undefined;
  readonly counters: PeerCounters;
  /** Routes in the RIB from this peer, per family (stale ones included). */
  readonly received: Map<FamilyKey, number>;
  readonly stale: number;
  /** Routes advertised to the peer now, per family. */
  readonly advertised: Map<FamilyKey, number>;
}

class Peer {
  readonly counters = {
    messagesIn: {} as Record<string, number>,
    messagesOut: {} as Record<string, number>,
    announced: new Map<FamilyKey, number>(),
    withdrawn: new Map<FamilyKey, number>(),
    staleSwept: 0,
  };
  source: PeerSource | undefined;
  out: PeerOutbound | undefined;
  restartTimer: TimerHandle | undefined;

  constructor(
    readonly config: PeerConfig,
    readonly session: Session,
  ) {}
}

const add = (m: Map<FamilyKey, number>, from: Map<FamilyKey, number>): void => {
  for (const [f, n] of from) m.set(f, (m.get(f) ?? 0) + n);
};

export class Speaker {
  readonly #o: SpeakerOptions;
  readonly #peers = new Map<string, Peer>();
  readonly #listener: BgpListener;
  #stopped = false;

  constructor(options: SpeakerOptions) {
    this.#o = options;
    this.#listener = new BgpListener(
      { accept: (address, socket) => this.#accept(address, socket) },
      options.log.child({ component: 'listener' }),
    );
  }

  /** Listen for peers (`[BGP] listen`); resolves with the port. */
  listen(address: string, port: number): Promise<number> {
    return this.#listener.listen(address, port);
  }

  /** The whole set of peers; sessions are added, restarted or removed to match. */
  setPeers(configs: readonly PeerConfig[]): void {
    if (this.#stopped) return;
    const wanted = new Map(configs.map((c) => [c.peerAddress, c]));
    for (const [address, peer] of this.#peers) {
      const c = wanted.get(address);
      if (c === undefined || !samePeerConfig(c, peer.config))
        this.#remove(peer, 'peer removed from configuration');
    }
    for (const [address, c] of wanted) if (!this.#peers.has(address)) this.#add(c);
  }

  peers(): PeerStatus[] {
    return [...this.#peers.values()].map((p) => this.#status(p));
  }

  peer(address: string): PeerStatus | undefined {
    const p = this.#peers.get(address);
    return p && this.#status(p);
  }

  /** The RIB source of every peer that has been Established (its routes may be in the RIB). */
  sources(): PeerSource[] {
    return [...this.#peers.values()].flatMap((p) => p.source ?? []);
  }

  /**
   * Stop every session and close the listener: a Cease with an RFC 8203 message, or with
   * `graceful` (a restart) no NOTIFICATION to peers that negotiated graceful restart, so they
   * keep our routes until we are back (RFC 4724 4).
   */
  async stop(message = 'daemon stopping', options: { graceful?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    for (const p of this.#peers.values()) {
      p.restartTimer?.cancel();
      p.out?.close();
      p.session.stop(message, options);
    }
    this.#peers.clear();
    await this.#listener.close();
  }

  #accept(address: string, socket: Socket): boolean {
    const p = this.#peers.get(address);
    if (p === undefined) return false;
    p.session.accept(socket);
    return true;
  }

  #add(config: PeerConfig): void {
    const log = this.#o.log.child({ peer: config.peerAddress });
    // The handlers reach this session's own Peer (not a later one with the same address).
    const holder: { peer?: Peer } = {};
    const handlers = this.#handlers(() => holder.peer);
    const session = new Session(config, {
      clock: this.#o.clock,
      log,
      handlers,
      ...(this.#o.connect ? { connect: this.#o.connect } : {}),
      ...(this.#o.openOptions ? { openOptions: this.#o.openOptions } : {}),
    });
    const peer = new Peer(config, session);
    holder.peer = peer;
    this.#peers.set(config.peerAddress, peer);
    this.#listener.setMd5(config.peerAddress, config.md5Key);
    session.start();
  }

  #remove(peer: Peer, message: string): void {
    this.#peers.delete(peer.config.peerAddress);
    peer.restartTimer?.cancel();
    peer.out?.close();
    peer.out = undefined;
    peer.session.stop(message);
    this.#listener.setMd5(peer.config.peerAddress, undefined);
    if (peer.source) this.#o.rib.deleteSource(peer.source);
  }

  #handlers(get: () => Peer | undefined): SessionHandlers {
    const count = (rec: Record<string, number>, type: Message['type']): void => {
      rec[type] = (rec[type] ?? 0) + 1;
    };
    return {
      message: (_s, direction, type) => {
        const p = get();
        if (p) count(direction === 'in' ? p.counters.messagesIn : p.counters.messagesOut, type);
      },
      established: (_s, n) => {
        const p = get();
        if (p) this.#established(p, n);
      },
      down: (_s, reason, retainStale, staleFamilies) => {
        const p = get();
        if (p) this.#down(p, reason, retainStale ? staleFamilies : []);
      },
      update: (_s, decoded) => {
        const p = get();
        if (p?.source === undefined) return;
        const out = p.out;
        const guard = { routerId: p.config.routerId, clusterId: this.#o.clusterId ?? p.config.routerId };
        const onRtc = out
          ? (n: Nlri, up: boolean) => {
              out.rtcChanged(n, up);
            }
          : undefined;
        const c = applyUpdate(this.#o.rib, p.source, decoded, guard, onRtc);
        add(p.counters.announced, c.announced);
        add(p.counters.withdrawn, c.withdrawn);
      },
      endOfRib: (_s, family) => {
        const p = get();
        if (p) this.#endOfRib(p, family);
      },
      routeRefresh: (_s, family) => {
        get()?.out?.resend(family);
      },
      drain: () => {
        get()?.out?.pump();
      },
    };
  }

  #established(p: Peer, n: Negotiated): void {
    const c = p.config;
    p.source = {
      kind: 'peer',
      address: c.peerAddress,
      peerAs: n.peerAs,
      localAs: c.localAs,
      bgpId: n.peerBgpId,
      rrClient: c.routeReflectorClient === true,
    };
    this.#sweepUnpreserved(p, n);
    p.out = new PeerOutbound(p.session, p.source, n, {
      rib: this.#o.rib,
      clock: this.#o.clock,
      log: this.#o.log.child({ peer: c.peerAddress }),
      localAddress: c.localAddress ?? this.#o.localAddress,
      routerId: c.routerId,
      clusterId: this.#o.clusterId ?? c.routerId,
      onSent: (n) => {
        p.counters.messagesOut['update'] = (p.counters.messagesOut['update'] ?? 0) + n;
      },
      ...this.#o.outbound,
    });
    p.out.start();
  }

  /** RFC 4724 4.2: stale routes of families the peer no longer preserves go at once. */
  #sweepUnpreserved(p: Peer, n: Negotiated): void {
    if (p.restartTimer === undefined || p.source === undefined) return;
    const kept = new Set(
      (n.peerGracefulRestart?.families ?? []).filter((f) => f.forwarding).map((f) => f.family),
    );
    for (const f of this.#staleFamilies(p.source)) {
      if (!kept.has(f)) p.counters.staleSwept += this.#o.rib.sweepStale(p.source, f);
    }
  }

  #staleFamilies(source: PeerSource): Set<FamilyKey> {
    return this.#families(source, true);
  }

  /** The families of the source's routes (only of its stale ones with `staleOnly`). */
  #families(source: PeerSource, staleOnly = false): Set<FamilyKey> {
    const families = new Set<FamilyKey>();
    for (const r of this.#o.rib.routesOf(source)) if (!staleOnly || r.stale === true) families.add(r.family);
    return families;
  }

  /** RFC 4724 4.2: routes of `staleFamilies` stay as stale, the others go at once. */
  #down(p: Peer, reason: Reason, staleFamilies: readonly FamilyKey[]): void {
    p.out?.close();
    p.out = undefined;
    const source = p.source;
    if (source === undefined) return;
    const keep = new Set(staleFamilies);
    for (const f of this.#families(source)) {
      if (keep.has(f)) continue;
      this.#o.rib.markStale(source, [f]);
      this.#o.rib.sweepStale(source, f);
    }
    if (keep.size === 0) {
      p.restartTimer?.cancel();
      p.restartTimer = undefined;
      this.#o.rib.deleteSource(source);
      return;
    }
    const stale = this.#o.rib.markStale(source, staleFamilies);
    const seconds =
      p.session.negotiated?.peerGracefulRestart?.restartTime ?? p.config.gracefulRestart.restartTime;
    this.#o.log.info(
      { peer: p.config.peerAddress, reason, stale, seconds },
      'keeping routes as stale (RFC 4724)',
    );
    p.restartTimer?.cancel();
    p.restartTimer = this.#o.clock.setTimeout(() => {
      p.restartTimer = undefined;
      const swept = this.#o.rib.sweepStale(source);
      p.counters.staleSwept += swept;
      this.#o.log.info({ peer: p.config.peerAddress, swept }, 'restart timer expired: stale routes removed');
    }, seconds * 1000);
  }

  #endOfRib(p: Peer, family: FamilyKey): void {
    p.out?.peerEndOfRib(family);
    this.#o.onEndOfRib?.(p.config.peerAddress, family);
    if (p.source === undefined) return;
    const swept = this.#o.rib.sweepStale(p.source, family);
    p.counters.staleSwept += swept;
    if (p.restartTimer !== undefined && this.#staleFamilies(p.source).size === 0) {
      p.restartTimer.cancel();
      p.restartTimer = undefined;
    }
  }

  #status(p: Peer): PeerStatus {
    const info = p.session.info();
    const received = new Map<FamilyKey, number>();
    let stale = 0;
    if (p.source) {
      for (const r of this.#o.rib.routesOf(p.source)) {
        received.set(r.family, (received.get(r.family) ?? 0) + 1);
        if (r.stale === true) stale++;
      }
    }
    return {
      address: p.config.peerAddress,
      config: p.config,
      ...info,
      negotiated: p.session.negotiated,
      counters: p.counters,
      received,
      stale,
      advertised: p.out?.advertisedCounts() ?? new Map<FamilyKey, number>(),
    };
  }
}
