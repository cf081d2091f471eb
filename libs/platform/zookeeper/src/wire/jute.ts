/**
 * Jute, ZooKeeper's record serialisation: big-endian ints and longs, a
 * one-byte boolean, and length-prefixed strings, buffers and vectors in which
 * a length of -1 means null. These two classes are the whole codec; the
 * records built on them are in `records.ts`.
 */

/** Appends jute values to a growing buffer. */
export class JuteWriter {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  long(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf.writeUInt8(v ? 1 : 0, this.pos);
    this.pos += 1;
    return this;
  }

  buffer(v: Buffer | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
    return this;
  }

  string(v: string | null): this {
    return this.buffer(v === null ? null : Buffer.from(v, 'utf8'));
  }

  vector<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** The bytes written so far. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far, preceded by their length: one frame on the wire. */
  frame(): Buffer {
    const out = Buffer.allocUnsafe(4 + this.pos);
    out.writeInt32BE(this.pos, 0);
    this.buf.copy(out, 4, 0, this.pos);
    return out;
  }
}

/** Raised when a frame ends before the record it should hold. */
export class JuteDecodeError extends Error {
  constructor(message: string) {
    super(`malformed ZooKeeper frame: ${message}`);
    this.name = 'JuteDecodeError';
  }
}

/** Reads jute values from one frame (without its length prefix). */
export class JuteReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new JuteDecodeError(`${what} needs ${n} bytes at offset ${this.pos}, frame has ${this.buf.length}`);
    }
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'bool');
    return this.buf.readUInt8(this.pos++) !== 0;
  }

  buffer(): Buffer | null {
    const len = this.int();
    if (len < 0) return null;
    this.need(len, 'buffer');
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return v;
  }

  string(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }

  vector<T>(read: (r: this) => T): T[] | null {
    const n = this.int();
    if (n < 0) return null;
    if (n > this.remaining) throw new JuteDecodeError(`vector of ${n} items in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
}
