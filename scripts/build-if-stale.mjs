// Runs before `npm start`: builds the web app (vite build -> dist/) when dist/ is missing or
// older than its sources, so a fresh clone needs only `npm install` then `npm start`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.join(root, 'dist', 'index.html');

function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) if (e !== 'node_modules' && e !== 'cli') m = Math.max(m, newest(path.join(p, e)));
  return m;
}

const builtAt = fs.statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sourcesAt = Math.max(...['editor', 'engine', 'vite.config.ts', 'package-lock.json'].map((p) => newest(path.join(root, p))));
if (builtAt >= sourcesAt) process.exit(0);

console.log(builtAt ? '[waymark] web app sources changed: rebuilding dist/ ...' : '[waymark] building the web app into dist/ (first start) ...');
const vite = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vite.cmd' : 'vite');
const r = spawnSync(vite, ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
process.exit(r.status ?? 1);
