export { recordServerEvents } from './record-server-events.js';
export { EngineRunRecorder, type RecordedEngineStart } from './engine-run-recorder.js';
