/**
 * The VPN layer (layer 3): VPN instances (IP VPN VRFs, E-VPN EVIs, plain unicast route sets)
 * built from the desired VpnInstances and PortAttachments, publishing their routes into the
 * RIB and handing each dataplane driver its forwarding intent. The daemon needs the manager,
 * the allocator and the value types; the rest is exported for the looking glass and tests.
 */
export { VpnManager, type VpnManagerOptions } from './manager.js';
export {
  Allocator,
  AllocationError,
  LABEL_RANGE,
  RD_RANGE,
  type AllocatorOptions,
  type InstanceIds,
} from './allocator.js';
export type { InstanceStatus, ManagedInstance } from './instance.js';
export {
  VPN_ERR,
  VpnError,
  type AttachmentPort,
  type AttachmentSpec,
  type Direction,
  type Endpoint,
  type InstanceSpec,
  type Problem,
  type VpnErrorCode,
  type VpnType,
} from './types.js';
