/**
 * NOTIFICATION error codes and subcodes (RFC 4271 4.5 and 6, RFC 4486, RFC 5492, RFC 6608,
 * RFC 7313, RFC 8538, RFC 9234, RFC 9384), with their IANA names for logs and error codes.
 */

export const ERR = {
  header: 1,
  open: 2,
  update: 3,
  holdTimer: 4,
  fsm: 5,
  cease: 6,
  routeRefresh: 7,
} as const;

export const HEADER_ERR = { connectionNotSynchronized: 1, badMessageLength: 2, badMessageType: 3 } as const;

export const OPEN_ERR = {
  unspecific: 0,
  unsupportedVersion: 1,
  badPeerAs: 2,
  badBgpId: 3,
  unsupportedOptionalParameter: 4,
  unacceptableHoldTime: 6,
  unsupportedCapability: 7,
  roleMismatch: 11,
} as const;

export const UPDATE_ERR = {
  malformedAttributeList: 1,
  unrecognizedWellKnown: 2,
  missingWellKnown: 3,
  attributeFlags: 4,
  attributeLength: 5,
  invalidOrigin: 6,
  asRoutingLoop: 7,
  invalidNextHop: 8,
  optionalAttribute: 9,
  invalidNetworkField: 10,
  malformedAsPath: 11,
} as const;

export const FSM_ERR = { unspecified: 0, openSent: 1, openConfirm: 2, established: 3 } as const;

export const CEASE = {
  maxPrefixes: 1,
  adminShutdown: 2,
  peerDeconfigured: 3,
  adminReset: 4,
  connectionRejected: 5,
  configChange: 6,
  collision: 7,
  outOfResources: 8,
  hardReset: 9,
  bfdDown: 10,
} as const;

export const ROUTE_REFRESH_ERR = { invalidLength: 1 } as const;

const names: Readonly<Record<number, readonly [string, Readonly<Record<number, string>>]>> = {
  1: ['MESSAGE_HEADER', flip(HEADER_ERR)],
  2: ['OPEN', flip(OPEN_ERR)],
  3: ['UPDATE', flip(UPDATE_ERR)],
  4: ['HOLD_TIMER_EXPIRED', {}],
  5: ['FSM', flip(FSM_ERR)],
  6: ['CEASE', flip(CEASE)],
  7: ['ROUTE_REFRESH', flip(ROUTE_REFRESH_ERR)],
};

function flip(o: Readonly<Record<string, number>>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(o)) out[v] = k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  return out;
}

/** True when `code`/`subcode` name a NOTIFICATION we know (subcode 0 is always allowed). */
export function isKnownError(code: number, subcode: number): boolean {
  const entry = names[code];
  return entry !== undefined && (subcode === 0 || entry[1][subcode] !== undefined);
}

/** "UPDATE/MALFORMED_AS_PATH", or numbers for codes we do not know. */
export function errorName(code: number, subcode: number): string {
  const entry = names[code];
  if (entry === undefined) return `${code}/${subcode}`;
  return `${entry[0]}/${entry[1][subcode] ?? (subcode === 0 ? 'UNSPECIFIC' : String(subcode))}`;
}
