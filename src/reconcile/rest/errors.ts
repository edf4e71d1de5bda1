/**
 * What can go wrong with a bagpipe REST call: an input error (HTTP 400, names the bagpipe field
 * at fault, e.g. `local_port.ovs.port_number`) or a storage error (HTTP 503, nothing persisted).
 * Tests assert the codes, never the messages.
 */
import { BgpdError } from '../../lib/errors.js';

export const RestCodes = {
  /** The body is not a JSON object (bagpipe: "No local port details received"). */
  noBody: 'BGPD_ERR_REST_NO_BODY',
  /** A required field is missing (or null). */
  missing: 'BGPD_ERR_REST_MISSING_FIELD',
  /** A field has the wrong type or an invalid value. */
  invalid: 'BGPD_ERR_REST_INVALID_FIELD',
  /** A form bagpipe documents but that does not work there either (e.g. `evpn.ovs_port_name`). */
  unsupported: 'BGPD_ERR_REST_UNSUPPORTED',
  /** The request contradicts the instance (other type, MAC on another port, VNI in use…). */
  conflict: 'BGPD_ERR_REST_CONFLICT',
  /** Detach from an unknown VPN instance. */
  notFound: 'BGPD_ERR_REST_VPN_NOT_FOUND',
  /** Detach of an endpoint that is not attached. */
  notPlugged: 'BGPD_ERR_REST_NOT_PLUGGED',
  /** The state directory could not be read or written (full, read-only…). */
  storage: 'BGPD_ERR_REST_STORAGE',
} as const;
export type RestCode = (typeof RestCodes)[keyof typeof RestCodes];
export type RestInputCode = Exclude<RestCode, 'BGPD_ERR_REST_STORAGE'>;

/** A client error: HTTP 400. `field` is the bagpipe field at fault (dotted path), when there is one. */
export class RestInputError extends BgpdError {
  declare readonly code: RestInputCode;
  readonly field: string | undefined;

  constructor(code: RestInputCode, field: string | undefined, message: string) {
    super(code, field === undefined ? message : `${field}: ${message}`);
    this.field = field;
  }
}

/** Persisting failed (HTTP 503); the previous state is intact. `cause` is the fs error. */
export class RestStorageError extends BgpdError {
  declare readonly code: 'BGPD_ERR_REST_STORAGE';

  constructor(message: string, cause: unknown) {
    super(RestCodes.storage, message, { cause });
  }
}

export const missing = (field: string): RestInputError =>
  new RestInputError(RestCodes.missing, field, 'missing parameter');

export const invalid = (field: string, message: string): RestInputError =>
  new RestInputError(RestCodes.invalid, field, message);
