import { Component, render } from 'preact';
import type { OverrideState } from '../../../adapters/websocket/outbound-messages.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { connectFeed, type ConnectionStatus, type StatusDetail } from './feed-connection.js';
import { deltaApplied, deltaArrived, frameStarted } from './frame-probe.js';
import { applyDelta, applySnapshot, emptyState, faultsByIntersection, saturationBand, type DashboardState } from './feed-state.js';
import { HistoryChart } from './history-chart.js';
import { NetworkMap } from './network-map.js';
import { PhaseBar, shortName } from './phase-bar.js';

const params = new URLSearchParams(location.search);
const token = params.get('token') ?? sessionStorage.getItem('greenwave-token') ?? '';
if (params.get('token')) sessionStorage.setItem('greenwave-token', token);
const feedUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/feed?token=${encodeURIComponent(token)}`;

/** The connection state in words, with the server's reason or the time the feed was lost. */
export function statusInWords(status: { s: ConnectionStatus } & StatusDetail): string {
  switch (status.s) {
    case 'connecting':
      return 'Connecting to the feed…';
    case 'live':
      return 'live';
    case 'disconnected':
      return `Disconnected since ${status.sinceMs ? new Date(status.sinceMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) : '—'}: values are as of then; reconnecting${status.detail ? ` (${status.detail})` : ''}`;
    case 'refused':
      return `Refused by the server: ${status.detail ?? 'no reason given'}. Open this page with ?token=<viewer token>.`;
  }
}

function App() {
  // The state object is mutated by deltas; `revision` drives re-rendering at most once per animation frame.
  const [state, setState] = useState<DashboardState>(emptyState);
  const [revision, setRevision] = useState(0);
  const [status, setStatus] = useState<{ s: ConnectionStatus } & StatusDetail>({ s: 'connecting' });
  const [selected, setSelected] = useState<string | null>(params.get('intersection'));
  const [filter, setFilter] = useState('');
  const listRows = useListRows();

  useEffect(() => {
    let current = state;
    let scheduled = false;
    const refresh = () => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        frameStarted();
        scheduled = false;
        setRevision(current.revision);
      });
    };
    return connectFeed(feedUrl, {
      snapshot(s) {
        current = applySnapshot(current, s);
        setState(current);
        refresh();
      },
      delta(d) {
        const arrivedMs = deltaArrived();
        applyDelta(current, d);
        refresh();
        deltaApplied(arrivedMs);
      },
      status: (s, info) => setStatus({ s, ...info }),
    });
  }, []);

  const net = state.network;
  const faults = useMemo(() => faultsByIntersection(state), [revision, state]);
  if (!net)
    return (
      <main class="empty">
        <h1>Greenwave</h1>
        <p data-testid="connection" class={`status status-${status.s}`}>
          {statusInWords(status)}
        </p>
      </main>
    );

  const signals = signalsOf(net);
  // one pass, no arrays: this runs on every frame a delta changes
  let totalFlow = 0;
  let dosSum = 0;
  let withKpi = 0;
  let overSaturated = 0;
  for (const x of signals) {
    const k = state.latestKpi.get(x.id);
    if (!k) continue;
    withKpi++;
    totalFlow += k.flowVehPerHour;
    dosSum += k.maxDegreeOfSaturation;
    if (k.maxDegreeOfSaturation > 1) overSaturated++;
  }
  const meanDos = withKpi ? dosSum / withKpi : NaN;
  const controllers = [...state.controllers.values()];
  const offline = controllers.filter((c) => !c.online);
  const sel = selected ? net.intersections.find((x) => x.id === selected) : undefined;
  const { rows, more } = mostSaturated(signals, state, filter, listRows);

  return (
    <div class={`layout${status.s === 'live' ? '' : ' stale'}`} data-testid="layout">
      <header>
        <h1>Greenwave · {net.name}</h1>
        <span class={`status status-${status.s}`} data-testid="connection">
          {statusInWords(status)}
        </span>
        <Clocks state={state} timeZone={net.timeZone} />
      </header>
      <section class="kpis" data-testid="network-kpis">
        <Kpi label="signals" value={String(signals.length)} chars={6} />
        <Kpi label="total flow" value={`${Math.round(totalFlow).toLocaleString()} veh/h`} chars={16} />
        <Kpi label="mean max DoS" value={Number.isNaN(meanDos) ? '—' : meanDos.toFixed(2)} chars={5} />
        <Kpi label="oversaturated" value={String(overSaturated)} warn={overSaturated > 0} chars={6} />
        <Kpi label="controllers online" value={`${controllers.length - offline.length}/${controllers.length}`} warn={offline.length > 0} testid="controllers-online" chars={9} />
        <Kpi label="detectors healthy" value={`${state.detectorTotals.total - state.faultyDetectors.size}/${state.detectorTotals.total}`} warn={state.faultyDetectors.size > 0} chars={13} />
        <Kpi label="plans issued" value={String(state.counters?.plansEmitted ?? 0)} chars={7} />
        <Kpi label="counts rejected" value={`${state.counters?.countsRejected ?? 0}/${(state.counters?.countsAccepted ?? 0) + (state.counters?.countsRejected ?? 0)}`} chars={13} />
      </section>
      <section class="map-panel">
        <NetworkMap state={state} faults={faults} selected={selected} onSelect={setSelected} />
        <Legend />
      </section>
      <aside class="side">
        <h2>Alarms</h2>
        <ol class="alarms" data-testid="alarms">
          {state.alarms.length === 0 && <li class="muted">none</li>}
          {[...state.alarms].reverse().slice(0, 50).map((a) => (
            <li key={a.alarmId} class={`alarm alarm-${a.severity}`} onClick={() => a.intersectionId && setSelected(a.intersectionId)}>
              <time title="wall time, this browser's zone">{new Date(a.atMs).toLocaleTimeString()}</time> <b>{a.code}</b>{a.count > 1 ? ` ×${a.count}` : ''} {a.message}
            </li>
          ))}
        </ol>
        <h2>Intersections</h2>
        <input type="search" placeholder="filter by id or name" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        {/* rows in a fixed document order, placed by transform at their rank: a row that moves up or down the
            ranking changes a transform, which re-records no paint and moves no element, and a row's text change
            re-lays out that row alone (contain) */}
        <div class="intersections" role="table" data-testid="intersection-list" style={{ height: `${(rows.length + 1) * ROW_HEIGHT_PX}px` }}>
          <div class="row head" role="row">
            <span role="columnheader">signal</span>
            <span role="columnheader">DoS</span>
            <span role="columnheader">veh/h</span>
            <span role="columnheader">plan</span>
            <span role="columnheader" />
          </div>
          {inStableOrder(rows).map(({ x, rank: i }) => {
            const k = state.latestKpi.get(x.id);
            const control = state.controlOf.get(x.id);
            return (
              <IntersectionRow
                key={x.id}
                top={(i + 1) * ROW_HEIGHT_PX}
                id={x.id}
                name={x.name}
                selected={x.id === selected}
                dos={k?.maxDegreeOfSaturation}
                flow={k?.flowVehPerHour}
                version={state.plans.get(x.id)?.version}
                override={state.overrides.get(x.id)}
                offline={control !== undefined && !control.online}
                faults={faults.get(x.id)?.length ?? 0}
                onSelect={setSelected}
              />
            );
          })}
        </div>
        {more > 0 && (
          <p class="muted more" data-testid="more-rows">
            {more.toLocaleString()} more, less saturated: filter by id or name to find them
          </p>
        )}
      </aside>
      <section class="detail" data-testid="intersection-detail">
        {sel ? <IntersectionDetail id={sel.id} name={sel.name} detectors={sel.detectors} state={state} revision={revision} /> : <p class="muted">Select an intersection on the map or in the list.</p>}
      </section>
    </div>
  );
}

interface RowProps {
  /** The row's offset in the list, px. */
  top: number;
  id: string;
  name: string;
  selected: boolean;
  dos: number | undefined;
  flow: number | undefined;
  version: number | undefined;
  override: OverrideState | undefined;
  offline: boolean;
  faults: number;
  onSelect(id: string): void;
}

/**
 * One row of the intersection list: memoised on what it shows, so that a delta re-renders the row it changed,
 * not the hundred (a row off screen is not laid out or painted either: content-visibility in styles.css).
 */
class IntersectionRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    for (const key in next) if (key !== 'top' && next[key as keyof RowProps] !== this.props[key as keyof RowProps]) return true;
    // moved only: the new offset set directly, no re-render of the row (most rows of the list move by one)
    if (next.top !== this.props.top && this.base instanceof HTMLElement) this.base.style.transform = `translateY(${next.top}px)`;
    return false;
  }

  override render({ top, id, name, selected, dos, flow, version, override, offline, faults, onSelect }: RowProps) {
    return (
      <div role="row" data-intersection-id={id} class={`row${selected ? ' selected' : ''}`} style={{ transform: `translateY(${top}px)` }} onClick={() => onSelect(id)}>
        <span role="cell" title={name}>{id}</span>
        <span role="cell"><span class={`dot band-${saturationBand(dos)}`} />{dos !== undefined ? dos.toFixed(2) : '—'}</span>
        <span role="cell">{flow !== undefined ? Math.round(flow) : '—'}</span>
        <span role="cell" title={version !== undefined ? `v${version}` : undefined}>
          v{version ?? '—'}
          {override && (
            <b class="override" data-testid={`override-${id}`} title={`${override.reason} (${override.by})`}>
              {' '}
              {override.action === 'hold' ? 'held' : `fallback ${override.fallbackPlan ?? ''}`}
            </b>
          )}
        </span>
        <span role="cell">
          {offline && <span class="badge offline" data-testid={`offline-${id}`}>offline</span>}
          {faults > 0 && <span class="badge fault">{faults} det</span>}
        </span>
      </div>
    );
  }
}

/**
 * Rows of the intersection list drawn at once (the most saturated first): about what the window's height shows,
 * not the whole city. Every row in the page is laid out and painted on each frame a delta changes the list; a
 * hundred rows, most of them below the fold, were half of a frame's work at 1,000 signals.
 */
function listRowsFor(windowHeightPx: number): number {
  return Math.max(10, Math.min(100, Math.ceil((windowHeightPx - 90) / ROW_HEIGHT_PX)));
}
/** A list row's height, styles.css (12 px text, 1.4 line height, 3 px padding, 1 px border). */
const ROW_HEIGHT_PX = 24;

function useListRows(): number {
  const [rows, setRows] = useState(() => listRowsFor(window.innerHeight));
  useEffect(() => {
    const onResize = () => setRows(listRowsFor(window.innerHeight));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return rows;
}

/**
 * The list's rows in a fixed order (by id) with their rank: the page places each row at its rank's offset, so a
 * signal that moves up or down the ranking changes one offset and no element moves in the document (a moved
 * element is re-inserted: style, layout and paint of the row again).
 */
function inStableOrder(rows: readonly Signal[]): Array<{ x: Signal; rank: number }> {
  return rows.map((x, rank) => ({ x, rank })).sort((a, b) => (a.x.id < b.x.id ? -1 : a.x.id > b.x.id ? 1 : 0));
}

type Signal = NonNullable<DashboardState['network']>['intersections'][number];

/** The network's signalised intersections, found once per network. */
const signalsByNetwork = new WeakMap<NonNullable<DashboardState['network']>, Signal[]>();
function signalsOf(net: NonNullable<DashboardState['network']>): Signal[] {
  let signals = signalsByNetwork.get(net);
  if (!signals) signalsByNetwork.set(net, (signals = net.intersections.filter((x) => x.control === 'signalized')));
  return signals;
}

/**
 * The `limit` most saturated signals matching the filter, most saturated first (ties by id), and how many more
 * match: a bounded insertion instead of sorting the whole city on every delta (10,000 signals).
 */
function mostSaturated(signals: Signal[], state: DashboardState, filter: string, limit: number): { rows: Signal[]; more: number } {
  const needle = filter.toLowerCase();
  const top: Array<{ x: Signal; dos: number }> = [];
  const before = (a: { x: Signal; dos: number }, b: { x: Signal; dos: number }) => a.dos > b.dos || (a.dos === b.dos && a.x.id.localeCompare(b.x.id) < 0);
  let matched = 0;
  for (const x of signals) {
    if (needle !== '' && !`${x.id} ${x.name}`.toLowerCase().includes(needle)) continue;
    matched++;
    const dos = state.latestKpi.get(x.id)?.maxDegreeOfSaturation ?? -1;
    // most signals do not make the page: rejected before an entry is allocated for them
    if (top.length === limit && dos < top[limit - 1].dos) continue;
    const entry = { x, dos };
    if (top.length === limit && !before(entry, top[limit - 1])) continue;
    let i = top.length < limit ? top.length : limit - 1;
    while (i > 0 && before(entry, top[i - 1])) i--;
    top.splice(i, 0, entry);
    if (top.length > limit) top.pop();
  }
  return { rows: top.map((e) => e.x), more: matched - top.length };
}

/**
 * A network KPI. Its value's box has a fixed size (`chars` wide, styles.css: strict containment), so that a delta
 * changing the number re-lays out that box alone, not the page.
 */
function Kpi({ label, value, warn, testid, chars = 6 }: { label: string; value: string; warn?: boolean; testid?: string; chars?: number }) {
  return (
    <div class={`kpi ${warn ? 'warn' : ''}`} data-testid={testid}>
      <div class="kpi-value" style={{ minWidth: `${chars}ch` }}>
        {value}
      </div>
      <div class="kpi-label">{label}</div>
    </div>
  );
}

function Legend() {
  return (
    <div class="legend">
      degree of saturation: <span class="dot band-low" />&lt;0.6 <span class="dot band-medium" />0.6–0.85 <span class="dot band-high" />0.85–1 <span class="dot band-over" />&gt;1 <span class="dot band-none" />no data · ✕ controller offline · <span class="tri">▲</span> detector fault
    </div>
  );
}

function IntersectionDetail({ id, name, detectors, state, revision }: { id: string; name: string; detectors: number; state: DashboardState; revision: number }) {
  const plan = state.plans.get(id);
  const control = state.controlOf.get(id);
  const controller = control ? state.controllers.get(control.controllerId) : undefined;
  const inForce = controller?.intersections.find((x) => x.intersectionId === id);
  const faulty = [...state.faultyDetectors.values()].filter((d) => d.intersectionId === id);
  const history = [...(state.planHistory.get(id) ?? [])].reverse();
  return (
    <div>
      <h2>
        {name} <small>({id})</small>
      </h2>
      <p data-testid="controller-status">
        {controller ? (
          <>
            controller <b>{controller.controllerId}</b>{' '}
            {controller.online ? <span class="badge online">online</span> : <span class="badge offline">offline since {new Date(controller.disconnectedAtMs ?? 0).toLocaleTimeString()}</span>}
            {' '}· plan in force at the controller: v{inForce?.versionInForce ?? '—'}
            {inForce?.unacknowledged ? ` · v${inForce.unacknowledged.version} not yet acknowledged` : ''}
            {inForce?.lastRejection ? ` · rejected v${inForce.lastRejection.version}: ${inForce.lastRejection.reason}` : ''}
          </>
        ) : (
          'no controller connected for this intersection'
        )}
      </p>
      <h3>Plan</h3>
      {plan ? <PhaseBar plan={plan} /> : <p class="muted">no plan yet</p>}
      <h3>Flow and degree of saturation, last hour</h3>
      <HistoryChart series={state.kpiSeries.get(id)} revision={revision} />
      <h3>Detectors</h3>
      <p data-testid="detector-health">
        {detectors - faulty.length} of {detectors} healthy
        {faulty.map((d) => (
          <span key={d.detectorId} class="badge fault">
            {d.detectorId}: {d.fault}
            {d.lastCountAtMs ? `, last count ${new Date(d.lastCountAtMs).toLocaleTimeString()}` : ''}
          </span>
        ))}
      </p>
      <h3>Plan history</h3>
      <table class="plan-history" data-testid="plan-history">
        <thead>
          <tr><th>version</th><th>at</th><th>cycle</th><th>offset</th><th>greens</th><th>why</th></tr>
        </thead>
        <tbody>
          {history.map((p) => (
            <tr key={`${p.version}-${p.computedAtMs}`}>
              <td>v{p.version}</td>
              <td>{new Date(p.computedAtMs).toLocaleTimeString()}</td>
              <td>{p.cycleSeconds} s</td>
              <td>{p.offsetSeconds} s</td>
              <td>{p.phases.map((ph) => `${shortName(ph.phaseId)} ${ph.greenSeconds}`).join(' · ')}</td>
              <td class="reason">{p.diagnostics.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

render(<App />, document.getElementById('app')!);

/**
 * The two clocks, named: engine time (the counts' time, in the network's zone; simulated in the demo, where it runs
 * faster than the wall) and the server's wall time (this browser's zone).
 */
function Clocks({ state, timeZone }: { state: DashboardState; timeZone: string }) {
  const engine = state.engineAtMs ? timeFormat(timeZone).format(state.engineAtMs) : '—';
  const wall = state.wallAtMs ? timeFormat(undefined).format(state.wallAtMs) : '—';
  const speedup = state.simulatedSpeedup;
  return (
    <span class="clock" data-testid="clock" title="engine time: the time the counts are stamped in, which plans and KPIs carry; wall time: the server's clock">
      <span data-testid="clock-engine">
        {speedup !== undefined ? 'simulated time' : 'engine time'} <span class="t">{engine}</span> ({speedup !== undefined ? `${speedup}x, ` : ''}
        {timeZone})
      </span>
      {' · '}
      <span data-testid="clock-wall">wall time <span class="t">{wall}</span> (this browser's zone)</span>
    </span>
  );
}

/** HH:MM:SS in a zone (this browser's when undefined); one formatter per zone (toLocaleTimeString built one per call, per frame). */
const timeFormats = new Map<string | undefined, Intl.DateTimeFormat>();
function timeFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  let f = timeFormats.get(timeZone);
  if (!f) timeFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })));
  return f;
}
