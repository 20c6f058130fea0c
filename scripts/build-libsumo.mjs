// Builds the libsumo addon (adapters/sumo/libsumo/addon/greenwave-libsumo.cc) with the C++ compiler against SUMO's
// libsumo (Debian's sumo package: /usr/include/libsumo, libsumocpp.so) and Node's headers, then checks that it loads.
// A missing piece or a failed build is reported and is not an error (exit 0): greenwave sumo then uses TraCI.
// --strict makes it one (exit 1). An addon newer than its source that loads is kept (--force rebuilds it).
// Overrides: CXX, LIBSUMO_INCLUDE_DIR, LIBSUMO_LIB_DIR, NODE_INCLUDE_DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'adapters/sumo/libsumo/addon/greenwave-libsumo.cc');
const outDir = join(root, 'adapters/sumo/libsumo/build');
const out = join(outDir, 'greenwave-libsumo.node');
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

function skip(reason) {
  const kept = existsSync(out) && !loadError(out);
  process.stderr.write(`build:libsumo: not built: ${reason}; ${kept ? `the addon built before (${out}) stays in use` : 'greenwave sumo will use TraCI (a SUMO process)'}\n`);
  process.exit(strict ? 1 : 0);
}

/** Loads the addon in a fresh process: a missing shared library or another Node ABI shows here, not at the first run. */
function loadError(file) {
  const r = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(file)}); if (a.running() !== false) process.exit(3);`], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr.trim().split('\n').slice(-5).join('\n') || `exit ${r.status}`);
}

if (!force && existsSync(out) && statSync(out).mtimeMs > statSync(source).mtimeMs && !loadError(out)) {
  process.stderr.write(`build:libsumo: ${out} is up to date (--force rebuilds it)\n`);
  process.exit(0);
}

const firstDir = (dirs, file) => dirs.filter(Boolean).find((d) => existsSync(join(d, file)));
const nodeInclude = firstDir([process.env.NODE_INCLUDE_DIR, join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'], 'node_api.h');
if (!nodeInclude) skip("Node's headers (node_api.h) are missing (Debian: they come with the nodejs package; or set NODE_INCLUDE_DIR)");
const sumoInclude = firstDir([process.env.LIBSUMO_INCLUDE_DIR, '/usr/include', '/usr/local/include', process.env.SUMO_HOME && join(process.env.SUMO_HOME, 'include')], 'libsumo/libsumo.h');
if (!sumoInclude) skip("libsumo's headers (libsumo/libsumo.h) are missing (Debian: apt-get install sumo; or set LIBSUMO_INCLUDE_DIR)");
const libDirs = [process.env.LIBSUMO_LIB_DIR, '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib', process.env.SUMO_HOME && join(process.env.SUMO_HOME, 'bin')];
const libDir = firstDir(libDirs, 'libsumocpp.so');
if (!libDir) skip('libsumocpp.so is missing (Debian: apt-get install sumo; or set LIBSUMO_LIB_DIR)');
const cxx = process.env.CXX ?? 'g++';

mkdirSync(outDir, { recursive: true });
const tmp = join(outDir, `greenwave-libsumo.${process.pid}.tmp.node`);
const args = ['-std=c++17', '-O2', '-fPIC', '-shared', `-I${nodeInclude}`, `-I${sumoInclude}`, source, '-o', tmp, `-L${libDir}`, `-Wl,-rpath,${libDir}`, '-lsumocpp'];
const t0 = Date.now();
const cc = spawnSync(cxx, args, { encoding: 'utf8' });
if (cc.error) skip(`the C++ compiler '${cxx}' does not run (${cc.error.message}; Debian: apt-get install g++)`);
if (cc.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cxx} failed (exit ${cc.status}):\n${cc.stderr.trim().split('\n').slice(-15).join('\n')}`);
}
const notLoading = loadError(tmp);
if (notLoading) {
  rmSync(tmp, { force: true });
  skip(`the built addon does not load: ${notLoading}`);
}
renameSync(tmp, out);
process.stderr.write(`build:libsumo: built ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s (libsumo from ${libDir}); greenwave sumo runs SUMO in-process by default\n`);
