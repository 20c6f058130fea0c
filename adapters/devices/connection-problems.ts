import type { IncomingMessage } from 'node:http';

/** Why the server refused a device's connection, from its HTTP answer (docs/protocol.md, "Refusals"). */
export interface Refusal {
  status: number;
  /** GW_AUTH_WRONG_ROLE, GW_HTTP_TOO_MANY_CLIENTS, ...; undefined when the answer was not the server's JSON. */
  code?: string;
  reason: string;
  /** Asking again cannot help (a bad token, the wrong role, no such endpoint): the device stops and says why. */
  permanent: boolean;
}

/** HTTP answers that say the same again next time: the token or the URL must change first. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404]);

/** Reads the refusal's body (the server's `{ error: { code, reason } }`) and classifies it. */
export function readRefusal(res: IncomingMessage): Promise<Refusal> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 4096) body += chunk;
    });
    const done = () => {
      const status = res.statusCode ?? 0;
      let code: string | undefined;
      let reason = body.trim().slice(0, 300) || res.statusMessage || 'no reason given';
      try {
        const parsed = JSON.parse(body) as { error?: { code?: unknown; reason?: unknown } };
        if (typeof parsed.error?.code === 'string') code = parsed.error.code;
        if (typeof parsed.error?.reason === 'string') reason = parsed.error.reason;
      } catch {
        // not the server's JSON (a proxy, another service on that port): its text is the reason
      }
      resolve({ status, code, reason, permanent: PERMANENT_STATUSES.has(status) });
    };
    res.on('end', done);
    res.on('error', done);
  });
}

export function formatRefusal(r: Refusal): string {
  return `refused by the server: HTTP ${r.status}${r.code ? ` ${r.code}` : ''}: ${r.reason}`;
}

/** A socket error in words: why nothing could be reached at the URL. */
export function connectionErrorReason(err: Error & { code?: string }, url: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `nothing listens at ${url} (connection refused): is the server running, on that host and port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host of ${url} not found (${err.code})`;
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${url} (${err.code})`;
    default:
      return `cannot connect to ${url}: ${err.message}`;
  }
}

/**
 * Says a connection problem when it is new, and again every `everyAttempts` failed attempts while it lasts, so
 * that a device that cannot connect never loops in silence nor floods its log.
 */
export class ConnectionProblemLog {
  private last: string | undefined;
  private repeats = 0;

  constructor(private readonly everyAttempts = 10) {}

  /** True when `reason` should be logged now. */
  shouldSay(reason: string): boolean {
    if (reason !== this.last) {
      this.last = reason;
      this.repeats = 0;
      return true;
    }
    return ++this.repeats % this.everyAttempts === 0;
  }

  /** Connected: the next problem is new again. */
  clear(): void {
    this.last = undefined;
    this.repeats = 0;
  }
}
