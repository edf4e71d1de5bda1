/**
 * The real KubeSource (client-node, real timers) against the fake API server under a seeded
 * schedule of faults: dropped watches, ERROR 410 on open watches, compaction (relists answered
 * 410), bursts of HTTP 500/503 on LIST and WATCH, stalled watches, and the server going down and
 * coming back, while objects are created and changed on the server. Every snapshot of the desired
 * store is sampled (subscriber): during the faults the set of desired objects never shrinks; after
 * every few rounds, and at the end, the store converges to exactly what the server holds (keys
 * and specs) with no source error left. Deletions after the faults converge too.
 */
import assert from 'node:assert/strict';
import { DesiredStore, type DesiredSnapshot } from '../../src/desired/store.js';
import { silentLogger } from '../../src/lib/log.js';
import { KubeSource, NODE_LABEL } from '../../src/reconcile/kube/source.js';
import { resources, type StoredObject } from '../helpers/fake-kube/index.js';
import { waitFor } from '../helpers/wait.js';
import { API_VERSION, useHarness } from '../reconcile/kube/harness.js';
import { Prng } from './harness.js';

const NODE = 'node-1';
const SEED = 0x6b7562;
const ROUNDS_PER_FAULT = 4;
const FAULTS = ['drop', 'expire', 'compact', 'http-errors', 'stall', 'down'] as const;
type Fault = (typeof FAULTS)[number];
type Kind = 'BgpPeer' | 'VpnInstance' | 'PortAttachment';

const peer = (name: string, address: string): StoredObject => ({
  apiVersion: API_VERSION,
  kind: 'BgpPeer',
  metadata: { name },
  spec: { peerAddress: address },
});

const vpn = (name: string, rt: string): StoredObject => ({
  apiVersion: API_VERSION,
  kind: 'VpnInstance',
  metadata: { namespace: 't', name },
  spec: { type: 'evpn', importRTs: [rt], exportRTs: [rt] },
});

const port = (name: string, mac: string): StoredObject => ({
  apiVersion: API_VERSION,
  kind: 'PortAttachment',
  metadata: { namespace: 't', name, labels: { [NODE_LABEL]: NODE } },
  spec: {
    nodeName: NODE,
    vpnInstanceRef: { name: 'v0' },
    macAddress: mac,
    localPort: { linuxInterface: 'tap1' },
  },
});

/** What must match between server and store: kind/namespace/name -> the field the test changes. */
function storeView(s: DesiredSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, e] of s.bgpPeers) out.set(`BgpPeer/${k}`, e.spec.peerAddress);
  for (const [k, e] of s.vpnInstances) out.set(`VpnInstance/${k}`, e.spec.importRTs.join());
  for (const [k, e] of s.portAttachments) out.set(`PortAttachment/${k}`, e.spec.macAddress);
  return out;
}

const sorted = (m: Map<string, string>): string => JSON.stringify([...m].sort());

