// npm's "prepare": builds dist/ when installed from the sources (a clone: npm ci, npm install, npm link).
// A packed tarball ships dist/ and no sources (package.json "files"), so there is nothing to build there,
// and the build tools (devDependencies) are not installed either.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../cli/greenwave.ts', import.meta.url))) process.exit(0);
const npm = process.env.npm_execpath;
const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(r.status ?? 1);
