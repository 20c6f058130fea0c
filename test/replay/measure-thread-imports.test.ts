import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The modules a module loads when it runs (type-only imports are erased), followed through relative imports. */
function runtimeImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const [, typeOnly, spec] = m;
      if (typeOnly) continue;
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(root, entry));
  return { files, packages };
}

describe('the measure thread loads only what it runs', () => {
  it('loads neither the engine nor the network models through their indexes, nor RxJS or zod', () => {
    // Through the indexes it loaded all of the engine (RxJS, zod): some 0.27 s of CPU at every replay's start.
    const { files, packages } = runtimeImports('replay/measure-worker.ts');
    const loaded = [...files].map((f) => relative(root, f));
    expect(loaded).toContain('replay/measure-core.ts');
    expect(loaded.filter((f) => /(^|\/)index\.ts$/.test(f) && !f.startsWith('engine/timing/'))).toEqual([]);
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
  });
});
