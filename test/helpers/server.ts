/**
 * Starts the real Waymark server for tests: a temp SQLite file, a temp copy of playbooks/,
 * 127.0.0.1 on an ephemeral port, the demo users (password "waymark-demo") and a worker
 * that tests drive with worker.runOnce() (or start with startWorker: true).
 *
 *   const srv = await startTestServer({ clock: new ManualClock('2026-11-02T09:00:00Z') });
 *   const admin = await srv.login('admin@waymark.test');
 *   const res = await admin.post('/api/accounts/bulk', { accounts: [...] });   // { status, body, headers }
 *   await srv.worker.runOnce();
 *   await srv.close();
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ManualClock, type Clock } from '../../server/clock.js';
import { createApp, createServerContext, type AppContext } from '../../server/app.js';
import { createWorker, type Worker } from '../../server/worker.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import { DEMO_PASSWORD, ensureDemoUsers } from '../../server/auth/demo-users.js';
import type { Store } from '../../server/store/types.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TestServerOptions {
  /** Defaults to a ManualClock at 2026-11-02T09:00:00Z (time moves only when the test says so). */
  clock?: Clock;
  /**
   * true (default): the demo users; false: an empty store (no users);
   * 'demo': the demo users and the demo book (server/demo/seed.ts).
   */
  seed?: boolean | 'demo';
  /** A playbooks directory to use as is; default: a temp copy of the repo's playbooks/. */
  playbooksDir?: string;
  /** Reuse a SQLite file (restart tests); default: a new temp file. */
  dbFile?: string;
  /** Run the worker loop (real-time use, e.g. browser tests); default: tests call worker.runOnce(). */
  startWorker?: boolean;
  /** Worker lease, default 60 s. */
  leaseMs?: number;
}

export interface ApiResponse<T = any> { status: number; body: T; text: string; headers: Headers }

export interface ApiClient {
  /** The wm_session cookie header value ("wm_session=..."), or '' for an anonymous client. */
  cookie: string;
  user: { id: string; name: string; email: string; roles: string[]; teamRole?: string } | null;
  request<T = any>(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  get<T = any>(urlPath: string): Promise<ApiResponse<T>>;
  post<T = any>(urlPath: string, body?: unknown): Promise<ApiResponse<T>>;
  put<T = any>(urlPath: string, body?: unknown): Promise<ApiResponse<T>>;
  del<T = any>(urlPath: string): Promise<ApiResponse<T>>;
}

export interface TestServer {
  url: string;
  ctx: AppContext;
  store: Store;
  clock: Clock;
  worker: Worker;
  dbFile: string;
  playbooksDir: string;
  /** Signs in (password defaults to the demo password) and returns a client carrying the cookie. */
  login(email: string, password?: string): Promise<ApiClient>;
  /** A client without a session (optionally with headers such as Authorization). */
  anon(headers?: Record<string, string>): ApiClient;
  /** Runs worker rounds until nothing is due (at the current clock); returns accounts committed. */
  drain(maxRounds?: number): Promise<number>;
  close(opts?: { keepFiles?: boolean }): Promise<void>;
}

function client(base: string, cookie: string, user: ApiClient['user'], extraHeaders: Record<string, string> = {}): ApiClient {
  const request = async <T>(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const h: Record<string, string> = { ...extraHeaders, ...headers };
    if (cookie) h.cookie = cookie;
    let payload: string | undefined;
    if (body !== undefined) {
      if (typeof body === 'string') payload = body;
      else {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
    }
    const res = await fetch(base + urlPath, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try { parsed = JSON.parse(text); } catch { parsed = text; }
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };
  return {
    cookie, user, request,
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b ?? {}),
    put: (p, b) => request('PUT', p, b ?? {}),
    del: (p) => request('DELETE', p),
  };
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-test-'));
  const playbooksDir = opts.playbooksDir ?? path.join(tmp, 'playbooks');
  if (!opts.playbooksDir) fs.cpSync(path.join(REPO_ROOT, 'playbooks'), playbooksDir, { recursive: true });
  const dbFile = opts.dbFile ?? path.join(tmp, 'waymark.db');
  const clock = opts.clock ?? new ManualClock('2026-11-02T09:00:00.000Z');

  const store = new SqliteStore(dbFile);
  await store.init();
  const seed = opts.seed ?? true;
  if (seed) await ensureDemoUsers(store);

  const ctx = await createServerContext({
    store, clock, playbooksDir,
    config: { production: false, inProcessWorker: !!opts.startWorker, distDir: path.join(REPO_ROOT, 'dist'), dbPath: dbFile },
  });
  if (seed === 'demo') {
    const seedModule = '../../server/demo/seed.js'; // owned by the demo engineer; loaded only when asked for
    const mod = (await import(seedModule)) as { seedDemo: (c: AppContext) => Promise<unknown> };
    await mod.seedDemo(ctx);
  }
  const worker = createWorker(ctx, { workerId: 'test-worker', leaseMs: opts.leaseMs ?? 60_000, batch: 500, log: () => {} });
  const offKick = ctx.onKick(() => worker.kick());
  if (opts.startWorker) worker.start();

  const app = createApp(ctx);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url, ctx, store, clock, worker, dbFile, playbooksDir,
    async login(email, password = DEMO_PASSWORD) {
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      const body = (await res.json()) as { user?: ApiClient['user']; error?: { message: string } };
      if (res.status !== 200 || !body.user) throw new Error(`login ${email} failed: ${res.status} ${body.error?.message ?? ''}`);
      const setCookie = res.headers.get('set-cookie') ?? '';
      const cookie = setCookie.split(';')[0];
      return client(url, cookie, body.user);
    },
    anon: (headers) => client(url, '', null, headers),
    async drain(maxRounds = 50) {
      let total = 0;
      for (let i = 0; i < maxRounds; i++) {
        const n = await worker.runOnce();
        total += n;
        if (n === 0) break;
      }
      return total;
    },
    async close(closeOpts = {}) {
      offKick();
      await worker.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      if (!closeOpts.keepFiles) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
