/**
 * Two speakers over loopback (127.0.0.1 passive, 127.0.0.2 active), each with its own RIB:
 * local routes of one appear in the other's RIB, filtered by RT Constraint, with End-of-RIB,
 * withdrawals, and the graceful-restart helper keeping routes stale across a session loss.
 */
import assert from 'node:assert/strict';
import { FAMILY, rawFromLabel, vpnNlri, type PathAttributes } from '../../src/bgp/codec/index.js';
import type { PeerConfig } from '../../src/bgp/session/types.js';
import { Speaker } from '../../src/daemon/speaker.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { Rib } from '../../src/rib/rib.js';
import { RtcOriginator } from '../../src/rib/rtc.js';
import type { LocalSource, PeerSource } from '../../src/rib/types.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const VM: LocalSource = { kind: 'local', owner: 'vrf-1' };

const attributes = (rt: string): PathAttributes => ({
  origin: 0,
  asPath: [],
  localPref: 100,
  extCommunities: [{ type: 'route-target', value: rt }],
});

function localRoute(prefix: string, rt: string, label = 100) {
  return {
    family: FAMILY.ipv4Vpn,
    nlri: vpnNlri('10.0.0.1:1', prefix, [rawFromLabel(label)]),
    attributes: attributes(rt),
    nextHop: '10.0.0.1',
    source: VM,
  };
}

interface Node {
  rib: Rib;
  speaker: Speaker;
  rtc: RtcOriginator;
}

function node(address: string): Node {
  const rib = new Rib();
  const speaker = new Speaker({ rib, clock: systemClock, log: silentLogger, localAddress: address });
  const rtc = new RtcOriginator({ rib, localAs: 64512, nextHop: address });
  return { rib, speaker, rtc };
}

/** A's passive peer B (127.0.0.2). */
const PEER_B = peerConfig({
  peerAddress: '127.0.0.2',
  passive: true,
  routerId: '127.0.0.1',
  localAddress: '127.0.0.1',
});

const fromPeer = (n: Node, address: string) =>
  [...n.rib.routesOf({ kind: 'peer', address } as PeerSource)].filter((r) => r.family === FAMILY.ipv4Vpn);

describe('Speaker: two speakers on loopback', function () {
  this.timeout(20000);
  let a: Node;
  let b: Node;
  let port: number;
  let bConfig: PeerConfig;

  beforeEach(async () => {
    a = node('127.0.0.1');
    b = node('127.0.0.2');
    port = await a.speaker.listen('127.0.0.1', await freePort('127.0.0.1'));
    a.speaker.setPeers([PEER_B]);
    bConfig = peerConfig({
      peerAddress: '127.0.0.1',
      port,
      routerId: '127.0.0.2',
      localAddress: '127.0.0.2',
    });
    b.speaker.setPeers([bConfig]);
  });

  afterEach(async () => {
    await Promise.all([a.speaker.stop(), b.speaker.stop()]);
  });

  it('sends B only the VPN routes whose RTs B imports (RTC), then withdraws them', async () => {
    b.rtc.setImports('vrf-b', ['64512:1']);
    a.rib.set(localRoute('192.168.0.1/32', '64512:1'));
    a.rib.set(localRoute('192.168.0.2/32', '64512:2'));
    await waitFor(() => fromPeer(b, '127.0.0.1').length === 1, 10000, { what: 'the imported route at B' });
    const [got] = fromPeer(b, '127.0.0.1');
    assert.equal(got?.nlri.kind === 'vpn' && got.nlri.prefix, '192.168.0.1/32');
    assert.equal(got?.nextHop, '10.0.0.1', 'iBGP keeps the next hop');
    assert.equal(got.attributes.localPref, 100);
    const aView = a.speaker.peer('127.0.0.2');
    assert.equal(aView?.state, 'Established');
    assert.equal(aView.advertised.get(FAMILY.ipv4Vpn), 1, 'RT 64512:2 was never sent');

    b.rtc.setImports('vrf-b', ['64512:1', '64512:2']);
    await waitFor(() => fromPeer(b, '127.0.0.1').length === 2, 10000, { what: 'the second RT at B' });
    a.rib.delete(VM, FAMILY.ipv4Vpn, vpnNlri('10.0.0.1:1', '192.168.0.1/32', [0]).key);
    await waitFor(() => fromPeer(b, '127.0.0.1').length === 1, 10000, { what: 'the withdrawal at B' });
  });

  it('keeps the routes of a peer whose session dropped as stale until its End-of-RIB', async () => {
    b.rtc.setImports('vrf-b', ['64512:1']);
    a.rib.set(localRoute('192.168.0.1/32', '64512:1'));
    a.rib.set(localRoute('192.168.0.3/32', '64512:1'));
    await waitFor(() => fromPeer(b, '127.0.0.1').length === 2, 10000, { what: 'routes at B' });
    assert.ok((b.speaker.peer('127.0.0.1')?.counters.messagesIn['update'] ?? 0) > 0);

    // A restarts (a graceful stop: no NOTIFICATION to a GR peer); while it is gone one of its
    // routes goes too.
    await a.speaker.stop('restarting', { graceful: true });
    a = node('127.0.0.1');
    a.rib.set(localRoute('192.168.0.1/32', '64512:1'));
    await waitFor(() => b.speaker.peer('127.0.0.1')?.state !== 'Established', 10000, {
      what: 'B sees A down',
    });
    const kept = fromPeer(b, '127.0.0.1');
    assert.equal(kept.length, 2, 'B keeps both routes while A restarts');
    assert.ok(kept.every((r) => r.stale === true));
    port = await a.speaker.listen('127.0.0.1', port);
    a.speaker.setPeers([PEER_B]);
    await waitFor(() => fromPeer(b, '127.0.0.1').length === 1, 15000, {
      what: 'the stale route swept after A’s End-of-RIB',
      describe: () => b.speaker.peer('127.0.0.1'),
    });
    assert.equal(fromPeer(b, '127.0.0.1')[0]?.stale, undefined);
  });
});
