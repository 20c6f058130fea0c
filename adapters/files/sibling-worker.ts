import { extname } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits next to the module at `callerUrl` (its `import.meta.url`). Built, the
 * worker is a .js file next to the caller. Run from source (tsx, vitest) it is .ts: its thread needs tsx (a
 * devDependency, there whenever the source runs), and registers it itself, as tsx's `--import` only registers on
 * the main thread on Node 20.
 */
export function startSiblingWorker(callerUrl: string, name: string, options: WorkerOptions): Worker {
  const ext = extname(new URL(callerUrl).pathname);
  const url = new URL(`./${name}${ext}`, callerUrl);
  if (ext !== '.ts') return new Worker(url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { ...options, eval: true, execArgv: [] });
}
