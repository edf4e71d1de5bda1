/**
 * `bagpipe-fakerr`: two of our sessions, both peering with the relay on loopback, peer with each
 * other through it (a VPNv4 route crosses); a third client is refused; a drop resets the pair.
 * The tool itself: --help, usage errors, and a run as a process stopped by SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import { Session } from '../../src/bgp/session/session.js';
import { FakeRr, run } from '../../src/cli/fakerr.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { ROOT } from '../helpers/daemon.js';
import { peerConfig } from '../helpers/peer-config.js';
import { findReach, vpnUpdate } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';
import { MemoryIo, runTool } from './run-tool.js';

const isVpn = (n: { kind: string }): n is VpnNlri => n.kind === 'vpn';

describe('bagpipe-fakerr', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('relays two BGP speakers to each other: a VPNv4 route of one reaches the other', async () => {
    const log: string[] = [];
    const rr = new FakeRr((l) => log.push(l));
    const port = await rr.listen('127.0.0.1', 0);
    cleanups.push(() => rr.close());
    const received = new Map<Session, Update[]>();
    const session = (routerId: string): Session => {
      const s = new Session(peerConfig({ port, routerId }), {
        clock: systemClock,
        log: silentLogger,
        handlers: { update: (from, u) => received.set(from, [...(received.get(from) ?? []), u.update]) },
      });
      cleanups.push(() => {
        s.stop();
      });
      return s;
    };
    const a = session('10.0.0.1');
    const b = session('10.0.0.2');
    a.start();
    await waitFor(() => rr.clients === 1, 5000, { what: 'the first client' });
    b.start();
    await waitFor(() => a.state === 'Established' && b.state === 'Established', 10_000, {
      what: 'both sessions Established through the relay',
      describe: () => [a.state, b.state, log],
    });
    assert.equal(b.negotiated?.rx.asn4, true);
    const route = {
      prefix: '10.1.2.0/24',
      rd: '10.0.0.1:5',
      label: 1234,
      rt: '64512:7',
      nextHop: '10.0.0.1',
    };
    assert.ok(a.send(vpnUpdate(route)));
    const got = await waitFor(() => findReach(received.get(b) ?? [], isVpn), 5000, {
      what: 'the VPNv4 route at b',
    });
    assert.deepEqual(
      [got.nlri.rd, got.nlri.prefix, got.update.mpReach?.nextHop],
      ['10.0.0.1:5', '10.1.2.0/24', '10.0.0.1'],
    );

    const third = connect(port, '127.0.0.1');
    third.on('error', () => undefined);
    await once(third, 'close');
    assert.deepEqual(
      [a.state, b.state, rr.clients],
      ['Established', 'Established', 2],
      'a third is refused alone',
    );
    assert.ok(log.some((l) => /already have 2 peers, refusing/.test(l)));

    a.stop();
    await waitFor(() => b.state !== 'Established' && rr.clients === 0, 5000, { what: 'b reset with a' });
    assert.ok(
      log.some((l) => /^resetting peer 127\.0\.0\.1:/.test(l)),
      log.join('\n'),
    );
  });

  it('holds the first client bytes until the second arrives, then relays both ways', async () => {
    const rr = new FakeRr();
    const port = await rr.listen('127.0.0.1', 0);
    cleanups.push(() => rr.close());
    const client = async (): Promise<{ s: Socket; data: () => string }> => {
      const s = connect(port, '127.0.0.1');
      cleanups.push(() => s.destroy());
      let data = '';
      s.setEncoding('utf8').on('data', (c: string) => (data += c));
      await once(s, 'connect');
      return { s, data: () => data };
    };
    const one = await client();
    one.s.write('hello ');
    one.s.write('from one');
    await waitFor(() => rr.clients === 1);
    const two = await client();
    await waitFor(() => two.data() === 'hello from one', 5000, { what: 'the held bytes' });
    two.s.write('and back');
    await waitFor(() => one.data() === 'and back', 5000, { what: 'the reply' });
  });

  it('has --help and exit status 2 on a mistake; as a process it listens until SIGTERM', async () => {
    const io = new MemoryIo();
    assert.equal(await run(['--help'], io), 0);
    assert.match(io.stdout, /^usage: bagpipe-fakerr \[--host ADDR\] \[--port N\]/);
    for (const argv of [['--port', 'x'], ['--port', '70000'], ['--host', 'nohost'], ['extra'], ['--frob']]) {
      const e = new MemoryIo();
      assert.equal(await run(argv, e), 2, argv.join(' '));
      assert.match(e.stderr, /^usage: bagpipe-fakerr/);
    }
    assert.equal((await runTool('fakerr', ['--help'])).code, 0);

    const tsx = import.meta.resolve('tsx');
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', tsx, join(ROOT, 'src', 'cli', 'fakerr.ts'), '--host', '127.0.0.1', '--port', '0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(child.pid);
    });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    const port = Number((await waitFor(() => /listening on 127\.0\.0\.1:(\d+)/.exec(out), 15_000))[1]);
    const s = connect(port, '127.0.0.1');
    cleanups.push(() => s.destroy());
    await once(s, 'connect');
    await waitFor(() => out.includes('is the first peer'), 5000, { what: 'the connection log' });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    assert.match(out, /stopping \(SIGTERM\)/);
  });
});
