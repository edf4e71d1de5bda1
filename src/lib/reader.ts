import { OverrunError } from './errors.js';

/**
 * A bounds-checked cursor over a byte range (STYLE rule 2). Every read checks the remaining
 * length and throws `OverrunError` instead of returning garbage; nested TLVs are read through
 * `sub(len)`, which bounds the child to exactly `len` bytes.
 */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #end: number;
  #pos: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new OverrunError(start, end - start, buf.length);
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get offset(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  #need(n: number): number {
    const at = this.#pos;
    if (n < 0 || at + n > this.#end) throw new OverrunError(at, n, this.#end - at);
    this.#pos = at + n;
    return at;
  }

  u8(): number {
    const at = this.#need(1);
    return this.#buf[at] as number;
  }

  u16(): number {
    const at = this.#need(2);
    return ((this.#buf[at] as number) << 8) | (this.#buf[at + 1] as number);
  }

  u24(): number {
    const at = this.#need(3);
    return (
      ((this.#buf[at] as number) << 16) | ((this.#buf[at + 1] as number) << 8) | (this.#buf[at + 2] as number)
    );
  }

  u32(): number {
    const at = this.#need(4);
    const b = this.#buf;
    return (
      ((b[at] as number) * 0x1000000 +
        (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number))) >>>
      0
    );
  }

  /** Look at the next byte without consuming it. */
  peekU8(): number {
    if (this.#pos >= this.#end) throw new OverrunError(this.#pos, 1, 0);
    return this.#buf[this.#pos] as number;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#buf.subarray(at, at + n);
  }

  /** A copy of the next `n` bytes, safe to keep after the input buffer is reused. */
  copy(n: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.bytes(n));
  }

  /** A child reader over exactly the next `n` bytes; this reader skips past them. */
  sub(n: number): Reader {
    const at = this.#need(n);
    return new Reader(this.#buf, at, at + n);
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  skip(n: number): void {
    this.#need(n);
  }
}
