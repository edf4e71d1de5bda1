/**
 * Route keys: the fields that identify a route within its family (RFC 4364 4.1: RD + prefix;
 * RFC 7432 7.1-7.4 and RFC 9136 3 per EVPN route type). One place so that the decoders and
 * the builders of `build.ts` agree.
 */
import { formatRules } from './flowspec-rules.js';
import type { FlowRule } from './types.js';

export const vpnKeyHead = (rd: string): string => rd + ':';
export const vpnKey = (rd: string, prefix: string): string => vpnKeyHead(rd) + prefix;

export const ethernetAdKey = (rd: string, esi: string, etag: number): string => `1|${rd}|${esi}|${etag}`;

export const macIpKey = (rd: string, etag: number, mac: string, ip: string | undefined): string =>
  `2|${rd}|${etag}|${mac}|${ip ?? ''}`;

export const multicastKey = (rd: string, etag: number, originator: string): string =>
  `3|${rd}|${etag}|${originator}`;

export const ethernetSegmentKey = (rd: string, esi: string, originator: string): string =>
  `4|${rd}|${esi}|${originator}`;

export const ipPrefixKey = (rd: string, etag: number, prefix: string): string => `5|${rd}|${etag}|${prefix}`;

export const flowspecKey = (rd: string, rules: readonly FlowRule[]): string => `${rd}|${formatRules(rules)}`;
