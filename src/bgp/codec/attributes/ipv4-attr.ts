/** IPv4 addresses inside attributes (NEXT_HOP, ORIGINATOR_ID, CLUSTER_LIST, AGGREGATOR). */
import type { Writer } from '../../../lib/writer.js';
import { EncodeError } from '../errors.js';
import { parseIpv4 } from '../ipv4.js';

export function writeIpv4Text(w: Writer, ip: string, what: string): void {
  const n = parseIpv4(ip);
  if (n < 0) throw new EncodeError(`${what}: not an IPv4 address: ${JSON.stringify(ip)}`);
  w.u32(n);
}
