/**
 * Session semantics, applied after decoding (STYLE rule 5): mandatory attributes, eBGP/iBGP
 * rules, loops, next hops, and OPEN checks. Like the decoder, UPDATE checks return problems
 * with RFC 7606 actions instead of throwing, and fold them into the decoded result.
 */
import type { PathAttributes } from './attributes/types.js';
import { ATTR } from './constants.js';
import { stronger, WireError, type WireAction } from './errors.js';
import { parseIpv4 } from './ipv4.js';
import { ERR, OPEN_ERR, UPDATE_ERR } from './notify.js';
import type { Open } from './open.js';
import { asWithdraw, type DecodedUpdate, type Update } from './update.js';

export interface PeerFacts {
  readonly ebgp: boolean;
  readonly localAs: number;
  readonly peerAs: number;
  /** RFC 4271 6.3: check that an eBGP AS_PATH starts with the peer's AS (default on). */
  readonly enforceFirstAs?: boolean;
  /** Our addresses: a NEXT_HOP naming one of them is invalid (RFC 4271 6.3). */
  readonly localAddresses?: ReadonlySet<string>;
  /** RFC 4456 8: our router id and cluster id, for route reflection loops. */
  readonly routerId?: string;
  readonly clusterId?: string;
}

type Problem = WireError;

function problem(subcode: number, action: WireAction, message: string, data?: Uint8Array): Problem {
  return new WireError({ errorCode: ERR.update, subcode, action, ...(data ? { data } : {}) }, message);
}

function hasReach(u: Update): boolean {
  return u.nlri.length > 0 || (u.mpReach?.nlri.length ?? 0) > 0;
}

/** RFC 7606 3(d): missing well-known mandatory attributes are treat-as-withdraw (data: the type). */
function mandatory(u: Update): Problem[] {
  if (!hasReach(u)) return [];
  const a = u.attributes;
  const missing: number[] = [];
  if (a.origin === undefined) missing.push(ATTR.origin);
  if (a.asPath === undefined) missing.push(ATTR.asPath);
  // RFC 4760 3: NEXT_HOP is needed only for NLRI in the UPDATE's own NLRI field.
  if (u.nlri.length > 0 && a.nextHop === undefined) missing.push(ATTR.nextHop);
  return missing.map((code) =>
    problem(
      UPDATE_ERR.missingWellKnown,
      'treat-as-withdraw',
      `missing attribute ${code}`,
      Uint8Array.of(code),
    ),
  );
}

/** eBGP-only rules: attributes that must be discarded, and the first AS. */
function external(a: PathAttributes, f: PeerFacts): Problem[] {
  const out: Problem[] = [];
  // RFC 7606 7.5: LOCAL_PREF from an external peer is attribute-discard.
  if (a.localPref !== undefined) {
    out.push(problem(UPDATE_ERR.malformedAttributeList, 'attribute-discard', 'LOCAL_PREF from eBGP'));
  }
  // RFC 7606 7.9/7.10: ORIGINATOR_ID and CLUSTER_LIST from an external peer are attribute-discard.
  if (a.originatorId !== undefined || a.clusterList !== undefined) {
    out.push(
      problem(UPDATE_ERR.malformedAttributeList, 'attribute-discard', 'route reflection attribute from eBGP'),
    );
  }
  const path = a.asPath ?? [];
  // RFC 5065 5 / RFC 7606 7.2: confederation segments from outside the confederation are malformed.
  if (path.some((s) => s.type === 'confed-sequence' || s.type === 'confed-set')) {
    out.push(problem(UPDATE_ERR.malformedAsPath, 'treat-as-withdraw', 'confederation segment from eBGP'));
  }
  const first = path[0];
  // RFC 4271 6.3: an eBGP AS_PATH must start with the peer's AS (a malformed AS_PATH, RFC 7606 7.2).
  const firstOk = first?.type === 'sequence' && first.asns[0] === f.peerAs;
  if ((f.enforceFirstAs ?? true) && a.asPath !== undefined && !firstOk) {
    out.push(
      problem(UPDATE_ERR.malformedAsPath, 'treat-as-withdraw', `AS_PATH does not start with ${f.peerAs}`),
    );
  }
  return out;
}

/** A unicast IPv4 host address: not 0.0.0.0, not multicast, class E or broadcast. */
function validHost(ip: string): boolean {
  const n = parseIpv4(ip);
  return n < 0 || (n !== 0 && n < 0xe0000000);
}