describe('reliability: KubeSource under API-server faults', function () {
  this.timeout(120_000);
  let src: KubeSource | undefined;
  afterEach(async () => {
    await src?.stop();
    src = undefined;
  });
  const h = useHarness();

  it('never shrinks the desired set during faults and converges after each burst', async () => {
    // The schedule's choices and the reflectors' jitter draw from separate seeded sequences, so the
    // schedule is the same whatever the timing.
    const rng = new Prng(SEED);
    const jitter = new Prng(SEED + 1);
    const serverView = (): Map<string, string> => {
      const out = new Map<string, string>();
      for (const o of h.fake.store.list(resources.bgpPeers))
        out.set(`BgpPeer/${o.metadata.name ?? ''}`, (o['spec'] as { peerAddress: string }).peerAddress);
      for (const o of h.fake.store.list(resources.vpnInstances))
        out.set(
          `VpnInstance/t/${o.metadata.name ?? ''}`,
          (o['spec'] as { importRTs: string[] }).importRTs.join(),
        );
      for (const o of h.fake.store.list(resources.portAttachments))
        out.set(
          `PortAttachment/t/${o.metadata.name ?? ''}`,
          (o['spec'] as { macAddress: string }).macAddress,
        );
      return out;
    };
    let serial = 0;
    const make = (kind: Kind, n: number, v: number): StoredObject =>
      kind === 'BgpPeer'
        ? peer(`p${String(n)}`, `192.0.2.${String(v % 250)}`)
        : kind === 'VpnInstance'
          ? vpn(`v${String(n)}`, `64512:${String(v)}`)
          : port(
              `a${String(n)}`,
              `52:54:00:00:${(v >> 8).toString(16).padStart(2, '0')}:${(v & 255).toString(16).padStart(2, '0')}`,
            );
    const created: [Kind, number][] = [];
    const create = (): void => {
      const kind = rng.pick<Kind>(['BgpPeer', 'VpnInstance', 'PortAttachment']);
      const n = serial++;
      h.fake.upsert(make(kind, n, rng.range(1, 60000)));
      created.push([kind, n]);
    };
    const change = (): void => {
      const [kind, n] = rng.pick(created);
      h.fake.upsert(make(kind, n, rng.range(1, 60000)));
    };

    h.fake.upsert({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: {} } });
    for (let i = 0; i < 12; i++) create();
    const store = new DesiredStore();
    const samples: Map<string, string>[] = [];
    store.subscribe((s) => samples.push(storeView(s)));
    src = new KubeSource({
      clients: h.clients,
      store,
      nodeName: NODE,
      logger: silentLogger,
      random: () => jitter.next(),
      reflector: { backoff: { baseMs: 20, maxMs: 200, jitter: 0.5 }, idleTimeoutMs: 1500 },
    });
    const source = src;
    await source.start();
    const converged = (what: string): Promise<unknown> =>
      waitFor(
        () =>
          source.error === undefined &&
          store.synced &&
          sorted(storeView(store.snapshot())) === sorted(serverView()),
        20_000,
        {
          what,
          describe: () => ({
            error: source.error?.code,
            store: storeView(store.snapshot()).size,
            server: serverView().size,
          }),
        },
      );
    await converged('the first sync');
    await waitFor(() => h.fake.openWatches === 4, 5000, { what: 'four watches' });

    // Every fault the same number of times, in a seeded order.
    const schedule: Fault[] = FAULTS.flatMap((f) => Array<Fault>(ROUNDS_PER_FAULT).fill(f));
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [schedule[i], schedule[j]] = [schedule[j] as Fault, schedule[i] as Fault];
    }
    const plurals = ['bgppeers', 'vpninstances', 'portattachments', 'nodes'];
    const stalledRestarts = (): number[] => source.stats().map((r) => r.stats.restartsByReason.stalled);
    for (const [round, fault] of schedule.entries()) {
      // Each fault hits four open watches (the one before has been ridden out).
      await waitFor(() => h.fake.openWatches === 4, 10_000, {
        what: `four watches before round ${String(round)}`,
      });
      const stalled = stalledRestarts();
      switch (fault) {
        case 'drop':
          h.fake.dropWatches();
          break;
        case 'expire':
          h.fake.expireWatches();
          break;
        case 'compact':
          h.fake.compact();
          h.fake.dropWatches();
          break;
        case 'http-errors': {
          // On the LIST or the WATCH of one resource; compaction makes every reflector relist.
          const count = rng.range(1, 5);
          const code = rng.pick([500, 503]);
          const filter = { resource: rng.pick(plurals), watch: rng.chance(0.5) };
          h.fake.failNext(count, code, { filter });
          h.fake.compact();
          h.fake.dropWatches();
          break;
        }
        case 'stall':
          // New watches stall too, so a watch being reopened right now cannot slip through.
          h.fake.stallWatches({ newWatches: true });
          break;
        case 'down':
          await h.fake.goDown();
          break;
      }
      for (let k = rng.range(1, 3); k > 0; k--) create();
      if (rng.chance(0.6)) change();
      if (fault === 'down') {
        await waitFor(() => source.error?.code === 'BGPD_ERR_KUBE_UNREACHABLE', 10_000, {
          what: 'the outage reported',
        });
        assert.equal(store.snapshot().sources.get('kubernetes')?.error?.code, 'BGPD_ERR_KUBE_UNREACHABLE');
        await h.fake.comeBack();
      }
      if (fault === 'stall') {
        // Every reflector gave up on a stalled watch at least once (idle timeout), then watches work again.
        await waitFor(
          () => source.stats().every((r, i) => r.stats.restartsByReason.stalled > (stalled[i] ?? 0)),
          10_000,
          { what: 'the stalled watches restarted', describe: () => ({ stalled, stats: source.stats() }) },
        );
        h.fake.resumeWatches();
      }
      if (round % 4 === 3) await converged(`convergence after round ${String(round)} (${fault})`);
    }
    await converged('convergence after the faults');

    // The set never shrank: each snapshot holds every key of the one before.
    for (let i = 1; i < samples.length; i++) {
      const prev = samples[i - 1] ?? new Map<string, string>();
      const cur = samples[i] ?? new Map<string, string>();
      const lost = [...prev.keys()].filter((k) => !cur.has(k));
      assert.deepEqual(lost, [], `snapshot ${String(i)} lost objects`);
    }
    assert.ok(samples.length > schedule.length, `sampled ${String(samples.length)} snapshots`);
    assert.equal(h.fake.failures.pending, 0, 'every injected HTTP error was served');
    const restarts = source.stats().reduce((n, r) => n + r.stats.watchRestarts, 0);
    assert.ok(restarts >= schedule.length, `watch restarts: ${String(restarts)}`);

    // Deletions after the faults converge too.
    for (const [kind, n] of created.slice(0, 6)) {
      if (kind === 'BgpPeer') h.fake.remove(API_VERSION, kind, undefined, `p${String(n)}`);
      else h.fake.remove(API_VERSION, kind, 't', `${kind === 'VpnInstance' ? 'v' : 'a'}${String(n)}`);
    }
    await converged('convergence after deletions');
    assert.equal(store.snapshot().invalid.length, 0);
  });
});
