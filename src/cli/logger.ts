/** The concrete logger: pino, JSON lines on stdout, secrets redacted (MD5 keys, passwords). */
import { pino } from 'pino';
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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { name: 'bagpipe-bgp' },
  };
  // Synchronous writes to stdout, as Node's own stdout on a pipe: with pino's default (async) a
  // line still being written when the daemon exits under backpressure was cut and the next glued on.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
