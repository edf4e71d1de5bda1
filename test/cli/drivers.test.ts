import assert from 'node:assert/strict';
import { createDrivers } from '../../src/cli/drivers.js';
import { parseConfig } from '../../src/daemon/config.js';
import { silentLogger } from '../../src/lib/log.js';

const conf = (ipvpn: string, evpn: string, extra = ''): string =>
  `[BGP]\nlocal_address = 192.0.2.1\nmy_as = 64512\n` +
  `[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = ${ipvpn}\n${extra}` +
  `[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = ${evpn}\n`;

describe('createDrivers', () => {
  it('builds the drivers the config names, bagpipe class paths included', async () => {
    const d = createDrivers(
      parseConfig(
        conf('mpls_ovs_dataplane.MPLSOVSDataplaneDriver', 'linux', 'ovs_bridge = br-test\n'),
        'bgp.conf',
      ),
      silentLogger,
    );
    assert.deepEqual(
      [d.ipvpn.name, d.ipvpn.type, d.evpn.name, d.evpn.type],
      ['ovs', 'ipvpn', 'linux-evpn', 'evpn'],
    );
    await d.stop();
    const dummy = createDrivers(parseConfig(conf('dummy', 'dummy'), 'bgp.conf'), silentLogger);
    assert.deepEqual([dummy.ipvpn.name, dummy.evpn.name], ['dummy', 'dummy']);
    await dummy.stop();
  });

  it('refuses the ovs driver for E-VPN with a configuration error', () => {
    assert.throws(
      () => createDrivers(parseConfig(conf('dummy', 'ovs'), 'bgp.conf'), silentLogger),
      (e: unknown) => (e as { code?: string }).code === 'BGPD_ERR_CONFIG',
    );
  });
});
