import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ManualClock, systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { FAMILY, DEFAULT_CONTEXT } from '../../../src/bgp/codec/context.js';
import { Framer } from '../../../src/bgp/codec/framer.js';
import { decodeMessage, encodeMessage, type Message } from '../../../src/bgp/codec/message.js';
import { BgpListener } from '../../../src/bgp/session/listener.js';
import { Session, type SessionHandlers } from '../../../src/bgp/session/session.js';
import type { PeerConfig, Reason, State } from '../../../src/bgp/session/types.js';
import { until } from '../../helpers/wait-until.js';

const base = (over: Partial<PeerConfig>): PeerConfig => ({
  peerAddress: '127.0.0.1',
  port: 179,
  localAs: 64512,
  peerAs: 64512,
  routerId: '10.0.0.1',
  passive: false,
  families: [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc],
  holdTime: 90,
  connectRetry: 1,
  gracefulRestart: { enabled: true, restartTime: 120 },
  ...over,
});

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

describe('Session', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('two speakers peer directly: one passive behind a listener, one active', async () => {
    const a = recorder();
    const b = recorder();
    const passive = new Session(base({ passive: true, routerId: '10.0.0.1', peerAddress: '127.0.0.1' }), {
      clock: systemClock,
      log: silentLogger,
      handlers: a.handlers,
    });
    const listener = new BgpListener(
      { accept: (peer, s) => (peer === '127.0.0.1' ? (passive.accept(s), true) : false) },
      silentLogger,
    );
    const port = await listener.listen('127.0.0.1', 0);
    const active = new Session(base({ port, routerId: '10.0.0.2' }), {
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
    await until(
      () => passive.state === 'Established' && active.state === 'Established',
      10000,
      'both Established',
    );
    assert.deepEqual(active.negotiated!.families, [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc]);
    assert.equal(active.negotiated!.holdTime, 90);
    assert.equal(active.negotiated!.keepaliveTime, 30);
    assert.equal(active.negotiated!.asn4, true);
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
    await until(() => passive.state !== 'Established', 5000, 'passive side down');
    assert.match(passive.info().lastError ?? '', /NOTIFICATION received 6\/2: maintenance window/);
  });

  it('rejects a connection from an unconfigured address with Cease / Connection Rejected', async () => {
    const listener = new BgpListener({ accept: () => false }, silentLogger);
    const port = await listener.listen('127.0.0.1', 0);
    cleanups.push(() => listener.close());
    const peer = new RawPeer(connect(port, '127.0.0.1'));
    cleanups.push(() => peer.socket.destroy());
    await until(() => peer.messages.length > 0, 5000, 'a NOTIFICATION');
    const m = peer.messages[0];
    assert.ok(m?.type === 'notification');
    assert.deepEqual([m.code, m.subcode], [6, 5]);
    assert.equal(listener.rejected, 1);
  });

  it('sends Hold Timer Expired when the peer goes silent, then goes Idle and retries with backoff', async () => {
    const clock = new ManualClock();
    let peer: RawPeer | undefined;
    const { server: srv, port } = await server((s) => (peer = new RawPeer(s)));
    const rec = recorder();
    let updatesIn = 0;
    const handlers: SessionHandlers = {
      ...rec.handlers,
      message: (_s, dir, type) => {
        if (dir === 'in' && type === 'update') updatesIn++;
      },
    };
    const s = new Session(base({ port, holdTime: 9, routerId: '10.0.0.2' }), {
      clock,
      log: silentLogger,
      handlers,
      random: () => 0,
    });
    cleanups.push(
      () => new Promise((r) => srv.close(r)),
      () => {
        s.stop();
      },
      () => peer?.socket.destroy(),
    );
    s.start();
    await until(() => peer !== undefined && peer.messages.some((m) => m.type === 'open'), 5000, 'our OPEN');
    peer!.send({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 9,
      bgpId: '10.0.0.9',
      capabilities: [{ type: 'multiprotocol', afi: 1, safi: 128 }],
    });
    peer!.send({ type: 'keepalive' });
    await until(() => s.state === 'Established', 5000, 'Established');
    assert.equal(s.negotiated?.keepaliveTime, 3);
    // An UPDATE (not only a KEEPALIVE) restarts the hold timer (RFC 4271 8.2.2).
    clock.advance(8000);
    peer!.send({ type: 'update', update: { withdrawn: [], attributes: {}, nlri: [] } });
    await until(() => updatesIn === 1, 5000, 'the UPDATE received');
    clock.advance(8000);
    assert.equal(s.state, 'Established');
    clock.advance(1000);
    assert.equal(s.state, 'Idle');
    assert.deepEqual(rec.transitions.at(-1), ['Established', 'Idle', 'hold-timer-expired']);
    await until(() => peer!.messages.some((m) => m.type === 'notification'), 5000, 'NOTIFICATION 4/0');
    const n = peer!.messages.find((m) => m.type === 'notification');
    assert.deepEqual(n?.type === 'notification' && [n.code, n.subcode], [4, 0]);
    assert.ok(peer!.messages.filter((m) => m.type === 'keepalive').length >= 2, 'keepalives every hold/3');
    // ConnectRetry: nothing happens before the backoff delay, then a new connection is tried.
    assert.equal(clock.pending > 0, true);
    clock.advance(1000);
    assert.equal(s.state, 'Connect');
  });

  it('refuses a peer with no family in common (Unsupported Capability) and a wrong AS (Bad Peer AS)', async () => {
    for (const [caps, as, expect] of [
      [[{ type: 'multiprotocol' as const, afi: 2, safi: 1 }], 64512, [2, 7]],
      [[{ type: 'multiprotocol' as const, afi: 1, safi: 128 }], 65001, [2, 2]],
    ] as const) {
      let peer: RawPeer | undefined;
      const { server: srv, port } = await server((sock) => (peer = new RawPeer(sock)));
      const s = new Session(base({ port, routerId: '10.0.0.2' }), {
        clock: new ManualClock(),
        log: silentLogger,
        handlers: {},
      });
      s.start();
      await until(() => peer?.messages.some((m) => m.type === 'open') === true, 5000, 'OPEN');
      peer!.send({
        type: 'open',
        version: 4,
        myAs: as,
        holdTime: 90,
        bgpId: '10.0.0.9',
        capabilities: [...caps],
      });
      await until(() => peer!.messages.some((m) => m.type === 'notification'), 5000, 'NOTIFICATION');
      const n = peer!.messages.find((m) => m.type === 'notification');
      assert.deepEqual(n?.type === 'notification' && [n.code, n.subcode], expect);
      assert.equal(s.state, 'Idle');
      s.stop();
      peer!.socket.destroy();
      await new Promise((r) => srv.close(r));
    }
  });
});
