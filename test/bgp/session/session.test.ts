import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ManualClock, systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FAMILY, DEFAULT_CONTEXT } from '../../../src/bgp/codec/context.js';
import { Framer } from '../../../src/bgp/codec/framer.js';
import { decodeMessage, encodeMessage, type Message } from '../../../src/bgp/codec/message.js';
import { BgpListener } from '../../../src/bgp/session/listener.js';
import { Session, type SessionDeps, type SessionHandlers } from '../../../src/bgp/session/session.js';
import type { PeerConfig, Reason, State } from '../../../src/bgp/session/types.js';
import { peerConfig } from '../../helpers/peer-config.js';
import { waitFor } from '../../helpers/wait.js';

function recorder(): { transitions: [State, State, Reason][]; handlers: SessionHandlers } {
  const transitions: [State, State, Reason][] = [];
  return {
    transitions,
    handlers: { stateChanged: (_s, from, to, reason) => transitions.push([from, to, reason]) },
  };
}

/** A raw BGP peer made of a TCP socket, the framer and the decoder. */
class RawPeer {
  readonly messages: Message[] = [];
  readonly #framer = new Framer();
  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.#framer.push(c);
      for (const f of this.#framer.frames()) this.messages.push(decodeMessage(f, DEFAULT_CONTEXT));
    });
    socket.on('error', () => undefined);
  }
  send(m: Parameters<typeof encodeMessage>[0]): void {
    this.socket.write(encodeMessage(m, DEFAULT_CONTEXT));
  }
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
    assert.match(passive.info().lastError ?? '', /NOTIFICATION received 6\/2: maintenance window/);
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
});
