import type { FeedDelta, SnapshotMessage } from '../../../adapters/websocket/outbound-messages.js';

/**
 * connecting: no feed yet; live: snapshot received, deltas flowing; disconnected: the feed was lost at `sinceMs`
 * (what is shown is as of then) and is being retried; refused: the server will not let this token in (`detail`
 * is its reason), retrying cannot help.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'disconnected' | 'refused';

export interface StatusDetail {
  /** Why (the server's refusal) or what next (the retry). */
  detail?: string;
  /** disconnected: when the feed was lost, epoch ms (browser clock). */
  sinceMs?: number;
}

export interface FeedHandlers {
  snapshot(s: SnapshotMessage): void;
  delta(d: FeedDelta): void;
  status(s: ConnectionStatus, info?: StatusDetail): void;
}

/**
 * The live feed over WebSocket, reconnecting by itself with jittered exponential backoff (0.5 s to 10 s)
 * whenever the socket closes, e.g. while the server restarts. Each connection starts with a snapshot. A socket
 * that closes before its snapshot may have been refused: a browser cannot read why, so the server is asked
 * (GET on the feed's URL without an upgrade answers with the same decision and its reason).
 */
export function connectFeed(url: string, handlers: FeedHandlers, checkUrl = url.replace(/^ws/, 'http')): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let lostAtMs: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = () => {
    attempt++;
    const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5)) * (0.5 + Math.random() / 2);
    if (lostAtMs !== undefined) handlers.status('disconnected', { sinceMs: lostAtMs, detail: `retry in ${Math.round(delay / 100) / 10} s` });
    timer = setTimeout(open, delay);
  };

  const open = () => {
    if (lostAtMs === undefined) handlers.status('connecting');
    let live = false;
    socket = new WebSocket(url);
    socket.onmessage = (ev) => {
      let msg: { type?: string; code?: string; reason?: string };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (msg.type === 'snapshot') {
        attempt = 0;
        live = true;
        lostAtMs = undefined;
        handlers.status('live');
        handlers.snapshot(msg as SnapshotMessage);
      } else if (msg.type === 'error') handlers.status('refused', { detail: `${msg.code ?? 'error'}: ${msg.reason ?? ''}` });
      else handlers.delta(msg as FeedDelta);
    };
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      if (live) {
        lostAtMs = Date.now();
        return retry();
      }
      void whyRefused().then((reason) => {
        if (stopped) return;
        if (reason) return handlers.status('refused', { detail: reason });
        lostAtMs ??= Date.now();
        retry();
      });
    };
  };

  /** The server's reason for refusing this token, or undefined when it would let it in (or cannot be reached). */
  async function whyRefused(): Promise<string | undefined> {
    try {
      const res = await fetch(checkUrl, { cache: 'no-store' });
      if (res.ok) return undefined;
      const body = (await res.json()) as { error?: { code?: string; reason?: string } };
      return body.error ? `${body.error.code}: ${body.error.reason}` : `HTTP ${res.status}`;
    } catch {
      return undefined;
    }
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
