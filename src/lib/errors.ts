/**
 * One error base class for the whole daemon (STYLE rule 9). Each subclass carries a stable
 * `code`; tests assert the code, never the message text.
 */
const brand = Symbol.for('bagpipe-bgp.error');

export class BgpdError extends Error {
  readonly code: `BGPD_ERR_${string}`;
  readonly [brand] = true;

  constructor(code: `BGPD_ERR_${string}`, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** `instanceof` that also works across duplicate copies of this module. */
  static is(e: unknown): e is BgpdError {
    return typeof e === 'object' && e !== null && brand in e;
  }
}

/** A read past the end of a buffer, or a length that does not fit. */
export class OverrunError extends BgpdError {
  readonly offset: number;
  readonly wanted: number;
  readonly available: number;

  constructor(offset: number, wanted: number, available: number) {
    super('BGPD_ERR_OVERRUN', `read of ${wanted} bytes at offset ${offset} overruns ${available} available`);
    this.offset = offset;
    this.wanted = wanted;
    this.available = available;
  }
}

/** Invalid desired state or configuration: names the object and the field. */
export class SpecError extends BgpdError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('BGPD_ERR_SPEC', `${path}: ${message}`, options);
    this.path = path;
  }
}

/** A failure of a dataplane command or batch. */
export class DataplaneError extends BgpdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BGPD_ERR_DATAPLANE', message, options);
  }
}

/** A failure of a BGP session (transport, negotiation, timers). */
export class SessionError extends BgpdError {
  declare readonly code: `BGPD_ERR_SESSION_${string}`;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
