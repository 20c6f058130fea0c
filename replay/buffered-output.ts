import { createWriteStream, type WriteStream } from 'node:fs';

/** Bytes gathered before a write. */
const FLUSH_BYTES = 1 << 16;
/** Room in each buffer: a flush's worth plus the longest text that is copied in rather than written alone. */
const CAPACITY_BYTES = 1 << 17;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_CHAR = 3;

/**
 * Output gathered into ~64 KiB writes: one write per plan would cost more than the plan. Text is encoded
 * straight into a buffer outside the heap as it comes (the same UTF-8 bytes the stream would write), not
 * gathered as strings and joined: a day's plans are ~70 MB of text, which the join copied once more on the
 * heap (twice the bytes where a line holds a non-Latin-1 character such as the reasons' arrows).
 */
export class BufferedOutput {
  private readonly stream: WriteStream;
  private buffer = Buffer.allocUnsafeSlow(CAPACITY_BYTES);
  private size = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  /** Writes `text` as UTF-8 (each text encoded on its own: a surrogate pair split between two texts is not joined). */
  write(text: string): void {
    const most = text.length * MAX_BYTES_PER_CHAR;
    if (this.size + most > CAPACITY_BYTES) {
      this.flush();
      if (most > CAPACITY_BYTES) {
        // longer than a buffer: written alone, in order
        this.stream.write(text);
        return;
      }
    }
    this.size += this.buffer.write(text, this.size);
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  /** `write(text + '\n')`, without making that string. */
  writeLine(text: string): void {
    this.write(text);
    this.buffer[this.size++] = 0x0a;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  end(): Promise<void> {
    this.flush();
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }

  private flush(): void {
    if (this.size === 0) return;
    // The stream holds the written bytes until they are on disk: the next ones go to a fresh buffer.
    this.stream.write(this.buffer.subarray(0, this.size));
    this.buffer = Buffer.allocUnsafeSlow(CAPACITY_BYTES);
    this.size = 0;
  }
}