function semantic(u: Update, f: PeerFacts): Problem[] {
  const a = u.attributes;
  const out: Problem[] = [];
  // RFC 7607 2: AS 0 in AS_PATH is a malformed AS_PATH; in AGGREGATOR, attribute-discard.
  if (a.asPath?.some((s) => s.asns.includes(0)))
    out.push(problem(UPDATE_ERR.malformedAsPath, 'treat-as-withdraw', 'AS 0'));
  if (a.aggregator?.asn === 0)
    out.push(problem(UPDATE_ERR.optionalAttribute, 'attribute-discard', 'AGGREGATOR AS 0'));
  // RFC 4271 9.1.2: a route whose AS_PATH holds our AS is a loop and is not used.
  if (a.asPath?.some((s) => s.asns.includes(f.localAs)))
    out.push(problem(UPDATE_ERR.asRoutingLoop, 'treat-as-withdraw', 'AS loop'));
  // RFC 4456 8: our ORIGINATOR_ID or CLUSTER_ID in the route means a reflection loop.
  const reflected =
    (f.routerId !== undefined && a.originatorId === f.routerId) ||
    (f.clusterId !== undefined && a.clusterList?.includes(f.clusterId) === true);
  if (reflected) out.push(problem(UPDATE_ERR.asRoutingLoop, 'treat-as-withdraw', 'route reflection loop'));
  // RFC 4271 6.3 / RFC 7606 7.3: a NEXT_HOP that is not a valid host, or is ours, is treat-as-withdraw.
  for (const nh of [u.nlri.length > 0 ? a.nextHop : undefined, u.mpReach?.nextHop]) {
    if (nh === undefined || nh === '') continue;
    if (!validHost(nh) || f.localAddresses?.has(nh) === true) {
      out.push(problem(UPDATE_ERR.invalidNextHop, 'treat-as-withdraw', `invalid next hop ${nh}`));
    }
  }
  return out;
}

/** Drop what the attribute-discard problems named. */
function discard(a: PathAttributes, ebgp: boolean): PathAttributes {
  const { localPref, originatorId, clusterList, aggregator, ...rest } = a;
  return {
    ...rest,
    ...(ebgp || localPref === undefined ? {} : { localPref }),
    ...(ebgp || originatorId === undefined ? {} : { originatorId }),
    ...(ebgp || clusterList === undefined ? {} : { clusterList }),
    ...(aggregator === undefined || aggregator.asn === 0 ? {} : { aggregator }),
  };
}

/** Apply session semantics to a decoded UPDATE; returns it with the combined action and problems. */
export function validateUpdate(decoded: DecodedUpdate, facts: PeerFacts): DecodedUpdate {
  const u = decoded.update;
  const found = [
    ...mandatory(u),
    ...(facts.ebgp ? external(u.attributes, facts) : []),
    ...semantic(u, facts),
  ];
  if (found.length === 0) return decoded;
  const problems = [...decoded.problems, ...found];
  const action = problems.reduce<WireAction | undefined>((acc, p) => stronger(acc, p.action), undefined);
  const trimmed = { ...u, attributes: discard(u.attributes, facts.ebgp) };
  const already = decoded.action === 'treat-as-withdraw';
  return {
    update: action === 'treat-as-withdraw' && !already ? asWithdraw(trimmed) : trimmed,
    action,
    problems,
  };
}

export interface OpenFacts {
  /** The AS we expect the peer to have, if configured. */
  readonly peerAs?: number;
  readonly localAs: number;
  readonly localBgpId: string;
}

function openError(subcode: number, message: string, data?: Uint8Array): WireError {
  return new WireError(
    { errorCode: ERR.open, subcode, action: 'session-reset', ...(data ? { data } : {}) },
    message,
  );
}

/** The peer's AS: the 4-octet AS capability when present (RFC 6793 4.1), else My AS. */
export function peerAsOf(open: Open): number {
  const cap = open.capabilities.find((c) => c.type === 'as4');
  return cap?.type === 'as4' ? cap.asn : open.myAs;
}

/** RFC 4271 6.2 checks on a received OPEN; the error to send, or undefined. */
export function validateOpen(open: Open, f: OpenFacts): WireError | undefined {
  // RFC 4271 6.2: a hold time of 1 or 2 seconds is Unacceptable Hold Time.
  if (open.holdTime === 1 || open.holdTime === 2)
    return openError(OPEN_ERR.unacceptableHoldTime, `hold time ${open.holdTime}`);
  const id = parseIpv4(open.bgpId);
  // RFC 6286 2.1: the BGP Identifier is non-zero, and differs from ours on an internal session.
  if (id === 0 || (open.bgpId === f.localBgpId && peerAsOf(open) === f.localAs)) {
    return openError(OPEN_ERR.badBgpId, `BGP identifier ${open.bgpId}`);
  }
  const asn = peerAsOf(open);
  // RFC 4271 6.2: an AS other than the configured one is Bad Peer AS (data: the My AS field).
  if (f.peerAs !== undefined && asn !== f.peerAs) {
    return openError(
      OPEN_ERR.badPeerAs,
      `peer AS ${asn}, expected ${f.peerAs}`,
      Uint8Array.of(open.myAs >>> 8, open.myAs & 255),
    );
  }
  return undefined;
}
