import { z } from 'zod';
import { protocolError, type ErrorMessage } from './protocol-errors.js';

/**
 * Schemas of every inbound message, per endpoint (docs/protocol.md shows each with an example).
 * Count records themselves are checked by the engine's `checkCount` (hand-written because it is the hot path);
 * the schemas here check the envelope around them.
 */

const messageId = z.string().min(1).max(64);

/** One count: the record's fields sit next to `type`; `checkCount` validates them. */
export const countMessageSchema = z.looseObject({ type: z.literal('count'), id: messageId.optional() });
export const batchMessageSchema = z.strictObject({ type: z.literal('batch'), id: messageId.optional(), counts: z.array(z.unknown()).min(1) });
export const detectorMessageSchema = z.discriminatedUnion('type', [countMessageSchema, batchMessageSchema]);
export type DetectorMessage = z.infer<typeof detectorMessageSchema>;

const id = z.string().min(1).max(200);
export const helloMessageSchema = z.strictObject({
  type: z.literal('hello'),
  /** Defaults to the token's subject. */
  controllerId: id.optional(),
  /** Intersections this controller runs; defaults to every signalized intersection in the token's scope. */
  intersectionIds: z.array(id).min(1).max(1000).optional(),
  /** Plan version each intersection is running now, so that only newer plans are resent. */
  runningVersions: z.record(id, z.number().int().min(0)).optional(),
});
export const ackMessageSchema = z
  .strictObject({
    type: z.literal('ack'),
    intersectionId: id,
    version: z.number().int().min(0),
    status: z.enum(['accepted', 'rejected']),
    reason: z.string().min(1).max(500).optional(),
  })
  .refine((m) => m.status === 'accepted' || m.reason !== undefined, { message: 'a rejection needs a reason', path: ['reason'] });
export const controllerMessageSchema = z.discriminatedUnion('type', [helloMessageSchema, ackMessageSchema]);
export type HelloMessage = z.infer<typeof helloMessageSchema>;
export type AckMessage = z.infer<typeof ackMessageSchema>;

/**
 * Parses and validates one message. Returns the error to send when it is not valid JSON or does not match;
 * the error names the first offending field as a JSON path (`counts`, `runningVersions.IA1`).
 */
export function parseMessage<T>(text: string, schema: z.ZodType<T>): { ok: true; message: T } | { ok: false; error: ErrorMessage } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: protocolError('GW_PROTO_MALFORMED_JSON', '(message)', (err as Error).message) };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.length === 0 ? '(message)' : formatPath(issue.path);
  const error = protocolError('GW_PROTO_INVALID_MESSAGE', field, issue.message, valueAt(raw, issue.path));
  const ref = (raw as { id?: unknown } | null)?.id;
  if (typeof ref === 'string') error.ref = ref.slice(0, 64);
  return { ok: false, error };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
