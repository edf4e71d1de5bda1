/**
 * The value types of `Daemon.status()` and of the RIB's routes, re-exported for the HTTP layer
 * (layer 6), which may import src/daemon but not src/vpn, src/rib or src/dataplane directly.
 */
export type { PeerStatus, PeerCounters } from './speaker.js';
export type { InstanceStatus } from '../vpn/instance.js';
export type { Endpoint, VpnType } from '../vpn/types.js';
export type { DriverStatus, DataplaneIntent, InstanceIntent } from '../dataplane/index.js';
export type { Route as RibRoute, Source as RibSource } from '../rib/types.js';
export type { State as SessionState, Negotiated } from '../bgp/session/types.js';
export type { DataplaneDriver } from '../dataplane/index.js';
export { STATES as SESSION_STATES } from '../bgp/session/types.js';
