/**
 * End to end on the embedded store (SQLite, a temp file), over real HTTP:
 *  1. N accounts posted through the bulk API (10,000 per request) and evaluated by the worker
 *     until nothing is due: the total time, and how many tasks were stored.
 *  2. Event -> task latency: detractor NPS events posted one by one with the in-process worker
 *     running (real clock); the time until the low-NPS task can be read from the store (read
 *     after each commit of that account, not polled on the server's own thread).
 *  3. The queue with 1,000,000 tasks stored (100 owners, ~4% open - a large team's history):
 *     p50/p99 of the store's queue query and of GET /api/tasks/queue.
 * Beside the total it prints the floor under it: rows written per account x accounts x what one
 * row costs SQLite itself on this machine (bench/sqlite-floor.ts).
 *   npx tsx bench/e2e.ts [--quick] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { createApp, createServerContext } from '../server/app.js';
import { createWorker } from '../server/worker.js';
import { openStore } from '../server/store/index.js';
import { ensureDemoUsers, DEMO_PASSWORD } from '../server/auth/demo-users.js';
import { generateAccounts } from './accounts.js';
import { loadLibrary, REPO_ROOT } from './library.js';
import { measureSqliteFloor } from './sqlite-floor.js';

export interface E2eFigures {
  accounts: number;
  ingest_s: number;
  ingest_http_s: number;
  evaluate_s: number;
  /** Of evaluate_s: time in the engine (evaluate) and in the store (claim, load, commit). */
  evaluate_engine_s: number;
  evaluate_store_s: number;
  /** CPU seconds this process used while ingesting / evaluating (wall time inflates on a loaded machine). */
  ingest_http_cpu_s: number;
  evaluate_cpu_s: number;
  tasks_stored: number;
  /** Rows the evaluation wrote per account (tasks, task audit, timeline, runs, stage and health history, stage positions, the account row). */
  rows_per_account: number;
  /** What one row costs SQLite itself here (bench/sqlite-floor.ts), and rows x accounts x that: no store design writing these rows can be faster. */
  sqlite_bare_insert_us: number;
  sqlite_indexed_insert_us: number;
  rows_floor_s: number;
  /**
   * JSON text the evaluation wrote per account (task, run, timeline, stage and health documents,
   * the account state, audit changes), what JSON.stringify costs per byte here (measured on those
   * documents), and the two multiplied over the book: the serialising no store writing these
   * documents can skip. rows_floor_s + json_floor_s is the floor under the writes alone.
   */
  json_bytes_per_account: number;
  json_ns_per_byte: number;
  json_floor_s: number;
  event_to_task_samples: number;
  event_to_task_p50_ms: number;
  event_to_task_p99_ms: number;
  queue_tasks: number;
  queue_store_p50_ms: number;
  queue_store_p99_ms: number;
  queue_http_p50_ms: number;
  queue_http_p99_ms: number;
  peak_rss_mb: number;
  /** 1-minute load average at the start and the end, and the CPU count, to read the timings against. */
  load_start: number;
  load_end: number;
  cpus: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const secs = (t0: bigint) => Math.round(ms(t0) / 10) / 100;
