/**
 * Browser test harness: the real app in Debian chromium against the real server.
 *
 *   const h = await startBrowserTest('csm-morning', { demoAccounts: 60 });
 *   await h.signIn('csm@waymark.test');
 *   await h.shot('queue');                       // test-artifacts/csm-morning/queue.png
 *   expect(h.consoleErrors).toEqual([]);
 *   await h.close();
 *
 * - builds the web app (vite build into dist/) once, when dist/ is older than editor/
 * - starts the server with startTestServer (temp SQLite file, temp copy of playbooks/,
 *   ManualClock), optionally seeding a small demo book through the real ingest + worker path
 * - launches chromium from `which chromium` through playwright-core with a temp profile,
 *   with the browser's Date fixed to the server's clock so "overdue" and "in 87 days" agree
 * - collects console errors and page errors; screenshots go to test-artifacts/<test>/<step>.png
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, startTestServer, type TestServer, type TestServerOptions } from '../helpers/server.js';
import type { ManualClock } from '../../server/clock.js';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const DIST = path.join(REPO_ROOT, 'dist');
const EDITOR = path.join(REPO_ROOT, 'editor');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than any file of the web app's sources. */
export function distIsStale(): boolean {
  const index = path.join(DIST, 'index.html');
  if (!fs.existsSync(index)) return true;
  const sources = Math.max(newestMtime(EDITOR), fs.statSync(path.join(REPO_ROOT, 'vite.config.ts')).mtimeMs);
  return fs.statSync(index).mtimeMs < sources;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the app if dist/ is stale. Browser test files run in parallel workers, so a lock
 * directory makes one build while the others wait for it (then find dist/ fresh).
 */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const lock = path.join(REPO_ROOT, 'node_modules', '.waymark-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock older than 3 minutes is left over from a killed run.
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 180_000) fs.rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
      if (Date.now() > deadline) throw new Error('Timed out waiting for another process to build the web app');
      sleepSync(250);
    }
  }
  try {
    if (!distIsStale()) return;
    // vitest sets NODE_ENV=test, which would give a development build of React (double effects,
    // dev warnings): build what `npm run build` ships.
    const env = { ...process.env, NODE_ENV: 'production' };
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  try {
    const p = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    if (p) return p;
  } catch { /* not on PATH */ }
  throw new Error('chromium is not installed: apt-get install -y chromium (see docs/DEVELOPERS.md)');
}

export interface BrowserTestOptions extends TestServerOptions {
  /** Seed a demo book of this many accounts (a year of history through the real engine). */
  demoAccounts?: number;
  viewport?: { width: number; height: number };
}

export interface BrowserTest {
  srv: TestServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  consoleErrors: string[];
  /** Where this test's screenshots go. */
  artifactsDir: string;
  url(p: string): string;
  goto(p: string): Promise<void>;
  signIn(email: string, password?: string): Promise<void>;
  /** Moves the server's ManualClock and the browser's clock together. */
  advanceClock(by: { days?: number; hours?: number; minutes?: number }): Promise<void>;
  shot(step: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBrowserTest(name: string, opts: BrowserTestOptions = {}): Promise<BrowserTest> {
  ensureBuilt();
  const srv = await startTestServer({ ...opts, seed: opts.seed ?? true });
  let browser: Browser | undefined;
  try {
    if (opts.demoAccounts) {
      const seedModule = '../../server/demo/seed.js';
      const mod = (await import(seedModule)) as { seedDemo: (c: unknown, o: { accounts: number; log: (m: string) => void }) => Promise<unknown> };
      await mod.seedDemo(srv.ctx, { accounts: opts.demoAccounts, log: () => {} });
      await srv.drain();
    }
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS, headless: true });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 }, baseURL: srv.url, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.clock.setFixedTime(srv.clock.now());
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // Playwright's fixed clock injects a script into every frame; the email preview's
      // sandbox="" frame rightly refuses it. That refusal is the harness's, not the app's.
      if (msg.location().url === 'about:srcdoc' && msg.text().startsWith("Blocked script execution in 'about:srcdoc'")) return;
      consoleErrors.push(`${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
    const artifactsDir = path.join(REPO_ROOT, 'test-artifacts', name);
    fs.rmSync(artifactsDir, { recursive: true, force: true });
    fs.mkdirSync(artifactsDir, { recursive: true });
    const b = browser;
    return {
      srv, browser: b, context, page, consoleErrors, artifactsDir,
      url: (p) => srv.url + p,
      async goto(p) {
        await page.goto(srv.url + p);
      },
      async signIn(email, password = 'waymark-demo') {
        // Start signed out: drop the session and the app's signed-in hint on a non-app page
        // of the same origin, so the app does not boot into a 401.
        await context.clearCookies();
        await page.goto(srv.url + '/api/health');
        await page.evaluate(() => window.localStorage.clear());
        await page.goto(srv.url + '/login');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      },
      async advanceClock(by) {
        const clock = srv.clock as ManualClock;
        if (typeof clock.advance !== 'function') throw new Error('advanceClock needs the ManualClock');
        clock.advance(by);
        await page.clock.setFixedTime(clock.now());
      },
      async shot(step) {
        const file = path.join(artifactsDir, `${step}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async close() {
        await b.close().catch(() => {});
        await srv.close();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    await srv.close();
    throw e;
  }
}
