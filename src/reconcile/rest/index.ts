/**
 * The bagpipe-compatible REST API as a desired-state source: translation of attach/detach
 * calls into VpnInstance + PortAttachment objects, and their persistence in desired.d.
 */
export { RestCodes, RestInputError, RestStorageError } from './errors.js';
export type { RestCode } from './errors.js';
export { attachmentName, fileName, instanceName } from './names.js';
export {
  ADVERTISE_SUBNET_ANNOTATION,
  LINUXIF_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  REST_NAMESPACE,
  serialize,
} from './objects.js';
export type { InstanceDoc, RestState } from './objects.js';
export { parseAttach, parseDetach } from './params.js';
export type { AttachRequest, EndpointRequest, PortSpec } from './params.js';
export { translateAttach, translateDetach } from './translate.js';
export type { TranslateOptions, Translation } from './translate.js';
export { RestSource } from './source.js';
export type { RestApi, RestResult, RestSourceOptions } from './source.js';
export { nodeStateFs } from './atomic.js';
export type { StateFs } from './atomic.js';
