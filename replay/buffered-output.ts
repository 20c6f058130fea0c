import { createWriteStream, type WriteStream } from 'node:fs';

/** Output gathered into ~1 MiB writes: one write per plan would cost more than the plan. */
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
    if (this.size >= 1 << 20) this.flush();
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
