/**
 * A vehicle still in the network at the end that has stood this long (SUMO's default time-to-teleport) counts as
 * jammed: with teleporting on SUMO would have teleported it.
 */
export const JAM_WAITING_SECONDS = 300;

export interface TripSummary {
  /** Vehicles inserted into the network (one tripinfo each, unfinished ones included). */
  vehicles: number;
  arrived: number;
  /** Mean over inserted vehicles of SUMO's timeLoss plus departDelay (time spent waiting to be inserted), s. */
  meanTimeLoss: number;
  meanWaitingTime: number;
  /** Mean duration in the network (to arrival, or to the end for unfinished vehicles), s. */
  meanTravelTime: number;
  meanDepartDelay: number;
  /** Sums behind the means, seconds. */
  totalTimeLossSeconds: number;
  totalDepartDelaySeconds: number;
  /**
   * Vehicles due to depart that were never inserted (tripinfo written with --tripinfo-output.write-undeparted;
   * 0 without it), and their waits summed up to the end of the run, s.
   */
  neverInserted: number;
  neverInsertedWaitSeconds: number;
  /** Vehicles still in the network at the end that had stood JAM_WAITING_SECONDS or more. */
  jammed: number;
  /** 95th percentile over every vehicle due (inserted: timeLoss + departDelay; never inserted: its wait), s. */
  p95TimeLoss: number;
}

/**
 * Reads SUMO's tripinfo output (written with --tripinfo-output.write-unfinished, and optionally
 * --tripinfo-output.write-undeparted). Time loss counts the insertion delay too, so that a control that holds
 * vehicles outside the network gains nothing by it. The inserted-vehicle figures (vehicles, means, totals) never
 * include the undeparted ones; those are counted apart.
 */
export function summarizeTripinfo(xmlText: string): TripSummary {
  const trips = tripinfoAttributes(xmlText);
  let vehicles = 0;
  let arrived = 0;
  let loss = 0;
  let wait = 0;
  let travel = 0;
  let departDelay = 0;
  let neverInserted = 0;
  let neverInsertedWait = 0;
  let jammed = 0;
  const losses: number[] = [];
  for (const t of trips) {
    const dd = Number(t['departDelay'] ?? 0) || 0;
    if (Number(t['depart']) < 0) {
      // written at the end for a vehicle never inserted; one whose departure time had not come waited 0 s
      if (dd > 0) {
        neverInserted++;
        neverInsertedWait += dd;
        losses.push(dd);
      }
      continue;
    }
    vehicles++;
    const arrival = Number(t['arrival']);
    const finished = Number.isFinite(arrival) && arrival >= 0;
    if (finished) arrived++;
    const waiting = Number(t['waitingTime']) || 0;
    if (!finished && waiting >= JAM_WAITING_SECONDS) jammed++;
    const l = (Number(t['timeLoss']) || 0) + dd;
    loss += l;
    losses.push(l);
    wait += waiting;
    travel += Number(t['duration']) || 0;
    departDelay += dd;
  }
  const mean = (v: number) => (vehicles === 0 ? 0 : round2(v / vehicles));
  return {
    vehicles,
    arrived,
    meanTimeLoss: mean(loss),
    meanWaitingTime: mean(wait),
    meanTravelTime: mean(travel),
    meanDepartDelay: mean(departDelay),
    totalTimeLossSeconds: loss,
    totalDepartDelaySeconds: departDelay,
    neverInserted,
    neverInsertedWaitSeconds: round2(neverInsertedWait),
    jammed,
    p95TimeLoss: round2(percentile(losses, 0.95)),
  };
}

const NEEDED = ['depart', 'arrival', 'departDelay', 'timeLoss', 'waitingTime', 'duration'] as const;
type TripAttributes = Partial<Record<(typeof NEEDED)[number], string>>;
const NEEDED_PATTERNS = NEEDED.map((name) => [name, new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`)] as const);

/**
 * The attributes this summary reads from each <tripinfo> element, in document order. A plain scan of the opening
 * tags (after dropping comments, where SUMO writes its options): the file is SUMO's own flat output, and a full
 * XML parse of a tripinfo file took longer than the closed loop's per-step work.
 */
function tripinfoAttributes(xmlText: string): TripAttributes[] {
  const text = xmlText.includes('<!--') ? xmlText.replace(/<!--[\s\S]*?-->/g, '') : xmlText;
  const out: TripAttributes[] = [];
  for (let at = text.indexOf('<tripinfo'); at >= 0; at = text.indexOf('<tripinfo', at + 1)) {
    const after = text.charCodeAt(at + 9);
    // '<tripinfo' followed by white space: not <tripinfos> nor another element of that prefix
    if (after !== 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) continue;
    const close = text.indexOf('>', at);
    const tag = text.slice(at + 9, close < 0 ? text.length : close);
    const attrs: TripAttributes = {};
    for (const [name, pattern] of NEEDED_PATTERNS) {
      const m = pattern.exec(tag);
      if (m) attrs[name] = m[1];
    }
    out.push(attrs);
  }
  return out;
}

/** Nearest-rank percentile (0 for no values). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
