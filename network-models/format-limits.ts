/**
 * The network format's numeric limits, in one place: the schema validates against them and the importers clamp
 * to them (saying so), so that whatever an importer writes loads.
 */
export const FORMAT_LIMITS = {
  idMaxLength: 200,
  freeFlowSpeedMaxMetresPerSecond: 70,
  lanesPerLinkMin: 1,
  lanesPerLinkMax: 16,
  saturationFlowMaxVehPerHour: 20_000,
  greenMaxSeconds: 600,
  yellowMaxSeconds: 10,
  allRedMaxSeconds: 30,
  pedestrianIntervalMaxSeconds: 120,
  cycleMaxSeconds: 600,
} as const;
