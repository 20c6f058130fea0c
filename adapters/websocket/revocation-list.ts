import { readFile, stat } from 'node:fs/promises';

/**
 * Revoked token ids (`jti`), from a text file the server re-reads when it changes: one id per line, `#` starts a
 * comment. A file that cannot be read or is missing keeps the list last read (an operator's half-written edit must
 * not un-revoke anything); `reload` reports why.
 */
export class RevocationList {
  private ids: ReadonlySet<string> = new Set();
  private loadedMtimeMs = Number.NaN;
  private loadedSize = -1;

  constructor(readonly path: string | undefined) {}

  has(jti: string | undefined): boolean {
    return jti !== undefined && this.ids.has(jti);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Re-reads the file when its modification time or size changed. */
  async reload(): Promise<{ changed: boolean; error?: string }> {
    if (!this.path) return { changed: false };
    try {
      const st = await stat(this.path);
      if (st.mtimeMs === this.loadedMtimeMs && st.size === this.loadedSize) return { changed: false };
      const text = await readFile(this.path, 'utf8');
      const ids = new Set<string>();
      for (const line of text.split('\n')) {
        const id = line.replace(/#.*/, '').trim();
        if (id) ids.add(id);
      }
      this.ids = ids;
      this.loadedMtimeMs = st.mtimeMs;
      this.loadedSize = st.size;
      return { changed: true };
    } catch (err) {
      return { changed: false, error: `cannot read revocation file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }
}
