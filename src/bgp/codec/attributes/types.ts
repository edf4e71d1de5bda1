/**
 * Path attribute values. `PathAttributes` is what the RIB keeps per route (everything but
 * the NLRI carriers); `WireAttributes` adds what exists only on the wire: MP_REACH_NLRI,
 * MP_UNREACH_NLRI, and AS4_PATH/AS4_AGGREGATOR (merged into `asPath`/`aggregator` on decode,
 * RFC 6793 4.2.3, and produced again on encode towards a 2-octet-AS peer).
 */
import type { Origin } from '../constants.js';
import type { ExtCommunity } from '../extcomm/types.js';
import type { Nlri } from '../nlri/types.js';

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';

/** RFC 4271 4.3 / RFC 5065 3: one AS_PATH segment. */
export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export type AsPath = readonly AsPathSegment[];

/** RFC 4271 5.1.7. */
export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/**
 * RFC 6514 5: flags (0x01 leaf information required), tunnel type, the raw 24-bit label field
 * (a VNI for VXLAN, RFC 8365 5.1.3) and the tunnel identifier: an IP address for ingress
 * replication (type 6) with a 4- or 16-octet identifier, hex otherwise.
 */
export interface PmsiTunnel {
  readonly flags: number;
  readonly tunnelType: number;
  readonly label: number;
  readonly tunnelId: string;
}

/** An attribute this codec does not know, kept to be re-sent (RFC 4271 5: partial bit set). */
export interface RawAttribute {
  readonly code: number;
  readonly flags: number;
  readonly data: Uint8Array;
}

export interface PathAttributes {
  readonly origin?: Origin;
  readonly asPath?: AsPath;
  /** NEXT_HOP (type 3), only for IPv4 unicast NLRI in the UPDATE's own NLRI field. */
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: true;
  readonly aggregator?: Aggregator;
  /** RFC 1997: "asn:value" strings. */
  readonly communities?: readonly string[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly extCommunities?: readonly ExtCommunity[];
  readonly pmsiTunnel?: PmsiTunnel;
  /** RFC 8092: "global:local1:local2" strings. */
  readonly largeCommunities?: readonly string[];
  /** Unknown optional transitive attributes, in code order. */
  readonly unknown?: readonly RawAttribute[];
}

/** RFC 4760 3. `nextHop` is "" for families without one (FlowSpec). */
export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  readonly nextHop: string;
  readonly linkLocal?: string;
  readonly nlri: readonly Nlri[];
}

/** RFC 4760 4. An empty `nlri` is the End-of-RIB marker of that family (RFC 4724 2). */
export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: readonly Nlri[];
}

export interface WireAttributes extends PathAttributes {
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly as4Path?: AsPath;
  readonly as4Aggregator?: Aggregator;
}

export type WireKey = Exclude<keyof WireAttributes, 'unknown'>;
export type WireValue<K extends WireKey> = NonNullable<WireAttributes[K]>;
