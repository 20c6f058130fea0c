import { createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_CHARS = 1 << 16;

/**
 * Output gathered into ~64 KiB writes: one write per plan would cost more than the plan, and gathering much
 * more keeps the text on the heap through young-generation collections (a day's 39 MB of plans were copied
 * by them; written, it is a buffer outside the heap).
 */
export class BufferedOutput {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_CHARS) this.flush();
  }

  end(): Promise<void> {
    if (this.size > 0) this.flush();
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }

  private flush(): void {
    this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
