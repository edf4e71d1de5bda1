/**
 * The streaming layer (STYLE rule 6): TCP chunks in, complete messages out. It only checks the
 * marker and the length field (RFC 4271 6.1); `decodeMessage` does the rest. Frames are views
 * of the pushed chunks when a message lies within one chunk, copies otherwise; either way they
 * are never written to again, so they may be kept.
 */
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { WireError } from './errors.js';
import { ERR, HEADER_ERR } from './notify.js';
import { Reader } from '../../lib/reader.js';

export class Framer {
  #chunks: Uint8Array[] = [];
  /** Offset of the first unread octet in `#chunks[0]`. */
  #offset = 0;
  #buffered = 0;
  #maxLength: number;
  #failed: WireError | undefined;

  /** `maxLength`: 4,096, or 65,535 once extended messages are negotiated (RFC 8654 4). */
  constructor(maxLength: number = MAX_MESSAGE_LENGTH) {
    this.#maxLength = maxLength;
  }

  get maxLength(): number {
    return this.#maxLength;
  }

  /** Raise or lower the limit between messages (after OPEN negotiation). */
  set maxLength(n: number) {
    this.#maxLength = n;
  }

  /** Octets received and not yet returned as frames. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * The next complete message, or undefined when more octets are needed. Throws `WireError`
   * (1/1 or 1/2, 'session-reset') on a bad marker or length, and again on every later call.
   */
  next(): Uint8Array | undefined {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#buffered < HEADER_LENGTH) return undefined;
    const head = new Reader(this.#peek(HEADER_LENGTH));
    for (let i = 0; i < 16; i++) {
      // RFC 4271 6.1: a marker that is not all ones is Connection Not Synchronized.
      if (head.u8() !== 0xff)
        return this.#fail(HEADER_ERR.connectionNotSynchronized, 'bad marker', new Uint8Array(0));
    }
    const lengthField = head.bytes(2);
    const len = new Reader(lengthField).u16();
    // RFC 4271 6.1 / RFC 8654 4: a length below 19 or above the maximum is Bad Message Length.
    if (len < HEADER_LENGTH || len > this.#maxLength) {
      return this.#fail(HEADER_ERR.badMessageLength, `length ${len}`, lengthField.slice());
    }
    if (this.#buffered < len) return undefined;
    return this.#take(len);
  }

  /** All complete messages now buffered. */
  *frames(): Generator<Uint8Array, void, undefined> {
    for (let f = this.next(); f !== undefined; f = this.next()) yield f;
  }

  #fail(subcode: number, message: string, data: Uint8Array): never {
    this.#failed = new WireError({ errorCode: ERR.header, subcode, action: 'session-reset', data }, message);
    throw this.#failed;
  }

  /** The first `n` buffered octets without consuming them (a view when possible). */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n)
      return first.subarray(this.#offset, this.#offset + n);
    return this.#gather(n, false);
  }

  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return out;
    }
    return this.#gather(n, true);
  }

  /** Copy `n` octets across chunks, consuming them when `consume` is set. */
  #gather(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.#offset;
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(offset, offset + (n - filled));
      out.set(part, filled);
      filled += part.length;
      offset = 0;
      if (filled === n) break;
    }
    if (consume) this.#advance(n);
    return out;
  }

  #advance(n: number): void {
    let left = n;
    this.#buffered -= n;
    while (left > 0) {
      const first = this.#chunks[0];
      if (first === undefined) break;
      const avail = first.length - this.#offset;
      if (avail > left) {
        this.#offset += left;
        return;
      }
      left -= avail;
      this.#chunks.shift();
      this.#offset = 0;
    }
  }
}
