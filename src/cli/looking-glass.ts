#!/usr/bin/env node
/**
 * `bagpipe-looking-glass [--server IP] [--port N] [--prefix P] [-r] PATH…`: GETs
 * `/looking-glass/PATH` and prints it as bagpipe's tool does (BAGPIPE-REFERENCE §8): an indented
 * tree, `key: value` per line, `* ` per list item, `-` for empty, links as `(...)`, and with
 * `-r` each same-server link fetched and printed in place. A top-level link is followed once.
 * Exit status 0, or 1 when the path is unknown (404), the server answers an error, or there is
 * no server (the original exits 0 in all cases); 2 on a command-line mistake.
 */
import type { ParseArgsConfig } from 'node:util';
import { errorMessage } from '../lib/errors.js';
import { apiPortFromConfig, DEFAULT_CONFIG_FILE, portOption } from './api-endpoint.js';
import { parseCommandLine, processIo, runIfMain, type Io } from './main.js';

const NAME = 'bagpipe-looking-glass';
const SYNOPSIS = `usage: ${NAME} [--server <ip>] [--port <port>] [--prefix <prefix>] [-r] path to object in looking-glass`;
const INDENT = 2;

export function usage(): string {
  return `${SYNOPSIS}

e.g.: ${NAME} vpns instances

  --server IP         address of bagpipe-bgp (default 127.0.0.1)
  --port PORT         port of bagpipe-bgp (default: [API] port of the config file, else 8082)
  --prefix PREFIX     looking-glass URL prefix (default looking-glass)
  -r, --recurse       recurse down into the whole looking-glass (same server only)
  --config-file FILE  config file to read the port from (default ${DEFAULT_CONFIG_FILE})
  -h, --help          this help
`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

async function getJson(url: string): Promise<Json> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await res.text();
  if (res.status !== 200) throw new HttpStatusError(res.status, text);
  return JSON.parse(text) as Json;
}

/** Python's `str()` of a JSON scalar, as the original prints it. */
function scalar(v: Json): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const isDict = (v: Json): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** bagpipe's `pretty_print_recurse`, step for step. */
class Printer {
  text = '';

  constructor(readonly recurse: boolean) {}

  async print(data: Json, indent: number, url: string, newLine = false): Promise<void> {
    if (isDict(data)) return this.#dict({ ...data }, indent, url, newLine);
    if (Array.isArray(data)) return this.#list(data, indent, url, newLine);
    let v = scalar(data);
    if (typeof data === 'string' && data.includes('\n')) {
      v = data.replace(/^\n+|\n+$/g, '').replace(/\n/g, `\n${' '.repeat(indent)}`);
      this.text += `\n${' '.repeat(indent)}`;
    }
    this.text += `${v}\n`;
  }

  async #dict(d: { [k: string]: Json }, indent: number, url: string, newLine: boolean): Promise<void> {
    const href = d['href'];
    if (d['id'] !== undefined && href !== undefined) {
      this.text += scalar(d['id']);
      delete d['id'];
    }
    if (href !== undefined) {
      const target = scalar(href);
      if (this.recurse && target.startsWith(url)) {
        await this.print(await getJson(target), indent + INDENT, target, false);
        return;
      }
      delete d['href'];
      this.text += ' (...)';
      newLine = false;
    }
    const entries = Object.entries(d);
    if (entries.length === 0) {
      this.text += href !== undefined ? '\n' : '-\n';
      return;
    }
    if (!newLine) this.text += '\n';
    let first = true;
    for (const [key, value] of entries) {
      if (!first || !newLine) this.text += ' '.repeat(indent);
      first = false;
      this.text += `${key}: `;
      await this.print(value, indent + INDENT, url);
    }
  }

  async #list(items: Json[], indent: number, url: string, newLine: boolean): Promise<void> {
    if (items.length === 0) {
      this.text += '-\n';
      return;
    }
    if (!newLine) this.text += '\n';
    for (const value of items) {
      this.text += `${' '.repeat(indent)}* `;
      if (typeof value === 'object' && value !== null) await this.print(value, indent + INDENT, url, true);
      else this.text += `${scalar(value)}\n`;
    }
  }
}

/** urllib's `quote()`: `/` and `_.-~` kept. */
const quote = (s: string): string =>
  encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function show(io: Io, base: string, prefix: string, args: string[], recurse: boolean): Promise<number> {
  const quoted = args.map(quote);
  let target = `${base}/${prefix}/${quoted.join('/')}`;
  try {
    let data = await getJson(target);
    if (isDict(data) && data['href'] !== undefined) {
      target = scalar(data['href']);
      data = await getJson(target);
    }
    const p = new Printer(recurse);
    await p.print(data, 0, target, true);
    io.out(p.text);
    return 0;
  } catch (e) {
    if (e instanceof HttpStatusError) {
      if (e.status === 404) io.out(`No such looking glass path: ${quoted.join(' ')}\n(${target})\n`);
      else io.out(`Error code ${e.status}: ${e.body}\n`);
      return 1;
    }
    if (e instanceof SyntaxError) {
      io.out(`Not JSON at ${target}: ${e.message}\n`);
      return 1;
    }
    const cause = e instanceof Error && e.cause !== undefined ? errorMessage(e.cause) : errorMessage(e);
    io.out(`No server at ${base} : ${cause}\n`);
    return 1;
  }
}

const OPTIONS = {
  server: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string' },
  prefix: { type: 'string', default: 'looking-glass' },
  recurse: { type: 'boolean', short: 'r', default: false },
  'config-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommandLine({ name: NAME, usage, synopsis: SYNOPSIS }, argv, OPTIONS, io);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  let port: number;
  try {
    port = v.port === undefined ? apiPortFromConfig(v['config-file']) : portOption('--port', v.port);
  } catch (e) {
    io.err(`${SYNOPSIS}\n${NAME}: error: ${errorMessage(e)}\n`);
    return 2;
  }
  const host = v.server.includes(':') ? `[${v.server}]` : v.server;
  return show(io, `http://${host}:${port}`, v.prefix, parsed.positionals, v.recurse);
}

runIfMain(import.meta.url, NAME, () => run(process.argv.slice(2), processIo));
