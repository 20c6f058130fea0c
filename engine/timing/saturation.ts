/** Capacity of a movement: its saturation flow over the share of the cycle it has green, s · g / C, veh/h. */
export function capacityVehPerHour(saturationFlowVehPerHour: number, greenSeconds: number, cycleSeconds: number): number {
  return (saturationFlowVehPerHour * greenSeconds) / cycleSeconds;
}

/** Degree of saturation x = q / (s · g / C). */
export function degreeOfSaturation(flowVehPerHour: number, saturationFlowVehPerHour: number, greenSeconds: number, cycleSeconds: number): number {
  const capacity = capacityVehPerHour(saturationFlowVehPerHour, greenSeconds, cycleSeconds);
  if (capacity <= 0) return flowVehPerHour > 0 ? Infinity : 0;
  return flowVehPerHour / capacity;
}

/** Degree of saturation from the flow ratio y = q / s: x = y · C / g (0 without green). */
export function degreeOfSaturationOfFlowRatio(flowRatio: number, greenSeconds: number, cycleSeconds: number): number {
  return greenSeconds > 0 ? (flowRatio * cycleSeconds) / greenSeconds : 0;
}

/** Green a lane needs to discharge `vehicles` at its own saturation flow (veh/h per lane), seconds. */
export function dischargeSeconds(vehicles: number, saturationFlowVehPerHourPerLane: number): number {
  return saturationFlowVehPerHourPerLane > 0 ? (vehicles * 3600) / saturationFlowVehPerHourPerLane : Infinity;
}

/** Vehicles a lane discharges in a green at its own saturation flow (veh/h per lane), not at a fixed headway. */
export function dischargedVehicles(saturationFlowVehPerHourPerLane: number, greenSeconds: number): number {
  return (saturationFlowVehPerHourPerLane / 3600) * greenSeconds;
}
