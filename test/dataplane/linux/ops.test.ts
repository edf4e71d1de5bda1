import assert from 'node:assert/strict';
import { FakeRunner } from '../../../src/dataplane/fake-runner.js';
import { execute, PlanBuilder } from '../../../src/dataplane/linux/ops.js';

describe('linux ops execute', () => {
  it('runs phases in order, one batch per tool and phase, and counts successes', async () => {
    const b = new PlanBuilder();
    b.op(2, 'bridge', 'fdb replace 02:00:00:00:00:01 dev bvx-1 master static', 'e1');
    b.op(1, 'ip', 'link add name bvx-1 type vxlan id 1', 'e0');
    b.op(2, 'ip', 'neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev bgb-1', 'e2');
    b.op(0, 'ip', 'link del dev bvx-2', 'e3');
    b.error('e4', 'refused');
    const r = new FakeRunner().failLines(
      (_t, l) => l.startsWith('neigh'),
      'RTNETLINK answers: Invalid argument',
    );
    const res = await execute(r, b.build());
    assert.deepEqual(
      r.batches.map((x) => [x.tool, x.lines.length]),
      [
        ['ip', 1],
        ['ip', 1],
        ['ip', 1],
        ['bridge', 1],
      ],
    );
    assert.equal(r.batches[0]?.lines[0], 'link del dev bvx-2');
    assert.equal(res.changes, 3);
    assert.deepEqual(
      res.errors.map((e) => e.entry),
      ['e4', 'e2'],
    );
  });

  it('attributes sysctl failures to their key', async () => {
    const b = new PlanBuilder();
    b.op(2, 'sysctl', 'net/ipv4/conf/p1/proxy_arp=1', 'p1');
    b.op(2, 'sysctl', 'net/ipv4/conf/zz/proxy_arp=1', 'zz');
    const r = new FakeRunner().respond(['sysctl'], {
      code: 255,
      stdout: '',
      stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/conf/zz/proxy_arp: No such file or directory\n',
    });
    const res = await execute(r, b.build());
    assert.deepEqual(r.runs, [
      ['sysctl', '-w', 'net/ipv4/conf/p1/proxy_arp=1', 'net/ipv4/conf/zz/proxy_arp=1'],
    ]);
    assert.equal(res.changes, 1);
    assert.deepEqual(
      res.errors.map((e) => e.entry),
      ['zz'],
    );
  });

  it('turns a runner failure into one error per op', async () => {
    const b = new PlanBuilder();
    b.op(2, 'bridge', 'fdb replace 02:00:00:00:00:01 dev x master static', 'e1');
    const r = new FakeRunner();
    r.batch = () => Promise.reject(new Error('spawn bridge ENOENT'));
    const res = await execute(r, b.build());
    assert.deepEqual(res.errors, [{ entry: 'e1', message: 'spawn bridge ENOENT' }]);
  });
});