const cpuSecs = (c0: NodeJS.CpuUsage) => { const c = process.cpuUsage(c0); return Math.round((c.user + c.system) / 1e4) / 100; };
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function benchE2e(opts: { accounts: number; events: number; queueTasks: number; queueSamples: number }): Promise<E2eFigures> {
  const floor = measureSqliteFloor();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-'));
  const playbooksDir = path.join(dir, 'playbooks');
  fs.cpSync(path.join(REPO_ROOT, 'playbooks'), playbooksDir, { recursive: true });
  const dbFile = path.join(dir, 'bench.db');
  const store = await openStore({ dbFile });
  await ensureDemoUsers(store);
  const ctx = await createServerContext({ store, playbooksDir, config: { seedDemo: false, inProcessWorker: false } });
  const server = createApp(ctx).listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The latency phase waits for the commit of the account it posted an event for (see below).
  let onCommit: ((accountId: string) => void) | null = null;
  const worker = createWorker(ctx, { workerId: 'bench', batch: 500, leaseMs: 120_000, onCommitted: (id) => onCommit?.(id) });

  try {
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@waymark.test', password: DEMO_PASSWORD }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    if (!cookie) throw new Error(`login failed: ${login.status}`);
    const post = async (p: string, body: unknown) => {
      const send = () => fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
      // One retry on a reset keep-alive socket (as getJson); bulk upserts and events are idempotent.
      const res = await send().catch(() => send());
      const json = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };

    // 1. ingest + evaluate
    const fields = loadLibrary(playbooksDir).fields.fields;
    const nowMs = Date.now();
    // Generated records are dropped once posted: the server would not hold them, and a heap
    // carrying them makes the garbage collector's pauses longer in the latency figure.
    let accounts: Record<string, unknown>[] | null = generateAccounts(opts.accounts, fields, nowMs).map((a) => ({ id: a.id, ...a.fields }));
    const loadStart = os.loadavg()[0];
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < accounts.length; i += 10_000) {
      const r = await post('/api/accounts/bulk', { accounts: accounts.slice(i, i + 10_000) });
      if (r.rejected?.length) throw new Error(`bulk rejected ${r.rejected.length}: ${JSON.stringify(r.rejected[0])}`);
    }
    const ingestHttp = secs(t0);
    const ingestCpu = cpuSecs(cpu0);
    accounts = null;
    progress(`${opts.accounts} accounts posted in ${ingestHttp} s; evaluating`);
    const t1 = process.hrtime.bigint();
    const cpu1 = process.cpuUsage();
    while ((await worker.runOnce()) > 0) { /* until nothing is due */ }
    const evaluateS = secs(t1);
    const evaluateCpu = cpuSecs(cpu1);
    const split = worker.stats();
    const ingestS = secs(t0);
    const tasksStored = (await store.listTasks({}, { limit: 1, offset: 0 })).total;
    const rowsPerAccount = countRowsPerAccount(dbFile, opts.accounts);
    const json = measureJsonWritten(dbFile, opts.accounts);
    progress(`evaluated in ${evaluateS} s, ${tasksStored} tasks stored; measuring event -> task latency`);

    // 2. event -> task latency, with the worker loop running and woken by ingest
    const unsubscribe = ctx.onKick(() => worker.kick());
    worker.start();
    const latencies: number[] = [];
    // The task is visible from the moment the worker commits the account's evaluation; each
    // commit of that account is followed by one read from the store to confirm the task is there.
    // (The bench used to poll the store on setImmediate, on the same thread as the server and
    // worker it measures, which slowed the very path being timed.)
    const commits = { pending: 0, wake: null as (() => void) | null };
    for (let i = 0; i < opts.events; i++) {
      const accountId = `bench-${(i * 7919) % opts.accounts}`;
      const before = (await store.listTasks({ accountId, playbookId: 'low-nps' }, { limit: 1, offset: 0 })).total;
      commits.pending = 0;
      onCommit = (id) => {
        if (id !== accountId) return;
        commits.pending++;
        commits.wake?.();
      };
      const start = process.hrtime.bigint();
      await post('/api/events', { events: [{ id: `bench-nps-${i}`, accountId, type: 'nps.response', occurredAt: new Date().toISOString(), data: { score: 2, comment: 'Too slow for us' } }] });
      for (;;) {
        if (commits.pending === 0) {
          // Wait for the next commit of this account (or 5 ms, in case a commit came from elsewhere).
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => { commits.wake = null; resolve(); }, 5);
            commits.wake = () => { clearTimeout(t); commits.wake = null; resolve(); };
          });
        }
        commits.pending = 0;
        const now = (await store.listTasks({ accountId, playbookId: 'low-nps' }, { limit: 1, offset: 0 })).total;
        if (now > before) break;
        if (ms(start) > 10_000) throw new Error(`no low-NPS task for ${accountId} within 10 s`);
      }
      latencies.push(ms(start));
    }
    onCommit = null;
    await worker.stop();
    unsubscribe();

    // 3. the queue with 1M tasks: rows written straight into the task table (a bench-only shortcut)
    const existing = (await store.listTasks({}, { limit: 1, offset: 0 })).total;
    progress(`filling the task table to ${opts.queueTasks} rows`);
    fillTasks(dbFile, Math.max(0, opts.queueTasks - existing), nowMs);
    const owners = Array.from({ length: 100 }, (_, i) => `owner-${i}`);
    const storeTimes: number[] = [];
    const httpTimes: number[] = [];
    // The rows were bulk-written by another connection: warm this one's page cache and
    // statements first, as a running server would be (a few queries, not counted).
    for (const owner of owners.slice(0, 5)) {
      await store.listTasks({ owner, status: 'open', visibleAt: new Date().toISOString() }, { limit: 50, offset: 0 }, 'queue');
      await getJson(`${base}/api/tasks/queue?owner=${owner}&limit=50`, cookie);
    }
    for (let i = 0; i < opts.queueSamples; i++) {
      const owner = owners[(i * 37) % owners.length];
      let t = process.hrtime.bigint();
      await store.listTasks({ owner, status: 'open', visibleAt: new Date().toISOString() }, { limit: 50, offset: 0 }, 'queue');
      storeTimes.push(ms(t));
      t = process.hrtime.bigint();
      await getJson(`${base}/api/tasks/queue?owner=${owner}&limit=50`, cookie);
      httpTimes.push(ms(t));
    }
    const queueTasks = (await store.listTasks({}, { limit: 1, offset: 0 })).total;

    return {
      accounts: opts.accounts,
      ingest_s: ingestS,
      ingest_http_s: ingestHttp,
      evaluate_s: evaluateS,
      evaluate_engine_s: round2(split.engineMs / 1000),
      evaluate_store_s: round2(split.storeMs / 1000),
      ingest_http_cpu_s: ingestCpu,
      evaluate_cpu_s: evaluateCpu,
      tasks_stored: tasksStored,
      rows_per_account: rowsPerAccount,
      sqlite_bare_insert_us: floor.bare_insert_us,
      sqlite_indexed_insert_us: floor.indexed_insert_us,
      rows_floor_s: round2((rowsPerAccount * opts.accounts * floor.indexed_insert_us) / 1e6),
      json_bytes_per_account: json.bytesPerAccount,
      json_ns_per_byte: json.nsPerByte,
      json_floor_s: round2((json.bytesPerAccount * opts.accounts * json.nsPerByte) / 1e9),
      event_to_task_samples: latencies.length,
      event_to_task_p50_ms: pct(latencies, 50),
      event_to_task_p99_ms: pct(latencies, 99),
      queue_tasks: queueTasks,
      queue_store_p50_ms: pct(storeTimes, 50),
      queue_store_p99_ms: pct(storeTimes, 99),
      queue_http_p50_ms: pct(httpTimes, 50),
      queue_http_p99_ms: pct(httpTimes, 99),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      load_start: round2(loadStart),
      load_end: round2(os.loadavg()[0]),
      cpus: os.cpus().length,
    };
  } finally {
    await new Promise((r) => server.close(r));
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** GET with one retry: a keep-alive socket the server closed while idle resets on reuse. */
async function getJson(url: string, cookie: string): Promise<unknown> {
  try {
    return await (await fetch(url, { headers: { cookie } })).json();
  } catch {
    return (await fetch(url, { headers: { cookie } })).json();
  }
}

/** Rows in the tables an evaluation writes, per account (+1 for the account row it updates). */
function countRowsPerAccount(dbFile: string, accounts: number): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    const tables = ['tasks', 'task_audit', 'timeline', 'instances', 'stage_changes', 'health_history', 'account_stage'];
    const rows = tables.reduce((n, t) => n + (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n, 0);
    return round2(rows / accounts + 1);
  } finally {
    db.close();
  }
}

