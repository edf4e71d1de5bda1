import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { perScrape, registerDaemonMetrics } from '../../../src/api/http/daemon-metrics.js';
import { parseConfig } from '../../../src/daemon/config.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { DummyDriver } from '../../../src/dataplane/index.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { peerConfig } from '../../helpers/peer-config.js';

describe('daemon metrics', () => {
  it('reads the daemon status once per scrape and labels by peer, type and driver', async () => {
    const config = parseConfig('[BGP]\nlocal_address = 127.0.0.1\nmy_as = 64512\n', 'bgp.conf');
    const daemon = new Daemon({
      config,
      clock: new ManualClock(),
      log: silentLogger,
      nodeName: 'n1',
      drivers: { ipvpn: new DummyDriver({ type: 'ipvpn' }), evpn: new DummyDriver({ type: 'evpn' }) },
    });
    daemon.setPeers([peerConfig({ peerAddress: '192.0.2.7', passive: true })]);
    let reads = 0;
    const registry = new Registry();
    registerDaemonMetrics(registry, {
      status: () => {
        reads++;
        return daemon.status();
      },
    });
    const text = await registry.metrics();
    assert.equal(reads, 1, 'one status per scrape, whatever the number of gauges');
    assert.match(text, /^bagpipe_bgp_session_up\{peer="192.0.2.7"\} 0$/m);
    assert.match(text, /^bagpipe_bgp_session_state\{peer="192.0.2.7",state="Active"\} 1$/m);
    assert.match(text, /^bagpipe_dataplane_operations\{driver="dummy",type="evpn",what="applied"\} 0$/m);
    await daemon.stop({ graceful: false });
  });

  it('recomputes once the scrape window has passed', () => {
    let t = 0;
    let n = 0;
    const get = perScrape(
      () => ++n,
      200,
      () => t,
    );
    assert.deepEqual([get(), get()], [1, 1]);
    t = 201;
    assert.equal(get(), 2);
  });
});
