/**
 * Desired state (layer 2): validation, defaults and normalisation of BgpPeer, VpnInstance and
 * PortAttachment objects, the store that merges sources behind a sync gate, and the desired.d
 * file source.
 */
export { admit, admitOrThrow, DEFAULT_NAMESPACE, identityOf } from './admit.js';
export type { AdmitOptions, AdmitResult, Identity } from './admit.js';
export { API_VERSION, GROUP, VERSION } from './crd.js';
export * from './defaults.js';
export { DesiredCodes, DesiredSpecError, reasonOf } from './errors.js';
export type { DesiredCode, Issue } from './errors.js';
export { FILE_SOURCE_DEFAULTS, FileSource } from './file-source.js';
export type { FileSourceOptions } from './file-source.js';
export { DesiredSnapshot, DesiredStore } from './store.js';
export type { DesiredMetrics, DesiredStoreOptions, SourceStatus, SourceWriter } from './store.js';
export { clusterScoped, desiredKinds, isDesiredKind, keyOf, objectName } from './types.js';
export type {
  AnyDesiredEntry,
  DeepReadonly,
  DesiredEntry,
  DesiredKind,
  InvalidReport,
  ObjectRef,
} from './types.js';
export { createValidator } from './validate.js';
export type { SchemaKind, SchemaValidator, ValidatorOptions } from './validate.js';
