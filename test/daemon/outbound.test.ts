/**
 * What one peer receives from our speaker, in order (RFC 4684 6, RFC 4724 2): our RTC routes
 * and the RTC End-of-RIB first; VPN routes only for the RTs the peer asked for; the VPN
 * End-of-RIB after the peer's own RTC End-of-RIB, or after `rtcWaitMs` when it never comes.
 * The peer is a plain Session of ours on loopback that records everything it gets.
 */
import assert from 'node:assert/strict';
import {
  FAMILY,
  familyOf,
  rawFromLabel,
  rtcNlri,
  vpnNlri,
  type FamilyKey,
} from '../../src/bgp/codec/index.js';
import { Session } from '../../src/bgp/session/session.js';
import { Speaker } from '../../src/daemon/speaker.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { Rib } from '../../src/rib/rib.js';
import { RtcOriginator } from '../../src/rib/rtc.js';
import { freePort } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { waitFor } from '../helpers/wait.js';

const name = (f: FamilyKey): string => (f === FAMILY.rtc ? 'rtc' : f === FAMILY.ipv4Vpn ? 'vpn' : String(f));

describe('PeerOutbound through a speaker: order of what a peer receives', function () {
  this.timeout(20000);
  let speaker: Speaker;
  let peer: Session | undefined;
  const events: string[] = [];

  async function setUp(rtcWaitMs: number): Promise<number> {
    events.length = 0;
    const rib = new Rib();
    speaker = new Speaker({
      rib,
      clock: systemClock,
      log: silentLogger,
      localAddress: '127.0.0.1',
      outbound: { rtcWaitMs },
    });
    new RtcOriginator({ rib, localAs: 64512, nextHop: '127.0.0.1' }).setImports('vrf', ['64512:9']);
    for (const [prefix, rt] of [
      ['10.0.0.1/32', '64512:1'],
      ['10.0.0.2/32', '64512:2'],
    ] as const) {
      rib.set({
        family: FAMILY.ipv4Vpn,
        nlri: vpnNlri('127.0.0.1:1', prefix, [rawFromLabel(100)]),
        attributes: { origin: 0, asPath: [], extCommunities: [{ type: 'route-target', value: rt }] },
        nextHop: '127.0.0.1',
        source: { kind: 'local', owner: 'vrf' },
      });
    }
    const port = await speaker.listen('127.0.0.1', await freePort('127.0.0.1'));
    speaker.setPeers([
      peerConfig({
        peerAddress: '127.0.0.2',
        passive: true,
        routerId: '127.0.0.1',
        localAddress: '127.0.0.1',
      }),
    ]);
    return port;
  }

  function connect(port: number, sendRtc: boolean): void {
    peer = new Session(
      peerConfig({
        peerAddress: '127.0.0.1',
        port,
        routerId: '127.0.0.2',
        localAddress: '127.0.0.2',
        families: [FAMILY.ipv4Vpn, FAMILY.rtc],
      }),
      {
        clock: systemClock,
        log: silentLogger,
        handlers: {
          established: (s) => {
            if (!sendRtc) return;
            const { afi, safi } = familyOf(FAMILY.rtc);
            s.send({
              withdrawn: [],
              nlri: [],
              attributes: { origin: 0, asPath: [], localPref: 100 },
              mpReach: { afi, safi, nextHop: '127.0.0.2', nlri: [rtcNlri(64512, '64512:1')] },
            });
            s.sendEndOfRib(FAMILY.rtc);
          },
          update: (_s, d) => {
            const r = d.update.mpReach;
            if (r === undefined) return;
            for (const n of r.nlri) events.push(`${name((r.afi << 8) | r.safi)} ${n.key}`);
          },
          endOfRib: (_s, f) => {
            events.push(`eor ${name(f)}`);
          },
        },
      },
    );
    peer.start();
  }

  afterEach(async () => {
    peer?.stop();
    peer = undefined;
    await speaker.stop();
  });

  it('sends RTC and its End-of-RIB first, then only the asked-for VPN route, then the VPN End-of-RIB', async () => {
    connect(await setUp(60_000), true);
    await waitFor(() => events.includes('eor vpn'), 10000, {
      what: 'the VPN End-of-RIB',
      describe: () => events,
    });
    const at = (e: string): number => events.indexOf(e);
    assert.ok(at('rtc 64512:64512:9') >= 0 && at('rtc 64512:64512:9') < at('eor rtc'), events.join(', '));
    assert.ok(at('eor rtc') < at('vpn 127.0.0.1:1:10.0.0.1/32'), events.join(', '));
    assert.ok(at('vpn 127.0.0.1:1:10.0.0.1/32') < at('eor vpn'), events.join(', '));
    assert.equal(at('vpn 127.0.0.1:1:10.0.0.2/32'), -1, 'RT 64512:2 was not asked for');
  });

  it('sends the VPN End-of-RIB after rtcWaitMs when the peer never sends its RTC End-of-RIB', async () => {
    connect(await setUp(300), false);
    await waitFor(() => events.includes('eor vpn'), 10000, {
      what: 'the VPN End-of-RIB',
      describe: () => events,
    });
    assert.deepEqual(
      events.filter((e) => e.startsWith('vpn')),
      [],
      'no RTC interest from the peer: no VPN route',
    );
    assert.ok(events.indexOf('eor rtc') < events.indexOf('eor vpn'));
  });
});
