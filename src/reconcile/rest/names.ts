/**
 * Deterministic Kubernetes object names for what the REST API writes, so that attaching twice
 * names the same objects (idempotence) and a restart finds them again.
 *
 * - VpnInstance: the bagpipe `vpn_instance_id` itself when it is already a DNS-1123 label of at
 *   most 63 characters (e.g. `ipvpn-bagpipe-test`); otherwise a slug of it plus `-` and 12 hex
 *   digits of its SHA-256 (the agent's `ipvpn_<network uuid>` becomes `ipvpn-<uuid>-<hash>`).
 *   Names kept as-is never end in `-<12 hex>`, so the two forms cannot collide.
 * - PortAttachment: `<instance>.<mac, 12 hex>` plus `.ip-<address>-<length>` when it has an IP.
 *   The MAC and prefix must already be canonical, so `AA-BB-…` and `aa:bb:…`, or `10.0.0.1` and
 *   `10.0.0.1/32`, name the same endpoint.
 */
import { createHash } from 'node:crypto';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HASHED = /-[0-9a-f]{12}$/;
const SLUG_MAX = 40;

const hash12 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Lowercase letters, digits and single dashes, never starting or ending with a dash. */
function slug(text: string, max: number): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'vpn' : s;
}

/** The VpnInstance name for a bagpipe `vpn_instance_id`. */
export function instanceName(vpnInstanceId: string): string {
  if (vpnInstanceId.length <= 63 && LABEL.test(vpnInstanceId) && !HASHED.test(vpnInstanceId)) {
    return vpnInstanceId;
  }
  return `${slug(vpnInstanceId, SLUG_MAX)}-${hash12(vpnInstanceId)}`;
}

/** The PortAttachment name of an endpoint: `mac` as normalizeMac returns it, `prefix` as canonicalPrefix. */
export function attachmentName(instance: string, mac: string, prefix: string | undefined): string {
  const base = `${instance}.${mac.replace(/:/g, '')}`;
  // One dash per character (no collapsing), so `1::2:3` and `1:2::3` stay distinct.
  return prefix === undefined ? base : `${base}.ip-${prefix.toLowerCase().replace(/[^a-z0-9]/g, '-')}`;
}

/** The file holding one instance and its attachments. */
export function fileName(instance: string): string {
  return `${instance}.json`;
}
