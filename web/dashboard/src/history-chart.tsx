import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { KpiSeries } from './feed-state.js';

/** Flow and degree of saturation over the last hour for one intersection (uPlot, two y axes). */
export function HistoryChart({ series, revision }: { series: KpiSeries | undefined; revision: number }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width: Math.max(280, host.current.clientWidth),
      height: 170,
      scales: { x: { time: true }, flow: { auto: true }, dos: { range: (_u, _min, max) => [0, Math.max(1.2, Math.ceil((max ?? 1) * 10) / 10)] } },
      axes: [{}, { scale: 'flow', label: 'veh/h', size: 50 }, { scale: 'dos', side: 1, label: 'DoS', grid: { show: false } }],
      series: [{}, { label: 'flow veh/h', scale: 'flow', stroke: '#1c7ed6', width: 2 }, { label: 'degree of saturation', scale: 'dos', stroke: '#d9480f', width: 2 }],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, [[], [], []], host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    if (!plot.current) return;
    const s = series ?? { atMs: [], flowVehPerHour: [], degreeOfSaturation: [] };
    plot.current.setData([s.atMs.map((t) => t / 1000), s.flowVehPerHour, s.degreeOfSaturation]);
  }, [series, revision]);

  return <div ref={host} class="history-chart" data-testid="history-chart" />;
}
