/**
 * The admin:assigned extended communities: route target, route origin, RT-record and
 * redirect-to-VRF. The type octet follows the string form (see `admin.ts`).
 */
import type { Reader } from '../../../lib/reader.js';
import type { Writer } from '../../../lib/writer.js';
import { readAdmin, requireAdmin, writeAdmin, type AdminKind } from '../admin.js';
import { ec, type ExtCommunityDescriptor, type ExtCommunityOf } from './types.js';

type AdminTyped = 'route-target' | 'route-origin' | 'rt-record' | 'redirect-vrf';

function adminEntry<T extends AdminTyped>(
  type: T,
  name: string,
  types: readonly [number, number, number],
  subtype: number,
): ExtCommunityDescriptor<T> {
  return {
    type,
    name,
    codes: types.map((t) => ec(t, subtype)),
    decode(r: Reader, code: number) {
      const kind = types.indexOf(code >>> 8) as AdminKind;
      return { type, value: readAdmin(r, kind) } as ExtCommunityOf<T>;
    },
    encode(w: Writer, v: ExtCommunityOf<T>) {
      const a = requireAdmin((v as ExtCommunityOf<AdminTyped>).value, name);
      w.u8(types[a.kind]).u8(subtype);
      writeAdmin(w, a);
    },
  };
}

/** RFC 4360 4, RFC 5668 (4-octet AS): transitive types 0x00, 0x01, 0x02, subtype 0x02. */
export const routeTarget = adminEntry('route-target', 'route target', [0x00, 0x01, 0x02], 0x02);
/** RFC 4360 5: subtype 0x03. */
export const routeOrigin = adminEntry('route-origin', 'route origin', [0x00, 0x01, 0x02], 0x03);
/** IANA registry "Route-Target Record": subtype 0x13. */
export const rtRecord = adminEntry('rt-record', 'RT record', [0x00, 0x01, 0x02], 0x13);
/** RFC 8955 7.4 (0x80), RFC 7674 (0x81, 0x82): redirect to the VRF with this route target. */
export const redirectVrf = adminEntry('redirect-vrf', 'redirect to VRF', [0x80, 0x81, 0x82], 0x08);
