import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { readToken } from '../live-settings.js';
import { webSocketUrl } from '../option-parsers.js';

interface WatchFlags {
  url: string;
  token?: string;
  json?: boolean;
  kpis?: boolean;
}

/** Subscribes to the live feed and prints it: one line per delta, or raw NDJSON with --json. */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('Print the live feed of a server (snapshot summary, plans, acknowledgements, faults, alarms)')
    .option('--url <ws-url>', 'server base URL', webSocketUrl, 'ws://127.0.0.1:8080')
    .option('--token <token>', 'viewer token (default: environment variable GREENWAVE_TOKEN)')
    .option('--json', 'print every feed message as NDJSON')
    .option('--kpis', 'also print per-intersection KPI lines')
    .action(async (flags: WatchFlags) => {
      const ws = new WebSocket(`${flags.url.replace(/\/$/, '')}/v1/feed`, { headers: { authorization: `Bearer ${readToken(flags.token)}` } });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          process.stderr.write(`greenwave watch: refused with HTTP ${res.statusCode}: ${body}\n`);
          process.exitCode = 2;
        });
      });
      ws.on('error', (err) => {
        process.stderr.write(`greenwave watch: ${err.message}\n`);
        process.exitCode = 2;
      });
      ws.on('message', (data) => {
        const text = String(data);
        if (flags.json) return out(text);
        const line = describe(JSON.parse(text), Boolean(flags.kpis));
        if (line) out(line);
      });
      await new Promise<void>((resolve) => {
        ws.on('close', (code, reason) => {
          if (code !== 1000 && code !== 1005 && code !== 1006) process.stderr.write(`greenwave watch: closed ${code} ${reason.toString()}\n`);
          resolve();
        });
        process.once('SIGINT', () => ws.close(1000));
      });
    });
}

function describe(m: any, kpis: boolean): string | undefined {
  const at = typeof m.atMs === 'number' ? new Date(m.atMs).toISOString().slice(11, 19) : '--:--:--';
  switch (m.type) {
    case 'snapshot':
      return `${at} snapshot: ${m.network.name}, ${m.plans.length} plans in force, ${m.controllers.filter((c: any) => c.online).length} controllers online, ${m.detectors.faulty.length}/${m.detectors.total} detectors faulty, ${m.alarms.length} recent alarms`;
    case 'plan':
      return `${at} plan ${m.plan.intersectionId} v${m.plan.version}: cycle ${m.plan.cycleSeconds} s, offset ${m.plan.offsetSeconds} s, greens ${m.plan.phases.map((p: any) => p.greenSeconds).join('/')} (${m.plan.diagnostics.reason})`;
    case 'plan-rejected':
      return `${at} plan for ${m.intersectionId} stopped by the safety gate: ${m.problems.join('; ')}`;
    case 'ack':
      return `${at} ${m.controllerId} ${m.status} ${m.intersectionId} v${m.version}${m.reason ? `: ${m.reason}` : ''}`;
    case 'controller':
      return `${at} controller ${m.controllerId} ${m.online ? 'online' : 'OFFLINE'} (${m.intersections.map((x: any) => x.intersectionId).join(', ')})`;
    case 'detector':
      return `${at} detector ${m.health.detectorId} ${m.health.healthy ? 'recovered' : `FAULT ${m.health.fault}`}`;
    case 'alarm':
      return `${at} ALARM [${m.severity}] ${m.code}: ${m.message}`;
    case 'kpi':
      return kpis ? `${at} kpi ${m.intersectionId}: ${m.flowVehPerHour} veh/h, x=${m.maxDegreeOfSaturation}, delay ${m.delayVehHoursPerHour} veh·h/h` : undefined;
    case 'stats':
      return `${at} stats: ${m.counters.countsAccepted} counts accepted, ${m.counters.countsRejected} rejected, ${m.counters.plansEmitted} plans; clients ${JSON.stringify(m.clients)}`;
    default:
      return `${at} ${JSON.stringify(m)}`;
  }
}
