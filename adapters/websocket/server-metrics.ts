import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

type Labels = Record<string, string>;

/** Sampling interval of the event-loop delay histogram; its samples include it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 10;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
}

/**
 * The server's counters and gauges, rendered in the Prometheus text format (version 0.0.4) for `GET /metrics`.
 * Increments are a map lookup; label sets are few (codes, roles) so cardinality stays bounded.
 */
export class ServerMetrics {
  private readonly families = new Map<string, Family>();
  private readonly gauges = new Map<string, () => number | Array<[Labels, number]>>();
  private readonly loopDelay: IntervalHistogram;
  private windowStartedAtMs = Date.now();

  constructor() {
    this.define('greenwave_counts_received_total', 'counter', 'Count records received from detectors (accepted or not).');
    this.define('greenwave_counts_accepted_total', 'counter', 'Count records the engine accepted.');
    this.define('greenwave_counts_rejected_total', 'counter', 'Count records rejected, by error code.');
    this.define('greenwave_messages_received_total', 'counter', 'WebSocket messages received, by endpoint.');
    this.define('greenwave_messages_rejected_total', 'counter', 'Messages rejected as a whole, by error code.');
    this.define('greenwave_errors_suppressed_total', 'counter', 'Error messages not sent because a client exceeded maxErrorsPerSecond.');
    this.define('greenwave_plans_issued_total', 'counter', 'Plans the engine adopted.');
    this.define('greenwave_plans_sent_total', 'counter', 'Plan messages sent to controllers (including resends).');
    this.define('greenwave_plans_acked_total', 'counter', 'Plan acknowledgements from controllers, by status.');
    this.define('greenwave_connections_refused_total', 'counter', 'WebSocket upgrades refused, by error code.');
    this.define('greenwave_clients_dropped_total', 'counter', 'Connections closed by the server, by error code.');
    this.define('greenwave_records_rate_limited_total', 'counter', 'Count records dropped because their connection exceeded maxRecordsPerSecond.');
    this.define('greenwave_alarms_total', 'counter', 'Alarm occurrences, by code and severity (coalesced ones included).');
    this.define('greenwave_alarms_coalesced_total', 'counter', 'Alarm occurrences that updated an open alarm of the same cause instead of raising a new one.');
    this.define('greenwave_operator_actions_total', 'counter', 'Operator override requests, by action (refused ones included).');
    this.define('greenwave_operator_actions_refused_total', 'counter', 'Operator override requests refused, by code (unsafe plan, nothing to return...).');
    this.define('greenwave_engine_faults_total', 'counter', 'Exceptions the engine caught at a record or signal-group boundary, by stage (the rest flowed on).');
    this.define('greenwave_handler_faults_total', 'counter', 'Exceptions caught in a server handler, by handler (the message was dropped, the connection stays).');
    this.define('greenwave_feed_deltas_conflated_total', 'counter', 'Feed deltas replaced by a newer value for the same key before they were sent.');
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loopDelay.enable();
  }

  inc(name: string, labels?: Labels, by = 1): void {
    const family = this.families.get(name);
    if (!family) throw new Error(`unknown metric ${name}`);
    const key = labels ? labelText(labels) : '';
    family.values.set(key, (family.values.get(key) ?? 0) + by);
  }

  get(name: string, labels?: Labels): number {
    return this.families.get(name)?.values.get(labels ? labelText(labels) : '') ?? 0;
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>): void {
    this.define(name, 'gauge', help);
    this.gauges.set(name, read);
  }

  /** Event-loop delay quantile over the current window (up to a minute), seconds: how long arriving input waits. */
  lagSeconds(quantile: number): number {
    return this.loopDelay.count === 0 ? 0 : Math.max(0, this.loopDelay.percentile(quantile * 100) / 1e9 - LOOP_RESOLUTION_MS / 1000);
  }

  render(): string {
    let out = '';
    for (const [name, family] of this.families) {
      out += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
      const read = this.gauges.get(name);
      if (read) {
        const v = read();
        if (typeof v === 'number') out += `${name} ${v}\n`;
        else for (const [labels, value] of v) out += `${name}${labelText(labels)} ${value}\n`;
        continue;
      }
      if (family.values.size === 0) out += `${name} 0\n`;
      for (const [labels, value] of family.values) out += `${name}${labels} ${value}\n`;
    }
    out += '# HELP greenwave_pipeline_lag_seconds Event-loop delay, the time arriving input waits before the engine sees it, over the last minute.\n';
    out += '# TYPE greenwave_pipeline_lag_seconds summary\n';
    for (const q of [0.5, 0.99]) out += `greenwave_pipeline_lag_seconds{quantile="${q}"} ${this.lagSeconds(q)}\n`;
    out += `greenwave_pipeline_lag_seconds_max ${this.loopDelay.count === 0 ? 0 : Math.max(0, this.loopDelay.max / 1e9 - LOOP_RESOLUTION_MS / 1000)}\n`;
    if (Date.now() - this.windowStartedAtMs > 60_000) {
      this.loopDelay.reset();
      this.windowStartedAtMs = Date.now();
    }
    return out;
  }

  close(): void {
    this.loopDelay.disable();
  }

  private define(name: string, type: Family['type'], help: string): void {
    this.families.set(name, { help, type, values: new Map() });
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
