/**
 * RFC 4724 4.1 on the dataplane side: after a restart that kept forwarding state, the daemon
 * holds its instances' intents (the drivers touch nothing, so the kernel keeps forwarding on the
 * previous run's state) until its peers' End-of-RIBs or the deferral timer (the restart time);
 * with no BGP peer configured there is nothing to wait for. A first start programs at once.
 * (The End-of-RIB path runs end to end in test/e2e/dataplane.netns.test.ts.)
 */
import assert from 'node:assert/strict';
import type { PeerConfig } from '../../src/bgp/session/types.js';
import { parseConfig } from '../../src/daemon/config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DummyDriver } from '../../src/dataplane/dummy.js';
import { portAttachmentSpec, vpnInstanceSpec } from '../../src/desired/defaults.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { peerConfig } from '../helpers/peer-config.js';

const CONFIG = '[BGP]\nlocal_address = 192.0.2.10\nmy_as = 64512\ngraceful_restart_time = 60\n';

function daemon(restarting: boolean): { d: Daemon; clock: ManualClock; evpn: DummyDriver } {
  const clock = new ManualClock();
  const config = parseConfig(CONFIG, 'bgp.conf');
  const evpn = new DummyDriver({ type: 'evpn', clock });
  const drivers = { ipvpn: new DummyDriver({ type: 'ipvpn', clock }), evpn };
  const openOptions = { restarting, forwardingKept: true };
  const d = new Daemon({ config, clock, log: silentLogger, drivers, nodeName: 'n1', openOptions });
  const instance = vpnInstanceSpec(
    { type: 'evpn', importRTs: ['64512:10'], exportRTs: ['64512:10'], vni: 10 },
    'blue',
  );
  const port = portAttachmentSpec(
    {
      vpnInstanceRef: { name: 'blue' },
      macAddress: '02:00:00:00:00:01',
      localPort: { linuxInterface: 'tap1' },
    },
    { nodeName: 'n1' },
  );
  d.setVpn(new Map([['tenant/blue', instance]]), new Map([['tenant/p1', port]]));
  d.vpn.flush();
  return { d, clock, evpn };
}

/** Lets the drivers' queued passes run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('daemon: dataplane deferral after a restart (RFC 4724 4.1)', () => {
  // A passive peer and no listener: the session never comes up, so no End-of-RIB arrives.
  const peer: PeerConfig = peerConfig({ peerAddress: '192.0.2.1', passive: true });

  it('a first start programs the drivers at once', async () => {
    const { d, evpn } = daemon(false);
    await settle();
    assert.equal(evpn.status().counters.passes, 1);
    assert.ok(evpn.instance('blue'));
    await d.stop({ graceful: false });
  });

  it('a restart holds the intents until the deferral timer, then hands the latest over', async () => {
    const { d, clock, evpn } = daemon(true);
    d.setPeers([peer]);
    await settle();
    clock.advance(59_000);
    await settle();
    assert.equal(evpn.status().counters.passes, 0, 'nothing touched during the deferral');
    assert.equal(evpn.status().desired, undefined);
    clock.advance(1_000);
    await settle();
    assert.equal(evpn.status().counters.passes, 1);
    assert.ok(evpn.instance('blue'), 'the held intent went to the driver');
    await d.stop({ graceful: false });
  });

  it('a restart with no BGP peer configured has nothing to wait for', async () => {
    const { d, evpn } = daemon(true);
    await settle();
    assert.equal(evpn.status().counters.passes, 0);
    d.setPeers([]);
    await settle();
    assert.equal(evpn.status().counters.passes, 1);
    await d.stop({ graceful: false });
  });
});
