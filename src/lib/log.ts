/**
 * The logging interface the lower layers see (pino's Logger satisfies it). The concrete
 * logger is built in `src/cli`; tests pass `silentLogger` or a recording one.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => undefined;

export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

export interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps records in memory, for tests and the looking glass. */
export function recordingLogger(records: LogRecord[] = [], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogRecord['level']): LogFn =>
    (a: object | string, b?: string) => {
      if (typeof a === 'string') records.push({ ...bindings, level, msg: a });
      else records.push({ ...bindings, ...a, level, msg: b ?? '' });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(records, { ...bindings, ...more }),
  };
}

/** A looking-glass log entry (bagpipe's `logs` node). */
export interface RingEntry {
  readonly level: 'warning' | 'error';
  readonly time: string;
  readonly name?: string;
  readonly message: string;
}

/**
 * A logger that also keeps the last `size` warnings and errors, newest first, for the looking
 * glass (bagpipe keeps 100 records of WARNING and above). Children share the ring.
 */
export function ringLogger(
  base: Logger,
  size = 100,
  ring: RingEntry[] = [],
  name?: string,
): { logger: Logger; entries: () => readonly RingEntry[] } {
  const keep =
    (level: RingEntry['level'], fn: LogFn): LogFn =>
    (a: object | string, b?: string) => {
      const message = typeof a === 'string' ? a : (b ?? '');
      ring.unshift({ level, time: new Date().toISOString(), ...(name ? { name } : {}), message });
      if (ring.length > size) ring.length = size;
      if (typeof a === 'string') fn(a);
      else fn(a, b);
    };
  const logger: Logger = {
    trace: base.trace.bind(base),
    debug: base.debug.bind(base),
    info: base.info.bind(base),
    warn: keep('warning', base.warn.bind(base)),
    error: keep('error', base.error.bind(base)),
    child: (bindings) => {
      const component = bindings['component'] ?? bindings['peer'] ?? bindings['driver'];
      const childName = typeof component === 'string' ? component : name;
      return ringLogger(base.child(bindings), size, ring, childName).logger;
    },
  };
  return { logger, entries: () => ring };
}
