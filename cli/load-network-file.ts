import { readFileSync } from 'node:fs';
import { DEMO_NETWORKS } from '../network-models/index.js';
import { parseNetwork } from '../network-models/index.js';
import type { NetworkFile } from '../network-models/index.js';
import { CliError, fileError } from './cli-errors.js';

export { CliError } from './cli-errors.js';

/** Loads a network file, or a built-in demo network by name (`demo:arterial`, `demo:grid`). */
export function loadNetworkFile(path: string): NetworkFile {
  if (path.startsWith('demo:')) {
    const name = path.slice(5) as keyof typeof DEMO_NETWORKS;
    const demo = DEMO_NETWORKS[name];
    if (!demo) throw new CliError(`unknown demo network "${name}": choose one of ${Object.keys(DEMO_NETWORKS).map((n) => `demo:${n}`).join(', ')}`);
    return demo.build();
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError('cannot read network file', path, err);
  }
  try {
    return parseNetwork(text, path);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
