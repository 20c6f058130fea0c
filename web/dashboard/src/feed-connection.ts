import type { FeedDelta, SnapshotMessage } from '../../../adapters/websocket/outbound-messages.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface FeedHandlers {
  snapshot(s: SnapshotMessage): void;
  delta(d: FeedDelta): void;
  status(s: ConnectionStatus, detail?: string): void;
}

/**
 * The live feed over WebSocket, reconnecting by itself with jittered exponential backoff (0.5 s to 10 s)
 * whenever the socket closes, e.g. while the server restarts. Each connection starts with a snapshot.
 */
export function connectFeed(url: string, handlers: FeedHandlers): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    handlers.status(attempt === 0 ? 'connecting' : 'reconnecting');
    socket = new WebSocket(url);
    socket.onmessage = (ev) => {
      let msg: { type?: string };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (msg.type === 'snapshot') {
        attempt = 0;
        handlers.status('live');
        handlers.snapshot(msg as SnapshotMessage);
      } else if (msg.type === 'error') handlers.status('refused', JSON.stringify(msg));
      else handlers.delta(msg as FeedDelta);
    };
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      attempt++;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5)) * (0.5 + Math.random() / 2);
      handlers.status('reconnecting', `retry in ${Math.round(delay / 100) / 10} s`);
      timer = setTimeout(open, delay);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
