/**
 * Graceful restart (RFC 4724) and route refresh (RFC 2918) with a real gobgpd 3.10 on loopback,
 * graceful restart enabled on both sides. gobgpd sees our restart flags; it answers our
 * ROUTE-REFRESH; killed with SIGKILL, our `down` keeps its routes as stale; restarted with -r,
 * it comes back with the R bit, re-sends its routes and End-of-RIB. (gobgpd 3.10 never sends a
 * ROUTE-REFRESH itself: `softresetin` re-filters its Adj-RIB-In; FRR and BIRD cover that way.)
 */
import assert from 'node:assert/strict';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/log.js';
import { FAMILY, type FamilyKey } from '../../src/bgp/codec/context.js';
import type { VpnNlri } from '../../src/bgp/codec/nlri/types.js';
import type { Update } from '../../src/bgp/codec/update.js';
import { Session } from '../../src/bgp/session/session.js';
import type { Reason } from '../../src/bgp/session/types.js';
import { Gobgpd, freePort, hasGobgpd, type GobgpNeighbor } from '../helpers/gobgpd.js';
import { peerConfig } from '../helpers/peer-config.js';
import { findReach } from '../helpers/routes.js';
import { waitFor } from '../helpers/wait.js';

const GOBGP = '127.0.0.41';
const OURS = '127.0.0.42';
const NEIGHBOR: GobgpNeighbor = {
  address: OURS,
  passive: true,
  families: ['l3vpn-ipv4-unicast', 'l2vpn-evpn'],
  gracefulRestart: true,
};
const ROUTE = ['global', 'rib', 'add', '-a', 'vpnv4', '10.1.1.0/24', 'label', '200', 'rd', '64512:5'];

describe('interop: graceful restart and route refresh with gobgpd 3.10', function () {
  this.timeout(30000);
  let gobgp: Gobgpd | undefined;
  let port = 0;
  let s: Session | undefined;
  const received: Update[] = [];
  const eors: FamilyKey[] = [];
  const downs: [Reason, boolean, readonly FamilyKey[]][] = [];
  const vpn = (u: readonly Update[]): boolean =>
    findReach(u, (n): n is VpnNlri => n.kind === 'vpn') !== undefined;

  before(async function () {
    if (!hasGobgpd()) this.skip(); // no gobgpd/gobgp binaries
    port = await freePort(GOBGP);
    gobgp = new Gobgpd({ as: 64512, routerId: GOBGP, listen: GOBGP, port, neighbors: [NEIGHBOR] });
    await gobgp.start();
    await gobgp.cli(...ROUTE, 'rt', '64512:100', 'nexthop', '192.0.2.9');
    // We say we are restarting and kept the forwarding state of VPNv4 only.
    s = new Session(
      peerConfig({
        peerAddress: GOBGP,
        port,
        routerId: OURS,
        localAddress: OURS,
        families: [FAMILY.ipv4Vpn, FAMILY.evpn],
        connectRetry: 2,
      }),
      {
        clock: systemClock,
        log: silentLogger,
        openOptions: { restarting: true, forwardingKept: [FAMILY.ipv4Vpn] },
        handlers: {
          update: (_s, u) => received.push(u.update),
          endOfRib: (_s, f) => eors.push(f),
          down: (_s, reason, retain, families) => downs.push([reason, retain, families]),
          established: (x) => {
            // RFC 4724 4.1: End-of-RIB once our (empty) initial update is done.
            for (const f of x.negotiated?.families ?? []) x.sendEndOfRib(f);
          },
        },
      },
    );
    s.start();
    await waitFor(() => s?.state === 'Established', 15000, { what: 'Established with gobgpd' });
  });
  after(async () => {
    s?.stop();
    await gobgp?.stop();
  });

  it('gobgpd sees our restart flags: R and N, F for VPNv4 only; it offers GR without N or R', async () => {
    const [n] = await (gobgp as Gobgpd).json<
      { state: { remote_cap: { type_url: string; value?: string }[] } }[]
    >('neighbor');
    const gr = n?.state.remote_cap.find((c) => c.type_url.endsWith('GracefulRestartCapability'));
    // apipb.GracefulRestartCapability: flags 0x0c (R, N), time 120, tuples {1/128, F} and {25/70, 0}.
    assert.equal(
      Buffer.from(gr?.value ?? '', 'base64').toString('hex'),
      '080c' + '1078' + '1a0a' + '0a0508011080011080' + '01' + '1a06' + '0a04081910' + '46',
    );
    assert.deepEqual(
      [s?.negotiated?.peerGracefulRestart?.restarting, s?.negotiated?.peerGracefulRestart?.notification],
      [false, false],
    );
  });

  it('we ask for a refresh (RFC 2918): gobgpd re-sends its route and End-of-RIB', async () => {
    await waitFor(() => vpn(received) && eors.includes(FAMILY.ipv4Vpn), 10000, {
      what: 'initial route and EoR',
    });
    const [routes, ends] = [received.length, eors.length];
    assert.equal(s?.negotiated?.enhancedRouteRefresh, false, 'gobgpd 3.10 has no enhanced route refresh');
    assert.equal(s.requestRefresh(FAMILY.ipv4Vpn), true);
    await waitFor(() => vpn(received.slice(routes)) && eors.slice(ends).includes(FAMILY.ipv4Vpn), 10000, {
      what: 'the route again, then End-of-RIB',
    });
  });

  it('SIGKILL: down keeps the routes as stale; gobgpd -r comes back with R, routes and End-of-RIB', async () => {
    const g = gobgp as Gobgpd;
    await g.kill();
    await waitFor(() => downs.length === 1, 10000, { what: 'down' });
    assert.deepEqual(downs[0], ['tcp-closed', true, [FAMILY.ipv4Vpn, FAMILY.evpn]]);
    await g.stop();
    const [routes, ends] = [received.length, eors.length];
    gobgp = new Gobgpd({
      as: 64512,
      routerId: GOBGP,
      listen: GOBGP,
      port,
      neighbors: [NEIGHBOR],
      args: ['-r'],
    });
    await gobgp.start();
    await gobgp.cli(...ROUTE, 'rt', '64512:100', 'nexthop', '192.0.2.9');
    await waitFor(() => s?.state === 'Established', 20000, { what: 'Established again' });
    assert.equal(s?.negotiated?.peerGracefulRestart?.restarting, true, 'the R bit of the restarted gobgpd');
    await waitFor(() => vpn(received.slice(routes)) && eors.slice(ends).includes(FAMILY.ipv4Vpn), 15000, {
      what: 'routes and End-of-RIB after the restart',
      describe: () => eors.slice(ends),
    });
  });
});
