/** Root only: the real batch children inside a throw-away namespace. */
import assert from 'node:assert/strict';
import { SystemRunner } from '../../src/dataplane/system-runner.js';
import { isRoot, Lab, sh } from './netns.js';

describe('SystemRunner (netns, root)', function () {
  const lab = new Lab();
  let ns = '';
  let runner: SystemRunner;

  before(async function () {
    if (!isRoot()) this.skip(); // needs CAP_NET_ADMIN to create namespaces
    ns = await lab.ns('rn');
  });
  beforeEach(() => {
    runner = new SystemRunner({ netns: ns, checkpointEvery: 3 });
  });
  afterEach(async () => {
    await runner.close();
  });
  after(async () => {
    await lab.cleanup();
  });

  it('attributes each failure to its line and applies the others', async () => {
    const r = await runner.batch('ip', [
      'link add name va type veth peer name vb',
      'link set dev nosuch up',
      'link set dev va up',
      'link set dev va mtu 1400',
      'link set dev va mtu 99999999',
      'link set dev vb mtu 1300',
      'bad\nline',
    ]);
    assert.equal(r.sent, 6);
    assert.deepEqual(
      r.errors.map((e) => e.index),
      [1, 4, 6],
    );
    assert.match(await sh(['ip', '-n', ns, 'link', 'show', 'dev', 'vb']), /mtu 1300/);
  });

  it('keeps one child per tool across batches (never one process per entry)', async () => {
    await runner.batch('ip', ['link set dev va mtu 1450']);
    const pids = runner.childPids;
    for (let i = 0; i < 5; i++)
      await runner.batch('ip', [`link set dev va mtu ${1400 + i}`, 'link set dev va up']);
    assert.deepEqual(runner.childPids, pids);
    assert.equal(pids.length, 1);
  });

  it('reports unconfirmed lines when the child dies, then starts a new one', async () => {
    const r = await runner.batch('ip', [
      'link set dev va mtu 1400',
      'link set dev va mtu 1401',
      'link set dev va mtu 1402',
      'link set dev va mtu abc',
      'link set dev va mtu 1403',
    ]);
    assert.deepEqual(
      r.errors.map((e) => e.index),
      [3, 4],
    );
    assert.match(r.errors[0]?.message ?? '', /exited/);
    const again = await runner.batch('ip', ['link set dev va mtu 1410']);
    assert.deepEqual(again.errors, []);
  });

  it('recycles the bridge child after an interface is re-created (stale index cache)', async () => {
    await runner.batch('ip', ['link add name bgb-t type bridge', 'link set dev va master bgb-t']);
    assert.deepEqual(
      (await runner.batch('bridge', ['fdb replace 02:00:00:00:00:01 dev va master static'])).errors,
      [],
    );
    await runner.batch('ip', [
      'link del dev va',
      'link add name va type veth peer name vc',
      'link set dev va master bgb-t',
    ]);
    assert.deepEqual(
      (await runner.batch('bridge', ['fdb replace 02:00:00:00:00:02 dev va master static'])).errors,
      [],
    );
  });

  it('runs other programs inside the namespace', async () => {
    const r = await runner.run(['cat', '/proc/sys/net/ipv4/ip_forward']);
    assert.equal(r.code, 0);
    const links = await runner.run(['ip', '-j', 'link', 'show', 'dev', 'vc']);
    assert.equal((JSON.parse(links.stdout) as { ifname: string }[])[0]?.ifname, 'vc');
    assert.notEqual((await runner.run(['ip', 'link', 'show', 'dev', 'nosuch'])).code, 0);
  });
});
