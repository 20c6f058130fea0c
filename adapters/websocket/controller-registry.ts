/** What the engine knows about the controller of one intersection. */
export interface IntersectionControl {
  intersectionId: string;
  /** Plan version the controller last accepted, or null. */
  versionInForce: number | null;
  /** Newest plan sent and not acknowledged yet (only the newest matters), or null. */
  unacknowledged: { version: number; sentAtMs: number } | null;
  lastRejection: { version: number; reason: string; atMs: number } | null;
}

export interface ControllerView {
  controllerId: string;
  online: boolean;
  connectedAtMs: number;
  /** Last pong or message from the controller, epoch ms. */
  lastHeartbeatMs: number;
  disconnectedAtMs: number | null;
  intersections: IntersectionControl[];
}

export type AckOutcome = 'current' | 'stale' | 'unknown';

interface ControllerState {
  controllerId: string;
  online: boolean;
  connectedAtMs: number;
  lastHeartbeatMs: number;
  disconnectedAtMs: number | null;
  intersectionIds: string[];
}

/**
 * Book-keeping of signal controllers: which controller runs which intersection, whether it is online, its last
 * heartbeat, the plan it has accepted and the newest plan it has not acknowledged. Plain data and explicit
 * times (no sockets, no clock), so the server and the tests drive it the same way. State per intersection
 * outlives connections: a controller that comes back is resent the newest plan it has not accepted.
 */
export class ControllerRegistry {
  /** @param firstVersion the first plan version of this engine run: anything below was never issued by it. */
  constructor(readonly firstVersion = 0) {}

  private readonly controllers = new Map<string, ControllerState>();
  private readonly byIntersection = new Map<
    string,
    IntersectionControl & { controllerId: string | null; ackAlarmed: boolean; newestSent: number; unacknowledgedSinceMs: number | null }
  >();

  /**
   * Registers a (re)connected controller as the owner of exactly these intersections (the ones it named before and
   * not now are no longer its); returns the controllers that ran any of them before and are still online.
   */
  connect(controllerId: string, intersectionIds: string[], nowMs: number): string[] {
    const displaced = new Set<string>();
    const previousOwners = new Set<string>();
    for (const id of this.controllers.get(controllerId)?.intersectionIds ?? []) {
      const x = this.intersection(id);
      if (x.controllerId === controllerId && !intersectionIds.includes(id)) x.controllerId = null;
    }
    for (const id of intersectionIds) {
      const x = this.intersection(id);
      if (x.controllerId && x.controllerId !== controllerId) {
        previousOwners.add(x.controllerId);
        if (this.controllers.get(x.controllerId)?.online) displaced.add(x.controllerId);
      }
      x.controllerId = controllerId;
    }
    for (const other of previousOwners) {
      const c = this.controllers.get(other)!;
      c.intersectionIds = c.intersectionIds.filter((id) => !intersectionIds.includes(id));
    }
    this.controllers.set(controllerId, { controllerId, online: true, connectedAtMs: nowMs, lastHeartbeatMs: nowMs, disconnectedAtMs: null, intersectionIds: [...intersectionIds] });
    return [...displaced];
  }

  /** The controller that runs an intersection (online or not), or null: the server's one ownership map. */
  ownerOf(intersectionId: string): string | null {
    return this.byIntersection.get(intersectionId)?.controllerId ?? null;
  }

  /** Whether a controller is registered and connected. */
  isOnline(controllerId: string): boolean {
    return this.controllers.get(controllerId)?.online ?? false;
  }

  disconnect(controllerId: string, nowMs: number): void {
    const c = this.controllers.get(controllerId);
    if (!c || !c.online) return;
    c.online = false;
    c.disconnectedAtMs = nowMs;
  }

  heartbeat(controllerId: string, nowMs: number): void {
    const c = this.controllers.get(controllerId);
    if (c) c.lastHeartbeatMs = nowMs;
  }

