export { serveStaticFiles } from './static-files.js';
