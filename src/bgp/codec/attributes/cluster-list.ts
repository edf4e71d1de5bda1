/** CLUSTER_LIST (type 10, RFC 4456 8): a list of 4-octet cluster ids, as dotted quads. */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { ATTR } from '../constants.js';
import { readIpv4 } from '../nlri/prefix.js';
import { checkMultiple, OPTIONAL, type AttributeDescriptor } from './common.js';
import { writeIpv4Text } from './ipv4-attr.js';

export const clusterList: AttributeDescriptor<'clusterList'> = {
  code: ATTR.clusterList,
  name: 'CLUSTER_LIST',
  key: 'clusterList',
  flags: OPTIONAL,
  // RFC 7606 7.10: a length that is not a non-zero multiple of 4 is treat-as-withdraw.
  malformed: 'treat-as-withdraw',
  decode(r: Reader): string[] {
    checkMultiple(r, 4, this);
    const out: string[] = [];
    while (!r.done) out.push(readIpv4(r));
    return out;
  },
  encode(w: Writer, v: readonly string[]) {
    for (const id of v) writeIpv4Text(w, id, 'CLUSTER_LIST');
  },
};
