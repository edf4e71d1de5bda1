/**
 * From what users declare to what a session runs with: a `BgpPeer` (normalised by
 * src/desired) or an address of bagpipe's `[BGP] peers` list becomes a session `PeerConfig`,
 * with the daemon's `[BGP]` options filling what the object leaves out.
 */
import { FAMILY, type FamilyKey } from '../bgp/codec/index.js';
import type { PeerConfig } from '../bgp/session/types.js';
import type { AddressFamily, EffectiveBgpPeer } from '../desired/defaults.js';
import type { Config } from './config.js';

/** CRD family names (CRDS.md) to AFI/SAFI keys. */
export const FAMILY_BY_NAME: Readonly<Record<AddressFamily, FamilyKey>> = {
  'ipv4-vpn': FAMILY.ipv4Vpn,
  'ipv6-vpn': FAMILY.ipv6Vpn,
  'l2vpn-evpn': FAMILY.evpn,
  rtc: FAMILY.rtc,
  'ipv4-unicast': FAMILY.ipv4Unicast,
  'ipv6-unicast': FAMILY.ipv6Unicast,
  'ipv4-flowspec-vpn': FAMILY.ipv4FlowspecVpn,
};

/** The families the original offered on every session (BAGPIPE-REFERENCE 5). */
export function legacyFamilies(enableRtc: boolean): FamilyKey[] {
  const families: FamilyKey[] = [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.ipv4FlowspecVpn];
  if (enableRtc) families.push(FAMILY.rtc);
  return families;
}

/** What a peer's session needs from the daemon configuration. */
export type BgpDefaults = Config['bgp'];

/** A `[BGP] peers` entry: iBGP, active, the original's families, hold time and port. */
export function legacyPeerConfig(address: string, bgp: BgpDefaults): PeerConfig {
  return {
    peerAddress: address,
    port: bgp.bgpPort,
    localAs: bgp.myAs,
    peerAs: bgp.myAs,
    routerId: bgp.routerId,
    localAddress: bgp.localAddress,
    passive: false,
    families: legacyFamilies(bgp.enableRtc),
    holdTime: bgp.holdTime,
    connectRetry: 5,
    gracefulRestart: { enabled: bgp.gracefulRestart, restartTime: bgp.gracefulRestartTime },
  };
}

/** A desired `BgpPeer`; `md5Key` is resolved by the caller (Secret or file). */
export function bgpPeerConfig(peer: EffectiveBgpPeer, bgp: BgpDefaults, md5Key?: string): PeerConfig {
  const localAs = peer.localASN ?? bgp.myAs;
  const peerAs = peer.peerASN ?? localAs;
  const ebgp = peerAs !== localAs;
  return {
    peerAddress: peer.peerAddress,
    port: peer.port,
    localAs,
    peerAs,
    routerId: bgp.routerId,
    localAddress: peer.localAddress ?? bgp.localAddress,
    passive: peer.passive,
    routeReflectorClient: peer.routeReflectorClient && !ebgp,
    families: peer.families.map((f) => FAMILY_BY_NAME[f]),
    holdTime: peer.timers.holdTimeSeconds,
    // Only an explicit keepalive is kept: the default follows the negotiated hold time.
    keepaliveTime:
      peer.timers.keepaliveTimeSeconds === Math.floor(peer.timers.holdTimeSeconds / 3)
        ? undefined
        : peer.timers.keepaliveTimeSeconds,
    connectRetry: peer.timers.connectRetrySeconds,
    gracefulRestart: {
      enabled: peer.gracefulRestart.enabled,
      restartTime: peer.gracefulRestart.restartTimeSeconds,
    },
    md5Key,
    ttl: ebgp ? (peer.ebgpMultihopTTL ?? 1) : undefined,
  };
}

/** Two configs that would run the same session (a change of any field restarts it). */
export function samePeerConfig(a: PeerConfig, b: PeerConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
