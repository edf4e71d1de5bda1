/**
 * Runs the ORIGINAL Python BaGPipe-BGP (Debian's python3-networking-bagpipe, `/usr/bin/bagpipe-bgp`)
 * as an oracle: its own `bgp.conf` and log file in a temp dir, dummy dataplane drivers for both
 * VPN types, its REST API on a free 127.0.0.1 port. Ready when `GET /ping` answers; stopped by
 * PID (SIGTERM, SIGKILL after a grace period), and the temp dir is removed.
 *
 * Also: `restCall()`, one bagpipe REST call as the Neutron agent makes it (JSON content type and
 * `Accept`), usable against either daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './gobgpd.js';

export const ORIGINAL_BAGPIPE = '/usr/bin/bagpipe-bgp';

export const hasOriginalBagpipe = (): boolean => existsSync(ORIGINAL_BAGPIPE);

export interface OriginalBagpipeOptions {
  /** `[BGP] local_address` (must exist on the host: any 127.0.0.x does on Linux). */
  readonly localAddress: string;
  /** `[BGP] peers`: connected to actively (the original never listens). */
  readonly peers: readonly string[];
  /** `[BGP] bgp_port`: the peers' port. */
  readonly bgpPort: number;
  readonly myAs: number;
  readonly enableRtc?: boolean;
}

export class OriginalBagpipe {
  readonly dir = mkdtempSync(join(tmpdir(), 'bgpd-orig-'));
  readonly logFile = join(this.dir, 'bagpipe-bgp.log');
  proc: ChildProcess | undefined;
  apiPort = 0;
  /** stdout + stderr (oslo.log writes to the log file; this catches crashes before it is set up). */
  output = '';
  #exited: Promise<unknown> = Promise.resolve();

  constructor(readonly opts: OriginalBagpipeOptions) {}

  config(): string {
    const o = this.opts;
    return [
      '[BGP]',
      `local_address = ${o.localAddress}`,
      `peers = ${o.peers.join(',')}`,
      `my_as = ${String(o.myAs)}`,
      `enable_rtc = ${o.enableRtc === false ? 'False' : 'True'}`,
      `bgp_port = ${String(o.bgpPort)}`,
      '',
      '[API]',
      'host = 127.0.0.1',
      `port = ${String(this.apiPort)}`,
      '',
      '[DATAPLANE_DRIVER_IPVPN]',
      'dataplane_driver = dummy',
      '',
      '[DATAPLANE_DRIVER_EVPN]',
      'dataplane_driver = dummy',
      '',
    ].join('\n');
  }

  /** The original's log file so far (for failure messages). */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  url(path: string): string {
    return `http://127.0.0.1:${String(this.apiPort)}${path}`;
  }

  async start(timeoutMs = 20000): Promise<void> {
    this.apiPort = await freePort();
    const conf = join(this.dir, 'bgp.conf');
    writeFileSync(conf, this.config());
    const proc = spawn(ORIGINAL_BAGPIPE, ['--config-file', conf, '--log-file', this.logFile], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.#exited = once(proc, 'exit');
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`bagpipe-bgp exited (${String(proc.exitCode ?? proc.signalCode)}): ${this.tail()}`);
      try {
        const r = await fetch(this.url('/ping'), { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`bagpipe-bgp did not answer /ping: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  tail(lines = 30): string {
    return `${this.output}\n${this.log().split('\n').slice(-lines).join('\n')}`;
  }

  /** SIGTERM by PID (the original stops its peers and instances), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RestAnswer {
  readonly status: number;
  readonly contentType: string | null;
  /** The body text as received (JSON integers beyond 2^53 survive here). */
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
}

/**
 * One REST call to a bagpipe API on 127.0.0.1:`port`, with the agent's headers. `body`: a value
 * sent as JSON, or a string sent as is.
 */
export async function restCall(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<RestAnswer> {
  const init: RequestInit = {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    signal: AbortSignal.timeout(10000),
  };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(`http://127.0.0.1:${String(port)}${path}`, init);
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  return { status: r.status, contentType: r.headers.get('content-type'), text, body: parsed };
}
