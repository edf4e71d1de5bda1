/**
 * UPDATEs an interop test announces (iBGP, ORIGIN IGP, empty AS_PATH, LOCAL_PREF 100) and the
 * lookups it needs on what a peer sent us, built with the codec's canonical NLRI builders.
 */
import { evpnMacIp, evpnMulticast, vpnNlri } from '../../src/bgp/codec/nlri/build.js';
import { rawFromLabel } from '../../src/bgp/codec/nlri/label.js';
import type { Nlri } from '../../src/bgp/codec/nlri/types.js';
import type { ExtCommunity } from '../../src/bgp/codec/extcomm/types.js';
import type { MpReach, PathAttributes } from '../../src/bgp/codec/attributes/types.js';
import type { Update } from '../../src/bgp/codec/update.js';

const base = (extCommunities: readonly ExtCommunity[], more: PathAttributes = {}): PathAttributes => ({
  origin: 0,
  asPath: [],
  localPref: 100,
  extCommunities,
  ...more,
});

/** RT `rt` and the VXLAN encapsulation extended community (RFC 9012 tunnel type 8). */
const vxlan = (rt: string): ExtCommunity[] => [
  { type: 'route-target', value: rt },
  { type: 'encapsulation', tunnelType: 8 },
];

/** An UPDATE announcing `nlri` of one family in MP_REACH_NLRI. */
const mpUpdate = (attributes: PathAttributes, reach: MpReach): Update => ({
  withdrawn: [],
  nlri: [],
  attributes,
  mpReach: reach,
});

/** One VPNv4 route (label is the MPLS label value, encoded with the bottom-of-stack bit). */
export function vpnUpdate(o: {
  prefix: string;
  rd: string;
  label: number;
  rt: string;
  nextHop: string;
}): Update {
  const nlri = [vpnNlri(o.rd, o.prefix, [rawFromLabel(o.label)])];
  return mpUpdate(base([{ type: 'route-target', value: o.rt }]), {
    afi: 1,
    safi: 128,
    nextHop: o.nextHop,
    nlri,
  });
}

/** An E-VPN MAC/IP route (type 2) for VXLAN: the label field is the VNI (RFC 8365). */
export function macIpUpdate(o: {
  rd: string;
  mac: string;
  ip: string;
  vni: number;
  rt: string;
  nextHop: string;
}): Update {
  const nlri = [evpnMacIp({ rd: o.rd, mac: o.mac, ip: o.ip, labels: [o.vni] })];
  return mpUpdate(base(vxlan(o.rt)), { afi: 25, safi: 70, nextHop: o.nextHop, nlri });
}

/** An E-VPN Inclusive Multicast route (type 3) with a PMSI ingress-replication tunnel. */
export function multicastUpdate(o: { rd: string; vni: number; rt: string; nextHop: string }): Update {
  const pmsiTunnel = { flags: 0, tunnelType: 6, label: o.vni, tunnelId: o.nextHop };
  const nlri = [evpnMulticast({ rd: o.rd, originator: o.nextHop })];
  return mpUpdate(base(vxlan(o.rt), { pmsiTunnel }), { afi: 25, safi: 70, nextHop: o.nextHop, nlri });
}

/** The first received UPDATE whose MP_REACH_NLRI holds an NLRI matching `pred`, with that NLRI. */
export function findReach<T extends Nlri>(
  updates: readonly Update[],
  pred: (n: Nlri) => n is T,
): { update: Update; nlri: T } | undefined {
  for (const update of updates) {
    const nlri = update.mpReach?.nlri.find(pred);
    if (nlri) return { update, nlri };
  }
  return undefined;
}

/** The route-target values of an UPDATE. */
export const routeTargets = (u: Update): string[] =>
  u.attributes.extCommunities?.flatMap((e) => (e.type === 'route-target' ? [e.value] : [])) ?? [];
