/**
 * The SQLite store (better-sqlite3): one file, WAL mode, several processes may open it.
 * Writes run in short BEGIN IMMEDIATE transactions, so concurrent writers queue on the
 * file lock (busy_timeout) instead of failing on a stale read snapshot. Calls are
 * synchronous underneath; the async methods keep the Store interface shared with MongoDB.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type {
  Account, AccountEvent, Health, Instance, InstanceStatus, StageChange, Task, TimelineEntry,
} from '../../engine/types.js';
import type {
  AccountFilter, AccountRecord, AccountSort, AccountSummary, AccountUpsert, ApiToken, Claim, DefinitionVersion, EvaluationBundle, EvaluationCommit,
  EvaluationCommitItem, EvaluationCommitResult,
  IncidentRecord, Page, Paged, Session, Store, TaskAuditEntry, TaskFilter, TaskHead, TaskOrder, TaskPatch, User,
} from './types.js';
import { MIGRATIONS } from './sqlite-schema.js';
import {
  MAX_ATTEMPTS, accountColumns, addMs, applyTaskPatch, dayOf, filterString, filterStrings, healthSnapshotId, isoTime, isoTimeOrNull,
  pageOf, priorityRank, requireId, stageChangeId, validateUpsert, weekOf,
} from './shared.js';

type Row = Record<string, any>;

export interface SqliteStoreOptions {
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL from a background thread (its own connection) instead of inside
   * whichever commit crosses SQLite's 1,000-page mark, so no request or worker round pays
   * for copying the WAL into the database file and its fsync. Default: on for a file.
   */
  backgroundCheckpoint?: boolean;
}

/** How often the background thread checkpoints (ms); an idle check is a few microseconds. */
const CHECKPOINT_EVERY_MS = 100;
/**
 * With the background thread on, a commit still checkpoints itself once the WAL passes this
 * many pages (about 40 MB), so the WAL stays bounded even if the thread falls behind.
 */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