/**
 * JSON bytes written per account by the evaluation, and JSON.stringify's cost per byte on this
 * machine, timed (CPU, best of 3) on up to 20,000 of those very documents parsed back.
 */
function measureJsonWritten(dbFile: string, accounts: number): { bytesPerAccount: number; nsPerByte: number } {
  const db = new Database(dbFile, { readonly: true });
  try {
    const cols: [string, string][] = [['tasks', 'json'], ['instances', 'json'], ['timeline', 'json'], ['stage_changes', 'json'], ['health_history', 'json'], ['accounts', 'state'], ['task_audit', 'changes']];
    let bytes = 0;
    const sample: unknown[] = [];
    for (const [table, col] of cols) {
      bytes += (db.prepare(`SELECT COALESCE(SUM(length(${col})), 0) AS n FROM ${table}`).get() as { n: number }).n;
      for (const r of db.prepare(`SELECT ${col} AS j FROM ${table} WHERE ${col} IS NOT NULL LIMIT 3000`).all() as { j: string }[]) sample.push(JSON.parse(r.j));
    }
    let best = Infinity;
    let sampleBytes = 0;
    for (let rep = 0; rep < 3; rep++) {
      const c0 = process.cpuUsage();
      let n = 0;
      for (const doc of sample) n += JSON.stringify(doc).length;
      const c = process.cpuUsage(c0);
      best = Math.min(best, c.user + c.system);
      sampleBytes = n;
    }
    return { bytesPerAccount: Math.round(bytes / accounts), nsPerByte: round2((best * 1000) / Math.max(1, sampleBytes)) };
  } finally {
    db.close();
  }
}

