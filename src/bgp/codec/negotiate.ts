/**
 * Codec contexts from the two OPENs of a session (RFC 5492 3: a capability is in effect when
 * both sides advertised it). The receive and send contexts differ only in ADD-PATH.
 */
import type { Capability } from './capabilities/types.js';
import { ADD_PATH } from './constants.js';
import { familyKey, type CodecContext, type FamilyKey } from './context.js';
import type { Open } from './open.js';

function has(open: Open, type: Capability['type']): boolean {
  return open.capabilities.some((c) => c.type === type);
}

/** Families and their ADD-PATH send/receive values as advertised in one OPEN. */
function addPathOf(open: Open): Map<FamilyKey, number> {
  const out = new Map<FamilyKey, number>();
  for (const c of open.capabilities) {
    if (c.type === 'add-path') for (const f of c.families) out.set(familyKey(f.afi, f.safi), f.sendReceive);
  }
  return out;
}

/**
 * RFC 4760 8: families both sides advertised with the multiprotocol capability, in the local
 * OPEN's order. A speaker that advertises none speaks IPv4 unicast only.
 */
export function commonFamilies(local: Open, remote: Open): Set<FamilyKey> {
  const mp = (o: Open): Set<FamilyKey> => {
    const set = new Set(
      o.capabilities.flatMap((c) => (c.type === 'multiprotocol' ? [familyKey(c.afi, c.safi)] : [])),
    );
    return set.size > 0 ? set : new Set([familyKey(1, 1)]);
  };
  const theirs = mp(remote);
  return new Set([...mp(local)].filter((k) => theirs.has(k)));
}

export interface Contexts {
  /** For decoding what the peer sends. */
  readonly rx: CodecContext;
  /** For encoding what we send. */
  readonly tx: CodecContext;
}

/**
 * RFC 6793 4 (4-octet AS), RFC 8654 3 (extended message) and RFC 7911 4 (ADD-PATH: we receive
 * path ids where we said receive and they said send, and send them in the opposite case).
 */
export function negotiate(local: Open, remote: Open): Contexts {
  const asn4 = has(local, 'as4') && has(remote, 'as4');
  const extendedMessage = has(local, 'extended-message') && has(remote, 'extended-message');
  const mine = addPathOf(local);
  const theirs = addPathOf(remote);
  const rx = new Set<FamilyKey>();
  const tx = new Set<FamilyKey>();
  for (const [k, v] of mine) {
    const t = theirs.get(k) ?? 0;
    if (v & ADD_PATH.receive && t & ADD_PATH.send) rx.add(k);
    if (v & ADD_PATH.send && t & ADD_PATH.receive) tx.add(k);
  }
  return { rx: { asn4, extendedMessage, addPath: rx }, tx: { asn4, extendedMessage, addPath: tx } };
}
