#!/usr/bin/env node
/**
 * `bagpipe-fakerr [--host ADDR] [--port N]`: the original's fake route reflector for tests. As in
 * the original it is not a BGP speaker but a TCP relay between two BGP speakers that are both
 * configured with its address as their peer: it holds the first client's bytes until a second
 * client connects, then relays both ways, so the two speakers exchange their OPENs and UPDATEs
 * and peer with each other (iBGP, same AS). When either side drops, the other is reset too, and
 * the next pair can connect.
 *
 * Differences with the original (bagpipe §7, §8): a third client is refused (closed at once)
 * without disturbing the pair (the original meant to refuse it, but its check compared a list
 * with 2 and never did); the first client's held bytes are capped (1 MiB: a speaker sends only
 * its OPEN before it hears from its peer); the address and port can be chosen (default
 * 0.0.0.0:179, the original's). SIGTERM or SIGINT stop it (exit status 0).
 */
import { once } from 'node:events';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { errorMessage } from '../lib/errors.js';
import { parseCommandLine, processIo, runIfMain, type Io } from './main.js';

const NAME = 'bagpipe-fakerr';
const SYNOPSIS = `usage: ${NAME} [--host ADDR] [--port N]`;

/** Bytes held from the first client before the second arrives. */
export const HOLD_LIMIT = 1 << 20;

export function usage(): string {
  return `${SYNOPSIS}

A fake route reflector for tests (the original bagpipe-fakerr): a TCP relay between two BGP
speakers that both have its address as their peer. It holds the first client's bytes until a
second connects, then relays both ways, so the two speakers peer with each other (iBGP, same
AS). When either drops, the other is reset. A third client is refused. Logs each connection on
stdout; SIGTERM or SIGINT stop it.

  --host ADDR   address to listen on (default 0.0.0.0)
  --port N      TCP port (default 179; 0 picks a free one, printed on the first line)
  -h, --help    this help
`;
}

const who = (s: Socket): string => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;

/** The relay. `log` gets one line per event (no newline). */
export class FakeRr {
  readonly #log: (line: string) => void;
  readonly #server: Server;
  #clients: Socket[] = [];
  #held: Buffer[] = [];
  #heldBytes = 0;

  constructor(log: (line: string) => void = () => undefined) {
    this.#log = log;
    this.#server = createServer((s) => {
      this.#accept(s);
    });
  }

  /** Starts listening; resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    this.#server.listen(port, host);
    await once(this.#server, 'listening');
    const a = this.#server.address();
    return typeof a === 'object' && a !== null ? a.port : port;
  }

  /** How many clients are connected (0, 1 or 2). */
  get clients(): number {
    return this.#clients.length;
  }

  /** Resets every client and stops listening. */
  async close(): Promise<void> {
    for (const c of this.#clients.splice(0)) c.destroy();
    this.#held = [];
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  #accept(s: Socket): void {
    if (this.#clients.length >= 2) {
      this.#log(`already have 2 peers, refusing ${who(s)}`);
      s.destroy();
      return;
    }
    s.setNoDelay(true);
    const name = who(s);
    this.#log(`got new peer: ${name}`);
    this.#clients.push(s);
    s.on('data', (chunk: Buffer) => {
      this.#relay(s, chunk);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.#lost(s, name);
    });
    if (this.#clients.length === 1) {
      this.#log(`${name} is the first peer, holding its data until a second peer arrives`);
      return;
    }
    this.#log(`${name} is the second peer, sending it ${this.#heldBytes} held bytes; relaying`);
    for (const b of this.#held) s.write(b);
    this.#held = [];
    this.#heldBytes = 0;
  }

  #relay(from: Socket, chunk: Buffer): void {
    const to = this.#clients.find((c) => c !== from);
    if (to === undefined || this.#clients.length < 2) {
      this.#heldBytes += chunk.length;
      this.#held.push(chunk);
      if (this.#heldBytes > HOLD_LIMIT) {
        this.#log(`${who(from)} sent over ${HOLD_LIMIT} bytes before a second peer came; resetting it`);
        from.destroy();
      }
      return;
    }
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  }

  /** A drop resets the other client too (as the original), and forgets held bytes. */
  #lost(s: Socket, name: string): void {
    if (!this.#clients.includes(s)) return;
    this.#log(`lost peer ${name}`);
    const others = this.#clients.filter((c) => c !== s);
    this.#clients = [];
    this.#held = [];
    this.#heldBytes = 0;
    for (const o of others) {
      this.#log(`resetting peer ${who(o)}`);
      o.destroy();
    }
  }
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const tool = { name: NAME, usage, synopsis: SYNOPSIS };
  const options = {
    host: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string', default: '179' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const parsed = parseCommandLine(tool, argv, options, io);
  if (typeof parsed === 'number') return parsed;
  const { host, port } = parsed.values;
  const problem =
    parsed.positionals.length > 0
      ? `unexpected argument ${parsed.positionals[0] ?? ''}`
      : isIP(host) === 0
        ? `--host ${host}: not an IP address`
        : !/^\d{1,5}$/.test(port) || Number(port) > 65535
          ? `--port ${port}: not a TCP port`
          : undefined;
  if (problem !== undefined) {
    io.err(`${SYNOPSIS}\n${NAME}: error: ${problem}\n`);
    return 2;
  }
  const rr = new FakeRr((line) => {
    io.out(`${line}\n`);
  });
  let bound: number;
  try {
    bound = await rr.listen(host, Number(port));
  } catch (e) {
    io.err(`${NAME}: cannot listen on ${host}:${port}: ${errorMessage(e)}\n`);
    return 1;
  }
  io.out(`listening on ${host}:${bound}\n`);
  const signal = await new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const)
      process.once(sig, () => {
        resolve(sig);
      });
  });
  io.out(`stopping (${signal})\n`);
  await rr.close();
  return 0;
}

runIfMain(import.meta.url, NAME, () => run(process.argv.slice(2), processIo));
