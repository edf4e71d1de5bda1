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
