/**
 * A growable byte writer with back-patched lengths (STYLE rule 3: `encode` never mutates its
 * input; the writer fills lengths in after the body is written). Grows 1.5x like pg's Writer.
 */
export class Writer {
  #buf: Uint8Array;
  #pos = 0;

  constructor(initial = 256) {
    this.#buf = new Uint8Array(Math.max(16, initial));
  }

  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    const want = this.#pos + n;
    if (want <= this.#buf.length) return;
    let size = this.#buf.length;
    while (size < want) size = Math.ceil(size * 1.5);
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.#ensure(2);
    const b = this.#buf;
    b[this.#pos++] = (v >>> 8) & 0xff;
    b[this.#pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.#ensure(3);
    const b = this.#buf;
    b[this.#pos++] = (v >>> 16) & 0xff;
    b[this.#pos++] = (v >>> 8) & 0xff;
    b[this.#pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    const b = this.#buf;
    b[this.#pos++] = (v >>> 24) & 0xff;
    b[this.#pos++] = (v >>> 16) & 0xff;
    b[this.#pos++] = (v >>> 8) & 0xff;
    b[this.#pos++] = v & 0xff;
    return this;
  }

  bytes(src: Uint8Array): this {
    this.#ensure(src.length);
    this.#buf.set(src, this.#pos);
    this.#pos += src.length;
    return this;
  }

  /** Reserve `width` bytes (1, 2 or 4) for a length; returns a mark for `patchLength`. */
  reserve(width: 1 | 2 | 4): number {
    this.#ensure(width);
    const mark = this.#pos;
    this.#pos += width;
    return mark * 8 + width;
  }

  /**
   * Write the number of bytes written since the reserved field (excluding the field itself)
   * into it, or `value` if given. Throws if it does not fit.
   */
  patchLength(mark: number, value?: number): void {
    const width = mark % 8;
    const at = (mark - width) / 8;
    const v = value ?? this.#pos - at - width;
    const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
    if (v > max) throw new RangeError(`length ${v} does not fit in ${width} bytes`);
    const b = this.#buf;
    if (width === 1) b[at] = v;
    else if (width === 2) {
      b[at] = v >>> 8;
      b[at + 1] = v & 0xff;
    } else {
      b[at] = v >>> 24;
      b[at + 1] = (v >>> 16) & 0xff;
      b[at + 2] = (v >>> 8) & 0xff;
      b[at + 3] = v & 0xff;
    }
  }

  /** The bytes written so far, as a view (valid until the next write). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}
