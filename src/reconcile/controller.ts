/**
 * The reconcilers of the daemon (STYLE rules 10 and 11): the desired store's snapshots only
 * mark concerns dirty; a work-queue pass per concern recomputes the whole desired set of that
 * concern from the latest snapshot and hands it to the daemon, which diffs. Concerns, in
 * dependency order: `peers` (BGP sessions), then `vpn` (instances and attachments; the
 * dataplane follows from the instances' intents). Nothing runs before the store's gate opens
 * (every enabled source synced once), and a periodic resync repeats both passes.
 *
 * Per-object problems (invalid reference, conflict, a password that cannot be read) become
 * conditions kept in `problems()`: the status writers and the looking glass read them.
 */
import { readFile } from 'node:fs/promises';
import type { DaemonControl, ObjectProblem, PeerConfig } from '../daemon/control.js';
import { bgpPeerConfig, legacyPeerConfig, type BgpDefaults } from '../daemon/peer-config.js';
import type { EffectiveBgpPeer } from '../desired/defaults.js';
import type { DesiredSnapshot, DesiredStore } from '../desired/store.js';
import type { DesiredEntry } from '../desired/types.js';
import type { Clock } from '../lib/clock.js';
import { BgpdError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { WorkQueue, type ReconcileResult } from './queue.js';

export const CONCERNS = ['peers', 'vpn'] as const;
export type Concern = (typeof CONCERNS)[number];

export interface ControllerOptions {
  readonly store: DesiredStore;
  readonly daemon: DaemonControl;
  readonly bgp: BgpDefaults;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The MD5 key of a peer whose `passwordSecretRef` is set (the Kubernetes source). */
  readonly secretPassword?: (peer: EffectiveBgpPeer) => Promise<string | undefined>;
  /** Full resync period; default 5 minutes. */
  readonly resyncMs?: number;
  readonly random?: () => number;
}

/** A password that could not be read: retried with backoff, the peer's last config kept. */
export class PasswordError extends BgpdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BGPD_ERR_PASSWORD', message, options);
  }
}

export class Controller {
  readonly #o: ControllerOptions;
  readonly queue: WorkQueue;
  #snapshot: DesiredSnapshot | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #problems = new Map<Concern, readonly ObjectProblem[]>();
  /** Peer address -> the BgpPeer object name last applied for it (conflicts keep it). */
  readonly #peerOwner = new Map<string, string>();
  /** Peer address -> the config last applied (kept while its password cannot be read). */
  readonly #peerApplied = new Map<string, PeerConfig>();

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.queue = new WorkQueue({
      name: 'bagpipe',
      clock: options.clock,
      logger: options.logger,
      reconcile: (key) => this.#reconcile(key as Concern),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  start(): void {
    this.#unsubscribe = this.#o.store.subscribe((snap) => {
      this.#snapshot = snap;
      for (const c of CONCERNS) this.queue.add(c);
    });
  }

  /** Problems of the last pass of every concern. */
  problems(): ObjectProblem[] {
    return CONCERNS.flatMap((c) => this.#problems.get(c) ?? []);
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.queue.stop();
  }

  async #reconcile(concern: Concern): Promise<ReconcileResult> {
    const snap = this.#snapshot;
    if (snap === undefined) return {};
    const resync = { requeueAfter: this.#o.resyncMs ?? 300_000 };
    if (concern === 'vpn') {
      const problems = this.#o.daemon.setVpn(
        new Map([...snap.vpnInstances].map(([k, e]) => [k, e.spec])),
        new Map([...snap.portAttachments].map(([k, e]) => [k, e.spec])),
      );
      this.#problems.set('vpn', problems);
      return resync;
    }
    await this.#reconcilePeers(snap);
    return resync;
  }

  async #reconcilePeers(snap: DesiredSnapshot): Promise<void> {
    const problems: ObjectProblem[] = [];
    const chosen = this.#choosePeers(snap, problems);
    const configs = new Map<string, PeerConfig>();
    for (const address of this.#o.bgp.peers) configs.set(address, legacyPeerConfig(address, this.#o.bgp));
    let failed: PasswordError | undefined;
    for (const [address, entry] of chosen) {
      try {
        configs.set(address, bgpPeerConfig(entry.spec, this.#o.bgp, await this.#password(entry)));
      } catch (e) {
        const message = errorMessage(e);
        problems.push({ kind: 'BgpPeer', name: entry.name, reason: 'PasswordUnavailable', message });
        const last = this.#peerApplied.get(address);
        if (last) configs.set(address, last);
        failed ??= new PasswordError(message, { cause: e });
      }
    }
    this.#o.daemon.setPeers([...configs.values()]);
    this.#peerApplied.clear();
    for (const [a, c] of configs) this.#peerApplied.set(a, c);
    this.#peerOwner.clear();
    for (const [a, e] of chosen) this.#peerOwner.set(a, e.name);
    this.#problems.set('peers', problems);
    if (failed) throw failed;
  }

  /** One BgpPeer per address: with two, the one already applied stays and both are told. */
  #choosePeers(snap: DesiredSnapshot, problems: ObjectProblem[]): Map<string, DesiredEntry<'BgpPeer'>> {
    const byAddress = new Map<string, DesiredEntry<'BgpPeer'>[]>();
    for (const e of snap.bgpPeers.values()) {
      const list = byAddress.get(e.spec.peerAddress) ?? [];
      list.push(e);
      byAddress.set(e.spec.peerAddress, list);
    }
    const chosen = new Map<string, DesiredEntry<'BgpPeer'>>();
    for (const [address, list] of byAddress) {
      list.sort((a, b) => (a.name < b.name ? -1 : 1));
      const owner = list.find((e) => e.name === this.#peerOwner.get(address)) ?? list[0];
      if (owner === undefined) continue;
      chosen.set(address, owner);
      for (const other of list) {
        if (other === owner) continue;
        problems.push({
          kind: 'BgpPeer',
          name: other.name,
          reason: 'Conflict',
          message: `spec.peerAddress ${address} is already the peer of BgpPeer ${owner.name} (${owner.source} ${owner.origin}); this object is ignored`,
        });
      }
    }
    return chosen;
  }

  async #password(entry: DesiredEntry<'BgpPeer'>): Promise<string | undefined> {
    const spec = entry.spec;
    if (spec.passwordFile !== undefined) {
      try {
        return (await readFile(spec.passwordFile, 'utf8')).replace(/\r?\n$/, '');
      } catch (e) {
        throw new PasswordError(`spec.passwordFile ${spec.passwordFile}: ${errorMessage(e)}`, { cause: e });
      }
    }
    if (spec.passwordSecretRef !== undefined) {
      if (this.#o.secretPassword === undefined)
        throw new PasswordError(
          'spec.passwordSecretRef needs the Kubernetes source ([DESIRED] kubernetes = true)',
        );
      return this.#o.secretPassword(spec);
    }
    return undefined;
  }
}
