import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger, type LogRecord } from '../../src/lib/log.js';
import { AllocationError, Allocator, LABEL_RANGE, RD_RANGE } from '../../src/vpn/allocator.js';

const LOCAL = '192.0.2.1';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AllocationError);
    return e.code;
  }
  return undefined;
}

describe('vpn/allocator', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpd-alloc-'));
    path = join(dir, 'allocations.json');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out RD numbers from 0 and labels from 16, one per instance', () => {
    const a = new Allocator({ localAddress: LOCAL });
    assert.deepEqual(a.instance('x', {}), { rd: `${LOCAL}:${RD_RANGE.min}`, vni: LABEL_RANGE.min });
    assert.deepEqual(a.instance('y', {}), { rd: `${LOCAL}:1`, vni: 17 });
    assert.deepEqual(a.instance('x', {}), { rd: `${LOCAL}:0`, vni: 16 }, 'stable while held');
    assert.equal(a.portLabel('x', '52:54:00:00:00:01'), 18);
    assert.equal(a.portLabel('x', '52:54:00:00:00:01'), 18);
    assert.equal(a.endpointRd('x', 'mac|ip'), `${LOCAL}:2`);
  });

  it('gives the same numbers after a restart (a new allocator on the same file)', () => {
    const a = new Allocator({ localAddress: LOCAL, path });
    a.instance('noise', {});
    const x = a.instance('x', {});
    const label = a.portLabel('x', '52:54:00:00:00:01');
    const rd = a.endpointRd('x', '52:54:00:00:00:01|10.0.0.5/24');
    a.releaseInstance('noise');
    const b = new Allocator({ localAddress: LOCAL, path });
    // a newcomer first: it must not get x's numbers
    const fresh = b.instance('newcomer', {});
    assert.notEqual(fresh.vni, x.vni);
    assert.notEqual(fresh.rd, x.rd);
    assert.deepEqual(b.instance('x', {}), x);
    assert.equal(b.portLabel('x', '52:54:00:00:00:01'), label);
    assert.equal(b.endpointRd('x', '52:54:00:00:00:01|10.0.0.5/24'), rd);
    assert.ok(!existsSync(`${path}.tmp`));
  });

  it('does not reuse a released number before the cursor came round (bagpipe FIFO reuse)', () => {
    const a = new Allocator({ localAddress: LOCAL, path });
    a.instance('x', {});
    a.releaseInstance('x');
    const b = new Allocator({ localAddress: LOCAL, path });
    assert.deepEqual(b.instance('y', {}), { rd: `${LOCAL}:1`, vni: 17 });
  });

  it('starts empty and logs on a missing or corrupt file', () => {
    const records: LogRecord[] = [];
    const missing = new Allocator({ localAddress: LOCAL, path, logger: recordingLogger(records) });
    assert.deepEqual(missing.owners(), []);
    writeFileSync(path, '{"version":1,"instances":{"x":{"vni":16,"macs":{"m":16}}}}');
    const dup = new Allocator({ localAddress: LOCAL, path, logger: recordingLogger(records) });
    assert.deepEqual(dup.owners(), [], 'a number held twice is corrupt');
    writeFileSync(path, 'not json');
    const bad = new Allocator({ localAddress: LOCAL, path, logger: recordingLogger(records) });
    assert.deepEqual(bad.instance('x', {}), { rd: `${LOCAL}:0`, vni: 16 });
    assert.deepEqual(
      records.map((r) => r.level),
      ['info', 'warn', 'warn'],
    );
  });

  it('honours explicit RD and VNI and keeps them out of the pools', () => {
    const a = new Allocator({ localAddress: LOCAL });
    assert.deepEqual(a.instance('x', { rd: '64512:7', vni: 16 }), { rd: '64512:7', vni: 16 });
    assert.deepEqual(a.instance('y', {}), { rd: `${LOCAL}:0`, vni: 17 }, 'VNI 16 is taken by x');
    assert.deepEqual(a.instance('z', { rd: `${LOCAL}:1`, vni: 9_000_000 }), {
      rd: `${LOCAL}:1`,
      vni: 9_000_000,
    });
    assert.deepEqual(a.instance('w', {}), { rd: `${LOCAL}:2`, vni: 18 }, 'RD 1 is taken by z');
  });

  it('reports the same explicit VNI or RD in two instances, naming both, without changing anything', () => {
    const a = new Allocator({ localAddress: LOCAL });
    a.instance('x', { rd: '64512:7', vni: 5000 });
    const ids = a.instance('y', {});
    assert.equal(
      codeOf(() => a.instance('z', { vni: 5000 })),
      'BGPD_ERR_ALLOCATION_CONFLICT',
    );
    assert.equal(
      codeOf(() => a.instance('z', { rd: '64512:7' })),
      'BGPD_ERR_ALLOCATION_CONFLICT',
    );
    assert.equal(
      codeOf(() => a.instance('z', { vni: ids.vni })),
      'BGPD_ERR_ALLOCATION_CONFLICT',
      'held automatically',
    );
    assert.equal(
      codeOf(() => a.instance('z', { rd: ids.rd })),
      'BGPD_ERR_ALLOCATION_CONFLICT',
    );
    try {
      a.instance('z', { vni: 5000 });
    } catch (e) {
      assert.deepEqual((e as AllocationError).owners, ['z', 'x']);
    }
    assert.deepEqual(a.owners(), ['x', 'y']);
    assert.deepEqual(
      a.instance('x', { rd: '64512:7', vni: 5000 }),
      { rd: '64512:7', vni: 5000 },
      'its own value is no conflict',
    );
  });

  it('refuses an explicit VNI equal to a port label, even of the same instance, but lets it replace its own VNI', () => {
    const a = new Allocator({ localAddress: LOCAL });
    const { vni } = a.instance('x', {});
    const label = a.portLabel('x', 'm1');
    assert.equal(
      codeOf(() => a.instance('x', { vni: label })),
      'BGPD_ERR_ALLOCATION_CONFLICT',
    );
    assert.equal(a.instance('x', { vni }).vni, vni);
  });

  it('frees the old explicit value when the spec changes it, and falls back to a pool number', () => {
    const a = new Allocator({ localAddress: LOCAL });
    a.instance('x', { vni: 5000 });
    a.instance('x', { vni: 6000 });
    assert.deepEqual(a.instance('y', { vni: 5000 }).vni, 5000);
    assert.equal(a.instance('x', {}).vni, 16);
  });

  it('releases per-port numbers not retained, and whole instances not live', () => {
    const a = new Allocator({ localAddress: LOCAL, path });
    a.instance('x', {});
    const l1 = a.portLabel('x', 'm1');
    a.portLabel('x', 'm2');
    a.endpointRd('x', 'e1');
    a.retainPorts('x', new Set(['m1']), new Set());
    const saved = JSON.parse(readFileSync(path, 'utf8')) as {
      instances: Record<string, { macs?: object; endpointRds?: object }>;
    };
    const x = saved.instances['x']!;
    assert.deepEqual(x.macs, { m1: l1 });
    assert.equal(x.endpointRds, undefined);
    a.instance('gone', {});
    a.retainInstances(new Set(['x']));
    assert.deepEqual(a.owners(), ['x']);
  });

  it('writes once per batch', () => {
    const a = new Allocator({ localAddress: LOCAL, path });
    a.batch(() => {
      a.instance('x', {});
      assert.ok(!existsSync(path), 'not written inside the batch');
      a.portLabel('x', 'm1');
    });
    assert.ok(existsSync(path));
  });

  it('reports an exhausted pool', () => {
    const a = new Allocator({ localAddress: LOCAL });
    for (let n: number = RD_RANGE.min; n <= RD_RANGE.max; n++) a.endpointRd('x', `e${n}`);
    assert.equal(
      codeOf(() => a.endpointRd('x', 'one-more')),
      'BGPD_ERR_ALLOCATION_EXHAUSTED',
    );
  });
});
