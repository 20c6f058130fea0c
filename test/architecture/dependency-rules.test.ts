import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

// The architecture's arrows (.dependency-cruiser.cjs, docs/architecture.md) are part of the test suite: a change
// that imports against them fails here with the rule's name and the import.
const root = fileURLToPath(new URL('../..', import.meta.url));
const PARTS = ['engine', 'network-models', 'adapters', 'replay', 'cli', 'bench', 'web', 'test'];

async function cruiseTree(baseDir: string, dirs: string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const result = await cruise(dirs, { ...options, baseDir, validate: true }, undefined, { tsConfig: extractTSConfig(join(root, 'tsconfig.json')) });
  return result.output as ICruiseResult;
}

/** Each violation as `rule: from → to`, with packages named from node_modules (the fixture's is a symlink). */
const broken = (r: ICruiseResult) => r.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*\/node_modules\//, 'node_modules/')}`).sort();

describe('architecture: the dependency rules', () => {
  it('hold on the whole tree', async () => {
    const result = await cruiseTree(root, PARTS);
    expect(result.summary.totalCruised).toBeGreaterThan(150);
    const report = result.summary.violations.length > 0 ? (await format(result, { outputType: 'err' })).output : '';
    expect(result.summary.violations, String(report)).toEqual([]);
  }, 120_000);

  it('catch each kind of breach in a tree that has them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-arch-'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const files: Record<string, string> = {
      'engine/index.ts': "export * from './core.js';\n",
      'engine/core.ts': "export const core = 1;\n",
      'engine/timing/index.ts': "export * from './modulo.js';\n",
      'engine/timing/modulo.ts': "export const modulo = 2;\n",
      'replay/uses-the-timing-entry.ts': "import { modulo } from '../engine/timing/index.js';\nexport const t = modulo;\n",
      'replay/reaches-into-timing.ts': "import { modulo } from '../engine/timing/modulo.js';\nexport const u = modulo;\n",
      'adapters/files/reaches-into-models.ts': "import { m } from '../../network-models/timing/index.js';\nexport const v = m;\n",
      'network-models/timing/index.ts': "export const m = 3;\n",
      'engine/reads-files.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      'engine/opens-sockets.ts': "import { WebSocket } from 'ws';\nexport const w = WebSocket;\n",
      'engine/uses-an-adapter.ts': "import { w } from '../adapters/files/index.js';\nexport const x = w;\n",
      'network-models/index.ts': "import { w } from '../adapters/files/index.js';\nexport const m = w;\n",
      'adapters/files/index.ts': "export const w = 1;\n",
      'adapters/files/writer.ts': "import { r } from '../../replay/index.js';\nexport const y = r;\n",
      'replay/index.ts': "import { core } from '../engine/core.js';\nexport const r = core;\n",
      'replay/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
      'replay/b.ts': "import { a } from './a.js';\nexport const b = () => a();\n",
      'adapters/sumo/index.ts': "import { run } from '../../cli/run.js';\nexport const s = run;\n",
      'cli/run.ts': "import { core } from '../engine/index.js';\nexport const run = core;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result = await cruiseTree(dir, ['engine', 'network-models', 'adapters', 'replay', 'cli']);
    expect(broken(result)).toEqual(
      [
        'adapters-below-replay-and-cli: adapters/files/writer.ts → replay/index.ts',
        'adapters-below-replay-and-cli: adapters/sumo/index.ts → cli/run.ts',
        'cli-is-the-composition-root: adapters/sumo/index.ts → cli/run.ts',
        'engine-is-pure: engine/opens-sockets.ts → node_modules/ws/wrapper.mjs',
        'engine-is-pure: engine/reads-files.ts → fs',
        'engine-is-pure: engine/uses-an-adapter.ts → adapters/files/index.ts',
        'engine-no-node-builtins: engine/reads-files.ts → fs',
        'model-imports-no-part: network-models/index.ts → adapters/files/index.ts',
        'no-circular: replay/a.ts → replay/b.ts',
        'through-the-barrel: replay/index.ts → engine/core.ts',
        // The engine's second entry, its timing arithmetic, is public; its modules are not, nor is any other part's.
        'through-the-barrel: replay/reaches-into-timing.ts → engine/timing/modulo.ts',
        'through-the-barrel: adapters/files/reaches-into-models.ts → network-models/timing/index.ts',
      ].sort(),
    );
  }, 120_000);
});

describe('architecture: package.json exports', () => {
  it('publishes each part\'s barrel, and only the barrels (the CLI is the bin)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string>; bin: Record<string, string> };
    const adapters = readdirSync(join(root, 'adapters'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `adapters/${d.name}`);
    // The engine has a second entry: its timing arithmetic alone (docs/architecture.md).
    const parts = ['engine', 'engine/timing', 'network-models', 'network-models/importers/sumo', ...adapters, 'replay'];
    const expected = Object.fromEntries(parts.map((part) => [`./${part}`, `./dist/${part}/index.js`]));
    expect(pkg.exports).toEqual({ ...expected, './package.json': './package.json' });
    for (const part of parts) expect(existsSync(join(root, part, 'index.ts')), part).toBe(true);
    expect(pkg.bin).toEqual({ greenwave: 'dist/cli/greenwave.js' });
    expect(existsSync(join(root, 'cli/greenwave.ts'))).toBe(true);
  });
});
