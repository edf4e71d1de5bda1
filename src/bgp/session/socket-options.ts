/**
 * TCP MD5 signatures (RFC 2385) and TTL options through our small native addon
 * (`native/tcp_md5.c`, built by node-gyp at `npm ci`). Outgoing sockets are created by the addon
 * so the key and the TTL are set before the SYN; a listening server gets one key per peer.
 */
import { createRequire } from 'node:module';
import { Socket, type Server } from 'node:net';
import { isIPv6 } from 'node:net';
import { SessionError, errorMessage } from '../../lib/errors.js';

interface Addon {
  socket(family: 4 | 6): number;
  setMd5(fd: number, peer: string, key: string | null): void;
  bind(fd: number, address: string, port: number): void;
  setTtl(fd: number, family: 4 | 6, ttl: number): void;
  setMinTtl(fd: number, family: 4 | 6, ttl: number): void;
  close(fd: number): void;
}

let cached: Addon | Error | undefined;

function addon(): Addon {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const candidates = ['../../../build/Release/tcp_md5.node', '../../../../build/Release/tcp_md5.node'];
    for (const c of candidates) {
      try {
        cached = require(c) as Addon;
        break;
      } catch (e) {
        cached = new Error(errorMessage(e));
      }
    }
  }
  if (cached instanceof Error) {
    throw new SessionError(
      'BGPD_ERR_SESSION_NO_MD5',
      `TCP MD5 needs the native addon (run npm ci): ${cached.message}`,
    );
  }
  if (cached === undefined) throw new SessionError('BGPD_ERR_SESSION_NO_MD5', 'TCP MD5 addon not found');
  return cached;
}

export interface ConnectOptions {
  readonly peer: string;
  readonly port: number;
  readonly localAddress?: string | undefined;
  readonly md5Key?: string | undefined;
  /** IP TTL of outgoing packets (eBGP multihop); 1 for directly connected eBGP. */
  readonly ttl?: number | undefined;
}

const familyOf = (ip: string): 4 | 6 => (isIPv6(ip) ? 6 : 4);

/** A connecting socket; plain `net.Socket` unless MD5 or a TTL must be set before the SYN. */
export function connectSocket(o: ConnectOptions): Socket {
  if (o.md5Key === undefined && o.ttl === undefined) {
    return new Socket().connect({
      host: o.peer,
      port: o.port,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
  }
  const a = addon();
  const family = familyOf(o.peer);
  const fd = a.socket(family);
  try {
    if (o.md5Key !== undefined) a.setMd5(fd, o.peer, o.md5Key);
    if (o.ttl !== undefined) a.setTtl(fd, family, o.ttl);
    if (o.localAddress !== undefined) a.bind(fd, o.localAddress, 0);
  } catch (e) {
    a.close(fd);
    throw new SessionError('BGPD_ERR_SESSION_SOCKET', `socket options for ${o.peer}: ${errorMessage(e)}`);
  }
  return new Socket({ fd, readable: true, writable: true }).connect({ host: o.peer, port: o.port });
}

/** The fd of a listening server (Linux), for per-peer socket options. */
function serverFd(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0)
    throw new SessionError('BGPD_ERR_SESSION_SOCKET', 'listening socket has no fd');
  return fd;
}

/** Set (or with `null`, remove) the MD5 key for one peer on a listening server. */
export function setListenerMd5(server: Server, peer: string, key: string | null): void {
  addon().setMd5(serverFd(server), peer, key);
}

/** Whether the native addon is available (tests skip MD5 cases otherwise). */
export function md5Available(): boolean {
  try {
    addon();
    return true;
  } catch {
    return false;
  }
}
