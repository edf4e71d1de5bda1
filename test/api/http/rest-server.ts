/**
 * The HTTP API with a RestSource on a directory, listening on a free loopback port, for the
 * REST API and command-line tests; plus small HTTP helpers (fetch, raw sockets).
 */
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { createRegistry } from '../../../src/api/http/metrics.js';
import { buildRouter, close, listen } from '../../../src/api/http/server.js';
import { DesiredStore } from '../../../src/desired/index.js';
import { RestSource, type StateFs } from '../../../src/reconcile/rest/index.js';

export class RestServer {
  readonly store = new DesiredStore();
  readonly rest: RestSource;
  readonly pingId: number;
  #server: Server | undefined;

  constructor(directory: string, pingId = 123456789, fs?: StateFs) {
    this.rest = new RestSource({ directory, store: this.store, ...(fs ? { fs } : {}) });
    this.pingId = pingId;
  }

  async start(): Promise<this> {
    await this.rest.start();
    const registry = createRegistry({ ready: () => this.store.synced });
    const router = buildRouter({ pingId: this.pingId, ready: () => this.store.synced }, registry, this.rest);
    this.#server = await listen(router, '127.0.0.1', 0);
    return this;
  }

  get port(): number {
    const a = this.#server?.address();
    if (typeof a !== 'object' || a === null) throw new Error('not listening');
    return a.port;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.#server) await close(this.#server);
    this.#server = undefined;
    await this.rest.stop();
  }
}

export interface HttpAnswer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

/** One request as the agent makes it (JSON content type and Accept), unless headers say otherwise. */
export async function request(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** Writes raw bytes on a TCP connection and resolves with whatever comes back before the close. */
export function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (got += d));
    sock.on('error', reject);
    sock.on('close', () => {
      resolve(got);
    });
    sock.on('connect', () => {
      sock.end(bytes);
    });
  });
}
