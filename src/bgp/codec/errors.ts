/**
 * Wire errors are data mapped to protocol actions (STYLE rule 4, RFC 7606 2): each carries the
 * NOTIFICATION it would send and the least drastic action that handles it.
 */
import { BgpdError, OverrunError } from '../../lib/errors.js';
import { errorName } from './notify.js';

/** RFC 7606 2: error handling approaches, weakest first. */
export const WIRE_ACTIONS = [
  'attribute-discard',
  'treat-as-withdraw',
  'afisafi-disable',
  'session-reset',
] as const;
export type WireAction = (typeof WIRE_ACTIONS)[number];

const rank = (a: WireAction | undefined): number => (a === undefined ? -1 : WIRE_ACTIONS.indexOf(a));

/** RFC 7606 3(h): when several errors occur, the strongest action wins. */
export function stronger(a: WireAction | undefined, b: WireAction | undefined): WireAction | undefined {
  return rank(a) >= rank(b) ? a : b;
}

export interface WireErrorInit {
  /** NOTIFICATION error code (RFC 4271 4.5). */
  readonly errorCode: number;
  readonly subcode: number;
  readonly action: WireAction;
  readonly data?: Uint8Array;
  /** The family concerned, for 'afisafi-disable'. */
  readonly afi?: number;
  readonly safi?: number;
  readonly cause?: unknown;
}

/**
 * A syntax error found while decoding. `code` is the stable `BGPD_ERR_WIRE_<CODE>_<SUBCODE>`
 * string of `BgpdError`; the NOTIFICATION numbers are `errorCode` and `subcode`.
 */
export class WireError extends BgpdError {
  readonly errorCode: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  readonly action: WireAction;
  readonly afi: number | undefined;
  readonly safi: number | undefined;

  constructor(init: WireErrorInit, message: string) {
    const name = errorName(init.errorCode, init.subcode).replace('/', '_');
    super(`BGPD_ERR_WIRE_${name}`, `${errorName(init.errorCode, init.subcode)}: ${message}`, {
      cause: init.cause,
    });
    this.errorCode = init.errorCode;
    this.subcode = init.subcode;
    this.data = init.data ?? new Uint8Array(0);
    this.action = init.action;
    this.afi = init.afi;
    this.safi = init.safi;
  }

  static override is(e: unknown): e is WireError {
    return e instanceof WireError;
  }

  /** The same error with a stronger or different action (e.g. an NLRI error inside MP_REACH). */
  withAction(action: WireAction, extra: Partial<WireErrorInit> = {}): WireError {
    return new WireError({ ...this.#init(), action, ...extra }, this.message);
  }

  #init(): WireErrorInit {
    return {
      errorCode: this.errorCode,
      subcode: this.subcode,
      action: this.action,
      data: this.data,
      ...(this.afi === undefined ? {} : { afi: this.afi }),
      ...(this.safi === undefined ? {} : { safi: this.safi }),
    };
  }
}

/**
 * Turn anything a decoder threw into a `WireError`: a `WireError` stays as is, a reader overrun
 * becomes `fallback`, and anything else is a bug that is re-thrown.
 */
export function asWireError(e: unknown, fallback: (cause: OverrunError) => WireError): WireError {
  if (e instanceof WireError) return e;
  if (e instanceof OverrunError) return fallback(e);
  throw e;
}

/** A value handed to an encoder that cannot be put on the wire (a caller bug, not a peer's). */
export class EncodeError extends BgpdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BGPD_ERR_ENCODE', message, options);
  }
}