/** The checkpoint thread: plain CommonJS so it runs without a TypeScript loader. */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  // PASSIVE never waits for readers or writers: it copies what it can and tries again later.
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next tick */ }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } catch { /* already closed */ }
  parentPort.close();
});
`;

/** A churned account, as analytics counts one: fields.churned is true, or a churn date is set. */
const CHURNED_SQL = "(json_extract(a.fields, '$.churned') IS 1 OR json_extract(a.fields, '$.churnedAt') IS NOT NULL)";
/** ORDER BY of each account sort: accounts without the value last, then name and id. */
const ACCOUNT_ORDER_SQL: Record<AccountSort, string> = {
  name: 'a.name, a.id',
  renewal: "json_extract(a.fields, '$.renewalDate') IS NULL, json_extract(a.fields, '$.renewalDate'), a.name, a.id",
  mrr: "json_extract(a.fields, '$.mrr') IS NULL, json_extract(a.fields, '$.mrr') DESC, a.name, a.id",
  health: 'a.health_score IS NULL, a.health_score, a.name, a.id',
};

/** Due accounts whose lease is free or expired, oldest due first. */
const CLAIM_SQL = `SELECT id, fail_attempts FROM accounts
  WHERE due_at IS NOT NULL AND due_at <= @now AND incident_at IS NULL AND (lease_until IS NULL OR lease_until <= @now)
  ORDER BY due_at, id LIMIT @limit`;

/** loadForEvaluations: one query per table for a whole batch of account ids (a JSON list). */
const IN_IDS = 'IN (SELECT value FROM json_each(?))';
const BATCH_LOAD_SQL = {
  accounts: `SELECT * FROM accounts WHERE id ${IN_IDS}`,
  instances: `SELECT account_id, json FROM instances WHERE account_id ${IN_IDS} AND status = 'active' ORDER BY started_at, id`,
  openTasks: `SELECT account_id, json FROM tasks WHERE account_id ${IN_IDS} AND status = 'open' ORDER BY created_at, id`,
  tasksById: `SELECT account_id, json FROM tasks WHERE id ${IN_IDS} ORDER BY created_at, id`,
  pendingEvents: `SELECT * FROM events WHERE account_id ${IN_IDS} AND processed_at IS NULL ORDER BY occurred_at, id`,
} as const;

const GROUP_COLUMNS = {
  type: 'type', owner: 'owner', status: 'status', priority: 'priority', createdDay: 'created_day', createdWeek: 'created_week',
} as const;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private db: Database.Database;
  private statements = new Map<string, Database.Statement>();

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.file = file;
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 10_000))}`);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // A large page cache (256 MB, filled only as pages are used) keeps the indexes that grow at
    // random places (task, run and timeline ids) in memory while a big book is evaluated, instead
    // of re-reading them from the OS for every batch once they outgrow 64 MB.
    this.db.pragma('cache_size = -262144');
    if (file !== ':memory:' && options.backgroundCheckpoint !== false) this.startCheckpointer();
    // Unicode-aware lower-casing for search (SQLite's lower() folds ASCII only), as MongoDB's /i does.
    this.db.function('wm_lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v));
  }

  /** The journal mode SQLite reports ('wal' for a file). */
  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  /** The query plan of a statement, for tests that check an index serves a query. */
  explain(sql: string, params: unknown[] = []): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Row[]).map((r) => String(r.detail));
  }

  /** The query plan claimDue uses. */
  explainClaimDue(): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${CLAIM_SQL}`).all({ now: new Date(0).toISOString(), limit: 10 }) as Row[]).map((r) => String(r.detail));
  }

  /** The query plans of the batch load, per table (tests check each is an index lookup per id, never a table scan). */
  explainBatchLoad(): Record<keyof typeof BATCH_LOAD_SQL, string[]> {
    const out = {} as Record<keyof typeof BATCH_LOAD_SQL, string[]>;
    for (const [k, sql] of Object.entries(BATCH_LOAD_SQL)) out[k as keyof typeof BATCH_LOAD_SQL] = this.explain(sql, ['["a"]']);
    return out;
  }

  async init(): Promise<void> {
    this.tx(() => {
      const current = Number(this.db.pragma('user_version', { simple: true }));
      for (let v = current; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
  }

  async close(): Promise<void> {
    this.statements.clear();
    const cp = this.checkpointer;
    this.checkpointer = null;
    if (cp) {
      // Let the thread close its connection first, so the last connection to close is this one
      // (which then checkpoints the WAL and removes it).
      await new Promise<void>((resolve) => {
        cp.once('exit', () => { clearTimeout(timer); resolve(); });
        cp.ref(); // keeps the process alive until the thread has closed
        cp.postMessage('close');
        const timer = setTimeout(() => void cp.terminate(), 2000);
      });
    }
    if (this.db.open) this.db.close();
  }

  private checkpointer: Worker | null = null;

  private startCheckpointer(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { module, file: this.file, everyMs: CHECKPOINT_EVERY_MS } });
    worker.unref(); // never keeps the process alive
    // If the thread cannot run, commits checkpoint themselves again (SQLite's default).
    const fallBack = () => {
      if (this.checkpointer === worker && this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      if (this.checkpointer === worker) this.checkpointer = null;
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = worker;
  }

  // ---------------------------------------------------------------- helpers

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** A write transaction that takes the write lock up front (no stale-snapshot upgrade failures). */
  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private toRecord(r: Row): AccountRecord {
    const account: Account = { id: r.id, fields: JSON.parse(r.fields), tags: JSON.parse(r.tags), flags: JSON.parse(r.flags) };
    if (r.tickets) account.tickets = JSON.parse(r.tickets);
    return { account, state: r.state ? JSON.parse(r.state) : null, dueAt: r.due_at ?? null, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  /** dueAt = now, unless it is already due earlier (keeps "oldest due first" fair). */
  private static readonly DUE_NOW = `due_at = CASE WHEN due_at IS NOT NULL AND due_at <= @now THEN due_at ELSE @now END`;

  // ---------------------------------------------------------------- accounts

  async upsertAccounts(items: AccountUpsert[], now: string): Promise<{ inserted: number; updated: number }> {
    if (!Array.isArray(items)) throw new Error('accounts: expected a list');
    items.forEach(validateUpsert);
    const at = isoTime(now, 'now');
    const select = this.stmt('SELECT fields, name, owner, tier, segment, due_at FROM accounts WHERE id = ?');
    // Positional parameters: binding is measurably cheaper than named ones over 100k rows.
    const insert = this.stmt(`INSERT INTO accounts (id, name, owner, tier, segment, fields, tags, flags, due_at, created_at, updated_at, data_rev)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`);
    return this.tx(() => {
      let inserted = 0;
      let updated = 0;
      for (const item of items) {
        const row = select.get(item.id) as Row | undefined;
        if (!row) {
          const fields = item.fields ?? {};
          const c = accountColumns(fields);
          insert.run(item.id, c.name, c.owner, c.tier, c.segment, JSON.stringify(fields), JSON.stringify(item.tags ?? []), JSON.stringify(item.flags ?? {}), at, at, at);
          inserted++;
          continue;
        }
        const fields = item.fields ? { ...JSON.parse(row.fields), ...item.fields } : JSON.parse(row.fields);
        const c = accountColumns(fields);
        // Only indexed columns that really change are written, so a bulk update of
        // e.g. MRR does not rewrite the owner/tier/segment/name/due indexes.
        const sets = ['fields = ?', 'updated_at = ?', 'data_rev = data_rev + 1'];
        const args: unknown[] = [JSON.stringify(fields), at];
        if (item.tags) { sets.push('tags = ?'); args.push(JSON.stringify(item.tags)); }
        if (item.flags) { sets.push('flags = ?'); args.push(JSON.stringify(item.flags)); }
        if (c.name !== row.name) { sets.push('name = ?'); args.push(c.name); }
        if (c.owner !== row.owner) { sets.push('owner = ?'); args.push(c.owner); }
        if (c.tier !== row.tier) { sets.push('tier = ?'); args.push(c.tier); }
        if (c.segment !== row.segment) { sets.push('segment = ?'); args.push(c.segment); }
        if (!(row.due_at !== null && row.due_at <= at)) { sets.push('due_at = ?'); args.push(at); }
        args.push(item.id);
        this.stmt(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`).run(...args);
        updated++;
      }
      return { inserted, updated };
    });
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const r = this.stmt('SELECT * FROM accounts WHERE id = ?').get(filterString(id, 'id')) as Row | undefined;
    return r ? this.toRecord(r) : null;
  }

  async existingAccountIds(ids: string[]): Promise<string[]> {
    const list = filterStrings(ids, 'ids');
    if (list.length === 0) return [];
    return this.stmt(`SELECT id FROM accounts WHERE id ${IN_IDS}`).pluck().all(JSON.stringify([...new Set(list)])) as string[];
  }

  async accountSummaries(ids: string[]): Promise<AccountSummary[]> {
    const list = filterStrings(ids, 'ids');
    if (list.length === 0) return [];
    // `->` gives a field's JSON text (a missing one is NULL), so its type survives as in the document.
    const rows = this.stmt(`SELECT id, name, tier, fields -> '$.mrr' AS mrr, fields -> '$.renewalDate' AS renewal, health_score, health_color
      FROM accounts WHERE id ${IN_IDS}`).all(JSON.stringify([...new Set(list)])) as Row[];
    return rows.map((r) => ({
      id: r.id, name: r.name ?? null, tier: r.tier ?? null,
      mrr: r.mrr === null ? null : JSON.parse(r.mrr), renewalDate: r.renewal === null ? null : JSON.parse(r.renewal),
      health: r.health_color ? { score: r.health_score ?? null, color: r.health_color } : null,
    }));
  }

  async listAccounts(filter: AccountFilter, page: Page, sort: AccountSort = 'name'): Promise<Paged<AccountRecord>> {
    const { limit, offset } = pageOf(page);
    const where: string[] = [];
    const params: unknown[] = [];
    const f = filter ?? {};
    if (f.owner !== undefined) { where.push('a.owner = ?'); params.push(filterString(f.owner, 'filter.owner')); }
    if (f.tier !== undefined) { where.push('a.tier = ?'); params.push(filterString(f.tier, 'filter.tier')); }
    if (f.segment !== undefined) { where.push('a.segment = ?'); params.push(filterString(f.segment, 'filter.segment')); }
    if (f.health !== undefined) { where.push('a.health_color = ?'); params.push(filterString(f.health, 'filter.health')); }
    if (f.journey !== undefined && f.stage !== undefined) {
      where.push('EXISTS (SELECT 1 FROM account_stage s WHERE s.account_id = a.id AND s.journey_id = ? AND s.stage = ?)');
      params.push(filterString(f.journey, 'filter.journey'), filterString(f.stage, 'filter.stage'));
    } else if (f.journey !== undefined) {
      where.push('EXISTS (SELECT 1 FROM account_stage s WHERE s.account_id = a.id AND s.journey_id = ?)');
      params.push(filterString(f.journey, 'filter.journey'));
    } else if (f.stage !== undefined) {
      where.push('EXISTS (SELECT 1 FROM account_stage s WHERE s.account_id = a.id AND s.stage = ?)');
      params.push(filterString(f.stage, 'filter.stage'));
    }
    if (f.q !== undefined && f.q !== '') {
      const q = filterString(f.q, 'filter.q').toLowerCase();
      where.push("(instr(wm_lower(coalesce(a.name, '')), ?) > 0 OR instr(wm_lower(a.id), ?) > 0)");
      params.push(q, q);
    }
    if (f.ids !== undefined) {
      if (!Array.isArray(f.ids)) throw new Error('filter.ids: expected a list of ids');
      where.push('a.id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(f.ids.map((x, i) => filterString(x, `filter.ids[${i}]`))));
    }
    if (f.churned !== undefined) where.push(f.churned ? CHURNED_SQL : `NOT ${CHURNED_SQL}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM accounts a ${w}`).get(...params) as Row).n;
    const order = ACCOUNT_ORDER_SQL[sort];
    if (!order) throw new Error(`sort: "${String(sort)}" is not one of ${Object.keys(ACCOUNT_ORDER_SQL).join(', ')}`);
    const rows = this.stmt(`SELECT a.* FROM accounts a ${w} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, limit, offset) as Row[];
    return { items: rows.map((r) => this.toRecord(r)), total };
  }

  async countAccounts(): Promise<number> {
    return (this.stmt('SELECT COUNT(*) AS n FROM accounts').get() as Row).n;
  }

  // ---------------------------------------------------------------- events

  async insertEvents(events: AccountEvent[], receivedAt: string): Promise<{ inserted: string[]; duplicates: string[] }> {
    if (!Array.isArray(events)) throw new Error('events: expected a list');
    const at = isoTime(receivedAt, 'receivedAt');
    const rows = events.map((e, i) => {
      const where = `events[${i}]`;
      if (!e || typeof e !== 'object') throw new Error(`${where}: expected an object`);
      requireId(e.id, `${where}.id`);
      requireId(e.accountId, `${where}.accountId`);
      if (typeof e.type !== 'string' || !e.type) throw new Error(`${where}.type: expected a non-empty string`);
      if (e.data !== undefined && (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data))) throw new Error(`${where}.data: expected an object`);
      return { id: e.id, account_id: e.accountId, type: e.type, occurred_at: isoTime(e.occurredAt, `${where}.occurredAt`), data: JSON.stringify(e.data ?? {}) };
    });
    const ensureAccount = this.stmt(`INSERT OR IGNORE INTO accounts (id, fields, tags, flags, created_at, updated_at, due_at)
      VALUES (?, '{}', '[]', '{}', ?, ?, NULL)`);
    const insert = this.stmt(`INSERT OR IGNORE INTO events (id, account_id, type, occurred_at, received_at, processed_at, data)
      VALUES (@id, @account_id, @type, @occurred_at, @received_at, NULL, @data)`);
    const due = this.stmt(`UPDATE accounts SET ${SqliteStore.DUE_NOW} WHERE id = @id`);
    return this.tx(() => {
      const inserted: string[] = [];
      const duplicates: string[] = [];
      for (const r of rows) {
        ensureAccount.run(r.account_id, at, at);
        if (insert.run({ ...r, received_at: at }).changes === 1) {
          inserted.push(r.id);
          due.run({ id: r.account_id, now: at });
        } else duplicates.push(r.id);
      }
      return { inserted, duplicates };
    });
  }

  async listEvents(accountId: string, page: Page): Promise<Paged<AccountEvent>> {
    const { limit, offset } = pageOf(page);
    const id = filterString(accountId, 'accountId');
    const total = (this.stmt('SELECT COUNT(*) AS n FROM events WHERE account_id = ?').get(id) as Row).n;
    const rows = this.stmt('SELECT * FROM events WHERE account_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?').all(id, limit, offset) as Row[];
    return { items: rows.map(toEvent), total };
  }

  // ---------------------------------------------------------------- the worker's work

  async claimDue(workerId: string, now: string, leaseMs: number, limit: number): Promise<Claim[]> {
    const owner = requireId(workerId, 'workerId');
    const at = isoTime(now, 'now');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new Error('leaseMs: expected a positive number');
    const n = Math.max(0, Math.trunc(limit));
    const until = addMs(at, leaseMs);
    const pick = this.stmt(CLAIM_SQL);
    const take = this.stmt(`UPDATE accounts SET lease_owner = @owner, lease_token = @token, lease_until = @until, lease_rev = data_rev
      WHERE id = @id`);
    return this.tx(() => {
      const claims: Claim[] = [];
      for (const r of pick.all({ now: at, limit: n }) as Row[]) {
        const token = randomUUID();
        take.run({ owner, token, until, id: r.id });
        claims.push({ accountId: r.id, workerId: owner, token, leaseUntil: until, attempts: r.fail_attempts });
      }
      return claims;
    });
  }

  async loadForEvaluation(accountId: string): Promise<EvaluationBundle> {
    const id = filterString(accountId, 'accountId');
    return this.db.transaction(() => {
      const row = this.stmt('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw new Error(`loadForEvaluation: account "${id}" does not exist`);
      const rec = this.toRecord(row);
      const instances = (this.stmt("SELECT json FROM instances WHERE account_id = ? AND status = 'active' ORDER BY started_at, id").all(id) as Row[])
        .map((r) => JSON.parse(r.json) as Instance);
      const taskIds = new Set<string>();
      for (const inst of instances) for (const t of Object.values(inst.tasks ?? {})) taskIds.add(t);
      const tasks = new Map<string, Task>();
      for (const r of this.stmt("SELECT json FROM tasks WHERE account_id = ? AND status = 'open' ORDER BY created_at, id").all(id) as Row[]) {
        const t = JSON.parse(r.json) as Task;
        tasks.set(t.id, t);
      }
      const missing = [...taskIds].filter((t) => !tasks.has(t));
      if (missing.length) {
        for (const r of this.stmt('SELECT json FROM tasks WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(missing)) as Row[]) {
          const t = JSON.parse(r.json) as Task;
          tasks.set(t.id, t);
        }
      }
      const pendingEvents = (this.stmt('SELECT * FROM events WHERE account_id = ? AND processed_at IS NULL ORDER BY occurred_at, id').all(id) as Row[]).map(toEvent);
      return { account: rec.account, state: rec.state, instances, tasks: [...tasks.values()], pendingEvents };
    }).deferred();
  }

  async loadForEvaluations(accountIds: string[]): Promise<Map<string, EvaluationBundle>> {
    if (!Array.isArray(accountIds)) throw new Error('accountIds: expected a list');
    const ids = JSON.stringify(accountIds.map((x, i) => filterString(x, `accountIds[${i}]`)));
    return this.db.transaction(() => {
      const out = new Map<string, { rec: AccountRecord; instances: Instance[]; tasks: Map<string, Task>; pendingEvents: AccountEvent[] }>();
      for (const r of this.stmt(BATCH_LOAD_SQL.accounts).all(ids) as Row[]) {
        out.set(r.id, { rec: this.toRecord(r), instances: [], tasks: new Map(), pendingEvents: [] });
      }
      for (const r of this.stmt(BATCH_LOAD_SQL.instances).all(ids) as Row[]) {
        out.get(r.account_id)?.instances.push(JSON.parse(r.json));
      }
      for (const r of this.stmt(BATCH_LOAD_SQL.openTasks).all(ids) as Row[]) {
        const t = JSON.parse(r.json) as Task;
        out.get(r.account_id)?.tasks.set(t.id, t);
      }
      // Tasks referenced by active runs but no longer open (done, closed): one more query for all of them.
      const missing: string[] = [];
      for (const b of out.values()) {
        for (const inst of b.instances) for (const t of Object.values(inst.tasks ?? {})) if (!b.tasks.has(t)) missing.push(t);
      }
      if (missing.length) {
        for (const r of this.stmt(BATCH_LOAD_SQL.tasksById).all(JSON.stringify(missing)) as Row[]) {
          const t = JSON.parse(r.json) as Task;
          out.get(r.account_id)?.tasks.set(t.id, t);
        }
      }
      for (const r of this.stmt(BATCH_LOAD_SQL.pendingEvents).all(ids) as Row[]) {
        out.get(r.account_id)?.pendingEvents.push(toEvent(r));
      }
      const bundles = new Map<string, EvaluationBundle>();
      for (const [id, b] of out) {
        bundles.set(id, { account: b.rec.account, state: b.rec.state, instances: b.instances, tasks: [...b.tasks.values()], pendingEvents: b.pendingEvents });
      }
      return bundles;
    }).deferred();
  }

  async nextDueAt(now: string): Promise<string | null> {
    const at = isoTime(now, 'now');
    // Walks the due index from the earliest; only accounts leased right now are skipped over.
    const r = this.stmt(`SELECT due_at FROM accounts
      WHERE due_at IS NOT NULL AND incident_at IS NULL AND (lease_until IS NULL OR lease_until <= ?)
      ORDER BY due_at LIMIT 1`).get(at) as Row | undefined;
    return r ? r.due_at : null;
  }

  async commitEvaluation(claim: Claim, commit: EvaluationCommit, now: string): Promise<boolean> {
    const at = isoTime(now, 'now');
    const apply = this.prepareCommit(claim, commit, at);
    return this.tx(apply);
  }

  async commitEvaluations(items: EvaluationCommitItem[], now: string): Promise<EvaluationCommitResult[]> {
    if (!Array.isArray(items)) throw new Error('commitEvaluations: expected a list');
    const at = isoTime(now, 'now');
    const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
    // Checks and conversions first: an item that fails them is rejected before any write.
    const plans = items.map(({ claim, commit }): (() => boolean) | Error => {
      try {
        return this.prepareCommit(claim, commit, at);
      } catch (e) {
        return asError(e);
      }
    });
    // One write transaction for the batch. Fast path: items applied one after another with
    // no savepoints (a savepoint copies every page an item touches to a sub-journal).
    // If an item fails while writing, the whole transaction rolls back and the batch is
    // redone with a savepoint per item, so only that item is rejected.
    try {
      return this.tx(() => plans.map((p) => (p instanceof Error ? p : p())));
    } catch {
      return this.tx(() => plans.map((p): EvaluationCommitResult => {
        if (p instanceof Error) return p;
        try {
          return this.db.transaction(p)();
        } catch (e) {
          return asError(e);
        }
      }));
    }
  }

  /** Checks and converts a commit (throwing before any write), returning the writes to run inside a transaction. */
  private prepareCommit(claim: Claim, commit: EvaluationCommit, at: string): () => boolean {
    const accountId = claim.accountId;
    if (commit.account?.id !== accountId) throw new Error(`commit.account.id: "${commit.account?.id}" is not the claimed account "${accountId}"`);
    for (const [i, inst] of commit.instances.entries()) {
      if (inst.accountId !== accountId) throw new Error(`commit.instances[${i}]: belongs to account "${inst.accountId}", not "${accountId}"`);
    }
    const nextWakeAt = isoTimeOrNull(commit.nextWakeAt, 'commit.nextWakeAt');
    const tasks = commit.effects.filter((e) => e.kind === 'createTask').map((e, i) => {
      if (e.task.accountId !== accountId) throw new Error(`commit.effects createTask "${e.task.id}": belongs to account "${e.task.accountId}", not "${accountId}"`);
      return taskRow(e.task, `commit.effects createTask[${i}]`);
    });
    return () => {
      const row = this.stmt(`SELECT lease_token, data_rev, lease_rev, fields, tags, flags, tickets, name, owner, tier, segment, health_color, due_at
        FROM accounts WHERE id = ?`).get(accountId) as Row | undefined;
      if (!row || row.lease_token !== claim.token) return false;
      if (row.data_rev !== row.lease_rev) {
        // The account was upserted after the claim: release it so the next claim sees the new data.
        this.stmt(`UPDATE accounts SET lease_owner = NULL, lease_token = NULL, lease_until = NULL, lease_rev = NULL, ${SqliteStore.DUE_NOW} WHERE id = @id`)
          .run({ id: accountId, now: at });
        return false;
      }
      const a = commit.account;
      const fields = JSON.stringify(a.fields ?? {});
      const tags = JSON.stringify(a.tags ?? []);
      const flags = JSON.stringify(a.flags ?? {});
      const tickets = a.tickets ? JSON.stringify(a.tickets) : null;
      const changed = fields !== row.fields || tags !== row.tags || flags !== row.flags || tickets !== (row.tickets ?? null);

      // instances
      // A run the evaluation handed back unchanged is not rewritten (nor its three indexes):
      // the upsert's WHERE compares the stored document, in the same statement.
      const upsertInstance = this.stmt(`INSERT INTO instances (id, account_id, playbook_id, version, status, node_id, started_at, json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET playbook_id = excluded.playbook_id, version = excluded.version, status = excluded.status,
          node_id = excluded.node_id, started_at = excluded.started_at, json = excluded.json
        WHERE instances.json IS NOT excluded.json`);
      for (const inst of commit.instances) {
        const r = instanceRow(inst);
        upsertInstance.run(r.id, r.account_id, r.playbook_id, r.version, r.status, r.node_id, r.started_at, r.json);
      }

      // effects, in order
      let t = 0;
      for (const e of commit.effects) {
        switch (e.kind) {
          case 'createTask': {
            const r = tasks[t++];
            if (this.insertTask(r)) this.audit(r.id, e.task.createdAt ?? at, null, 'created', e.task.reasonText ?? null, {});
            break;
          }
          case 'updateTask': {
            const task = this.readTask(e.taskId);
            if (!task) throw new Error(`commit.effects updateTask: task "${e.taskId}" does not exist`);
            const next: Task = { ...task, ...e.changes, updatedAt: isoTime(e.at, 'updateTask.at') };
            this.writeTask(next);
            this.audit(task.id, e.at, null, 'updated', e.note ?? null, e.changes as Record<string, unknown>);
            break;
          }
          case 'closeTask': {
            const task = this.readTask(e.taskId);
            if (!task) throw new Error(`commit.effects closeTask: task "${e.taskId}" does not exist`);
            if (task.status === 'open') {
              this.writeTask({ ...task, status: 'closed', closedReason: e.reason, updatedAt: isoTime(e.at, 'closeTask.at') });
              this.audit(task.id, e.at, null, 'closed', e.reason, { status: 'closed', closedReason: e.reason });
            }
            break;
          }
          case 'stageChanged':
            this.insertStageChange(accountId, e.change);
            break;
          case 'healthChanged':
            this.insertHealth(accountId, e.health);
            break;
          case 'timeline':
            if (e.entry.accountId !== accountId) throw new Error(`commit.effects timeline "${e.entry.id}": belongs to account "${e.entry.accountId}"`);
            this.insertTimeline(e.entry);
            break;
          default:
            throw new Error(`commit.effects: unknown effect kind "${(e as { kind: string }).kind}"`);
        }
      }

      // journey positions, as filterable rows: only the ones that moved are rewritten
      const before = new Map((this.stmt('SELECT journey_id, stage, entered_at FROM account_stage WHERE account_id = ?').all(accountId) as Row[])
        .map((r) => [r.journey_id as string, r]));
      const putStage = this.stmt(`INSERT INTO account_stage (account_id, journey_id, stage, entered_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(account_id, journey_id) DO UPDATE SET stage = excluded.stage, entered_at = excluded.entered_at`);
      for (const [journeyId, pos] of Object.entries(commit.state?.journeys ?? {})) {
        const old = before.get(journeyId);
        before.delete(journeyId);
        if (!old || old.stage !== pos.stage || old.entered_at !== pos.enteredAt) putStage.run(accountId, journeyId, pos.stage, pos.enteredAt);
      }
      const dropStage = this.stmt('DELETE FROM account_stage WHERE account_id = ? AND journey_id = ?');
      for (const journeyId of before.keys()) dropStage.run(accountId, journeyId);

      // events
      const processed = this.stmt('UPDATE events SET processed_at = ? WHERE id = ? AND account_id = ? AND processed_at IS NULL');
      for (const id of commit.processedEventIds ?? []) processed.run(at, id, accountId);
      const pending = this.stmt('SELECT 1 FROM events WHERE account_id = ? AND processed_at IS NULL LIMIT 1').get(accountId);

      const health = commit.state?.health ?? null;
      // Indexed columns are set only when they change, so a commit does not rewrite the
      // name/owner/tier/segment/health/due indexes of an account whose values stayed put.
      const cols = accountColumns(a.fields ?? {});
      const next: Row = { name: cols.name, owner: cols.owner, tier: cols.tier, segment: cols.segment, health_color: health?.color ?? null, due_at: pending ? at : nextWakeAt };
      // The account's own data is rewritten only when the evaluation changed it (events can).
      const sets = changed ? ['fields = ?', 'tags = ?', 'flags = ?', 'tickets = ?', 'state = ?', 'health_score = ?'] : ['state = ?', 'health_score = ?'];
      const args: unknown[] = changed ? [fields, tags, flags, tickets, JSON.stringify(commit.state), health?.score ?? null] : [JSON.stringify(commit.state), health?.score ?? null];
      for (const col of ['name', 'owner', 'tier', 'segment', 'health_color', 'due_at']) {
        if (next[col] !== (row[col] ?? null)) { sets.push(`${col} = ?`); args.push(next[col]); }
      }
      if (changed) { sets.push('updated_at = ?'); args.push(at); }
      args.push(accountId);
      this.stmt(`UPDATE accounts SET ${sets.join(', ')},
          lease_owner = NULL, lease_token = NULL, lease_until = NULL, lease_rev = NULL, fail_attempts = 0 WHERE id = ?`).run(...args);
      return true;
    };
  }

  async failEvaluation(claim: Claim, message: string, now: string, retryAt: string): Promise<IncidentRecord> {
    const at = isoTime(now, 'now');
    const retry = isoTime(retryAt, 'retryAt');
    const msg = String(message);
    return this.tx(() => {
      const row = this.stmt('SELECT lease_token, fail_attempts FROM accounts WHERE id = ?').get(claim.accountId) as Row | undefined;
      if (!row || row.lease_token !== claim.token) return { accountId: claim.accountId, message: msg, at, attempts: row?.fail_attempts ?? 0 };
      const attempts = row.fail_attempts + 1;
      const incident = attempts >= MAX_ATTEMPTS;
      this.stmt(`UPDATE accounts SET fail_attempts = @attempts, due_at = @due, incident_message = @message, incident_at = @incident_at,
          lease_owner = NULL, lease_token = NULL, lease_until = NULL, lease_rev = NULL WHERE id = @id`).run({
        id: claim.accountId, attempts, due: retry, message: incident ? msg : null, incident_at: incident ? at : null,
      });
      if (incident) {
        const save = this.stmt("UPDATE instances SET status = 'incident', json = ? WHERE id = ?");
        for (const r of this.stmt("SELECT json FROM instances WHERE account_id = ? AND status = 'active'").all(claim.accountId) as Row[]) {
          const inst = JSON.parse(r.json) as Instance;
          save.run(JSON.stringify({ ...inst, status: 'incident', incident: { message: msg, at, attempts } }), inst.id);
        }
      }
      return { accountId: claim.accountId, message: msg, at, attempts };
    });
  }

  async listIncidents(): Promise<IncidentRecord[]> {
    const rows = this.stmt('SELECT id, incident_message, incident_at, fail_attempts FROM accounts WHERE incident_at IS NOT NULL ORDER BY incident_at DESC, id').all() as Row[];
    return rows.map((r) => ({ accountId: r.id, message: r.incident_message, at: r.incident_at, attempts: r.fail_attempts }));
  }

  async retryIncident(accountId: string, now: string): Promise<boolean> {
    const id = filterString(accountId, 'accountId');
    const at = isoTime(now, 'now');
    return this.tx(() => {
      const row = this.stmt('SELECT 1 FROM accounts WHERE id = ? AND incident_at IS NOT NULL').get(id);
      if (!row) return false;
      this.stmt(`UPDATE accounts SET incident_message = NULL, incident_at = NULL, fail_attempts = 0, due_at = @now,
          lease_owner = NULL, lease_token = NULL, lease_until = NULL, lease_rev = NULL WHERE id = @id`).run({ id, now: at });
      const save = this.stmt("UPDATE instances SET status = 'active', json = ? WHERE id = ?");
      for (const r of this.stmt("SELECT json FROM instances WHERE account_id = ? AND status = 'incident'").all(id) as Row[]) {
        const inst = JSON.parse(r.json) as Instance;
        save.run(JSON.stringify({ ...inst, status: 'active', incident: null }), inst.id);
      }
      return true;
    });
  }

  async markDue(now: string, accountIds?: string[]): Promise<number> {
    const at = isoTime(now, 'now');
    return this.tx(() => {
      if (accountIds === undefined) return this.stmt(`UPDATE accounts SET ${SqliteStore.DUE_NOW}`).run({ now: at }).changes;
      const ids = accountIds.map((x, i) => filterString(x, `accountIds[${i}]`));
      return this.stmt(`UPDATE accounts SET ${SqliteStore.DUE_NOW} WHERE id IN (SELECT value FROM json_each(@ids))`).run({ now: at, ids: JSON.stringify(ids) }).changes;
    });
  }

  // ---------------------------------------------------------------- instances

  async listInstances(filter: { accountId?: string; playbookId?: string; status?: InstanceStatus; version?: number }, page: Page): Promise<Paged<Instance>> {
    const { limit, offset } = pageOf(page);
    const where: string[] = [];
    const params: unknown[] = [];
    const f = filter ?? {};
    if (f.accountId !== undefined) { where.push('account_id = ?'); params.push(filterString(f.accountId, 'filter.accountId')); }
    if (f.playbookId !== undefined) { where.push('playbook_id = ?'); params.push(filterString(f.playbookId, 'filter.playbookId')); }
    if (f.status !== undefined) { where.push('status = ?'); params.push(filterString(f.status, 'filter.status')); }
    if (f.version !== undefined) { where.push('version = ?'); params.push(toInt(f.version, 'filter.version')); }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM instances ${w}`).get(...params) as Row).n;
    const rows = this.stmt(`SELECT json FROM instances ${w} ORDER BY started_at, id LIMIT ? OFFSET ?`).all(...params, limit, offset) as Row[];
    return { items: rows.map((r) => JSON.parse(r.json)), total };
  }

  async saveInstances(instances: Instance[]): Promise<void> {
    const rows = instances.map(instanceRow);
    const upsert = this.stmt(`INSERT INTO instances (id, account_id, playbook_id, version, status, node_id, started_at, json)
      VALUES (@id, @account_id, @playbook_id, @version, @status, @node_id, @started_at, @json)
      ON CONFLICT(id) DO UPDATE SET playbook_id = excluded.playbook_id, version = excluded.version, status = excluded.status,
        node_id = excluded.node_id, started_at = excluded.started_at, json = excluded.json`);
    this.tx(() => { for (const r of rows) upsert.run(r); });
  }

  // ---------------------------------------------------------------- tasks

  private insertTask(r: Row): boolean {
    // Positional parameters: binding is measurably cheaper than named ones (a task is 15 columns).
    return this.stmt(`INSERT OR IGNORE INTO tasks (id, key, account_id, playbook_id, owner, status, type, priority, prio_rank, due_at,
        snoozed_until, created_at, created_day, created_week, flagged, json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(r.id, r.key, r.account_id, r.playbook_id, r.owner, r.status, r.type, r.priority,
      r.prio_rank, r.due_at, r.snoozed_until, r.created_at, r.created_day, r.created_week, r.flagged, r.json).changes === 1;
  }

  private readTask(id: string): Task | null {
    const r = this.stmt('SELECT json FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return r ? JSON.parse(r.json) : null;
  }

  private writeTask(task: Task): void {
    const r = taskRow(task, `task ${task.id}`);
    this.stmt(`UPDATE tasks SET owner = @owner, status = @status, type = @type, priority = @priority, prio_rank = @prio_rank,
        due_at = @due_at, snoozed_until = @snoozed_until, flagged = @flagged, json = @json WHERE id = @id`).run(r);
  }

  private audit(taskId: string, at: string, by: string | null, action: TaskAuditEntry['action'], note: string | null, changes: Record<string, unknown>): void {
    this.stmt('INSERT INTO task_audit (task_id, at, by, action, note, changes) VALUES (?, ?, ?, ?, ?, ?)')
      .run(taskId, at, by, action, note, JSON.stringify(changes ?? {}));
  }

  private taskListSql(filter: TaskFilter, order: TaskOrder): { count: string; list: string; params: unknown[] } {
    const { where, params } = taskWhere(filter ?? {});
    const orderBy = order === 'created' ? 'created_at DESC, id DESC' : 'prio_rank, due_at, id';
    return { count: `SELECT COUNT(*) AS n FROM tasks ${where}`, list: `SELECT json FROM tasks ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`, params };
  }

  async listTasks(filter: TaskFilter, page: Page, order: TaskOrder = 'queue'): Promise<Paged<Task>> {
    const { limit, offset } = pageOf(page);
    const q = this.taskListSql(filter, order);
    const total = (this.stmt(q.count).get(...q.params) as Row).n;
    const rows = this.stmt(q.list).all(...q.params, limit, offset) as Row[];
    return { items: rows.map((r) => JSON.parse(r.json)), total };
  }

  /** The query plan listTasks uses for a filter (tests check the queue never sorts in a temp b-tree). */
  explainListTasks(filter: TaskFilter, order: TaskOrder = 'queue'): string[] {
    const q = this.taskListSql(filter, order);
    return this.explain(q.list, [...q.params, 50, 0]);
  }

  private taskHeadsSql(filter: TaskFilter): { sql: string; params: unknown[] } {
    const { where, params } = taskWhere(filter ?? {});
    // For one owner's queue every column here is in the tasks_queue index: no task row is read.
    return { sql: `SELECT id, account_id, playbook_id, type, priority, due_at, flagged FROM tasks ${where} ORDER BY prio_rank, due_at, id LIMIT ?`, params };
  }

  /** The query plan of listTaskHeads (tests check one owner's queue is answered from the index alone). */
  explainListTaskHeads(filter: TaskFilter): string[] {
    const q = this.taskHeadsSql(filter);
    return this.explain(q.sql, [...q.params, 50]);
  }

  async listTaskHeads(filter: TaskFilter, limit: number): Promise<TaskHead[]> {
    const n = toInt(limit, 'limit');
    if (n < 1) throw new Error('limit: expected at least 1');
    const q = this.taskHeadsSql(filter);
    const rows = this.stmt(q.sql).all(...q.params, n) as Row[];
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, playbookId: r.playbook_id, type: r.type, priority: r.priority, dueAt: r.due_at, flaggedRed: r.flagged === 1 }));
  }

  async getTask(id: string): Promise<Task | null> {
    return this.readTask(filterString(id, 'id'));
  }

  async updateTask(id: string, patch: TaskPatch): Promise<Task | null> {
    const taskId = filterString(id, 'id');
    const updatedAt = isoTime(patch.updatedAt, 'patch.updatedAt');
    if (patch.snoozedUntil) isoTime(patch.snoozedUntil, 'patch.snoozedUntil');
    return this.tx(() => {
      const task = this.readTask(taskId);
      if (!task) return null;
      const next = applyTaskPatch(task, patch);
      this.writeTask(next);
      const { updatedAt: _u, by, note, ...changes } = patch;
      this.audit(taskId, updatedAt, by ?? null, 'changed', note ?? null, changes);
      return next;
    });
  }

  async listTaskAudit(taskId: string): Promise<TaskAuditEntry[]> {
    const rows = this.stmt('SELECT * FROM task_audit WHERE task_id = ? ORDER BY seq').all(filterString(taskId, 'taskId')) as Row[];
    return rows.map((r) => ({ taskId: r.task_id, at: r.at, by: r.by ?? null, action: r.action, note: r.note ?? null, changes: JSON.parse(r.changes) }));
  }

  async taskCounts(filter: TaskFilter, groupBy: ('type' | 'owner' | 'status' | 'priority' | 'createdDay' | 'createdWeek')[]): Promise<{ key: Record<string, string>; count: number }[]> {
    const cols = groupBy.map((g) => {
      const c = GROUP_COLUMNS[g];
      if (!c) throw new Error(`groupBy: unknown grouping "${String(g)}"`);
      return c;
    });
    const { where, params } = taskWhere(filter ?? {});
    const select = cols.map((c, i) => `${c} AS g${i}`).join(', ');
    const sql = cols.length
      ? `SELECT ${select}, COUNT(*) AS n FROM tasks ${where} GROUP BY ${cols.join(', ')} ORDER BY ${cols.join(', ')}`
      : `SELECT COUNT(*) AS n FROM tasks ${where}`;
    const rows = this.stmt(sql).all(...params) as Row[];
    return rows
      .filter((r) => cols.length > 0 || r.n > 0)
      .map((r) => ({ key: Object.fromEntries(groupBy.map((g, i) => [g, String(r[`g${i}`])])), count: r.n }));
  }

  // ---------------------------------------------------------------- timeline & history

  private insertTimeline(e: TimelineEntry): void {
    this.stmt('INSERT OR IGNORE INTO timeline (id, account_id, at, kind, json) VALUES (?, ?, ?, ?, ?)')
      .run(e.id, e.accountId, isoTime(e.at, `timeline "${e.id}".at`), e.kind, JSON.stringify(e));
  }

  private insertStageChange(accountId: string, c: StageChange): void {
    const at = isoTime(c.at, 'stageChanged.at');
    this.stmt('INSERT OR IGNORE INTO stage_changes (id, account_id, journey_id, from_stage, to_stage, at, json) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(stageChangeId(accountId, c.journeyId, at, c.to), accountId, c.journeyId, c.from ?? null, c.to, at, JSON.stringify(c));
  }

  private insertHealth(accountId: string, h: Health): void {
    const at = isoTime(h.at, 'healthChanged.health.at');
    this.stmt('INSERT OR IGNORE INTO health_history (id, account_id, at, score, color, json) VALUES (?, ?, ?, ?, ?, ?)')
      .run(healthSnapshotId(accountId, at), accountId, at, h.score ?? null, h.color ?? null, JSON.stringify(h));
  }

  async addTimeline(entries: TimelineEntry[]): Promise<void> {
    entries.forEach((e, i) => {
      requireId(e?.id, `timeline[${i}].id`);
      requireId(e.accountId, `timeline[${i}].accountId`);
      isoTime(e.at, `timeline[${i}].at`);
    });
    this.tx(() => {
      const exists = this.stmt('SELECT 1 FROM accounts WHERE id = ?');
      entries.forEach((e, i) => {
        if (!exists.get(e.accountId)) throw new Error(`timeline[${i}]: account "${e.accountId}" does not exist`);
        this.insertTimeline(e);
      });
    });
  }

  async listTimeline(accountId: string, page: Page): Promise<Paged<TimelineEntry>> {
    const { limit, offset } = pageOf(page);
    const id = filterString(accountId, 'accountId');
    const total = (this.stmt('SELECT COUNT(*) AS n FROM timeline WHERE account_id = ?').get(id) as Row).n;
    const rows = this.stmt('SELECT json FROM timeline WHERE account_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?').all(id, limit, offset) as Row[];
    return { items: rows.map((r) => JSON.parse(r.json)), total };
  }

  async listStageChanges(filter: { journeyId: string; accountIds?: string[]; from?: string; to?: string }): Promise<(StageChange & { accountId: string })[]> {
    const where = ['journey_id = ?'];
    const params: unknown[] = [filterString(filter.journeyId, 'filter.journeyId')];
    if (filter.accountIds !== undefined) {
      where.push('account_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.accountIds.map((x, i) => filterString(x, `filter.accountIds[${i}]`))));
    }
    if (filter.from !== undefined) { where.push('at >= ?'); params.push(isoTime(filter.from, 'filter.from')); }
    if (filter.to !== undefined) { where.push('at <= ?'); params.push(isoTime(filter.to, 'filter.to')); }
    const rows = this.stmt(`SELECT account_id, json FROM stage_changes WHERE ${where.join(' AND ')} ORDER BY at, account_id, id`).all(...params) as Row[];
    return rows.map((r) => ({ ...JSON.parse(r.json), accountId: r.account_id }));
  }

  async listHealthHistory(accountId: string, limit: number): Promise<Health[]> {
    const rows = this.stmt('SELECT json FROM health_history WHERE account_id = ? ORDER BY at DESC LIMIT ?')
      .all(filterString(accountId, 'accountId'), pageOf({ limit, offset: 0 }).limit) as Row[];
    return rows.map((r) => JSON.parse(r.json));
  }

  // ---------------------------------------------------------------- definitions

  async publishVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion> {
    const definitionId = requireId(v.definitionId, 'definitionId');
    return this.tx(() => {
      const max = (this.stmt('SELECT MAX(version) AS v FROM definition_versions WHERE definition_id = ?').get(definitionId) as Row).v ?? 0;
      return this.insertVersion(v, max + 1, 'INSERT')!;
    });
  }

  async publishFirstVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion | null> {
    // The (definition_id, version) primary key decides: a second writer's row is ignored.
    return this.insertVersion(v, 1, 'INSERT OR IGNORE');
  }

  /** Writes one version; null when `verb` ignored it (the version exists). */
  private insertVersion(v: Omit<DefinitionVersion, 'version'>, version: number, verb: 'INSERT' | 'INSERT OR IGNORE'): DefinitionVersion | null {
    const definitionId = requireId(v.definitionId, 'definitionId');
    const publishedAt = isoTime(v.publishedAt, 'publishedAt');
    const content = JSON.stringify(v.content);
    const written = this.stmt(`${verb} INTO definition_versions (definition_id, version, kind, hash, author, message, published_at, content)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(definitionId, version, v.kind, v.hash, v.author, v.message, publishedAt, content).changes === 1;
    return written ? { definitionId, kind: v.kind, version, content: JSON.parse(content), hash: v.hash, author: v.author, message: v.message, publishedAt } : null;
  }

  async listVersions(definitionId: string): Promise<Omit<DefinitionVersion, 'content'>[]> {
    const rows = this.stmt('SELECT definition_id, version, kind, hash, author, message, published_at FROM definition_versions WHERE definition_id = ? ORDER BY version')
      .all(filterString(definitionId, 'definitionId')) as Row[];
    return rows.map((r) => ({ definitionId: r.definition_id, kind: r.kind, version: r.version, hash: r.hash, author: r.author, message: r.message, publishedAt: r.published_at }));
  }

  async getVersion(definitionId: string, version: number): Promise<DefinitionVersion | null> {
    const r = this.stmt('SELECT * FROM definition_versions WHERE definition_id = ? AND version = ?')
      .get(filterString(definitionId, 'definitionId'), toInt(version, 'version')) as Row | undefined;
    return r ? toVersion(r) : null;
  }

  async latestVersions(): Promise<DefinitionVersion[]> {
    const rows = this.stmt(`SELECT v.* FROM definition_versions v
      WHERE v.version = (SELECT MAX(version) FROM definition_versions w WHERE w.definition_id = v.definition_id)
      ORDER BY v.definition_id`).all() as Row[];
    return rows.map(toVersion);
  }

  // ---------------------------------------------------------------- users, sessions, tokens

  async upsertUser(user: User): Promise<void> {
    requireId(user?.id, 'user.id');
    if (typeof user.email !== 'string' || !user.email.includes('@')) throw new Error(`user "${user.id}".email: expected an email address`);
    const email = user.email.toLowerCase();
    this.tx(() => {
      const other = this.stmt('SELECT id FROM users WHERE email_lower = ? AND id <> ?').get(email, user.id) as Row | undefined;
      if (other) throw new Error(`user "${user.id}".email: ${user.email} is already used by user "${other.id}"`);
      this.stmt('INSERT INTO users (id, email_lower, json) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET email_lower = excluded.email_lower, json = excluded.json')
        .run(user.id, email, JSON.stringify(user));
    });
  }

  async getUser(id: string): Promise<User | null> {
    const r = this.stmt('SELECT json FROM users WHERE id = ?').get(filterString(id, 'id')) as Row | undefined;
    return r ? JSON.parse(r.json) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    const r = this.stmt('SELECT json FROM users WHERE email_lower = ?').get(filterString(email, 'email').toLowerCase()) as Row | undefined;
    return r ? JSON.parse(r.json) : null;
  }

  async listUsers(): Promise<User[]> {
    return (this.stmt('SELECT json FROM users ORDER BY id').all() as Row[]).map((r) => JSON.parse(r.json));
  }

  async createSession(s: Session): Promise<void> {
    this.stmt('INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)')
      .run(requireId(s.id, 'session.id'), requireId(s.userId, 'session.userId'), isoTime(s.expiresAt, 'session.expiresAt'), isoTime(s.createdAt, 'session.createdAt'));
  }

  async getSession(id: string): Promise<Session | null> {
    const r = this.stmt('SELECT * FROM sessions WHERE id = ?').get(filterString(id, 'id')) as Row | undefined;
    return r ? { id: r.id, userId: r.user_id, expiresAt: r.expires_at, createdAt: r.created_at } : null;
  }

  async deleteSession(id: string): Promise<void> {
    this.stmt('DELETE FROM sessions WHERE id = ?').run(filterString(id, 'id'));
  }

  async deleteUserSessions(userId: string, keep?: string): Promise<number> {
    const k = keep === undefined ? null : filterString(keep, 'keep');
    return this.stmt('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?').run(filterString(userId, 'userId'), k).changes;
  }

  async createToken(t: ApiToken): Promise<void> {
    this.stmt('INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(requireId(t.id, 'token.id'), requireId(t.userId, 'token.userId'), String(t.name), requireId(t.tokenHash, 'token.tokenHash'),
        isoTime(t.createdAt, 'token.createdAt'), isoTimeOrNull(t.lastUsedAt, 'token.lastUsedAt'));
  }

  async findTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const r = this.stmt('SELECT * FROM api_tokens WHERE token_hash = ?').get(filterString(tokenHash, 'tokenHash')) as Row | undefined;
    return r ? { id: r.id, userId: r.user_id, name: r.name, tokenHash: r.token_hash, createdAt: r.created_at, lastUsedAt: r.last_used_at ?? null } : null;
  }

  // ---------------------------------------------------------------- meta

  async getMeta(key: string): Promise<string | null> {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get(filterString(key, 'key')) as Row | undefined;
    return r ? r.value : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(filterString(key, 'key'), filterString(value, 'value'));
  }

  async setMetaIfAbsent(key: string, value: string): Promise<boolean> {
    return this.stmt('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(filterString(key, 'key'), filterString(value, 'value')).changes === 1;
  }
}

// ---------------------------------------------------------------- row mapping

function toEvent(r: Row): AccountEvent {
  return { id: r.id, accountId: r.account_id, type: r.type, occurredAt: r.occurred_at, data: JSON.parse(r.data) };
}

function toVersion(r: Row): DefinitionVersion {
  return {
    definitionId: r.definition_id, kind: r.kind, version: r.version, content: JSON.parse(r.content),
    hash: r.hash, author: r.author, message: r.message, publishedAt: r.published_at,
  };
}

function toInt(v: unknown, where: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${where}: expected an integer`);
  return n;
}

function instanceRow(inst: Instance): Row {
  requireId(inst?.id, 'instance.id');
  return {
    id: inst.id, account_id: requireId(inst.accountId, `instance "${inst.id}".accountId`), playbook_id: inst.playbookId,
    version: toInt(inst.version, `instance "${inst.id}".version`), status: inst.status, node_id: inst.nodeId ?? null,
    started_at: isoTime(inst.startedAt, `instance "${inst.id}".startedAt`), json: JSON.stringify(inst),
  };
}

function taskRow(task: Task, where: string): Row {
  requireId(task?.id, `${where}.id`);
  requireId(task.key, `${where}.key`);
  const createdAt = isoTime(task.createdAt, `${where}.createdAt`);
  return {
    id: task.id, key: task.key, account_id: requireId(task.accountId, `${where}.accountId`), playbook_id: String(task.playbookId),
    owner: String(task.owner), status: task.status, type: task.type, priority: task.priority, prio_rank: priorityRank(task.priority),
    due_at: isoTime(task.dueAt, `${where}.dueAt`), snoozed_until: isoTimeOrNull(task.snoozedUntil, `${where}.snoozedUntil`),
    created_at: createdAt, created_day: dayOf(createdAt), created_week: weekOf(createdAt), flagged: task.flaggedRed === true ? 1 : 0, json: JSON.stringify(task),
  };
}

function taskWhere(f: TaskFilter): { where: string; params: unknown[] } {
  const w: string[] = [];
  const p: unknown[] = [];
  if (f.owner !== undefined) { w.push('owner = ?'); p.push(filterString(f.owner, 'filter.owner')); }
  if (f.accountId !== undefined) { w.push('account_id = ?'); p.push(filterString(f.accountId, 'filter.accountId')); }
  if (f.status !== undefined) {
    if (Array.isArray(f.status)) {
      const s = f.status.map((x, i) => filterString(x, `filter.status[${i}]`));
      w.push(s.length ? `status IN (${s.map(() => '?').join(', ')})` : '0');
      p.push(...s);
    } else { w.push('status = ?'); p.push(filterString(f.status, 'filter.status')); }
  }
  if (f.type !== undefined) { w.push('type = ?'); p.push(filterString(f.type, 'filter.type')); }
  if (f.priority !== undefined) { w.push('priority = ?'); p.push(filterString(f.priority, 'filter.priority')); }
  // With an account, its index (a few dozen rows) always wins; '+' keeps the planner, which has
  // no statistics, from walking every task of the playbook instead.
  if (f.playbookId !== undefined) { w.push(f.accountId !== undefined ? '+playbook_id = ?' : 'playbook_id = ?'); p.push(filterString(f.playbookId, 'filter.playbookId')); }
  if (f.dueBefore !== undefined) { w.push('due_at <= ?'); p.push(isoTime(f.dueBefore, 'filter.dueBefore')); }
  if (f.visibleAt !== undefined) { w.push('(snoozed_until IS NULL OR snoozed_until <= ?)'); p.push(isoTime(f.visibleAt, 'filter.visibleAt')); }
  if (f.createdAfter !== undefined) { w.push('created_at >= ?'); p.push(isoTime(f.createdAfter, 'filter.createdAfter')); }
  if (f.createdBefore !== undefined) { w.push('created_at < ?'); p.push(isoTime(f.createdBefore, 'filter.createdBefore')); }
  if (f.ids !== undefined) { w.push(`id ${IN_IDS}`); p.push(JSON.stringify(filterStrings(f.ids, 'filter.ids'))); }
  return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', params: p };
}

