/** The resource types the fake serves by default: bagpipe.io CRDs and the core types we use. */
import type { ResourceType } from './types.js';

const bagpipe = { group: 'bagpipe.io', version: 'v1alpha1', statusSubresource: true } as const;

export const bgpPeers: ResourceType = { ...bagpipe, plural: 'bgppeers', kind: 'BgpPeer', namespaced: false };
export const vpnInstances: ResourceType = {
  ...bagpipe,
  plural: 'vpninstances',
  kind: 'VpnInstance',
  namespaced: true,
};
export const portAttachments: ResourceType = {
  ...bagpipe,
  plural: 'portattachments',
  kind: 'PortAttachment',
  namespaced: true,
};
export const nodeStates: ResourceType = {
  ...bagpipe,
  plural: 'bagpipenodestates',
  kind: 'BagpipeNodeState',
  namespaced: false,
};

const core = { group: '', version: 'v1' } as const;
export const nodes: ResourceType = {
  ...core,
  plural: 'nodes',
  kind: 'Node',
  namespaced: false,
  statusSubresource: true,
};
export const secrets: ResourceType = { ...core, plural: 'secrets', kind: 'Secret', namespaced: true };
export const coreEvents: ResourceType = { ...core, plural: 'events', kind: 'Event', namespaced: true };
export const eventsV1: ResourceType = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  kind: 'Event',
  namespaced: true,
};

export const defaultResources: readonly ResourceType[] = [
  bgpPeers,
  vpnInstances,
  portAttachments,
  nodeStates,
  nodes,
  secrets,
  coreEvents,
  eventsV1,
];
