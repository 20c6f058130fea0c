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
}

/**
 * Reads SUMO's tripinfo output (written with --tripinfo-output.write-unfinished). Time loss counts the insertion
 * delay too, so that a control that holds vehicles outside the network gains nothing by it.
 */
export function summarizeTripinfo(xmlText: string): TripSummary {
  const trips = tripinfoAttributes(xmlText);
  let arrived = 0;
  let loss = 0;
  let wait = 0;
  let travel = 0;
  let departDelay = 0;
  for (const t of trips) {
    const arrival = Number(t['arrival']);
    if (Number.isFinite(arrival) && arrival >= 0) arrived++;
    const dd = Number(t['departDelay'] ?? 0) || 0;
    loss += (Number(t['timeLoss']) || 0) + dd;
    wait += Number(t['waitingTime']) || 0;
    travel += Number(t['duration']) || 0;
    departDelay += dd;
  }
  const n = trips.length;
  const mean = (v: number) => (n === 0 ? 0 : round2(v / n));
  return {
    vehicles: n,
    arrived,
    meanTimeLoss: mean(loss),
    meanWaitingTime: mean(wait),
    meanTravelTime: mean(travel),
    meanDepartDelay: mean(departDelay),
    totalTimeLossSeconds: loss,
    totalDepartDelaySeconds: departDelay,
  };
}

const NEEDED = ['arrival', 'departDelay', 'timeLoss', 'waitingTime', 'duration'] as const;
const NEEDED_PATTERNS = NEEDED.map((name) => [name, new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`)] as const);

/**
 * The attributes this summary reads from each <tripinfo> element, in document order. A plain scan of the opening
 * tags (after dropping comments, where SUMO writes its options): the file is SUMO's own flat output, and a full
 * XML parse of a tripinfo file took longer than the closed loop's per-step work.
 */
function tripinfoAttributes(xmlText: string): Array<Partial<Record<(typeof NEEDED)[number], string>>> {
  const text = xmlText.includes('<!--') ? xmlText.replace(/<!--[\s\S]*?-->/g, '') : xmlText;
  const out: Array<Partial<Record<(typeof NEEDED)[number], string>>> = [];
  for (let at = text.indexOf('<tripinfo'); at >= 0; at = text.indexOf('<tripinfo', at + 1)) {
    const after = text.charCodeAt(at + 9);
    // '<tripinfo' followed by white space: not <tripinfos> nor another element of that prefix
    if (after !== 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) continue;
    const close = text.indexOf('>', at);
    const tag = text.slice(at + 9, close < 0 ? text.length : close);
    const attrs: Partial<Record<(typeof NEEDED)[number], string>> = {};
    for (const [name, pattern] of NEEDED_PATTERNS) {
      const m = pattern.exec(tag);
      if (m) attrs[name] = m[1];
    }
    out.push(attrs);
  }
  return out;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
