/**
 * TCP MD5 signatures (RFC 2385) with a real gobgpd 3.10 (`auth-password`) on loopback, both
 * directions: the same key gives Established; a wrong key never gets past TCP (the kernel drops
 * the segments, counted in TcpExt TCPMD5Failure) and our `info()` names the key as the cause.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { systemClock } from '../../src/lib/clock.js';
import { FAMILY } from '../../src/bgp/codec/context.js';
import { silentLogger } from '../../src/lib/log.js';
import { BgpListener } from '../../src/bgp/session/listener.js';
import { Session } from '../../src/bgp/session/session.js';
import { connectSocket, md5Available } from '../../src/bgp/session/socket-options.js';
import { SESSION_ERR, type State } from '../../src/bgp/session/types.js';
import { Gobgpd, freePort, hasGobgpd } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const GOBGP = '127.0.0.31';
const OURS = '127.0.0.32';
const KEY = 'bagpipe-md5-key';
const FAMILIES = ['l3vpn-ipv4-unicast', 'l2vpn-evpn'];

/** TcpExt TCPMD5Failure of this network namespace: segments dropped for a bad signature. */
function md5Failures(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('TCPMD5Failure')] ?? NaN);
}

describe('interop: TCP MD5 with gobgpd 3.10', function () {
  this.timeout(30000);
  let gobgp: Gobgpd | undefined;
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!hasGobgpd()) this.skip(); // no gobgpd/gobgp binaries
    if (!md5Available()) this.skip(); // the native addon is not built
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await gobgp?.stop();
    gobgp = undefined;
  });

  /** Our session (we are 127.0.0.32) with `key`, recording states and connect attempts. */
  function session(o: { key: string; passive: boolean; port: number }) {
    const states: State[] = [];
    let attempts = 0;
    const s = new Session(
      peerConfig({
        peerAddress: GOBGP,
        port: o.port,
        routerId: OURS,
        localAddress: OURS,
        passive: o.passive,
        md5Key: o.key,
        families: [FAMILY.ipv4Vpn, FAMILY.evpn],
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: { stateChanged: (_s, _from, to) => states.push(to) },
        connect: (c): Socket => {
          attempts++;
          return connectSocket(c);
        },
      },
    );
    stops.push(() => {
      s.stop();
    });
    return { s, states, attempts: () => attempts };
  }

  async function passiveGobgp(port: number): Promise<void> {
    gobgp = new Gobgpd({
      as: 64512,
      routerId: GOBGP,
      listen: GOBGP,
      port,
      neighbors: [{ address: OURS, passive: true, families: FAMILIES, password: KEY }],
    });
    await gobgp.start();
  }

  it('we connect with the same key: Established', async () => {
    const port = await freePort(GOBGP);
    await passiveGobgp(port);
    const { s } = session({ key: KEY, passive: false, port });
    s.start();
    await waitFor(() => s.state === 'Established', 15000, {
      what: 'Established with MD5',
      describe: () => s.info(),
    });
    assert.equal((await gobgp?.neighborStates())?.[OURS], 6);
  });

  it('we connect with a wrong key: no TCP session ever, and lastErrorCode names MD5', async () => {
    const port = await freePort(GOBGP);
    await passiveGobgp(port);
    const { s, states, attempts } = session({ key: 'wrong-key', passive: false, port });
    const failures = md5Failures();
    s.start();
    await waitFor(() => attempts() >= 3, 15000, { what: 'three connect attempts' });
    assert.ok(md5Failures() > failures, 'the kernel dropped our badly signed SYNs');
    assert.ok(!states.includes('OpenSent'), `states: ${states.join()}`);
    assert.equal(s.info().lastErrorCode, SESSION_ERR.md5Suspected);
  });

  for (const [name, key] of [
    ['gobgpd connects to our listener with the same key: Established', KEY],
    ['gobgpd connects with a wrong key: dropped by the kernel, never Established', 'wrong-key'],
  ] as const) {
    it(name, async () => {
      const ourPort = await freePort(OURS);
      const { s, states } = session({ key, passive: true, port: ourPort });
      const listener = new BgpListener(
        { accept: (peer, sock) => (peer === GOBGP ? (s.accept(sock), true) : false) },
        silentLogger,
      );
      listener.setMd5(GOBGP, key);
      await listener.listen(OURS, ourPort);
      stops.unshift(() => listener.close()); // after the session closed its connection
      s.start();
      const failures = md5Failures();
      gobgp = new Gobgpd({
        as: 64512,
        routerId: GOBGP,
        listen: GOBGP,
        port: -1,
        neighbors: [
          { address: OURS, remotePort: ourPort, localAddress: GOBGP, families: FAMILIES, password: KEY },
        ],
      });
      await gobgp.start();
      if (key === KEY) {
        await waitFor(() => s.state === 'Established', 25000, {
          what: 'gobgpd connected with MD5',
          describe: () => [s.info(), gobgp?.log.slice(-1500)],
        });
        return;
      }
      await waitFor(() => md5Failures() > failures, 25000, {
        what: "gobgpd's SYN dropped for its signature",
      });
      await waitFor(() => s.info().lastErrorCode === SESSION_ERR.md5Suspected, 5000, {
        what: 'our diagnosis',
      });
      assert.deepEqual(states, ['Active'], 'never past Active');
    });
  }
});
