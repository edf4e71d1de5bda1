import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { connectSocket, md5Available, setListenerMd5 } from '../../../src/bgp/session/socket-options.js';

async function listening(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, accepted };
}

async function read(s: Socket): Promise<string> {
  let out = '';
  s.setEncoding('utf8').on('data', (c: string) => (out += c));
  await once(s, 'end');
  return out;
}

describe('TCP MD5 socket options (RFC 2385)', function () {
  before(function () {
    if (!md5Available()) this.skip();
  });

  it('connects when both sides have the same key', async () => {
    const { server, port } = await listening();
    try {
      setListenerMd5(server, '127.0.0.1', 'secret-key');
      const s = connectSocket({
        peer: '127.0.0.1',
        port,
        md5Key: 'secret-key',
        ttl: 64,
        localAddress: '127.0.0.1',
      });
      assert.equal(await read(s), 'hello');
      s.destroy();
    } finally {
      server.close();
    }
  });

  it('never connects with a wrong key (the SYN is dropped by the kernel)', async () => {
    const { server, port, accepted } = await listening();
    try {
      setListenerMd5(server, '127.0.0.1', 'right');
      const s = connectSocket({ peer: '127.0.0.1', port, md5Key: 'wrong' });
      // The kernel drops unsigned/mis-signed SYNs silently: the connect stays pending.
      const outcome = await Promise.race([
        once(s, 'connect').then(() => 'connected'),
        once(s, 'error').then(() => 'error'),
        new Promise((r) =>
          setTimeout(() => {
            r('pending');
          }, 1500),
        ),
      ]);
      assert.equal(outcome, 'pending');
      assert.equal(accepted.length, 0);
      s.destroy();
    } finally {
      server.close();
    }
  });

  it('rejects a key longer than 80 bytes', () => {
    assert.throws(
      () => connectSocket({ peer: '127.0.0.1', port: 1, md5Key: 'x'.repeat(81) }),
      (e: unknown) => {
        return (e as { code?: string }).code === 'BGPD_ERR_SESSION_SOCKET';
      },
    );
  });
});
