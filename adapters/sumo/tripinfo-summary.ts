import { XMLParser } from 'fast-xml-parser';

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
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (n) => n === 'tripinfo' });
  const doc = parser.parse(xmlText) as { tripinfos?: { tripinfo?: Array<Record<string, string>> } };
  const trips = doc.tripinfos?.tripinfo ?? [];
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

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
