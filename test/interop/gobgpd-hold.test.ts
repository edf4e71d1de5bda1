/**
 * The hold timer against a real peer: gobgpd 3.10 in a network namespace behind a veth, a 3 s
 * hold time, then an nftables table of our own in that namespace drops everything. We must send
 * NOTIFICATION Hold Timer Expired (4/0, seen by our `message` handler and on the wire by
 * tcpdump on our end of the veth), go Idle, retry with backoff while the drop is on, and come
 * back once the table is deleted.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SESSION_ERR } from '../../src/bgp/session/types.js';
import { Gobgpd, hasGobgpd } from '../helpers/gobgpd.js';
import { Netns, isRoot, killChild } from '../helpers/netns.js';
import { sessionFacing } from '../helpers/ns-session.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const NFT = '/usr/sbin/nft';
const TCPDUMP = '/usr/bin/tcpdump';
const TSHARK = '/usr/bin/tshark';

/** Start tcpdump on `iface` writing `file`; resolves once it is capturing. */
async function capture(iface: string, file: string): Promise<ChildProcess> {
  const p = spawn(TCPDUMP, ['-i', iface, '-s0', '-U', '-w', file, 'tcp port 179'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  await waitFor(() => err.includes('listening on'), 10000, {
    what: 'tcpdump listening',
    describe: () => err,
  });
  return p;
}

/** Error code/subcode of every BGP NOTIFICATION in a capture, per tshark. */
async function notificationsIn(file: string): Promise<string[]> {
  const { stdout } = await run(TSHARK, [
    '-r',
    file,
    '-Y',
    'bgp.type == 3',
    '-T',
    'fields',
    '-e',
    'bgp.notify.major_error',
    '-e',
    'bgp.notify.minor_error_expired',
  ]);
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

describe('interop: hold timer expiry against gobgpd behind a veth', function () {
  this.timeout(30000);
  let ns: Netns | undefined;
  let gobgp: Gobgpd | undefined;
  let dump: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bgpd-hold-'));
  const stops: (() => unknown)[] = [];

  before(function () {
    if (!isRoot()) this.skip(); // namespaces and nftables need root
    if (!hasGobgpd() || !existsSync(NFT)) this.skip(); // no gobgpd or nft binary
  });
  after(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await killChild(dump, 'SIGTERM');
    await gobgp?.stop();
    await ns?.destroy(); // takes the nftables table with it
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends 4/0, goes Idle, retries while dropped and re-establishes once the drop is removed', async () => {
    ns = await Netns.create('hold');
    gobgp = new Gobgpd({
      as: 64512,
      routerId: ns.nsAddress,
      listen: ns.nsAddress,
      port: 179,
      netns: ns,
      neighbors: [
        {
          address: ns.hostAddress,
          passive: true,
          families: ['l3vpn-ipv4-unicast'],
          holdTime: 3,
          keepalive: 1,
          idleHoldAfterReset: 1,
        },
      ],
    });
    await gobgp.start();
    const { s, rec } = await sessionFacing(ns, { holdTime: 3, connectRetry: 1 }, stops);
    const { sent, transitions } = rec;
    s.start();
    await waitFor(() => s.state === 'Established', 15000, { what: 'Established with gobgpd' });
    assert.equal(s.negotiated?.holdTime, 3);
    const pcap = join(dir, 'hold.pcap');
    if (existsSync(TCPDUMP)) dump = await capture(ns.hostIf, pcap);
    // Drop everything in and out of the peer's namespace: a table of our own.
    await ns.exec(NFT, [
      'add table inet bt_hold; ' +
        'add chain inet bt_hold in { type filter hook input priority 0; policy drop; }; ' +
        'add chain inet bt_hold out { type filter hook output priority 0; policy drop; }',
    ]);
    await waitFor(() => s.state === 'Idle', 10000, { what: 'hold timer expiry' });
    assert.deepEqual(
      transitions.find(([to]) => to === 'Idle'),
      ['Idle', 'hold-timer-expired'],
    );
    assert.deepEqual(
      sent.map((n) => [n.code, n.subcode]),
      [[4, 0]],
    );
    assert.equal(s.info().lastErrorCode, SESSION_ERR.holdExpired);
    // While the drop is on, connect attempts time out and are retried (RFC 4271 8.2.2).
    await waitFor(() => s.info().lastErrorCode === SESSION_ERR.connectTimeout, 10000, {
      what: 'a connect timeout',
    });
    assert.notEqual(s.state, 'Established');
    await ns.exec(NFT, ['delete', 'table', 'inet', 'bt_hold']);
    await waitFor(() => s.state === 'Established', 20000, {
      what: 'Established again',
      describe: () => transitions,
    });
    assert.equal(s.info().flaps, 1);
    if (dump) {
      await killChild(dump, 'SIGTERM');
      dump = undefined;
      // Our NOTIFICATION left on the wire (the peer's namespace dropped it on arrival).
      if (existsSync(TSHARK))
        assert.ok((await notificationsIn(pcap)).includes('4\t0'), 'NOTIFICATION 4/0 captured');
    }
  });
});
