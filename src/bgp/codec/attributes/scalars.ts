/**
 * The fixed-size attributes: NEXT_HOP (3), MULTI_EXIT_DISC (4), LOCAL_PREF (5),
 * ATOMIC_AGGREGATE (6) and ORIGINATOR_ID (9). A wrong length surfaces in the decode loop as an
 * overrun or leftover octets, i.e. an Attribute Length Error with the entry's action.
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR } from '../constants.js';
import { readIpv4 } from '../nlri/prefix.js';
import { writeIpv4Text } from './ipv4-attr.js';
import { OPTIONAL, WELL_KNOWN, type AttributeDescriptor } from './common.js';

export const nextHop: AttributeDescriptor<'nextHop'> = {
  code: ATTR.nextHop,
  name: 'NEXT_HOP',
  key: 'nextHop',
  flags: WELL_KNOWN,
  // RFC 7606 7.3: a NEXT_HOP length other than 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode: (r: Reader) => readIpv4(r),
  encode(w: Writer, v: string) {
    writeIpv4Text(w, v, 'NEXT_HOP');
  },
};

export const med: AttributeDescriptor<'med'> = {
  code: ATTR.med,
  name: 'MULTI_EXIT_DISC',
  key: 'med',
  flags: OPTIONAL,
  // RFC 7606 7.4: a MULTI_EXIT_DISC length other than 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode: (r: Reader) => r.u32(),
  encode: (w: Writer, v: number) => w.u32(v),
};

export const localPref: AttributeDescriptor<'localPref'> = {
  code: ATTR.localPref,
  name: 'LOCAL_PREF',
  key: 'localPref',
  flags: WELL_KNOWN,
  // RFC 7606 7.5: a LOCAL_PREF length other than 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode: (r: Reader) => r.u32(),
  encode: (w: Writer, v: number) => w.u32(v),
};

export const atomicAggregate: AttributeDescriptor<'atomicAggregate'> = {
  code: ATTR.atomicAggregate,
  name: 'ATOMIC_AGGREGATE',
  key: 'atomicAggregate',
  flags: WELL_KNOWN,
  // RFC 7606 7.6: an ATOMIC_AGGREGATE length other than 0 is attribute-discard.
  malformed: 'attribute-discard',
  decode: () => true as const,
  encode: () => undefined,
};

export const originatorId: AttributeDescriptor<'originatorId'> = {
  code: ATTR.originatorId,
  name: 'ORIGINATOR_ID',
  key: 'originatorId',
  flags: OPTIONAL,
  // RFC 7606 7.9: an ORIGINATOR_ID length other than 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode: (r: Reader) => readIpv4(r),
  encode(w: Writer, v: string) {
    writeIpv4Text(w, v, 'ORIGINATOR_ID');
  },
};
