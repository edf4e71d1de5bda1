import assert from 'node:assert/strict';
import { FakeRunner } from '../../../src/dataplane/fake-runner.js';
import { LinuxEvpnDriver } from '../../../src/dataplane/linux/evpn.js';
import { evpnBridgeName, evpnVxlanName } from '../../../src/dataplane/linux/names.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { evpn, intent, LOCAL } from './fixtures.js';
import { ModelKernel } from './model-kernel.js';

const BR = evpnBridgeName('vpn-1');
const VX = evpnVxlanName('vpn-1');

describe('LinuxEvpnDriver', () => {
  it('observes with three dumps and applies with one batch per tool and phase', async () => {
    const r = new FakeRunner()
      .respond(
        ['ip', '-j', '-d', 'link', 'show'],
        '[{"ifindex":3,"ifname":"tap1","flags":["UP"],"linkinfo":{}}]',
      )
      .respond(['bridge', '-j', 'fdb', 'show'], '[]')
      .respond(['ip', '-j', 'neigh'], '[]');
    const d = new LinuxEvpnDriver({ runner: r, localAddress: LOCAL });
    const res = await d.apply(intent(evpn()));
    assert.deepEqual(r.runs.map((a) => a.slice(0, 3).join(' ')).sort(), [
      'bridge -j fdb',
      'ip -j -d',
      'ip -j neigh',
    ]);
    assert.deepEqual(
      r.batches.map((b) => b.tool),
      ['ip', 'ip', 'bridge'],
    );
    assert.equal(res.changes, res.ops.length);
    assert.deepEqual(res.errors, []);
  });

  it('reports a failing line as an entry error and carries on', async () => {
    const k = new ModelKernel();
    k.addPort('tap1');
    const real = k.batch.bind(k);
    k.batch = (tool, lines) =>
      real(
        tool,
        lines.map((l) => l.replace('02:00:00:00:20:02 dev', '02:00:00:00:20:02 dev nosuch')),
      );
    const d = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL });
    const res = await d.apply(intent(evpn()));
    assert.deepEqual([...new Set(res.errors.map((e) => e.entry))], ['evpn vpn-1 mac 02:00:00:00:20:02']);
    assert.ok(k.fdb.some((e) => e.mac === '02:00:00:00:20:01' && e.self));
    assert.equal(d.status().counters.errors, 2);
  });

  it('adopts on restart, repairs drift on the timer, and counts', async () => {
    const k = new ModelKernel();
    k.addPort('tap1');
    const first = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL });
    assert.ok((await first.apply(intent(evpn()))).changes > 0);
    const clock = new ManualClock();
    const d = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL, clock });
    assert.equal(await d.repair(), undefined, 'nothing is touched before the first apply');
    assert.equal((await d.apply(intent(evpn()))).changes, 0);
    k.fdb = k.fdb.filter((e) => !(e.mac === '02:00:00:00:20:01' && e.self));
    d.startRepair(1000);
    clock.advance(1000);
    await d.stop();
    const s = d.status();
    assert.equal(s.counters.repairs, 1);
    assert.equal(s.counters.opsApplied, 1);
    assert.deepEqual(s.last?.diff, [
      `bridge fdb replace 02:00:00:00:20:01 dev ${VX} dst 192.0.2.2 vni 100 self static`,
    ]);
    assert.ok(k.links.has(BR));
  });

  it('recycles the batch children when an interface index changes', async () => {
    const k = new ModelKernel();
    k.addPort('tap1');
    const d = new LinuxEvpnDriver({ runner: k, localAddress: LOCAL });
    await d.apply(intent(evpn()));
    const before = k.recycles;
    await d.apply(intent(evpn()));
    assert.equal(k.recycles, before);
    const tap = k.links.get('tap1')!;
    k.links.set('tap1', { ...tap, ifindex: 999 });
    await d.apply(intent(evpn()));
    assert.equal(k.recycles, before + 1);
  });

  it('fails the pass when a dump fails, and counts it', async () => {
    const r = new FakeRunner().respond(['bridge'], { code: 1, stdout: '', stderr: 'boom' });
    const d = new LinuxEvpnDriver({ runner: r, localAddress: LOCAL });
    await assert.rejects(
      d.apply(intent(evpn())),
      (e: unknown) => (e as { code?: string }).code === 'BGPD_ERR_DATAPLANE',
    );
    assert.equal(d.status().counters.failedPasses, 1);
  });
});
