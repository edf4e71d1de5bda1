/** Decode/encode one NLRI field through a family's registry entry. */
import { Reader } from '../../../../src/lib/reader.js';
import { Writer } from '../../../../src/lib/writer.js';
import type { CodecContext } from '../../../../src/bgp/codec/context.js';
import { familyKey } from '../../../../src/bgp/codec/context.js';
import { FAMILIES } from '../../../../src/bgp/codec/nlri/registry.js';
import type { Nlri } from '../../../../src/bgp/codec/nlri/types.js';
import { ctx } from '../helpers.js';

export function family(afi: number, safi: number) {
  const f = FAMILIES.get(familyKey(afi, safi));
  if (f === undefined) throw new Error(`no family ${afi}/${safi}`);
  return {
    decode: (b: Uint8Array, c: CodecContext = ctx()): Nlri[] => f.decode(new Reader(b), c),
    encode: (list: readonly Nlri[], c: CodecContext = ctx()): Uint8Array => {
      const w = new Writer();
      for (const n of list) f.encode(w, n, c);
      return w.finish();
    },
  };
}
