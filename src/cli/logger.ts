/**
 * The concrete logger: pino, JSON lines on stdout, secrets redacted (MD5 keys, passwords).
 * Also keeps the last WARNING+ records in memory for the looking glass `logs` node.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../lib/log.js';

export const REDACT_PATHS = [
  'password',
  'md5Key',
  '*.password',
  '*.md5Key',
  '*.*.password',
  '*.*.md5Key',
  'spec.passwordSecretRef.key',
];

export interface RecentRecord {
  readonly level: string;
  readonly time: string;
  readonly name: string;
  readonly message: string;
}

/** A ring of the last `size` records at WARNING or above, newest first on read. */
export class RecentLogs {
  readonly #size: number;
  readonly #ring: RecentRecord[] = [];

  constructor(size = 100) {
    this.#size = size;
  }

  push(r: RecentRecord): void {
    this.#ring.push(r);
    if (this.#ring.length > this.#size) this.#ring.shift();
  }

  list(): RecentRecord[] {
    return [...this.#ring].reverse();
  }
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};

export function createLogger(level: string, recent: RecentLogs, destination?: NodeJS.WritableStream): Logger {
  const hooks = {
    logMethod(
      this: PinoLogger,
      args: Parameters<PinoLogger['info']>,
      method: PinoLogger['info'],
      levelNum: number,
    ) {
      if (levelNum >= 40) {
        const [a, b] = args as unknown[];
        const message = typeof a === 'string' ? a : typeof b === 'string' ? b : '';
        const bindings = this.bindings() as { component?: string };
        recent.push({
          level: LEVEL_NAMES[levelNum] ?? String(levelNum),
          time: new Date().toISOString(),
          name: bindings.component ?? 'bagpipe-bgp',
          message,
        });
      }
      method.apply(this, args);
    },
  };
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks,
    base: { name: 'bagpipe-bgp' },
  };
  return destination ? pino(options, destination) : pino(options);
}