const progress = (msg: string) => process.stderr.write(`[bench e2e] ${msg}\n`);

/** Bulk rows for the queue figure: 100 owners, ~4% of each owner's tasks open, the rest done over two years. */
function fillTasks(dbFile: string, count: number, nowMs: number): void {
  if (count <= 0) return;
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  const accountIds = (db.prepare('SELECT id FROM accounts LIMIT 1000').all() as { id: string }[]).map((r) => r.id);
  const insert = db.prepare(`INSERT INTO tasks (id, key, account_id, playbook_id, owner, status, type, priority, prio_rank, due_at, snoozed_until, created_at, created_day, created_week, json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`);
  const types = ['risk', 'opportunity', 'lifecycle', 'activity'] as const;
  const prios = ['urgent', 'high', 'medium', 'low'] as const;
  const DAY = 86_400_000;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `tb_${i}`;
      const owner = `owner-${i % 100}`;
      // Open, type and priority from a hash of i, not from i % k: those moduli share factors with
      // the owner's (i % 100), which put every open task on 4 owners with a single type each.
      const h = Math.imul(i + 1, 2654435761) >>> 0;
      const open = h % 25 === 0;
      const created = new Date(nowMs - ((i * 7) % 730) * DAY);
      const due = new Date(created.getTime() + 7 * DAY).toISOString();
      const createdAt = created.toISOString();
      const day = createdAt.slice(0, 10);
      const monday = new Date(Date.UTC(created.getUTCFullYear(), created.getUTCMonth(), created.getUTCDate() - ((created.getUTCDay() + 6) % 7))).toISOString().slice(0, 10);
      const type = types[(h >>> 8) % 4];
      const rank = (h >>> 16) % 4;
      const accountId = accountIds[i % accountIds.length];
      const task = {
        id, key: `bench:${i}`, accountId, playbookId: 'bench', playbookVersion: 1, nodeId: 'task', instanceId: null,
        title: `Bench task ${i}`, type, priority: prios[rank], owner, status: open ? 'open' : 'done', flaggedRed: false,
        createdAt, updatedAt: createdAt, dueAt: due, snoozedUntil: null, completedAt: open ? null : due, closedReason: null,
        reasonText: 'Benchmark', reason: { source: 'manual', definitionId: 'bench', version: 1, nodeId: 'task', trigger: 'bench', values: {}, at: createdAt },
        steps: [], email: null,
      };
      insert.run(id, task.key, accountId, 'bench', owner, task.status, type, prios[rank], rank, due, createdAt, day, monday, JSON.stringify(task));
    }
  });
  for (let i = 0; i < count; i += 50_000) batch(i, Math.min(count, i + 50_000));
  db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const figures = await benchE2e(quick ? { accounts: 10_000, events: 100, queueTasks: 200_000, queueSamples: 100 } : { accounts: 100_000, events: 300, queueTasks: 1_000_000, queueSamples: 300 });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else console.table(figures);
}
