import type { RawData } from 'ws';
import { detectorMessageSchema, parseMessage } from './inbound-messages.js';
import type { LiveEngine } from './live-engine.js';
import type { ResultMessage } from './outbound-messages.js';
import { fromInputError, protocolError, type ErrorMessage } from './protocol-errors.js';
import { text, type Client, type ServerContext } from './server-context.js';

/**
 * The hot path: detector messages (one count or a batch) checked for size, rate (messages and records), schema and
 * scope, fed to the engine record by record, and answered with a result or errors.
 */
export function createDetectorIngestion(ctx: ServerContext, engine: LiveEngine, detectorIds: ReadonlySet<string>) {
  const { metrics, limits } = ctx;

  return {
    onMessage(client: Client, data: RawData): void {
      if (!ctx.admitMessage(client, data)) return;
      const parsed = parseMessage(text(data), detectorMessageSchema);
      if (!parsed.ok) return ctx.reject(client, parsed.error);
      const msg = parsed.message;
      const records = msg.type === 'count' ? 1 : msg.counts.length;
      if (records <= limits.maxBatchRecords && !client.rate.takeRecords(records, ctx.now())) {
        const error = protocolError('GW_PROTO_RATE_LIMITED', msg.type === 'count' ? '(message)' : 'counts', `${records} records would exceed maxRecordsPerSecond = ${limits.maxRecordsPerSecond}; message dropped`, records);
        if (msg.id !== undefined) error.ref = msg.id;
        metrics.inc('greenwave_records_rate_limited_total', undefined, records);
        return ctx.reject(client, error);
      }
      if (msg.type === 'count') {
        const error = ingestRecord(client, msg, '', undefined);
        if (msg.id !== undefined) {
          const result: ResultMessage = { type: 'result', ref: msg.id, accepted: error ? 0 : 1, rejected: error ? 1 : 0, errors: error ? [error] : [] };
          ctx.send(client.ws, result);
        } else if (error) ctx.sendError(client, error);
        return;
      }
      if (msg.counts.length > limits.maxBatchRecords) {
        const error = protocolError('GW_PROTO_BATCH_TOO_LARGE', 'counts', `${msg.counts.length} records is more than maxBatchRecords = ${limits.maxBatchRecords}; batch dropped`, msg.counts.length);
        if (msg.id !== undefined) error.ref = msg.id;
        return ctx.reject(client, error);
      }
      const errors: ErrorMessage[] = [];
      let rejected = 0;
      for (let i = 0; i < msg.counts.length; i++) {
        const error = ingestRecord(client, msg.counts[i], `counts[${i}].`, i);
        if (!error) continue;
        rejected++;
        if (errors.length < limits.maxErrorsPerBatch) errors.push(error);
      }
      if (msg.id !== undefined) ctx.send(client.ws, { type: 'result', ref: msg.id, accepted: msg.counts.length - rejected, rejected, errors } satisfies ResultMessage);
      else for (const error of errors) ctx.sendError(client, error);
    },
  };

  function ingestRecord(client: Client, record: unknown, prefix: string, index: number | undefined): ErrorMessage | undefined {
    metrics.inc('greenwave_counts_received_total');
    let error: ErrorMessage | undefined;
    const receivedAtMs = engine.engineTimeMs();
    const detectorId = (record as { detectorId?: unknown } | null)?.detectorId;
    if (typeof detectorId === 'string' && detectorIds.has(detectorId) && !client.inScope(detectorId)) {
      error = protocolError('GW_PROTO_DETECTOR_NOT_IN_SCOPE', `${prefix}detectorId`, `token ${client.claims.sub} may not publish for detector ${detectorId}`, detectorId);
    } else {
      const inputError = engine.ingest(record, receivedAtMs);
      if (inputError) error = fromInputError(inputError, prefix);
      if (inputError?.code === 'GW_ERR_INTERNAL') ctx.logFault(`ingest: ${inputError.reason}`, { client: client.id, reason: inputError.reason }, 'engine fault on a record; record dropped');
    }
    if (ctx.taps.size > 0) ctx.emitTap({ kind: 'count', atMs: receivedAtMs, clientId: client.id, record, ...(error ? { error } : {}) });
    if (!error) {
      metrics.inc('greenwave_counts_accepted_total');
      return undefined;
    }
    metrics.inc('greenwave_counts_rejected_total', { code: error.code });
    if (index !== undefined) error.index = index;
    const ref = (record as { id?: unknown } | null)?.id;
    if (index === undefined && typeof ref === 'string') error.ref = ref;
    return error;
  }
}
