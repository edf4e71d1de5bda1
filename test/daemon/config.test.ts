import assert from 'node:assert/strict';
import { BgpdError } from '../../src/lib/errors.js';
import { embeddedConfig, parseConfig } from '../../src/daemon/config.js';

const isConfigError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(BgpdError.is(e));
  assert.equal(e.code, 'BGPD_ERR_CONFIG');
  assert.match(e.message, pattern);
  return true;
};

const BASE = `
[BGP]
local_address = 192.0.2.10
my_as = 64512
`;

describe('config', () => {
  it('reads bagpipe options with their defaults', () => {
    const c = parseConfig(
      `${BASE}peers = 192.0.2.1, 192.0.2.2\n[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = linux\n`,
      'bgp.conf',
    );
    assert.deepEqual(c.bgp.peers, ['192.0.2.1', '192.0.2.2']);
    assert.equal(c.bgp.enableRtc, true);
    assert.equal(c.bgp.bgpPort, 179);
    assert.equal(c.bgp.listen, undefined);
    assert.equal(c.bgp.routerId, '192.0.2.10');
    assert.deepEqual(c.api, { host: '127.0.0.1', port: 8082 });
    assert.equal(c.evpn.driver, 'linux');
    assert.equal(c.evpn.vxlanDstPort, 4789);
    assert.equal(c.evpn.localAddress, '192.0.2.10');
    assert.equal(c.ipvpn.driver, 'dummy');
    assert.equal(c.desired.directory, '/etc/bagpipe-bgp/desired.d');
    assert.equal(c.sections['DATAPLANE_DRIVER_IPVPN']?.['ovs_bridge'], 'br-mpls');
    assert.equal(c.sections['DATAPLANE_DRIVER_EVPN']?.['ovs_bridge'], 'br-tun');
  });

  it('accepts the old api_host/api_port names with a warning', () => {
    const c = parseConfig(`${BASE}[API]\napi_host = 0.0.0.0\napi_port = 9000\n`, 'bgp.conf');
    assert.deepEqual(c.api, { host: '0.0.0.0', port: 9000 });
    assert.ok(c.warnings.some((w) => w.includes('api_host is deprecated')));
  });

  it('maps legacy driver class paths', () => {
    const c = parseConfig(
      `${BASE}[DATAPLANE_DRIVER_IPVPN]\ndataplane_driver = bagpipe.bgp.vpn.ipvpn.mpls_ovs_dataplane.MPLSOVSDataplaneDriver\n`,
      'bgp.conf',
    );
    assert.equal(c.ipvpn.driver, 'ovs');
  });

  it('reads the new options: listen, router_id, desired directory', () => {
    const c = parseConfig(
      `${BASE}listen = True\nlisten_port = 1790\nrouter_id = 10.0.0.1\n[DESIRED]\ndirectory = /tmp/d\n`,
      'f',
    );
    assert.equal(c.bgp.listen, '192.0.2.10');
    assert.equal(c.bgp.listenPort, 1790);
    assert.equal(c.bgp.routerId, '10.0.0.1');
    assert.equal(c.desired.directory, '/tmp/d');
    assert.equal(c.desired.stateDirectory, '/tmp/d/../state');
  });

  it('names file, line, section, key and value of a bad value', () => {
    assert.throws(
      () => parseConfig(`${BASE}bgp_port = seventy\n`, '/etc/x.conf'),
      isConfigError(/^\/etc\/x\.conf:5: \[BGP\] bgp_port = "seventy": must be an integer$/),
    );
    assert.throws(
      () => parseConfig(`${BASE}enable_rtc = maybe\n`, 'f'),
      isConfigError(/\[BGP\] enable_rtc = "maybe": must be True or False/),
    );
    assert.throws(
      () => parseConfig(`${BASE}my_as = 0\n`, 'f'),
      isConfigError(/\[BGP\] my_as = "0": must be >= 1/),
    );
    assert.throws(
      () => parseConfig(`${BASE}local_address = nosuchif0\n`, 'f'),
      isConfigError(/\[BGP\] local_address = "nosuchif0"/),
    );
    assert.throws(
      () => parseConfig(`${BASE}[DATAPLANE_DRIVER_EVPN]\ndataplane_driver = fancy\n`, 'f'),
      isConfigError(/\[DATAPLANE_DRIVER_EVPN\] dataplane_driver = "fancy": unknown driver/),
    );
    assert.throws(
      () => parseConfig(`${BASE}hold_time = 2\n`, 'f'),
      isConfigError(/hold_time = 2: must be 0 or >= 3/),
    );
  });

  it('requires local_address and my_as in a file', () => {
    assert.throws(
      () => parseConfig('[BGP]\nmy_as = 1\n', 'f'),
      isConfigError(/f: \[BGP\] local_address is required/),
    );
    assert.throws(
      () => parseConfig('[BGP]\nlocal_address = 192.0.2.1\n', 'f'),
      isConfigError(/f: \[BGP\] my_as is required/),
    );
  });

  it('reports INI syntax errors with the line', () => {
    assert.throws(
      () => parseConfig('[BGP]\nthis is not an option\n', 'f'),
      isConfigError(/^f: line 2: expected "key = value"/),
    );
    assert.throws(
      () => parseConfig('my_as = 1\n', 'f'),
      isConfigError(/line 1: option "my_as" outside of any \[SECTION\]/),
    );
  });

  it('warns about unknown options instead of failing (as oslo.config does)', () => {
    const c = parseConfig(`${BASE}frobnicate = 1\n`, 'f');
    assert.ok(c.warnings.some((w) => w.includes('[BGP] frobnicate is not a known option')));
  });

  it('builds the embedded default', () => {
    const c = embeddedConfig('/srv/x');
    assert.equal(c.file, undefined);
    assert.equal(c.bgp.myAs, 64512);
    assert.equal(c.ipvpn.driver, 'dummy');
    assert.equal(c.evpn.driver, 'dummy');
    assert.equal(c.desired.directory, '/srv/x/desired.d');
    assert.deepEqual(c.api, { host: '127.0.0.1', port: 8082 });
    assert.notEqual(c.bgp.localAddress, '');
  });
});
