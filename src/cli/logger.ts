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
  return destination ? pino(options, destination) : pino(options);
}