  /**
   * Whether a (re)connecting controller must be sent `newestVersion`: yes unless it says it runs that version
   * already. A controller that does not say may have restarted without its plan, so it is always sent one; one
   * that names a version of an earlier engine run differs from every version of this run, so it is sent one too.
   */
  needsPlan(intersectionId: string, newestVersion: number, runningVersion?: number): boolean {
    if (runningVersion !== newestVersion) return true;
    this.intersection(intersectionId).versionInForce = newestVersion;
    return false;
  }

  sent(intersectionId: string, version: number, nowMs: number): void {
    const x = this.intersection(intersectionId);
    x.unacknowledged = { version, sentAtMs: nowMs };
    // a newer plan replacing an unacknowledged one does not restart the wait: the controller has been silent since the first
    x.unacknowledgedSinceMs ??= nowMs;
    x.newestSent = Math.max(x.newestSent, version);
  }

  /**
   * Records an acknowledgement. 'stale' = for an older plan than the newest sent; 'unknown' = newer than any plan
   * sent (versions only grow) or older than this engine run.
   */
  acked(intersectionId: string, version: number, status: 'accepted' | 'rejected', reason: string | undefined, nowMs: number): AckOutcome {
    const x = this.byIntersection.get(intersectionId);
    if (!x || version > x.newestSent || version < this.firstVersion) return 'unknown';
    const newest = x.unacknowledged?.version ?? x.versionInForce ?? -1;
    if (status === 'rejected') x.lastRejection = { version, reason: reason ?? '', atMs: nowMs };
    if (version < newest) return 'stale';
    if (status === 'accepted') x.versionInForce = version;
    if (x.unacknowledged?.version === version) {
      x.unacknowledged = null;
      x.unacknowledgedSinceMs = null;
      x.ackAlarmed = false;
    }
    return 'current';
  }

  /**
   * Intersections whose plans have gone unacknowledged for more than `timeoutMs` since the first of them was sent
   * (newer plans sent meanwhile do not restart the wait), each reported once until an acknowledgement.
   */
  overdue(nowMs: number, timeoutMs: number): Array<{ intersectionId: string; controllerId: string | null; version: number; sentAtMs: number; waitingSinceMs: number }> {
    const out = [];
    for (const x of this.byIntersection.values())
      if (x.unacknowledged && x.unacknowledgedSinceMs !== null && !x.ackAlarmed && nowMs - x.unacknowledgedSinceMs >= timeoutMs) {
        x.ackAlarmed = true;
        out.push({ intersectionId: x.intersectionId, controllerId: x.controllerId, ...x.unacknowledged, waitingSinceMs: x.unacknowledgedSinceMs });
      }
    return out;
  }

  view(controllerId: string): ControllerView | undefined {
    const c = this.controllers.get(controllerId);
    if (!c) return undefined;
    return {
      controllerId,
      online: c.online,
      connectedAtMs: c.connectedAtMs,
      lastHeartbeatMs: c.lastHeartbeatMs,
      disconnectedAtMs: c.disconnectedAtMs,
      intersections: c.intersectionIds.map((id) => {
        const x = this.intersection(id);
        return { intersectionId: id, versionInForce: x.versionInForce, unacknowledged: x.unacknowledged, lastRejection: x.lastRejection };
      }),
    };
  }

  views(): ControllerView[] {
    return [...this.controllers.keys()].map((id) => this.view(id)!);
  }

  get onlineCount(): number {
    let n = 0;
    for (const c of this.controllers.values()) if (c.online) n++;
    return n;
  }

  private intersection(id: string) {
    let x = this.byIntersection.get(id);
    if (!x) {
      x = { intersectionId: id, controllerId: null, versionInForce: null, unacknowledged: null, lastRejection: null, ackAlarmed: false, newestSent: -1, unacknowledgedSinceMs: null };
      this.byIntersection.set(id, x);
    }
    return x;
  }
}
