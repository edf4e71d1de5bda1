/**
 * Extended community values (RFC 4360). Each known kind decodes to a small object; anything
 * else, or a known kind whose reserved bits are set, stays `{type: 'opaque', hex}` (8 octets)
 * so that re-encoding is lossless. Route target style values use the canonical
 * admin:assigned strings of `admin.ts` ("64512:1", "10.0.0.1:5", "4200000000:7").
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';

export type ExtCommunity =
  /** RFC 4360 4 / RFC 5668: 0x00|0x01|0x02 / 0x02. */
  | { readonly type: 'route-target'; readonly value: string }
  /** RFC 4360 5: 0x00|0x01|0x02 / 0x03. */
  | { readonly type: 'route-origin'; readonly value: string }
  /** IANA "Route-Target Record" (draft-ietf-bess-service-chaining): 0x00|0x01|0x02 / 0x13. */
  | { readonly type: 'rt-record'; readonly value: string }
  /** RFC 9012 4.1: 0x03 / 0x0c, the tunnel type in the last 2 octets. */
  | { readonly type: 'encapsulation'; readonly tunnelType: number }
  /** RFC 7432 7.8: 0x03 / 0x0d. */
  | { readonly type: 'default-gateway' }
  /** bagpipe's Consistent Hash Sort Order: 0x03 / 0x14, 4-octet order + 2 reserved. */
  | { readonly type: 'consistent-hash-sort-order'; readonly order: number }
  /** RFC 9135 8.1: 0x06 / 0x03. */
  | { readonly type: 'router-mac'; readonly mac: string }
  /** RFC 7432 7.7: 0x06 / 0x00. */
  | { readonly type: 'mac-mobility'; readonly sticky: boolean; readonly sequence: number }
  /** RFC 7432 7.5: 0x06 / 0x01; `label` is the raw 24-bit field. */
  | { readonly type: 'esi-label'; readonly singleActive: boolean; readonly label: number }
  /** RFC 8955 7.4 / RFC 7674: 0x80|0x81|0x82 / 0x08. */
  | { readonly type: 'redirect-vrf'; readonly value: string }
  /** RFC 8955 7.3: 0x80 / 0x06, rate in bytes per second (IEEE float). */
  | { readonly type: 'traffic-rate'; readonly asn: number; readonly rate: number }
  /** RFC 8955 7.3: 0x80 / 0x07. */
  | { readonly type: 'traffic-action'; readonly sample: boolean; readonly terminal: boolean }
  /** RFC 8955 7.5: 0x80 / 0x09. */
  | { readonly type: 'traffic-marking'; readonly dscp: number }
  | { readonly type: 'opaque'; readonly hex: string };

export type ExtCommunityType = ExtCommunity['type'];
export type ExtCommunityOf<T extends ExtCommunityType> = Extract<ExtCommunity, { readonly type: T }>;

/** What the registry holds: any entry, seen through the wide value type. */
export interface ExtCommunityEntry {
  readonly type: ExtCommunityType;
  readonly name: string;
  /** `type << 8 | subtype` values this entry decodes. */
  readonly codes: readonly number[];
  /** Decode the 6 value octets; `undefined` when they are not canonical (kept opaque). */
  decode(r: Reader, code: number): ExtCommunity | undefined;
  /** Write all 8 octets. */
  encode(w: Writer, v: ExtCommunity): void;
}

/** One registry entry (STYLE rule 1), typed for its own kind. */
export interface ExtCommunityDescriptor<T extends ExtCommunityType> extends ExtCommunityEntry {
  readonly type: T;
  decode(r: Reader, code: number): ExtCommunityOf<T> | undefined;
  encode(w: Writer, v: ExtCommunityOf<T>): void;
}

/** Type << 8 | subtype. */
export const ec = (type: number, subtype: number): number => (type << 8) | subtype;
