/**
 * Just enough PNG decoding for screenshot tests: the IHDR facts, and the pixels of an 8-bit,
 * non-interlaced image (IDAT inflated and unfiltered, PNG spec 9), as a set of distinct colours.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel by colour type (PNG spec 11.2.2). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngInfo {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
  readonly interlace: number;
  /** The concatenated IDAT data (still deflated). */
  readonly idat: Buffer;
}

export function readPng(png: Buffer): PngInfo {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let at = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (ihdr === undefined) throw new Error('PNG without IHDR');
  return {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    bitDepth: ihdr.readUInt8(8),
    colourType: ihdr.readUInt8(9),
    interlace: ihdr.readUInt8(12),
    idat: Buffer.concat(idat),
  };
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** The raw scanlines, unfiltered (filter types 0-4). */
function unfilter(info: PngInfo): { rows: Buffer[]; bpp: number } {
  const bpp = CHANNELS[info.colourType];
  if (bpp === undefined || info.bitDepth !== 8 || info.interlace !== 0) {
    throw new Error(
      `unsupported PNG: colour type ${String(info.colourType)}, depth ${String(info.bitDepth)}`,
    );
  }
  const raw = inflateSync(info.idat);
  const stride = info.width * bpp;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < info.height; y++) {
    const start = y * (stride + 1);
    const filter = raw.readUInt8(start);
    const row = Buffer.from(raw.subarray(start + 1, start + 1 + stride));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? row.readUInt8(x - bpp) : 0;
      const b = prev.readUInt8(x);
      const c = x >= bpp ? prev.readUInt8(x - bpp) : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (pred === undefined) throw new Error(`bad PNG filter ${String(filter)}`);
      row.writeUInt8((row.readUInt8(x) + pred) & 0xff, x);
    }
    rows.push(row);
    prev = row;
  }
  return { rows, bpp };
}

/** Distinct pixel values as "rrggbb[aa]" hex strings (grey and palette images: the raw samples). */
export function colours(png: Buffer): Set<string> {
  const { rows, bpp } = unfilter(readPng(png));
  const out = new Set<string>();
  for (const row of rows) {
    for (let x = 0; x < row.length; x += bpp) out.add(row.toString('hex', x, x + bpp));
  }
  return out;
}
