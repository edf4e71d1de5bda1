import { FAMILY } from '../../src/bgp/codec/context.js';
import type { PeerConfig } from '../../src/bgp/session/types.js';

/** An iBGP peer in AS 64512 offering the VPN families; tests override what they exercise. */
export function peerConfig(over: Partial<PeerConfig> = {}): PeerConfig {
  return {
    peerAddress: '127.0.0.1',
    port: 179,
    localAs: 64512,
    peerAs: 64512,
    routerId: '10.0.0.1',
    passive: false,
    families: [FAMILY.ipv4Vpn, FAMILY.evpn, FAMILY.rtc],
    holdTime: 90,
    connectRetry: 1,
    gracefulRestart: { enabled: true, restartTime: 120 },
    ...over,
  };
}
