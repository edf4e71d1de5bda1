/** The dataplane layer's public surface (layer 2: imports only src/lib and node builtins). */
export * from './intent.js';
export * from './driver.js';
export * from './runner.js';
export { SystemRunner, type SystemRunnerOptions } from './system-runner.js';
export { FakeRunner, type RecordedBatch } from './fake-runner.js';
export { DummyDriver, type DummyDriverOptions } from './dummy.js';
export { LinuxEvpnDriver, type LinuxEvpnOptions, DEFAULT_VXLAN_PORT } from './linux/evpn.js';
export { LinuxIpvpnDriver, type LinuxIpvpnOptions } from './linux/ipvpn.js';
export { LinuxDriver, type LinuxBackend, type LinuxDriverOptions } from './linux/linux-driver.js';
export { OvsIpvpnDriver, type OvsIpvpnOptions } from './ovs/ipvpn.js';
export {
  OWNER_PROTO,
  OWNER_ADDR_METRIC,
  PREFIX,
  nameHash,
  evpnBridgeName,
  evpnVxlanName,
  ipvpnVxlanName,
} from './linux/names.js';
