// Regenerates the committed demo network files: npx tsx network-models/demo/write-demo-networks.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_NETWORKS } from './demo-networks.js';

const here = dirname(fileURLToPath(import.meta.url));
for (const { file, build } of Object.values(DEMO_NETWORKS)) writeFileSync(join(here, file), `${JSON.stringify(build(), null, 1)}\n`);
