/** Capability values (RFC 5492) and the registry entry shape (STYLE rule 1). */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';

export interface FamilyFlags {
  readonly afi: number;
  readonly safi: number;
}

export type Capability =
  /** RFC 4760 8. */
  | { readonly type: 'multiprotocol'; readonly afi: number; readonly safi: number }
  /** RFC 2918 2. */
  | { readonly type: 'route-refresh' }
  /** RFC 8950 3: NLRI families that may carry a next hop of `nextHopAfi`. */
  | {
      readonly type: 'extended-next-hop';
      readonly entries: readonly (FamilyFlags & { readonly nextHopAfi: number })[];
    }
  /** RFC 8654 3. */
  | { readonly type: 'extended-message' }
  /** RFC 4724 3: `flags` is the 4-bit restart flags field (GR_FLAG), per family GR_FAMILY_FLAG. */
  | {
      readonly type: 'graceful-restart';
      readonly flags: number;
      readonly restartTime: number;
      readonly families: readonly (FamilyFlags & { readonly flags: number })[];
    }
  /** RFC 6793 9. */
  | { readonly type: 'as4'; readonly asn: number }
  /** RFC 7911 4: `sendReceive` is ADD_PATH.receive (1), send (2) or both (3). */
  | {
      readonly type: 'add-path';
      readonly families: readonly (FamilyFlags & { readonly sendReceive: number })[];
    }
  /** RFC 7313 3. */
  | { readonly type: 'enhanced-route-refresh' }
  /** draft-walton-bgp-hostname-capability. */
  | { readonly type: 'fqdn'; readonly hostname: string; readonly domain: string }
  /** Anything else, kept as is (RFC 5492 3: unknown capabilities are ignored, not refused). */
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export type CapabilityType = Capability['type'];
export type CapabilityOf<T extends CapabilityType> = Extract<Capability, { readonly type: T }>;

/** What the registry holds. */
export interface CapabilityEntry {
  readonly code: number;
  readonly type: CapabilityType;
  readonly name: string;
  /** Decode the value; `r` is bounded to the capability length. */
  decode(r: Reader): Capability;
  encode(w: Writer, v: Capability): void;
}

/** One registry entry, typed for its own value. */
export interface CapabilityDescriptor<T extends CapabilityType> extends CapabilityEntry {
  readonly type: T;
  decode(r: Reader): CapabilityOf<T>;
  encode(w: Writer, v: CapabilityOf<T>): void;
}
