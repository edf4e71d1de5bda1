/**
 * Where the command-line clients find the daemon's REST API: `[API] port` of bagpipe's config
 * file (as bagpipe's own tools read it), 8082 when there is no such file or key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseIni } from '../lib/ini.js';

export const DEFAULT_CONFIG_FILE = '/etc/bagpipe-bgp/bgp.conf';
export const DEFAULT_API_PORT = 8082;

/** `[API] port` (or its old name `api_port`) of `file`; the default when absent. Throws on a bad file. */
export function apiPortFromConfig(file: string | undefined): number {
  const path = file ?? DEFAULT_CONFIG_FILE;
  if (file === undefined && !existsSync(path)) return DEFAULT_API_PORT;
  const api = parseIni(readFileSync(path, 'utf8')).get('API');
  const value = api?.get('port')?.value ?? api?.get('api_port')?.value;
  if (value === undefined) return DEFAULT_API_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${path}: [API] port = ${value}: not a port`);
  return port;
}

/** A port option's value as a number (1..65535), or an error naming the option. */
export function portOption(name: string, value: string): number {
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port < 1 || port > 65535)
    throw new Error(`${name} ${value}: not a port number`);
  return port;
}
