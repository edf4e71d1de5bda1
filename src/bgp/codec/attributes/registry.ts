/** The path attribute registry (STYLE rule 1), keyed by type code. */
import { aggregator } from './aggregator.js';
import { as4Aggregator, as4Path } from './as4.js';
import { asPath } from './as-path.js';
import { clusterList } from './cluster-list.js';
import type { AttributeEntry } from './common.js';
import { communities, largeCommunities } from './communities.js';
import { extCommunities } from './ext-communities.js';
import { mpReach, mpUnreach } from './mp-reach.js';
import { origin } from './origin.js';
import { pmsiTunnel } from './pmsi-tunnel.js';
import { atomicAggregate, localPref, med, nextHop, originatorId } from './scalars.js';

const entries: readonly AttributeEntry[] = [
  origin,
  asPath,
  nextHop,
  med,
  localPref,
  atomicAggregate,
  aggregator,
  communities,
  originatorId,
  clusterList,
  mpReach,
  mpUnreach,
  extCommunities,
  as4Path,
  as4Aggregator,
  pmsiTunnel,
  largeCommunities,
];

export const ATTRIBUTES: ReadonlyMap<number, AttributeEntry> = new Map(entries.map((e) => [e.code, e]));

/**
 * Encode order: MP_REACH_NLRI and MP_UNREACH_NLRI first (RFC 7606 5.1, so that a receiver can
 * find the NLRI even when a later attribute is malformed), then ascending type codes.
 */
export const ENCODE_ORDER: readonly AttributeEntry[] = [
  mpReach,
  mpUnreach,
  ...entries.filter((e) => e !== mpReach && e !== mpUnreach).sort((a, b) => a.code - b.code),
];
