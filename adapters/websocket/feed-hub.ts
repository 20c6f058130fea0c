import { asyncScheduler, interval, type SchedulerLike } from 'rxjs';
import type { WebSocket } from 'ws';
import type { ServerLimits } from './server-limits.js';

type FeedLimits = Pick<ServerLimits, 'feedHighWaterBytes' | 'feedMaxBufferedBytes' | 'feedStallTimeoutMs' | 'feedFlushIntervalMs'>;

interface FeedClient {
  ws: WebSocket;
  /** Whether a delta about these intersections may be shown to this client (viewer scope). */
  visible: (intersectionIds: readonly string[]) => boolean;
  /** Held-back deltas, latest value per key, in order of first arrival. */
  pending: Map<string, Buffer>;
  pendingBytes: number;
  lastBufferedAmount: number;
  lastProgressAtMs: number;
}

export interface FeedHubOptions {
  limits: FeedLimits;
  /** Clock and timer of flushes and stall timeouts; default asyncScheduler (live time). */
  scheduler?: SchedulerLike;
  /** Called once when a client is dropped for reading too slowly, before its socket is closed. */
  onSlowConsumer?: (ws: WebSocket, detail: { bufferedBytes: number; stalledMs: number }) => void;
  /** Called when a held-back delta is replaced by a newer one for the same key. */
  onConflated?: () => void;
}

/**
 * Fans feed deltas out to subscribers without letting any of them slow the publisher: each delta is serialised
 * once; a client whose socket has more than `feedHighWaterBytes` queued gets further deltas held back, keeping
 * only the latest value per key (conflation); once its socket buffer plus held-back bytes pass
 * `feedMaxBufferedBytes`, or its backlog makes no progress for `feedStallTimeoutMs`, it is dropped (close 4008).
 * `publish` is O(subscribers) with no I/O wait, whatever the clients do.
 */
export function createFeedHub(options: FeedHubOptions) {
  const { limits } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = () => scheduler.now();
  const clients = new Map<WebSocket, FeedClient>();
  const backlogged = new Set<FeedClient>();
  const timer = interval(limits.feedFlushIntervalMs, scheduler).subscribe(flushAll);

  // this is our public API:
  return {
    /** Subscribes a socket; `first` (the snapshot) is sent before any delta. */
    add(ws: WebSocket, visible: FeedClient['visible'], first: string): void {
      const client: FeedClient = { ws, visible, pending: new Map(), pendingBytes: 0, lastBufferedAmount: 0, lastProgressAtMs: now() };
      clients.set(ws, client);
      ws.send(Buffer.from(first), { binary: false });
    },
    remove(ws: WebSocket): void {
      const client = clients.get(ws);
      if (!client) return;
      clients.delete(ws);
      backlogged.delete(client);
    },
    /**
     * Sends a delta to every subscriber that may see it. `key` names what the delta is the latest value of
     * (`plan:IA1`); deltas that must never be merged use a unique key.
     */
    publish(key: string, message: object, intersectionIds: readonly string[] = []): void {
      if (clients.size === 0) return;
      const data = Buffer.from(JSON.stringify(message));
      for (const client of clients.values()) if (intersectionIds.length === 0 || client.visible(intersectionIds)) deliver(client, key, data);
    },
    get size(): number {
      return clients.size;
    },
    get backloggedClients(): number {
      return backlogged.size;
    },
    close(): void {
      timer.unsubscribe();
      clients.clear();
      backlogged.clear();
    },
  };

  function deliver(client: FeedClient, key: string, data: Buffer): void {
    if (client.pending.size === 0 && client.ws.bufferedAmount < limits.feedHighWaterBytes) {
      client.ws.send(data, { binary: false });
      return;
    }
    if (client.pending.size === 0) {
      backlogged.add(client);
      client.lastBufferedAmount = client.ws.bufferedAmount;
      client.lastProgressAtMs = now();
    }
    const previous = client.pending.get(key);
    if (previous) {
      client.pendingBytes -= previous.length;
      options.onConflated?.();
    }
    client.pending.set(key, data);
    client.pendingBytes += data.length;
    if (client.ws.bufferedAmount + client.pendingBytes > limits.feedMaxBufferedBytes) drop(client, 0);
  }

  function flushAll(): void {
    const t = now();
    for (const client of backlogged) {
      const ws = client.ws;
      const buffered = ws.bufferedAmount;
      if (buffered < client.lastBufferedAmount) client.lastProgressAtMs = t;
      for (const [key, data] of client.pending) {
        if (ws.bufferedAmount >= limits.feedHighWaterBytes) break;
        ws.send(data, { binary: false });
        client.pending.delete(key);
        client.pendingBytes -= data.length;
        client.lastProgressAtMs = t;
      }
      client.lastBufferedAmount = ws.bufferedAmount;
      if (client.pending.size === 0) backlogged.delete(client);
      else if (t - client.lastProgressAtMs > limits.feedStallTimeoutMs) drop(client, t - client.lastProgressAtMs);
    }
  }

  function drop(client: FeedClient, stalledMs: number): void {
    clients.delete(client.ws);
    backlogged.delete(client);
    options.onSlowConsumer?.(client.ws, { bufferedBytes: client.ws.bufferedAmount + client.pendingBytes, stalledMs });
  }
}

export type FeedHub = ReturnType<typeof createFeedHub>;
