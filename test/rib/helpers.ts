/** Builders shared by the route engine tests: sources, VPNv4 routes, an event recorder. */
import { FAMILY, vpnNlri, type FamilyKey, type PathAttributes } from '../../src/bgp/codec/index.js';
import type { LocalSource, PeerSource, RibEvent, Route, Source } from '../../src/rib/types.js';

export const LOCAL_AS = 64512;

/** An iBGP peer by default (peerAs = localAs); its router id is its address. */
export function peer(address: string, over: Partial<PeerSource> = {}): PeerSource {
  return {
    kind: 'peer',
    address,
    peerAs: LOCAL_AS,
    localAs: LOCAL_AS,
    bgpId: address,
    rrClient: false,
    ...over,
  };
}

export function local(owner: string): LocalSource {
  return { kind: 'local', owner };
}

/** Attributes carrying these route targets (and anything else given). */
export function withRts(rts: readonly string[], over: PathAttributes = {}): PathAttributes {
  return {
    origin: 0,
    asPath: [],
    ...over,
    extCommunities: [
      ...(over.extCommunities ?? []),
      ...rts.map((value) => ({ type: 'route-target' as const, value })),
    ],
  };
}

/** A VPNv4 route "65000:1:<prefix>" from `source`. */
export function vpn(
  source: Source,
  prefix: string,
  attributes: PathAttributes,
  over: { rd?: string; labels?: number[]; nextHop?: string; family?: FamilyKey } = {},
): Route {
  return {
    family: over.family ?? FAMILY.ipv4Vpn,
    nlri: vpnNlri(over.rd ?? '65000:1', prefix, over.labels ?? [16 << 4]),
    attributes,
    nextHop: over.nextHop ?? (source.kind === 'peer' ? source.address : '192.0.2.254'),
    source,
  };
}

/** Events as "add 10.0.0.0/24 from peer:192.0.2.1" strings, for compact assertions. */
export function eventText(e: RibEvent): string {
  const n = e.route.nlri;
  const what = 'prefix' in n ? n.prefix : n.key;
  const from =
    e.route.source.kind === 'local' ? `local:${e.route.source.owner}` : `peer:${e.route.source.address}`;
  return `${e.type} ${what} ${from}`;
}

export function recorder(): { events: RibEvent[]; lines: () => string[]; listener: (e: RibEvent) => void } {
  const events: RibEvent[] = [];
  return { events, lines: () => events.map(eventText), listener: (e) => events.push(e) };
}
