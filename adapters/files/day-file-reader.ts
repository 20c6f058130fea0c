import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface LineWarning {
  code: 'GW_REPLAY_TORN_LINE' | 'GW_REPLAY_TRUNCATED_GZIP';
  lineNo: number;
  message: string;
}

export interface LineReaderOptions {
  /** Told about a torn last line or a truncated gzip member; reading goes on (it is the end of the data). */
  onWarning?: (w: LineWarning) => void;
  /** Told how many bytes of the (compressed) file have been read so far, for progress bars. */
  onBytes?: (bytesRead: number) => void;
  /**
   * Whether a last line without its newline is whole. Default: by the file's name, a CSV line (`.csv`,
   * `.csv.gz`) always is; any other (NDJSON) line is when it parses as JSON.
   */
  isWholeLine?: (text: string) => boolean;
  /**
   * Longest run of text decoded and split into one batch of lines, bytes (cut after a newline where there is
   * one): the 1 MiB read chunk by default. Smaller pieces keep less text alive at once for a consumer that is done
   * with each batch before the next (a 1 MiB chunk's text is one large string that all its lines slice).
   */
  pieceBytes?: number;
}

/** Read and inflate in 1 MiB chunks: far fewer round trips to zlib's thread pool than the 16 KiB default. */
const CHUNK_BYTES = 1 << 20;

/** Lines of an NDJSON file one at a time, `[lineNo, text]` (1-based); see `readLineBatches`. */
export async function* readLines(path: string, options: LineReaderOptions = {}): AsyncGenerator<[number, string]> {
  for await (const batch of readLineBatches(path, options)) for (let i = 0; i < batch.lines.length; i++) yield [batch.firstLineNo + i, batch.lines[i]];
}

export interface LineBatch {
  firstLineNo: number;
  lines: string[];
}

/**
 * Lines of an NDJSON file, gzip-compressed (by name `.gz`, any number of members) or plain, streamed in
 * batches of one chunk (about 1 MiB): memory stays flat however long the file, and the per-line cost is a
 * plain loop, not an await. A file cut short by a crash is read up to the cut: a truncated gzip member ends
 * the data, and a last line without its newline is kept when whole (`isWholeLine`), else skipped with a
 * warning, never fatal.
 */
export async function* readLineBatches(path: string, options: LineReaderOptions = {}): AsyncGenerator<LineBatch> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  });
  let source: Readable = file;
  if (options.onBytes) file.on('data', () => options.onBytes?.(file.bytesRead));
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    source = file.pipe(gunzip);
    file.on('error', (err) => gunzip.destroy(err));
  }
  const pieceBytes = Math.max(1, options.pieceBytes ?? CHUNK_BYTES);
  let lineNo = 0;
  let rest = '';
  let truncated = false;
  // ASCII chunks (nearly all: ids and numbers) are decoded as latin1, several times faster than UTF-8 and giving
  // one-byte strings that JSON.parse reads faster; other chunks go through a decoder that keeps a character
  // split across two chunks whole (an ASCII chunk only skips it when no such character is pending).
  const decoder = new StringDecoder('utf8');
  let pending = false;
  try {
    for await (const read of source as AsyncIterable<Buffer>) {
      for (let start = 0; start < read.length; ) {
        let end = Math.min(read.length, start + pieceBytes);
        if (end < read.length) {
          const newline = read.lastIndexOf(10, end - 1);
          if (newline >= start) end = newline + 1;
        }
        const chunk = start === 0 && end === read.length ? read : read.subarray(start, end);
        start = end;
        let decoded: string;
        if (!pending && isAscii(chunk)) decoded = chunk.toString('latin1');
        else {
          decoded = decoder.write(chunk);
          pending = incompleteUtf8Tail(chunk);
        }
        const text = rest + decoded;
        const lines = text.split('\n');
        rest = lines.pop()!;
        for (let i = 0; i < lines.length; i++) if (lines[i].charCodeAt(lines[i].length - 1) === 13) lines[i] = lines[i].slice(0, -1);
        if (lines.length > 0) {
          yield { firstLineNo: lineNo + 1, lines };
          lineNo += lines.length;
        }
      }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw err;
    truncated = true;
    options.onWarning?.({ code: 'GW_REPLAY_TRUNCATED_GZIP', lineNo: lineNo + 1, message: `${path}: compressed data ends early (${(err as Error).message}); reading stops there` });
  } finally {
    file.destroy();
  }
  if (pending) rest += decoder.end();
  if (rest.charCodeAt(rest.length - 1) === 13) rest = rest.slice(0, -1);
  if (rest.length > 0) {
    // A file may legitimately lack a final newline (gzipped too: a member that ends properly was written whole);
    // a cut gzip member or a partial write is a torn line.
    const isWhole = options.isWholeLine ?? (/\.csv(\.gz)?$/i.test(path) ? () => true : isCompleteJson);
    if (!truncated && isWhole(rest)) {
      yield { firstLineNo: lineNo + 1, lines: [rest] };
      return;
    }
    options.onWarning?.({ code: 'GW_REPLAY_TORN_LINE', lineNo: lineNo + 1, message: `${path}:${lineNo + 1}: torn last line (${rest.length} bytes without a newline) skipped` });
  }
}

/** Whether a buffer ends inside a UTF-8 multi-byte sequence. */
function incompleteUtf8Tail(b: Buffer): boolean {
  for (let k = 1; k <= Math.min(4, b.length); k++) {
    const c = b[b.length - k];
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0x80) return false;
    return (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) > k;
  }
  return false;
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
