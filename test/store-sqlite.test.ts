/**
 * SQLite specifics the contract suite cannot see: WAL mode, several processes on one
 * file, durability across close/reopen, migrations, and that the hot queries are
 * served by their indexes (query plans, not wall-clock timings).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from '../server/store/sqlite.js';
import { openStore } from '../server/store/index.js';
import { MIGRATIONS } from '../server/store/sqlite-schema.js';
import { MIN, T0, at, createTasks, evaluate, makeTask, noopCommit } from './fixtures/store/helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const worker = fileURLToPath(new URL('./fixtures/store/claim-worker.ts', import.meta.url));

let dir: string;
let file: string;
const open: SqliteStore[] = [];
async function openFile(): Promise<SqliteStore> {
  const s = new SqliteStore(file);
  await s.init();
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-sqlite-'));
  file = join(dir, 'waymark.db');
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore on a file', () => {
  it('runs in WAL mode with the schema at the newest migration', async () => {
    const store = await openFile();
    expect(store.journalMode()).toBe('wal');
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it('migration 3 carries red flags of tasks stored before it into the queue index', async () => {
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(MIGRATIONS[0]);
    raw.exec(MIGRATIONS[1]);
    raw.pragma('user_version = 2');
    raw.prepare('INSERT INTO accounts (id, fields, tags, flags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run('a1', '{}', '[]', '{}', T0, T0);
    const insert = raw.prepare(`INSERT INTO tasks (id, key, account_id, playbook_id, owner, status, type, priority, prio_rank, due_at, created_at, created_day, created_week, json)
      VALUES (?, ?, 'a1', 'renewal', 'u-ana', 'open', 'risk', 'high', 1, ?, ?, '2026-11-02', '2026-11-02', ?)`);
    for (const [id, red] of [['t1', true], ['t2', false]] as const) insert.run(id, `k-${id}`, at(60), T0, JSON.stringify(makeTask({ id, accountId: 'a1', flaggedRed: red })));
    raw.close();
    const store = await openFile();
    const heads = await store.listTaskHeads({ owner: 'u-ana', status: 'open' }, 10);
    expect(heads.map((h) => [h.id, h.flaggedRed])).toEqual([['t1', true], ['t2', false]]);
  });

  it('keeps everything across close and reopen, and init() is idempotent', async () => {
    let store = await openFile();
    await store.upsertAccounts([{ id: 'a1', fields: { name: 'Acme', owner: 'u-ana' } }], T0);
    await createTasks(store, [makeTask({ id: 't1', accountId: 'a1' })]);
    await store.publishVersion({ definitionId: 'renewal', kind: 'playbook', content: { kind: 'playbook' } as never, hash: 'h', author: 'u', message: 'm', publishedAt: T0 });
    await store.setMeta('demo-seeded', '1');
    await store.close();
    open.length = 0;

    store = await openFile();
    await store.init();
    expect((await store.getAccount('a1'))!.account.fields).toEqual({ name: 'Acme', owner: 'u-ana' });
    expect((await store.getTask('t1'))!.title).toBe('Task t1');
    expect((await store.latestVersions()).map((v) => v.version)).toEqual([1]);
    expect(await store.getMeta('demo-seeded')).toBe('1');
    // the next version continues from the stored ones
    expect((await store.publishVersion({ definitionId: 'renewal', kind: 'playbook', content: { kind: 'playbook' } as never, hash: 'h2', author: 'u', message: 'm2', publishedAt: at(1) })).version).toBe(2);
  });

  it('published versions cannot be changed even with direct SQL', async () => {
    const store = await openFile();
    await store.publishVersion({ definitionId: 'renewal', kind: 'playbook', content: { kind: 'playbook' } as never, hash: 'h', author: 'u', message: 'm', publishedAt: T0 });
    const raw = new Database(file);
    try {
      expect(() => raw.prepare("UPDATE definition_versions SET message = 'rewritten'").run()).toThrow(/immutable/);
      expect(() => raw.prepare('DELETE FROM definition_versions').run()).toThrow(/immutable/);
    } finally {
      raw.close();
    }
  });

  it('a second process claiming from the same file never gets an account this process holds', async () => {
    const store = await openFile();
    const ids = Array.from({ length: 300 }, (_, i) => `acc-${String(i).padStart(3, '0')}`);
    await store.upsertAccounts(ids.map((id) => ({ id, fields: { name: id } })), T0);
    const claims = await store.claimDue('main', at(1), 10 * MIN, 100);
    const held = claims.map((c) => c.accountId);
    expect(held).toHaveLength(100);

    // Two more processes race each other for the rest, in small batches.
    const [a, b] = await Promise.all(['child-a', 'child-b'].map((w) => run(tsx, [worker, file, w, at(2), '7'], { cwd: root })));
    const gotA: string[] = JSON.parse(a.stdout);
    const gotB: string[] = JSON.parse(b.stdout);
    const children = [...gotA, ...gotB];
    expect(children.filter((id) => held.includes(id))).toEqual([]);
    expect(new Set(children).size).toBe(children.length);
    expect([...held, ...children].sort()).toEqual(ids);
    // this process's leases were never taken over: its commit still goes through
    const bundle = await store.loadForEvaluation(claims[0].accountId);
    expect(await store.commitEvaluation(claims[0], noopCommit(bundle, at(3)), at(3))).toBe(true);
    expect(await store.claimDue('main', at(3), 10 * MIN, 10)).toEqual([]);
  }, 60_000);

  it('the queue and the claim are served by their indexes, with no sort step', async () => {
    const store = await openFile();
    await createTasks(store, [makeTask({ id: 't1', accountId: 'a1' })]);
    const mine = store.explainListTasks({ owner: 'u-ana', status: 'open', visibleAt: T0 }).join('\n');
    expect(mine).toMatch(/tasks_queue\b/);
    expect(mine).not.toMatch(/TEMP B-TREE/);
    // The queue's heads (what it counts and filters on) come from the index alone.
    const heads = store.explainListTaskHeads({ owner: 'u-ana', status: 'open', visibleAt: T0 }).join('\n');
    expect(heads).toMatch(/COVERING INDEX tasks_queue\b/);
    expect(heads).not.toMatch(/TEMP B-TREE/);
    const everyone = store.explainListTasks({ status: 'open', visibleAt: T0 }).join('\n');
    expect(everyone).toMatch(/tasks_queue_all/);
    expect(everyone).not.toMatch(/TEMP B-TREE/);
    const claim = store.explainClaimDue().join('\n');
    expect(claim).toMatch(/accounts_due/);
    expect(claim).not.toMatch(/TEMP B-TREE/);
  });

  it("the worker's batch load looks each account up by index, never scanning a table", async () => {
    const store = await openFile();
    const plans = store.explainBatchLoad();
    expect(Object.keys(plans).sort()).toEqual(['accounts', 'instances', 'openTasks', 'pendingEvents', 'tasksById']);
    for (const [table, plan] of Object.entries(plans)) {
      expect(plan.join('\n'), table).toMatch(/SEARCH (accounts|instances|tasks|events) USING (INDEX|COVERING INDEX|PRIMARY KEY)/);
      expect(plan.join('\n'), table).not.toMatch(/SCAN (accounts|instances|tasks|events)\b/);
    }
  });

  it('bulk upsert of 20,000 accounts goes through in one call', async () => {
    const store = await openFile();
    const items = Array.from({ length: 20_000 }, (_, i) => ({ id: `bulk-${i}`, fields: { name: `Account ${i}`, owner: `u-${i % 8}`, tier: `tier-${1 + (i % 3)}`, mrr: i } }));
    expect(await store.upsertAccounts(items, T0)).toEqual({ inserted: 20_000, updated: 0 });
    expect(await store.upsertAccounts(items.slice(0, 500).map((x) => ({ id: x.id, fields: { mrr: -1 } })), at(1))).toEqual({ inserted: 0, updated: 500 });
    expect((await store.listAccounts({ owner: 'u-3' }, { limit: 1, offset: 0 })).total).toBe(2_500);
    expect((await store.getAccount('bulk-7'))!.account.fields).toEqual({ name: 'Account 7', owner: 'u-7', tier: 'tier-2', mrr: -1 });
  });
});

describe('openStore', () => {
  it('opens SQLite at dbFile, creating the directory, ready to use', async () => {
    const nested = join(dir, 'deep', 'er', 'waymark.db');
    const store = await openStore({ dbFile: nested });
    try {
      expect(store.kind).toBe('sqlite');
      expect(existsSync(nested)).toBe(true);
      await store.upsertAccounts([{ id: 'a1', fields: {} }], T0);
      expect(await evaluate(store, 'a1', T0, () => ({}))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('rejects a MongoDB URL that is not one, naming the setting', async () => {
    await expect(openStore({ mongoUrl: 'http://localhost:27017' })).rejects.toThrow(/MONGODB_URL/);
  });
});
