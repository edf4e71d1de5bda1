import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, Socket, type Server } from 'node:net';
import { ManualClock, systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FAMILY } from '../../../src/bgp/codec/context.js';
import { BgpListener } from '../../../src/bgp/session/listener.js';
import { Session, type SessionDeps, type SessionHandlers } from '../../../src/bgp/session/session.js';
import { SESSION_ERR, type PeerConfig, type Reason, type State } from '../../../src/bgp/session/types.js';
import { peerConfig } from '../../helpers/peer-config.js';
import { RawPeer } from '../../helpers/raw-peer.js';
import { waitFor } from '../../helpers/wait.js';

function recorder(): { transitions: [State, State, Reason][]; handlers: SessionHandlers } {
  const transitions: [State, State, Reason][] = [];
  return {
    transitions,
    handlers: { stateChanged: (_s, from, to, reason) => transitions.push([from, to, reason]) },
  };
}

async function server(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const srv = createServer(onSocket);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const a = srv.address();
  return { server: srv, port: typeof a === 'object' && a ? a.port : 0 };
}

interface RawSetup {
  readonly session: Session;
  /** Start the session; resolves with the raw side once our OPEN arrived there. */
  start(): Promise<RawPeer>;
  readonly cleanups: (() => unknown)[];
}

/** A session (on a manual clock by default) whose peer is a raw server; not started yet. */
async function sessionToRawServer(
  over: Partial<PeerConfig>,
  deps: Partial<SessionDeps> = {},
): Promise<RawSetup> {
  let peer: RawPeer | undefined;
  const { server: srv, port } = await server((sock) => (peer = new RawPeer(sock)));
  const session = new Session(peerConfig({ port, routerId: '10.0.0.2', ...over }), {
    clock: new ManualClock(),
    log: silentLogger,
    handlers: {},
    ...deps,
  });
  const cleanups = [
    () => new Promise((r) => srv.close(r)),
    () => {
      session.stop();
    },
    () => peer?.socket.destroy(),
  ];
  const start = (): Promise<RawPeer> => {
    session.start();
    return waitFor(() => peer?.messages.some((m) => m.type === 'open') && peer, 5000, { what: 'our OPEN' });
  };
  return { session, start, cleanups };
}

