/**
 * StatusReporter on a ManualClock: the first pass, coalesced and rate-limited triggers, the
 * period, node-status.json written only on change; then end to end against the fake API
 * server (real client-node, KubeSource, desired store, controller and daemon with dummy
 * drivers): statuses written only on change, and a status-only write starting no reconcile.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Condition } from '../../../src/api/gen/index.js';
import { parseConfig } from '../../../src/daemon/config.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import type { ApplyResult } from '../../../src/dataplane/driver.js';
import { DummyDriver } from '../../../src/dataplane/dummy.js';
import type { DataplaneIntent } from '../../../src/dataplane/intent.js';
import { DesiredStore } from '../../../src/desired/store.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { Controller } from '../../../src/reconcile/controller.js';
import { KubeSource, NODE_LABEL } from '../../../src/reconcile/kube/source.js';
import { KubeStatusSink } from '../../../src/reconcile/status/kube-sink.js';
import { StatusReporter, type StatusSource } from '../../../src/reconcile/status/reporter.js';
import { buildFixture, type Fixture } from '../../api/http/looking-glass-fixture.js';
import { TempDir } from '../../desired/fixtures.js';
import type { StoredObject } from '../../helpers/fake-kube/index.js';
import { waitFor } from '../../helpers/wait.js';
import { advanceUntil, API_VERSION, useHarness } from '../kube/harness.js';

const NODE = 'node-1';

describe('reconcile/status StatusReporter', () => {
  describe('loop', () => {
    let fx: Fixture;
    let dir: TempDir;
    let reporter: StatusReporter | undefined;
    beforeEach(async () => {
      fx = await buildFixture();
      dir = new TempDir();
    });
    afterEach(async () => {
      await reporter?.stop();
      reporter = undefined;
      await fx.close();
      dir.remove();
    });

    it('runs at start, coalesces triggers at most once per second, repeats each period', async () => {
      const clock = new ManualClock();
      let peersUp = true;
      const source: StatusSource = {
        status: () => {
          const s = fx.source.status();
          return peersUp ? s : { ...s, peers: s.peers.map((p) => ({ ...p, state: 'Idle' as const })) };
        },
        desired: () => fx.source.desired(),
        problems: () => fx.source.problems(),
      };
      const r = new StatusReporter({ source, nodeName: NODE, stateDirectory: dir.path, clock });
      reporter = r;
      await r.start();
      clock.advance(0);
      await r.whenIdle();
      assert.deepEqual([r.passes, r.fileWrites], [1, 1]);
      const file = JSON.parse(readFileSync(join(dir.path, 'node-status.json'), 'utf8')) as {
        status: { conditions: Condition[] };
      };
      assert.equal(file.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');

      // A burst of changes: one pass, one second after the last one.
      r.trigger();
      r.trigger();
      clock.advance(999);
      await r.whenIdle();
      assert.equal(r.passes, 1);
      clock.advance(1);
      await r.whenIdle();
      r.trigger();
      await r.whenIdle();
      assert.deepEqual([r.passes, r.fileWrites], [2, 1], 'same content: file not rewritten');

      // A trigger during a pass runs another one a second later.
      peersUp = false;
      clock.advance(1000);
      r.trigger();
      await r.whenIdle();
      assert.deepEqual([r.passes, r.fileWrites], [3, 2]);
      clock.advance(1000);
      await r.whenIdle();
      assert.equal(r.passes, 4);
      // Then only the period.
      clock.advance(9_999);
      await r.whenIdle();
      assert.equal(r.passes, 4);
      clock.advance(1);
      await r.whenIdle();
      assert.deepEqual([r.passes, r.fileWrites], [5, 2]);

      // A restart keeps the transition times of the file.
      await r.stop();
      const again = new StatusReporter({ source, nodeName: NODE, stateDirectory: dir.path, clock });
      reporter = again;
      clock.advance(60_000);
      await again.start();
      clock.advance(0);
      await again.whenIdle();
      assert.deepEqual([again.passes, again.fileWrites], [1, 0]);
      assert.equal(clock.pending, 1, 'only the period timer');
    });
  });

  describe('with Kubernetes', function () {
    this.timeout(20_000);
    const stops: (() => Promise<void> | void)[] = [];
    // Registered before the harness hooks, so everything stops before the server closes.
    afterEach(async () => {
      for (const s of stops.reverse()) await s();
      stops.length = 0;
    });
    const h = useHarness();

    /** A dummy driver whose passes can be made to fail for one entry. */
    class FlakyDriver extends DummyDriver {
      failing: string | undefined;
      protected override async pass(desired: DataplaneIntent): Promise<ApplyResult> {
        const r = await super.pass(desired);
        const entry = this.failing;
        return entry === undefined ? r : { ...r, errors: [{ entry, message: 'injected' }] };
      }
    }

    const vpn: StoredObject = {
      apiVersion: API_VERSION,
      kind: 'VpnInstance',
      metadata: { namespace: 'tenant', name: 'blue' },
      spec: { type: 'ipvpn', importRTs: ['64512:1'], exportRTs: ['64512:1'] },
    };
    const port = (name: string, instance: string, n: number): StoredObject => ({
      apiVersion: API_VERSION,
      kind: 'PortAttachment',
      metadata: { namespace: 'tenant', name, labels: { [NODE_LABEL]: NODE } },
      spec: {
        nodeName: NODE,
        vpnInstanceRef: { name: instance },
        macAddress: `52:54:00:00:00:0${String(n)}`,
        ipAddress: `10.0.0.${String(n)}/24`,
        localPort: { linuxInterface: `tap${String(n)}` },
      },
    });

    async function start() {
      const clock = new ManualClock();
      const store = new DesiredStore();
      const kube = new KubeSource({ clients: h.clients, store, nodeName: NODE, logger: silentLogger, clock });
      const config = parseConfig('[BGP]\nlocal_address = 192.0.2.10\nmy_as = 64512\n', 'bgp.conf');
      const ipvpn = new FlakyDriver({ type: 'ipvpn', clock });
      const drivers = { ipvpn, evpn: new DummyDriver({ type: 'evpn', clock }) };
      const daemon = new Daemon({ config, clock, log: silentLogger, drivers, nodeName: NODE });
      const controller = new Controller({ store, daemon, bgp: config.bgp, clock, logger: silentLogger });
      const sink = new KubeStatusSink({ clients: h.clients, nodeName: NODE, clock, random: () => 0.5 });
      const source: StatusSource = {
        status: () => daemon.status(),
        desired: () => store.snapshot(),
        problems: () => controller.problems(),
        subscribe: (fn) => store.subscribe(fn),
      };
      const reporter = new StatusReporter({ source, nodeName: NODE, kube: sink, clock });
      stops.push(
        () => kube.stop(),
        () => daemon.stop({ graceful: false }),
        () => controller.stop(),
        () => reporter.stop(),
      );
      controller.start();
      await reporter.start();
      await kube.start();
      await waitFor(() => store.synced, 5000, { what: 'store synced' });
      return { clock, store, controller, reporter, ipvpn };
    }

    const paType = () => h.fake.typeOf(API_VERSION, 'PortAttachment');
    const conditions = (name: string): Record<string, string> => {
      const o = h.fake.store.tryGet(paType(), 'tenant', name);
      const list = (o?.['status'] as { conditions?: Condition[] } | undefined)?.conditions ?? [];
      return Object.fromEntries(list.map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]));
    };

    it('writes node and attachment statuses only on change; status writes start no reconcile', async () => {
      h.fake.upsert({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
      h.fake.upsert(vpn);
      h.fake.upsert(port('pa1', 'blue', 1));
      h.fake.upsert(port('pa2', 'green', 2));
      const { clock, store, reporter, ipvpn } = await start();
      const settled = (): boolean =>
        conditions('pa1')['Ready']?.startsWith('True Ready') === true &&
        conditions('pa2')['Attached'] !== undefined;
      await advanceUntil(clock, settled, 'attachment statuses');
      await reporter.whenIdle();
      assert.deepEqual(conditions('pa2'), {
        Attached: 'False InstanceNotFound: spec.vpnInstanceRef.name green: no VpnInstance tenant/green',
        Ready: 'False InstanceNotFound: spec.vpnInstanceRef.name green: no VpnInstance tenant/green',
      });
      const pa1 = h.fake.store.get(paType(), 'tenant', 'pa1');
      assert.equal((pa1['status'] as { observedGeneration?: number }).observedGeneration, 1);
      const state = h.fake.store.get(h.fake.typeOf(API_VERSION, 'BagpipeNodeState'), undefined, NODE);
      const summary = (state['status'] as { summary?: unknown }).summary;
      assert.deepEqual(summary, {
        peers: 0,
        peersEstablished: 0,
        vpnInstances: 1,
        ports: 1,
        failedResources: 1,
      });

      // Nothing changes: several periods, no write.
      const patches = h.fake.statusWrites().length;
      for (let i = 0; i < 5; i++) {
        clock.advance(10_000);
        await reporter.whenIdle();
      }
      assert.equal(h.fake.statusWrites().length, patches);
      assert.ok(reporter.passes >= 6);

      // The dataplane fails for pa1's port: a status-only change, written once, with an Event.
      const version = store.snapshot().version;
      const pa1Writes = () =>
        h.fake.statusWrites('portattachments').filter((w) => w.path.includes('/pa1/')).length;
      const before = pa1Writes();
      ipvpn.failing = 'ipvpn blue port tap1';
      await ipvpn.repair();
      await advanceUntil(
        clock,
        () => conditions('pa1')['Ready']?.startsWith('False DataplaneError') === true,
        'Ready False',
      );
      await reporter.whenIdle();
      assert.equal(pa1Writes(), before + 1);
      await waitFor(() => h.fake.events().some((e) => e['reason'] === 'DataplaneError'), 5000, {
        what: 'event',
      });
      // Barrier: a new object on the same watch arrives after our status write's MODIFIED event.
      h.fake.upsert(port('pa3', 'blue', 3));
      await waitFor(() => store.snapshot().portAttachments.has('tenant/pa3'), 5000, { what: 'pa3 admitted' });
      assert.equal(store.snapshot().version, version + 1, 'only pa3 made a new snapshot');
    });
  });
});
