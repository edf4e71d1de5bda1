/** Hex text for opaque values (unknown attributes, opaque ext-communities, raw NLRI). */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array, separator = ''): string {
  let out = '';
  for (const x of b) out += (out === '' ? '' : separator) + (HEX[x] ?? '00');
  return out;
}

/** Parse even-length hex (no separators); undefined when it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
