import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One operator action, as appended to the audit log: who, when, what, why, and the result. */
export interface AuditEntry {
  atMs: number;
  /** The token's subject (or `system` for an override that expired). */
  by: string;
  /** The token's id, when it has one. */
  jti?: string;
  action: 'hold' | 'fallback' | 'return' | 'expire';
  intersectionId: string;
  reason: string;
  result: 'applied' | 'refused';
  /** Why it was refused (safety gate problems, nothing to return from), or what it did. */
  detail?: string;
  expiresAtMs?: number;
  fallbackPlan?: string;
  planVersion?: number;
}

/**
 * The operators' audit log: appended, one JSON line per action, to a file kept with the recordings (when a file is
 * given), and the last `keep` entries in memory for GET /v1/audit; entries already in the file are read back at
 * start. Appends are synchronous: operator actions are rare, and an action is not confirmed before it is on disk.
 */
export class AuditLog {
  private readonly entries: AuditEntry[] = [];

  constructor(
    readonly path: string | undefined,
    private readonly keep = 1000,
  ) {
    if (path) mkdirSync(dirname(path), { recursive: true });
    if (path && existsSync(path))
      for (const line of readFileSync(path, 'utf8').split('\n').slice(-keep - 1)) {
        if (!line.trim()) continue;
        try {
          this.entries.push(JSON.parse(line) as AuditEntry);
        } catch {
          // a torn last line (a crash mid-append) is skipped; the file itself is left as it is
        }
      }
  }

  append(entry: AuditEntry): void {
    if (this.path) appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.entries.push(entry);
    if (this.entries.length > this.keep) this.entries.shift();
  }

  /** The latest entries that `visible` admits, oldest first, at most `limit`. */
  recent(limit: number, visible: (e: AuditEntry) => boolean): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) if (visible(this.entries[i])) out.push(this.entries[i]);
    return out.reverse();
  }
}
