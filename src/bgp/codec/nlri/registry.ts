/** The NLRI family registry (STYLE rule 1), keyed by `familyKey(afi, safi)`. */
import type { FamilyKey } from '../context.js';
import type { FamilyDescriptor } from './common.js';
import { evpn } from './evpn.js';
import { flowspecVpn } from './flowspec.js';
import { rtc } from './rtc.js';
import { ipv4Unicast, ipv6Unicast } from './unicast.js';
import { ipv4Vpn, ipv6Vpn } from './vpn.js';

export const FAMILIES: ReadonlyMap<FamilyKey, FamilyDescriptor> = new Map(
  [ipv4Unicast, ipv6Unicast, ipv4Vpn, ipv6Vpn, evpn, rtc, flowspecVpn].map((d) => [d.key, d]),
);

export { ipv4Unicast };
