/** The fake Kubernetes API server for tests; see server.ts. */
export { FakeKube, type FakeKubeOptions, type StallOptions } from './server.js';
export type { LoggedRequest, RequestFilter, FailOptions } from './faults.js';
export { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
export * as resources from './resources.js';
export type { ObjectStore, StoreEvent } from './store.js';
export type { ResourceType, StoredObject, ObjectMeta } from './types.js';