describe('Session', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('two speakers peer directly: one passive behind a listener, one active', async () => {
    const a = recorder();
    const b = recorder();
    const passive = new Session(
      peerConfig({ passive: true, routerId: '10.0.0.1', peerAddress: '127.0.0.1' }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: a.handlers,
      },
    );
    const listener = new BgpListener(
      { accept: (peer, s) => (peer === '127.0.0.1' ? (passive.accept(s), true) : false) },
      silentLogger,
    );
    const port = await listener.listen('127.0.0.1', 0);
    const active = new Session(peerConfig({ port, routerId: '10.0.0.2' }), {
      clock: systemClock,
      log: silentLogger,
      handlers: b.handlers,
    });
    cleanups.push(
      () => listener.close(),
      () => {
        passive.stop();
      },
      () => {
        active.stop();
      },
    );
    passive.start();
    active.start();
    await waitFor(() => passive.state === 'Established' && active.state === 'Established', 10000, {
      what: 'both Established',
    });
    assert.deepEqual(active.negotiated!.families, [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc]);
    assert.equal(active.negotiated!.holdTime, 90);
    assert.equal(active.negotiated!.keepaliveTime, 30);
    assert.equal(active.negotiated!.rx.asn4, true);
    assert.equal(active.negotiated!.peerGracefulRestart?.restartTime, 120);
    assert.deepEqual(
      b.transitions.map((t) => t[1]),
      ['Connect', 'OpenSent', 'OpenConfirm', 'Established'],
    );
    assert.deepEqual(
      a.transitions.map((t) => t[1]),
      ['Active', 'OpenSent', 'OpenConfirm', 'Established'],
    );
    // Administrative shutdown with an RFC 8203 message reaches the other side.
    active.stop('maintenance window');
    await waitFor(() => passive.state !== 'Established', 5000, { what: 'passive side down' });
    // Both sides set the N bit (RFC 8538), so the Cease travels inside a Hard Reset (6/9).
    assert.equal(passive.info().lastErrorCode, SESSION_ERR.notificationReceived);
    assert.match(passive.info().lastError ?? '', /maintenance window/);
  });

  it('rejects a connection from an unconfigured address with Cease / Connection Rejected', async () => {
    const listener = new BgpListener({ accept: () => false }, silentLogger);
    const port = await listener.listen('127.0.0.1', 0);
    cleanups.push(() => listener.close());
    const peer = new RawPeer(connect(port, '127.0.0.1'));
    cleanups.push(() => peer.socket.destroy());
    await waitFor(() => peer.messages.length > 0, 5000, { what: 'a NOTIFICATION' });
    const m = peer.messages[0];
    assert.ok(m?.type === 'notification');
    assert.deepEqual([m.code, m.subcode], [6, 5]);
    assert.equal(listener.rejected, 1);
  });

  it('sends Hold Timer Expired when the peer goes silent, then goes Idle and retries with backoff', async () => {
    const clock = new ManualClock();
    const rec = recorder();
    let updatesIn = 0;
    const handlers: SessionHandlers = {
      ...rec.handlers,
      message: (_s, dir, type) => {
        if (dir === 'in' && type === 'update') updatesIn++;
      },
    };
    const setup = await sessionToRawServer({ holdTime: 9 }, { clock, handlers, random: () => 0 });
    const s = setup.session;
    cleanups.push(...setup.cleanups);
    const peer = await setup.start();
    peer.send({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 9,
      bgpId: '10.0.0.9',
      capabilities: [{ type: 'multiprotocol', afi: 1, safi: 128 }],
    });
    peer.send({ type: 'keepalive' });
    await waitFor(() => s.state === 'Established', 5000, { what: 'Established' });
    assert.equal(s.negotiated?.keepaliveTime, 3);
    // An UPDATE (not only a KEEPALIVE) restarts the hold timer (RFC 4271 8.2.2).
    clock.advance(8000);
    peer.send({ type: 'update', update: { withdrawn: [], attributes: {}, nlri: [] } });
    await waitFor(() => updatesIn === 1, 5000, { what: 'the UPDATE received' });
    clock.advance(8000);
    assert.equal(s.state, 'Established');
    clock.advance(1000);
    assert.equal(s.state, 'Idle');
    assert.deepEqual(rec.transitions.at(-1), ['Established', 'Idle', 'hold-timer-expired']);
    await waitFor(() => peer.messages.some((m) => m.type === 'notification'), 5000, {
      what: 'NOTIFICATION 4/0',
    });
    const n = peer.messages.find((m) => m.type === 'notification');
    assert.deepEqual(n?.type === 'notification' && [n.code, n.subcode], [4, 0]);
    assert.ok(peer.messages.filter((m) => m.type === 'keepalive').length >= 2, 'keepalives every hold/3');
    // ConnectRetry: nothing happens before the backoff delay, then a new connection is tried.
    assert.equal(clock.pending > 0, true);
    clock.advance(1000);
    assert.equal(s.state, 'Connect');
  });

  for (const [peerId, survivor] of [
    ['10.0.0.9', 'inbound'],
    ['10.0.0.1', 'outbound'],
  ] as const) {
    it(`resolves a connection collision: peer id ${peerId} vs ours 10.0.0.2 keeps the ${survivor} one (RFC 4271 6.8)`, async () => {
      const setup = await sessionToRawServer({});
      const s = setup.session;
      const listener = new BgpListener({ accept: (_peer, sock) => (s.accept(sock), true) }, silentLogger);
      const listenPort = await listener.listen('127.0.0.1', 0);
      cleanups.push(...setup.cleanups, () => listener.close());
      const outbound = await setup.start();
      // The peer connects too while we are in OpenSent: now there are two connections.
      const inbound = new RawPeer(connect(listenPort, '127.0.0.1'));
      cleanups.push(() => inbound.socket.destroy());
      await waitFor(() => inbound.messages.some((m) => m.type === 'open'), 5000, {
        what: 'OPEN on the inbound connection',
      });
      assert.equal(s.state, 'OpenSent');
      const open = {
        type: 'open' as const,
        version: 4,
        myAs: 64512,
        holdTime: 90,
        bgpId: peerId,
        capabilities: [{ type: 'multiprotocol' as const, afi: 1, safi: 128 }],
      };
      inbound.send(open);
      const [keep, lose] = survivor === 'inbound' ? [inbound, outbound] : [outbound, inbound];
      const cease = await waitFor(() => lose.messages.find((m) => m.type === 'notification'), 5000, {
        what: 'Cease on the losing connection',
      });
      assert.deepEqual([cease.code, cease.subcode], [6, 7]);
      if (keep === outbound) keep.send(open);
      keep.send({ type: 'keepalive' });
      await waitFor(() => s.state === 'Established', 5000, {
        what: 'Established on the surviving connection',
      });
      assert.ok(keep.messages.some((m) => m.type === 'keepalive'));
      assert.ok(!keep.messages.some((m) => m.type === 'notification'));
    });
  }

  it('refuses a peer with no family in common (Unsupported Capability) and a wrong AS (Bad Peer AS)', async () => {
    for (const [caps, as, expect] of [
      [[{ type: 'multiprotocol' as const, afi: 2, safi: 1 }], 64512, [2, 7]],
      [[{ type: 'multiprotocol' as const, afi: 1, safi: 128 }], 65001, [2, 2]],
    ] as const) {
      const setup = await sessionToRawServer({});
      const s = setup.session;
      cleanups.push(...setup.cleanups);
      const peer = await setup.start();
      peer.send({
        type: 'open',
        version: 4,
        myAs: as,
        holdTime: 90,
        bgpId: '10.0.0.9',
        capabilities: [...caps],
      });
      await waitFor(() => peer.messages.some((m) => m.type === 'notification'), 5000, {
        what: 'NOTIFICATION',
      });
      const n = peer.messages.find((m) => m.type === 'notification');
      assert.deepEqual(n?.type === 'notification' && [n.code, n.subcode], expect);
      assert.equal(s.state, 'Idle');
    }
  });

  for (const [md5Key, code] of [
    ['secret', SESSION_ERR.md5Suspected],
    [undefined, SESSION_ERR.connectTimeout],
  ] as const) {
    it(`a connect that gets no answer times out and is retried; key ${md5Key ?? 'none'}: ${code}`, () => {
      const clock = new ManualClock();
      const attempts: Socket[] = [];
      // A socket that never connects: what a SYN dropped for a bad MD5 signature looks like.
      const s = new Session(peerConfig({ md5Key, connectRetry: 2 }), {
        clock,
        log: silentLogger,
        handlers: {},
        random: () => 0,
        connect: () => {
          const sock = new Socket();
          attempts.push(sock);
          return sock;
        },
      });
      cleanups.push(() => {
        s.stop();
      });
      s.start();
      assert.equal(s.state, 'Connect');
      clock.advance(1999);
      assert.deepEqual([attempts.length, s.info().lastErrorCode], [1, undefined]);
      clock.advance(1);
      // RFC 4271 8.2.2: ConnectRetryTimer expiry in Connect drops the attempt and connects again.
      assert.equal(s.state, 'Connect');
      assert.equal(attempts.length, 2);
      assert.equal(attempts[0]?.destroyed, true);
      assert.equal(s.info().lastErrorCode, code);
      // The first failure waits the base delay again; each further one doubles it, one step per
      // failed attempt (exponential backoff).
      clock.advance(1999);
      assert.equal(attempts.length, 2);
      clock.advance(1);
      assert.equal(attempts.length, 3);
      clock.advance(3999);
      assert.equal(attempts.length, 3);
      clock.advance(1);
      assert.equal(attempts.length, 4);
    });
  }

  it('a passive session with an MD5 key that hears nothing says the key is the likely cause', () => {
    const clock = new ManualClock();
    const quiet = new Session(peerConfig({ passive: true, connectRetry: 5 }), {
      clock,
      log: silentLogger,
      handlers: {},
      random: () => 0,
    });
    const keyed = new Session(peerConfig({ passive: true, connectRetry: 5, md5Key: 'secret' }), {
      clock,
      log: silentLogger,
      handlers: {},
      random: () => 0,
    });
    cleanups.push(
      () => {
        quiet.stop();
      },
      () => {
        keyed.stop();
      },
    );
    quiet.start();
    keyed.start();
    clock.advance(5000);
    assert.deepEqual([quiet.state, keyed.state], ['Active', 'Active']);
    assert.equal(quiet.info().lastErrorCode, undefined);
    assert.equal(keyed.info().lastErrorCode, SESSION_ERR.md5Suspected);
  });

  it('a refused connect is reported as such, not as an MD5 problem', async () => {
    const { server: srv, port } = await server(() => undefined);
    await new Promise((r) => srv.close(r));
    const s = new Session(peerConfig({ port, md5Key: undefined }), {
      clock: new ManualClock(),
      log: silentLogger,
      handlers: {},
    });
    cleanups.push(() => {
      s.stop();
    });
    s.start();
    await waitFor(() => s.state === 'Active', 5000, { what: 'connect refused' });
    assert.equal(s.info().lastErrorCode, SESSION_ERR.connectFailed);
  });
});
