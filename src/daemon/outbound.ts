/**
 * What we send one established peer: a RIB subscription whose RT interests follow the peer's
 * RT Constraint routes (RFC 4684), feeding its Adj-RIB-Out, drained into packed UPDATEs while
 * the socket accepts them (STYLE rule 7: a `false` from the socket stops the pump until
 * `drain`).
 *
 * End-of-RIB (RFC 4724 2) per negotiated family after the initial advertisement: RTC first;
 * with RTC negotiated, the VPN families' End-of-RIB waits for the peer's RTC End-of-RIB (its
 * filters are complete only then, RFC 4684 6) or `rtcWaitMs`, whichever comes first.
 */
import { FAMILY, familyOf, packReach, packUnreach, type FamilyKey, type Nlri } from '../bgp/codec/index.js';
import type { Session } from '../bgp/session/session.js';
import type { Negotiated } from '../bgp/session/types.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { AdjRibOut, type OutBatch } from '../rib/adj-rib-out.js';
import { applyChange, initialInterests, PeerRtcFilter, RTC_CONSTRAINED } from '../rib/rtc.js';
import type { PeerSource, RibApi, Subscription } from '../rib/types.js';

export interface OutboundOptions {
  readonly rib: RibApi;
  readonly clock: Clock;
  readonly log: Logger;
  readonly localAddress: string;
  readonly routerId: string;
  readonly clusterId: string;
  /** How long VPN End-of-RIB waits for the peer's RTC End-of-RIB. Default 5 s. */
  readonly rtcWaitMs?: number;
  /** Batches drained per turn of the event loop. Default 8. */
  readonly batchesPerTurn?: number;
  /** Told how many pre-encoded UPDATEs went out (the session counts only what it encodes). */
  readonly onSent?: (updates: number) => void;
}

export class PeerOutbound {
  readonly #session: Session;
  readonly #n: Negotiated;
  readonly #o: OutboundOptions;
  readonly #out: AdjRibOut;
  readonly #filter = new PeerRtcFilter();
  readonly #rtc: boolean;
  #sub: Subscription | undefined;
  #scheduled = false;
  #blocked = false;
  #closed = false;
  /** Families still owed an End-of-RIB. */
  readonly #eorOwed: Set<FamilyKey>;
  #rtcReady: boolean;
  #rtcTimer: TimerHandle | undefined;

  constructor(session: Session, peer: PeerSource, n: Negotiated, o: OutboundOptions) {
    this.#session = session;
    this.#n = n;
    this.#o = o;
    this.#out = new AdjRibOut({ peer, localAddress: o.localAddress, clusterId: o.clusterId });
    this.#rtc = n.families.includes(FAMILY.rtc);
    this.#rtcReady = !this.#rtc;
    this.#eorOwed = new Set(n.families);
  }

  start(): void {
    this.#sub = this.#o.rib.subscribe((event) => {
      this.#out.apply(event);
      this.#schedule();
    });
    for (const [family, rts] of initialInterests(this.#n.families, this.#rtc)) {
      for (const rt of rts) this.#sub.add(family, rt);
    }
    if (!this.#rtcReady) {
      this.#rtcTimer = this.#o.clock.setTimeout(() => {
        this.#rtcTimer = undefined;
        this.#o.log.info({}, 'no RTC End-of-RIB from the peer in time: sending VPN End-of-RIB');
        this.#setRtcReady();
      }, this.#o.rtcWaitMs ?? 5000);
    }
    this.#schedule();
  }

  /** The peer announced or withdrew an RT membership route (RFC 4684 4). */
  rtcChanged(nlri: Nlri, reachable: boolean): void {
    if (this.#sub === undefined || !this.#rtc || nlri.kind !== 'rtc') return;
    const change = reachable ? this.#filter.add(nlri) : this.#filter.remove(nlri);
    const families = this.#n.families.filter((f) => RTC_CONSTRAINED.includes(f));
    applyChange(this.#sub, families, change);
  }

  /** The peer's End-of-RIB for `family`. */
  peerEndOfRib(family: FamilyKey): void {
    if (family === FAMILY.rtc) this.#setRtcReady();
  }

  /** RFC 2918: the peer asked for everything of `family` again. */
  resend(family: FamilyKey): void {
    this.#out.resendAll(family);
    this.#schedule();
  }

  /** The socket drained: go on. */
  pump(): void {
    this.#blocked = false;
    this.#schedule();
  }

  advertisedCounts(): Map<FamilyKey, number> {
    return new Map(this.#n.families.map((f) => [f, this.#out.advertisedCount(f)]));
  }

  close(): void {
    this.#closed = true;
    this.#sub?.close();
    this.#sub = undefined;
    this.#rtcTimer?.cancel();
    this.#rtcTimer = undefined;
  }

  #setRtcReady(): void {
    this.#rtcTimer?.cancel();
    this.#rtcTimer = undefined;
    this.#rtcReady = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#turn();
    });
  }

  /** One turn: a few batches, then yield to the event loop so input keeps flowing. */
  #turn(): void {
    if (this.#closed || this.#blocked || this.#session.state !== 'Established') return;
    try {
      const batches = this.#out.drain(this.#o.batchesPerTurn ?? 8);
      for (const b of batches) {
        if (!this.#send(b)) this.#blocked = true;
      }
      if (this.#out.pending()) {
        if (!this.#blocked) this.#schedule();
        return;
      }
      if (!this.#blocked) this.#sendEndOfRibs();
    } catch (e) {
      this.#o.log.error({ err: errorMessage(e) }, 'sending to peer failed');
    }
  }

  #send(b: OutBatch): boolean {
    const { afi, safi } = familyOf(b.family);
    const tx = this.#n.tx;
    let ok = true;
    const send = (updates: readonly Uint8Array[]): void => {
      ok = this.#session.sendEncoded(updates) && ok;
      this.#o.onSent?.(updates.length);
    };
    if (b.unreach.length > 0) send(packUnreach(afi, safi, b.unreach, tx));
    for (const r of b.reach)
      send(packReach(r.attributes, { afi, safi, nextHop: r.nextHop, nlri: r.nlri }, tx));
    return ok;
  }

  #sendEndOfRibs(): void {
    const order = [...this.#eorOwed].sort((a, b) => (a === FAMILY.rtc ? -1 : b === FAMILY.rtc ? 1 : a - b));
    for (const f of order) {
      if (f !== FAMILY.rtc && RTC_CONSTRAINED.includes(f) && !this.#rtcReady) continue;
      this.#eorOwed.delete(f);
      this.#session.sendEndOfRib(f);
    }
  }
}
