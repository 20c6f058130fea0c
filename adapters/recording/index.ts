export { recordServerEvents } from './record-server-events.js';
