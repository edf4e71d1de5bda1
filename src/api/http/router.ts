/**
 * A minimal HTTP router on node:http: exact paths or prefixes, JSON helpers, a body-size
 * limit, and errors turned into JSON bodies (never a crash of the server).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BgpdError, errorMessage } from '../../lib/errors.js';

export class HttpError extends BgpdError {
  readonly status: number;
  readonly title: string;
  /** Extra members of the JSON error body (e.g. `field`, `error`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, title: string, message: string, details: Record<string, unknown> = {}) {
    super(`BGPD_ERR_HTTP_${status}`, message);
    this.status = status;
    this.title = title;
    this.details = details;
  }
}

export interface Request {
  readonly method: string;
  /** Path without query string, with a trailing `.json`/`.html` removed per segment (as Pecan). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Raw body (empty for GET). */
  readonly body: Buffer;
  /** scheme://host of the request, for links. */
  readonly base: string;
}

export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string | Buffer;
}

export type Handler = (req: Request) => Promise<Reply> | Reply;

interface Route {
  readonly method: string;
  readonly path: string;
  readonly prefix: boolean;
  readonly handler: Handler;
}

export const json = (value: unknown, status = 200): Reply => ({
  status,
  type: 'application/json',
  body: JSON.stringify(value),
});

export const text = (body: string, status = 200, type = 'text/plain; charset=utf-8'): Reply => ({
  status,
  type,
  body,
});

export class Router {
  readonly #routes: Route[] = [];
  readonly #maxBody: number;

  constructor(maxBodyBytes = 1 << 20) {
    this.#maxBody = maxBodyBytes;
  }

  get(path: string, handler: Handler, prefix = false): this {
    this.#routes.push({ method: 'GET', path, prefix, handler });
    return this;
  }

  post(path: string, handler: Handler): this {
    this.#routes.push({ method: 'POST', path, prefix: false, handler });
    return this;
  }

  #find(path: string): Route[] {
    return this.#routes.filter((r) =>
      r.prefix ? path === r.path || path.startsWith(`${r.path}/`) : path === r.path,
    );
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res).catch((e: unknown) => {
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    });
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.#dispatch(req);
    } catch (e) {
      reply = errorReply(e, req.headers.accept);
    }
    res.writeHead(reply.status, {
      'content-type': reply.type,
      'content-length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  }

  async #dispatch(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\.(json|html)(?=\/|$)/g, '').replace(/(.)\/+$/, '$1');
    const routes = this.#find(path);
    if (routes.length === 0) throw new HttpError(404, 'Not Found', `no such resource: ${path}`);
    const route = routes.find((r) => r.method === req.method);
    if (!route) throw new HttpError(405, 'Method Not Allowed', `${req.method ?? '?'} not allowed on ${path}`);
    const body = await readBody(req, this.#maxBody);
    const host = req.headers.host ?? 'localhost';
    return route.handler({
      method: route.method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      base: `http://${host}`,
    });
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new HttpError(413, 'Request Entity Too Large', `request body over ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** WebOb-style error body: JSON `{code, title, description}` (what bagpipe's agent parses), plus `details`. */
export function errorReply(e: unknown, accept: string | undefined): Reply {
  const err = e instanceof HttpError ? e : new HttpError(500, 'Internal Server Error', errorMessage(e));
  if (accept !== undefined && accept.includes('text/plain') && !accept.includes('json')) {
    return text(`${err.status} ${err.title}\n\n${err.message}\n`, err.status);
  }
  return json({ code: err.status, title: err.title, description: err.message, ...err.details }, err.status);
}
