import { z } from 'zod';
import { FORMAT_LIMITS as L } from './format-limits.js';
import { NETWORK_FORMAT, NETWORK_FORMAT_VERSION } from './network-types.js';

const id = z.string().min(1).max(L.idMaxLength);
const nonNegative = z.number().finite().min(0);
const positive = z.number().finite().gt(0);
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (00:00 to 23:59)');

const positionSchema = z.object({
  xMetres: z.number().finite(),
  yMetres: z.number().finite(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

const linkSchema = z.object({
  id,
  fromIntersectionId: id.nullable(),
  toIntersectionId: id.nullable(),
  lengthMetres: positive,
  freeFlowSpeedMetresPerSecond: positive.max(L.freeFlowSpeedMaxMetresPerSecond),
  lanes: z.number().int().min(L.lanesPerLinkMin).max(L.lanesPerLinkMax),
  name: z.string().optional(),
});

const movementSchema = z.object({
  id,
  fromLinkId: id,
  toLinkId: id,
  turn: z.enum(['left', 'through', 'right', 'uturn']),
  fromLaneIndices: z.array(z.number().int().min(0)).min(1),
  saturationFlowVehPerHour: positive.max(L.saturationFlowMaxVehPerHour),
});

const phaseSchema = z.object({
  id,
  movementIds: z.array(id).min(1),
  minGreenSeconds: nonNegative.max(L.greenMaxSeconds),
  maxGreenSeconds: positive.max(L.greenMaxSeconds),
  yellowSeconds: nonNegative.max(L.yellowMaxSeconds),
  allRedSeconds: nonNegative.max(L.allRedMaxSeconds),
  pedestrian: z
    .object({ walkSeconds: nonNegative.max(L.pedestrianIntervalMaxSeconds), clearanceSeconds: nonNegative.max(L.pedestrianIntervalMaxSeconds) })
    .optional(),
});

const timeOfDayPlanSchema = z.object({
  startsAt: timeOfDay,
  cycleSeconds: positive.max(L.cycleMaxSeconds),
  offsetSeconds: nonNegative,
  greenSecondsByPhase: z.record(z.string(), nonNegative),
});

const intersectionSchema = z.object({
  id,
  name: z.string(),
  position: positionSchema,
  control: z.enum(['signalized', 'unsignalized']),
  movements: z.array(movementSchema),
  phases: z.array(phaseSchema),
  conflicts: z.array(z.tuple([id, id])),
  fallbackPlans: z.array(timeOfDayPlanSchema),
  cycleBounds: z.object({ minSeconds: positive.max(L.cycleMaxSeconds), maxSeconds: positive.max(L.cycleMaxSeconds) }).optional(),
  external: z.record(z.string(), z.unknown()).optional(),
});

const detectorSchema = z.object({
  id,
  intersectionId: id,
  linkId: id,
  laneIndex: z.number().int().min(0),
  kind: z.enum(['stop-line', 'advance']),
  distanceFromStopLineMetres: nonNegative,
  channel: z.number().int().min(0).optional(),
});

export const networkFileSchema = z.object({
  format: z.literal(NETWORK_FORMAT),
  version: z.literal(NETWORK_FORMAT_VERSION),
  name: z.string(),
  timeZone: z.string().optional(),
  intersections: z.array(intersectionSchema),
  links: z.array(linkSchema),
  detectors: z.array(detectorSchema),
  coordinationGroups: z.array(z.object({ id, intersectionIds: z.array(id).min(1) })).optional(),
  external: z.record(z.string(), z.unknown()).optional(),
});
