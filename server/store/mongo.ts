/**
 * The MongoDB store (official driver), for running several server/worker processes
 * against one database. Same behaviour as the SQLite store (one contract suite):
 *  - claims are leases taken with findOneAndUpdate, one account at a time;
 *  - commitEvaluation runs in a transaction when the deployment has them (replica set or
 *    sharded cluster); otherwise it is an ordered sequence of idempotent writes (every
 *    insert is an upsert on a unique key) with the account update last, guarded by the
 *    lease token, so a crash mid-way and a re-run never duplicate anything;
 *  - filters are built only from typed values: every user value is coerced to a string
 *    or number first and pipeline values are wrapped in $literal, so no operator injection.
 * Engine documents (tasks, instances, events, state...) are stored as JSON text, exactly as
 * given (their keys, e.g. condition values such as "health.score", may contain dots that
 * update operators would misread); the values we filter and sort on sit beside them as
 * real fields, normalised (times via toISOString). Account fields stay a document so an
 * upsert can merge them atomically on the server.
 */
import { randomUUID } from 'node:crypto';
import {
  MongoBulkWriteError, MongoClient, MongoServerError, type MongoClientOptions, type AnyBulkWriteOperation, type ClientSession, type Collection, type Db, type Document, type Filter,
} from 'mongodb';
import type { Account, AccountEvent, Health, Instance, InstanceStatus, StageChange, Task, TimelineEntry } from '../../engine/types.js';
import type { HealthColor } from '../../engine/schema/definitions.js';
import type {
  AccountFilter, AccountRecord, AccountSort, AccountSummary, AccountUpsert, ApiToken, Claim, DefinitionVersion, EvaluationBundle, EvaluationCommit,
  EvaluationCommitItem, EvaluationCommitResult, IncidentRecord, Page, Paged, Session, Store, TaskAuditEntry, TaskFilter, TaskHead, TaskOrder, TaskPatch, User,
} from './types.js';
import {
  MAX_ATTEMPTS, accountColumns, addMs, applyTaskPatch, dayOf, filterString, filterStrings, healthSnapshotId, isoTime, isoTimeOrNull,
  pageOf, priorityRank, requireId, stageChangeId, validateUpsert, weekOf,
} from './shared.js';

interface Lease { owner: string; token: string; until: string }
export interface AccountDoc {
  _id: string;
  name: string | null; owner: string | null; tier: string | null; segment: string | null;
  fields: Record<string, unknown>; tags: string[]; flags: Record<string, boolean>; ticketsJson: string | null;
  stateJson: string | null; healthColor: string | null; healthScore: number | null;
  stages: { journey: string; stage: string; enteredAt: string }[];
  dueAt: string | null; createdAt: string; updatedAt: string;
  dataRev: number; lease: Lease | null; leaseRev: number | null;
  /** Counts claims; a claim's token starts with its number, the fencing token of its writes. */
  leaseSeq?: number;
  failAttempts: number; incident: { message: string; at: string } | null;
}
interface EventDoc { _id: string; accountId: string; type: string; occurredAt: string; receivedAt: string; processedAt: string | null; json: string }
/** fence: the claim number (leaseSeq) of the commit that last wrote it; see commitEvaluation. */
interface InstanceDoc { _id: string; accountId: string; playbookId: string; version: number; status: string; nodeId: string | null; startedAt: string; json: string; fence?: number }
export interface TaskDoc {
  _id: string; key: string; accountId: string; playbookId: string; owner: string; status: string; type: string; priority: string;
  prioRank: number; dueAt: string; snoozedUntil: string | null; createdAt: string; createdDay: string; createdWeek: string; json: string; fence?: number;
  /** Copied from the task for the queue's heads; documents written before it was added lack it. */
  flaggedRed?: boolean;
}
interface AuditDoc { _id: string; taskId: string; at: string; seq: number; by: string | null; action: TaskAuditEntry['action']; note: string | null; changesJson: string }
interface TimelineDoc { _id: string; accountId: string; at: string; json: string }
interface StageChangeDoc { _id: string; accountId: string; journeyId: string; at: string; json: string }
interface HealthDoc { _id: string; accountId: string; at: string; json: string }
interface VersionDoc { _id: string; definitionId: string; version: number; kind: string; hash: string; author: string; message: string; publishedAt: string; contentJson: string }
interface UserDoc { _id: string; emailLower: string; user: User }
interface SessionDoc { _id: string; userId: string; expiresAt: string; createdAt: string }
interface TokenDoc { _id: string; userId: string; name: string; tokenHash: string; createdAt: string; lastUsedAt: string | null }
interface MetaDoc { _id: string; value: string }

export interface MongoStoreOptions {
  /** Passed to MongoClient (e.g. serverSelectionTimeoutMS). */
  clientOptions?: MongoClientOptions;
  /** Database name; defaults to the one in the URL, else "waymark". */
  dbName?: string;
  /** Force transactions on or off; by default detected from the deployment in init(). */
  transactions?: boolean;
}

const GROUP_FIELDS = { type: 'type', owner: 'owner', status: 'status', priority: 'priority', createdDay: 'createdDay', createdWeek: 'createdWeek' } as const;
const DUPLICATE_KEY = 11000;

/** dueAt = now unless already due earlier (pipeline expression). */
function dueNowExpr(now: string): Document {
  return { $cond: [{ $and: [{ $ne: [{ $ifNull: ['$dueAt', null] }, null] }, { $lte: ['$dueAt', { $literal: now }] }] }, '$dueAt', { $literal: now }] };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  private client: MongoClient;
  private db: Db;
  private useTransactions: boolean | undefined;
  private auditSeq = 0;

  private accounts: Collection<AccountDoc>;
  private events: Collection<EventDoc>;
  private instances: Collection<InstanceDoc>;
  private tasks: Collection<TaskDoc>;
  private audits: Collection<AuditDoc>;
  private timeline: Collection<TimelineDoc>;
  private stageChanges: Collection<StageChangeDoc>;
  private healthHistory: Collection<HealthDoc>;
  private versions: Collection<VersionDoc>;
  private users: Collection<UserDoc>;
  private sessions: Collection<SessionDoc>;
  private tokens: Collection<TokenDoc>;
  private meta: Collection<MetaDoc>;

  constructor(url: string, options: MongoStoreOptions = {}) {
    this.client = new MongoClient(url, options.clientOptions);
    this.db = this.client.db(options.dbName, { writeConcern: { w: 'majority' } });
    this.useTransactions = options.transactions;
    this.accounts = this.db.collection<AccountDoc>('accounts');
    this.events = this.db.collection<EventDoc>('events');
    this.instances = this.db.collection<InstanceDoc>('instances');
    this.tasks = this.db.collection<TaskDoc>('tasks');
    this.audits = this.db.collection<AuditDoc>('task_audit');
    this.timeline = this.db.collection<TimelineDoc>('timeline');
    this.stageChanges = this.db.collection<StageChangeDoc>('stage_changes');
    this.healthHistory = this.db.collection<HealthDoc>('health_history');
    this.versions = this.db.collection<VersionDoc>('definition_versions');
    this.users = this.db.collection<UserDoc>('users');
    this.sessions = this.db.collection<SessionDoc>('sessions');
    this.tokens = this.db.collection<TokenDoc>('api_tokens');
    this.meta = this.db.collection<MetaDoc>('meta');
  }

  async init(): Promise<void> {
    await this.client.connect();
    if (this.useTransactions === undefined) {
      const hello = await this.db.admin().command({ hello: 1 });
      this.useTransactions = Boolean(hello.setName) || hello.msg === 'isdbgrid';
    }
    await Promise.all([
      this.accounts.createIndexes([
        { key: { dueAt: 1, _id: 1, 'lease.until': 1 }, name: 'due_lease' },
        { key: { name: 1, _id: 1 }, name: 'by_name' },
        { key: { owner: 1, name: 1, _id: 1 }, name: 'by_owner' },
        { key: { tier: 1, name: 1, _id: 1 }, name: 'by_tier' },
        { key: { segment: 1, name: 1, _id: 1 }, name: 'by_segment' },
        { key: { healthColor: 1, name: 1, _id: 1 }, name: 'by_health' },
        { key: { 'stages.journey': 1, 'stages.stage': 1 }, name: 'by_stage' },
        { key: { 'stages.stage': 1 }, name: 'by_stage_only' },
        { key: { 'incident.at': 1 }, name: 'incidents', sparse: true },
      ]),
      this.events.createIndexes([
        { key: { accountId: 1, occurredAt: 1, _id: 1 }, name: 'by_account' },
        { key: { accountId: 1, processedAt: 1, occurredAt: 1, _id: 1 }, name: 'pending' },
      ]),
      this.instances.createIndexes([
        { key: { accountId: 1, status: 1 }, name: 'by_account' },
        { key: { playbookId: 1, status: 1, version: 1, nodeId: 1 }, name: 'by_playbook' },
        { key: { startedAt: 1, _id: 1 }, name: 'by_start' },
      ]),
      this.tasks.createIndexes([
        { key: { key: 1 }, name: 'key_unique', unique: true },
        { key: { owner: 1, status: 1, prioRank: 1, dueAt: 1, _id: 1 }, name: 'queue' },
        { key: { status: 1, prioRank: 1, dueAt: 1, _id: 1 }, name: 'queue_all' },
        { key: { accountId: 1, status: 1 }, name: 'by_account' },
        { key: { playbookId: 1, status: 1 }, name: 'by_playbook' },
        { key: { createdAt: 1, _id: 1 }, name: 'by_created' },
      ]),
      this.audits.createIndexes([{ key: { taskId: 1, at: 1, seq: 1 }, name: 'by_task' }]),
      this.timeline.createIndexes([{ key: { accountId: 1, at: 1, _id: 1 }, name: 'by_account' }]),
      this.stageChanges.createIndexes([
        { key: { journeyId: 1, at: 1 }, name: 'by_journey' },
        { key: { accountId: 1, journeyId: 1, at: 1 }, name: 'by_account' },
      ]),
      this.healthHistory.createIndexes([{ key: { accountId: 1, at: 1 }, name: 'by_account' }]),
      this.versions.createIndexes([{ key: { definitionId: 1, version: 1 }, name: 'definition_version', unique: true }]),
      this.users.createIndexes([{ key: { emailLower: 1 }, name: 'email_unique', unique: true }]),
      this.sessions.createIndexes([{ key: { expiresAt: 1 }, name: 'by_expiry' }]),
      this.tokens.createIndexes([{ key: { tokenHash: 1 }, name: 'hash_unique', unique: true }]),
    ]);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Drops the whole database (tests use a throw-away database per run). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  /** Whether commits run in transactions (known after init). */
  get transactional(): boolean {
    return Boolean(this.useTransactions);
  }

  // ---------------------------------------------------------------- helpers

  private toRecord(d: AccountDoc): AccountRecord {
    const account: Account = { id: d._id, fields: d.fields ?? {}, tags: d.tags ?? [], flags: d.flags ?? {} };
    if (d.ticketsJson) account.tickets = JSON.parse(d.ticketsJson);
    return { account, state: d.stateJson ? JSON.parse(d.stateJson) : null, dueAt: d.dueAt ?? null, createdAt: d.createdAt, updatedAt: d.updatedAt };
  }

  private nextSeq(): number {
    // Orders audit entries that share a timestamp; unique within this process is enough.
    this.auditSeq = (this.auditSeq + 1) % 1_000_000;
    return Date.now() * 1_000_000 + this.auditSeq;
  }

  /** Runs fn in a transaction when the deployment supports it, else directly. */
  private async maybeTransaction<T>(fn: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    if (!this.useTransactions) return fn(undefined);
    const session = this.client.startSession();
    try {
      return await session.withTransaction(() => fn(session), { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
    } finally {
      await session.endSession();
    }
  }

  // ---------------------------------------------------------------- accounts

  async upsertAccounts(items: AccountUpsert[], now: string): Promise<{ inserted: number; updated: number }> {
    if (!Array.isArray(items)) throw new Error('accounts: expected a list');
    items.forEach(validateUpsert);
    const at = isoTime(now, 'now');
    // Several items for one id merge in order first, so each account is one atomic update.
    const combined = new Map<string, AccountUpsert>();
    for (const item of items) {
      const prev = combined.get(item.id);
      combined.set(item.id, prev
        ? { id: item.id, fields: item.fields || prev.fields ? { ...prev.fields, ...item.fields } : undefined, tags: item.tags ?? prev.tags, flags: item.flags ?? prev.flags }
        : { id: item.id, fields: item.fields, tags: item.tags, flags: item.flags });
    }
    const ops: AnyBulkWriteOperation<AccountDoc>[] = [];
    for (const item of combined.values()) {
      const cols = accountColumns(item.fields ?? {});
      const set: Document = {
        fields: { $mergeObjects: [{ $ifNull: ['$fields', {}] }, { $literal: item.fields ?? {} }] },
        tags: item.tags ? { $literal: [...item.tags] } : { $ifNull: ['$tags', []] },
        flags: item.flags ? { $literal: { ...item.flags } } : { $ifNull: ['$flags', {}] },
        ticketsJson: { $ifNull: ['$ticketsJson', null] },
        stateJson: { $ifNull: ['$stateJson', null] },
        healthColor: { $ifNull: ['$healthColor', null] },
        healthScore: { $ifNull: ['$healthScore', null] },
        stages: { $ifNull: ['$stages', []] },
        createdAt: { $ifNull: ['$createdAt', { $literal: at }] },
        updatedAt: { $literal: at },
        dataRev: { $add: [{ $ifNull: ['$dataRev', 0] }, 1] },
        dueAt: dueNowExpr(at),
        lease: { $ifNull: ['$lease', null] },
        leaseRev: { $ifNull: ['$leaseRev', null] },
        failAttempts: { $ifNull: ['$failAttempts', 0] },
        incident: { $ifNull: ['$incident', null] },
      };
      // The indexed copies change only when the upsert gives that field.
      for (const k of ['name', 'owner', 'tier', 'segment'] as const) {
        set[k] = item.fields && k in item.fields ? { $literal: cols[k] } : { $ifNull: [`$${k}`, null] };
      }
      ops.push({ updateOne: { filter: { _id: item.id }, update: [{ $set: set }], upsert: true } });
    }
    let inserted = 0;
    for (let i = 0; i < ops.length; i += 1000) {
      const res = await this.accounts.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
      inserted += res.upsertedCount;
    }
    return { inserted, updated: items.length - inserted };
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const d = await this.accounts.findOne({ _id: filterString(id, 'id') });
    return d ? this.toRecord(d) : null;
  }

  async accountSummaries(ids: string[]): Promise<AccountSummary[]> {
    const list = filterStrings(ids, 'ids');
    if (list.length === 0) return [];
    const docs = await this.accounts.find({ _id: { $in: [...new Set(list)] } }, {
      projection: { _id: 1, name: 1, tier: 1, 'fields.mrr': 1, 'fields.renewalDate': 1, healthScore: 1, healthColor: 1 },
    }).toArray();
    return docs.map((d) => ({
      id: d._id, name: d.name ?? null, tier: d.tier ?? null, mrr: d.fields?.mrr ?? null, renewalDate: d.fields?.renewalDate ?? null,
      health: d.healthColor ? { score: d.healthScore ?? null, color: d.healthColor as HealthColor } : null,
    }));
  }

  async existingAccountIds(ids: string[]): Promise<string[]> {
    const list = filterStrings(ids, 'ids');
    if (list.length === 0) return [];
    const docs = await this.accounts.find({ _id: { $in: [...new Set(list)] } }, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  async listAccounts(filter: AccountFilter, page: Page, sort: AccountSort = 'name'): Promise<Paged<AccountRecord>> {
    const { limit, offset } = pageOf(page);
    const q = accountQuery(filter);
    const by = ACCOUNT_SORT_FIELD[sort];
    if (by === undefined) throw new Error(`sort: "${String(sort)}" is not one of ${Object.keys(ACCOUNT_SORT_FIELD).join(', ')}`);
    // Accounts without the value last (MongoDB sorts missing and null first): a computed key first.
    const list = by === null
      ? this.accounts.find(q).sort({ name: 1, _id: 1 }).skip(offset).limit(limit).toArray()
      : this.accounts.aggregate<AccountDoc>([
        { $match: q },
        { $addFields: { _sortMissing: { $cond: [{ $eq: [{ $ifNull: [`$${by.path}`, null] }, null] }, 1, 0] } } },
        { $sort: { _sortMissing: 1, [by.path]: by.dir, name: 1, _id: 1 } },
        { $skip: offset }, { $limit: limit }, { $project: { _sortMissing: 0 } },
      ]).toArray();
    const [total, docs] = await Promise.all([this.accounts.countDocuments(q), list]);
    return { items: docs.map((d) => this.toRecord(d)), total };
  }

  async countAccounts(): Promise<number> {
    return this.accounts.countDocuments({});
  }

  private emptyAccount(id: string, at: string): AccountDoc {
    return {
      _id: id, name: null, owner: null, tier: null, segment: null, fields: {}, tags: [], flags: {}, ticketsJson: null,
      stateJson: null, healthColor: null, healthScore: null, stages: [], dueAt: null, createdAt: at, updatedAt: at,
      dataRev: 0, lease: null, leaseRev: null, failAttempts: 0, incident: null,
    };
  }

  // ---------------------------------------------------------------- events

  async insertEvents(events: AccountEvent[], receivedAt: string): Promise<{ inserted: string[]; duplicates: string[] }> {
    if (!Array.isArray(events)) throw new Error('events: expected a list');
    const at = isoTime(receivedAt, 'receivedAt');
    const docs: EventDoc[] = events.map((e, i) => {
      const where = `events[${i}]`;
      if (!e || typeof e !== 'object') throw new Error(`${where}: expected an object`);
      requireId(e.id, `${where}.id`);
      requireId(e.accountId, `${where}.accountId`);
      if (typeof e.type !== 'string' || !e.type) throw new Error(`${where}.type: expected a non-empty string`);
      if (e.data !== undefined && (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data))) throw new Error(`${where}.data: expected an object`);
      const occurredAt = isoTime(e.occurredAt, `${where}.occurredAt`);
      const event: AccountEvent = { id: e.id, accountId: e.accountId, type: e.type, occurredAt: e.occurredAt, data: e.data ?? {} };
      return { _id: e.id, accountId: e.accountId, type: e.type, occurredAt, receivedAt: at, processedAt: null, json: JSON.stringify(event) };
    });
    const accountIds = [...new Set(docs.map((d) => d.accountId))];
    for (let i = 0; i < accountIds.length; i += 1000) {
      await this.accounts.bulkWrite(accountIds.slice(i, i + 1000).map((id) => {
        const { _id, ...rest } = this.emptyAccount(id, at);
        return { updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true } };
      }), { ordered: false });
    }
    const inserted: string[] = [];
    const duplicates: string[] = [];
    const seen = new Set<string>();
    const fresh: EventDoc[] = [];
    for (const d of docs) {
      if (seen.has(d._id)) duplicates.push(d._id);
      else { seen.add(d._id); fresh.push(d); }
    }
    // Insert-if-absent: an upsert that only sets on insert never overwrites and never errors.
    const touched = new Set<string>();
    for (let i = 0; i < fresh.length; i += 1000) {
      const chunk = fresh.slice(i, i + 1000);
      let res: { upsertedIds: { [index: number]: unknown } };
      try {
        res = await this.events.bulkWrite(chunk.map((d) => {
          const { _id, ...rest } = d;
          return { updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true } };
        }), { ordered: false });
      } catch (err) {
        // Two processes inserting the same event at once: the loser's duplicate-key error means "already there".
        if (!(err instanceof MongoBulkWriteError)) throw err;
        const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        if (errors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
        res = err.result;
      }
      const upserted = new Set(Object.keys(res.upsertedIds).map(Number));
      chunk.forEach((d, k) => {
        if (upserted.has(k)) { inserted.push(d._id); touched.add(d.accountId); } else duplicates.push(d._id);
      });
    }
    if (touched.size) {
      await this.accounts.updateMany({ _id: { $in: [...touched] } }, [{ $set: { dueAt: dueNowExpr(at) } }]);
    }
    const order = new Map(docs.map((d, i) => [d._id, i]));
    duplicates.sort((a, b) => order.get(a)! - order.get(b)!);
    return { inserted, duplicates };
  }

  async listEvents(accountId: string, page: Page): Promise<Paged<AccountEvent>> {
    const { limit, offset } = pageOf(page);
    const q = { accountId: filterString(accountId, 'accountId') };
    const [total, docs] = await Promise.all([
      this.events.countDocuments(q),
      this.events.find(q).sort({ occurredAt: -1, _id: -1 }).skip(offset).limit(limit).toArray(),
    ]);
    return { items: docs.map((d) => JSON.parse(d.json) as AccountEvent), total };
  }

  // ---------------------------------------------------------------- the worker's work

  async claimDue(workerId: string, now: string, leaseMs: number, limit: number): Promise<Claim[]> {
    const owner = requireId(workerId, 'workerId');
    const at = isoTime(now, 'now');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new Error('leaseMs: expected a positive number');
    const until = addMs(at, leaseMs);
    const claims: Claim[] = [];
    for (let i = 0; i < Math.max(0, Math.trunc(limit)); i++) {
      // One atomic take per account: two claimers can never both match the same free lease.
      // The token is "<claim number>:<random>", the number counted up on the account by the server.
      const doc = await this.accounts.findOneAndUpdate(
        { dueAt: { $ne: null, $lte: at }, incident: null, $or: [{ lease: null }, { 'lease.until': { $lte: at } }] },
        [
          { $set: { leaseSeq: { $add: [{ $ifNull: ['$leaseSeq', 0] }, 1] } } },
          {
            $set: {
              lease: { owner: { $literal: owner }, token: { $concat: [{ $toString: '$leaseSeq' }, ':', { $literal: randomUUID() }] }, until: { $literal: until } },
              leaseRev: '$dataRev',
            },
          },
        ],
        { sort: { dueAt: 1, _id: 1 }, projection: { _id: 1, lease: 1, failAttempts: 1 }, returnDocument: 'after' },
      );
      if (!doc || !doc.lease) break;
      claims.push({ accountId: doc._id, workerId: owner, token: doc.lease.token, leaseUntil: until, attempts: doc.failAttempts ?? 0 });
    }
    return claims;
  }

  async loadForEvaluation(accountId: string): Promise<EvaluationBundle> {
    const id = filterString(accountId, 'accountId');
    const d = await this.accounts.findOne({ _id: id });
    if (!d) throw new Error(`loadForEvaluation: account "${id}" does not exist`);
    const rec = this.toRecord(d);
    const [instDocs, openTasks, pending] = await Promise.all([
      this.instances.find({ accountId: id, status: 'active' }).sort({ startedAt: 1, _id: 1 }).toArray(),
      this.tasks.find({ accountId: id, status: 'open' }).sort({ createdAt: 1, _id: 1 }).toArray(),
      this.events.find({ accountId: id, processedAt: null }).sort({ occurredAt: 1, _id: 1 }).toArray(),
    ]);
    const instances = instDocs.map((x) => JSON.parse(x.json) as Instance);
    const tasks = new Map(openTasks.map((t) => [t._id, JSON.parse(t.json) as Task]));
    const missing = [...new Set(instances.flatMap((inst) => Object.values(inst.tasks ?? {})))].filter((t) => !tasks.has(t));
    if (missing.length) for (const t of await this.tasks.find({ _id: { $in: missing } }).toArray()) tasks.set(t._id, JSON.parse(t.json) as Task);
    return { account: rec.account, state: rec.state, instances, tasks: [...tasks.values()], pendingEvents: pending.map((e) => JSON.parse(e.json) as AccountEvent) };
  }

  async loadForEvaluations(accountIds: string[]): Promise<Map<string, EvaluationBundle>> {
    if (!Array.isArray(accountIds)) throw new Error('accountIds: expected a list');
    const ids = accountIds.map((x, i) => filterString(x, `accountIds[${i}]`));
    const [accDocs, instDocs, openTasks, pending] = await Promise.all([
      this.accounts.find({ _id: { $in: ids } }).toArray(),
      this.instances.find({ accountId: { $in: ids }, status: 'active' }).sort({ startedAt: 1, _id: 1 }).toArray(),
      this.tasks.find({ accountId: { $in: ids }, status: 'open' }).sort({ createdAt: 1, _id: 1 }).toArray(),
      this.events.find({ accountId: { $in: ids }, processedAt: null }).sort({ occurredAt: 1, _id: 1 }).toArray(),
    ]);
    const out = new Map<string, { rec: AccountRecord; instances: Instance[]; tasks: Map<string, Task>; pendingEvents: AccountEvent[] }>();
    for (const d of accDocs) out.set(d._id, { rec: this.toRecord(d), instances: [], tasks: new Map(), pendingEvents: [] });
    for (const x of instDocs) out.get(x.accountId)?.instances.push(JSON.parse(x.json) as Instance);
    for (const t of openTasks) out.get(t.accountId)?.tasks.set(t._id, JSON.parse(t.json) as Task);
    const missing: string[] = [];
    for (const b of out.values()) for (const inst of b.instances) for (const t of Object.values(inst.tasks ?? {})) if (!b.tasks.has(t)) missing.push(t);
    if (missing.length) {
      for (const t of await this.tasks.find({ _id: { $in: [...new Set(missing)] } }).sort({ createdAt: 1, _id: 1 }).toArray()) {
        out.get(t.accountId)?.tasks.set(t._id, JSON.parse(t.json) as Task);
      }
    }
    for (const e of pending) out.get(e.accountId)?.pendingEvents.push(JSON.parse(e.json) as AccountEvent);
    const bundles = new Map<string, EvaluationBundle>();
    for (const [id, b] of out) bundles.set(id, { account: b.rec.account, state: b.rec.state, instances: b.instances, tasks: [...b.tasks.values()], pendingEvents: b.pendingEvents });
    return bundles;
  }

  async nextDueAt(now: string): Promise<string | null> {
    const at = isoTime(now, 'now');
    const doc = await this.accounts.findOne(
      { dueAt: { $ne: null }, incident: null, $or: [{ lease: null }, { 'lease.until': { $lte: at } }] },
      { sort: { dueAt: 1 }, projection: { dueAt: 1 } },
    );
    return doc?.dueAt ?? null;
  }

  /** MongoDB commits each evaluation on its own (its own transaction when the deployment has them). */
  async commitEvaluations(items: EvaluationCommitItem[], now: string): Promise<EvaluationCommitResult[]> {
    if (!Array.isArray(items)) throw new Error('commitEvaluations: expected a list');
    const results: EvaluationCommitResult[] = [];
    for (const { claim, commit } of items) {
      try {
        results.push(await this.commitEvaluation(claim, commit, now));
      } catch (e) {
        results.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return results;
  }

  async commitEvaluation(claim: Claim, commit: EvaluationCommit, now: string): Promise<boolean> {
    const at = isoTime(now, 'now');
    const accountId = filterString(claim.accountId, 'claim.accountId');
    const token = filterString(claim.token, 'claim.token');
    const fence = fenceOf(token);
    if (commit.account?.id !== accountId) throw new Error(`commit.account.id: "${commit.account?.id}" is not the claimed account "${accountId}"`);
    for (const [i, inst] of commit.instances.entries()) {
      if (inst.accountId !== accountId) throw new Error(`commit.instances[${i}]: belongs to account "${inst.accountId}", not "${accountId}"`);
    }
    const nextWakeAt = isoTimeOrNull(commit.nextWakeAt, 'commit.nextWakeAt');
    // Everything is checked and converted before the first write.
    const instanceDocs = commit.instances.map((inst) => ({ ...instanceDoc(inst), fence }));
    const plan = commit.effects.map((e, i) => {
      if (e.kind === 'createTask') {
        if (e.task.accountId !== accountId) throw new Error(`commit.effects createTask "${e.task.id}": belongs to account "${e.task.accountId}", not "${accountId}"`);
        return { e, task: { ...taskDoc(e.task, `commit.effects[${i}].task`), fence } };
      }
      if (e.kind === 'timeline' && e.entry.accountId !== accountId) throw new Error(`commit.effects timeline "${e.entry.id}": belongs to account "${e.entry.accountId}"`);
      return { e };
    });

    return this.maybeTransaction(async (session) => {
      const current = await this.accounts.findOne({ _id: accountId }, { session, projection: { lease: 1, dataRev: 1, leaseRev: 1, fields: 1, tags: 1, flags: 1, ticketsJson: 1 } });
      if (!current || current.lease?.token !== token) return false;
      if (current.dataRev !== current.leaseRev) {
        await this.accounts.updateOne({ _id: accountId, 'lease.token': token },
          [{ $set: { lease: null, leaseRev: null, dueAt: dueNowExpr(at) } }], { session });
        return false;
      }
      // Without a transaction nothing can be undone, so check every referenced task exists before the first write.
      const created = new Set(plan.flatMap((p) => (p.task ? [p.task._id] : [])));
      const referenced = new Map<string, string>();
      for (const e of commit.effects) {
        if ((e.kind === 'updateTask' || e.kind === 'closeTask') && !created.has(e.taskId)) referenced.set(filterString(e.taskId, `${e.kind}.taskId`), e.kind);
      }
      if (referenced.size) {
        const found = new Set((await this.tasks.find({ _id: { $in: [...referenced.keys()] } }, { session, projection: { _id: 1 } }).toArray()).map((d) => d._id));
        for (const [id, kind] of referenced) if (!found.has(id)) throw new Error(`commit.effects ${kind}: task "${id}" does not exist`);
      }
      // Fencing (matters only without a transaction): a document last written under a newer
      // claim is not overwritten by a worker whose lease ran out mid-way.
      for (const d of instanceDocs) {
        await this.upsertIgnoringRace(() => this.instances.replaceOne({ _id: d._id, ...notNewer(fence) }, d, { upsert: true, session }), session);
      }
      for (const { e, task } of plan) {
        switch (e.kind) {
          case 'createTask': {
            const { _id, ...rest } = task!;
            const res = await this.upsertIgnoringRace(() => this.tasks.updateOne({ key: rest.key }, { $setOnInsert: { _id, ...rest } }, { upsert: true, session }), session);
            if (res) await this.addAudit(session, `${_id}\u0000created`, _id, e.task.createdAt ?? at, null, 'created', e.task.reasonText ?? null, {});
            break;
          }
          case 'updateTask': {
            const doc = await this.tasks.findOne({ _id: filterString(e.taskId, 'updateTask.taskId') }, { session });
            if (!doc) throw new Error(`commit.effects updateTask: task "${e.taskId}" does not exist`);
            const next: Task = { ...(JSON.parse(doc.json) as Task), ...e.changes, updatedAt: isoTime(e.at, 'updateTask.at') };
            await this.tasks.replaceOne({ _id: doc._id, ...notNewer(fence) }, { ...taskDoc(next, `task ${doc._id}`), fence }, { session });
            await this.addAudit(session, `${doc._id}\u0000updated\u0000${e.at}\u0000${e.note}`, doc._id, e.at, null, 'updated', e.note ?? null, e.changes as Record<string, unknown>);
            break;
          }
          case 'closeTask': {
            const doc = await this.tasks.findOne({ _id: filterString(e.taskId, 'closeTask.taskId') }, { session });
            if (!doc) throw new Error(`commit.effects closeTask: task "${e.taskId}" does not exist`);
            const task = JSON.parse(doc.json) as Task;
            if (task.status === 'open') {
              const next: Task = { ...task, status: 'closed', closedReason: e.reason, updatedAt: isoTime(e.at, 'closeTask.at') };
              await this.tasks.replaceOne({ _id: doc._id, ...notNewer(fence) }, { ...taskDoc(next, `task ${doc._id}`), fence }, { session });
              await this.addAudit(session, `${doc._id}\u0000closed`, doc._id, e.at, null, 'closed', e.reason, { status: 'closed', closedReason: e.reason });
            }
            break;
          }
          case 'stageChanged': {
            const c = e.change;
            const cAt = isoTime(c.at, 'stageChanged.at');
            const _id = stageChangeId(accountId, c.journeyId, cAt, c.to);
            await this.upsertIgnoringRace(() => this.stageChanges.updateOne({ _id }, { $setOnInsert: { accountId, journeyId: c.journeyId, at: cAt, json: JSON.stringify(c) } }, { upsert: true, session }), session);
            break;
          }
          case 'healthChanged': {
            const hAt = isoTime(e.health.at, 'healthChanged.health.at');
            const _id = healthSnapshotId(accountId, hAt);
            await this.upsertIgnoringRace(() => this.healthHistory.updateOne({ _id }, { $setOnInsert: { accountId, at: hAt, json: JSON.stringify(e.health) } }, { upsert: true, session }), session);
            break;
          }
          case 'timeline':
            await this.insertTimeline(e.entry, session);
            break;
          default:
            throw new Error(`commit.effects: unknown effect kind "${(e as { kind: string }).kind}"`);
        }
      }
      // Events are marked processed after the account update (the commit point): a crash in
      // between means they are evaluated again (effects are idempotent), never lost.
      const processed = (commit.processedEventIds ?? []).map((x, i) => filterString(x, `commit.processedEventIds[${i}]`));
      const pending = await this.events.findOne({ accountId, processedAt: null, _id: { $nin: processed } }, { session, projection: { _id: 1 } });

      const a = commit.account;
      const fields = a.fields ?? {};
      const tags = a.tags ?? [];
      const flags = a.flags ?? {};
      const ticketsJson = a.tickets ? JSON.stringify(a.tickets) : null;
      const changed = JSON.stringify([current.fields, current.tags, current.flags]) !== JSON.stringify([fields, tags, flags]) || ticketsJson !== (current.ticketsJson ?? null);
      const health = commit.state?.health ?? null;
      const set: Partial<AccountDoc> = {
        ...accountColumns(fields), fields, tags, flags, ticketsJson, stateJson: JSON.stringify(commit.state),
        healthColor: health?.color ?? null, healthScore: health?.score ?? null,
        stages: Object.entries(commit.state?.journeys ?? {}).map(([journey, pos]) => ({ journey, stage: pos.stage, enteredAt: pos.enteredAt })),
        dueAt: pending ? at : nextWakeAt, lease: null, leaseRev: null, failAttempts: 0,
      };
      if (changed) set.updatedAt = at;
      // Last, and guarded: a claim lost mid-way (lease taken over, or new data) writes no account.
      const res = await this.accounts.updateOne({ _id: accountId, 'lease.token': token, dataRev: current.dataRev }, { $set: set }, { session });
      if (res.matchedCount === 1) {
        if (processed.length) {
          await this.events.updateMany({ _id: { $in: processed }, accountId, processedAt: null }, { $set: { processedAt: at } }, { session });
        }
        return true;
      }
      // New data arrived mid-way (only possible without a transaction): give the claim back so it is re-evaluated now.
      await this.accounts.updateOne({ _id: accountId, 'lease.token': token }, [{ $set: { lease: null, leaseRev: null, dueAt: dueNowExpr(at) } }], { session });
      return false;
    });
  }

  /**
   * Upsert on a unique key. Outside a transaction two racing upserts can both try to
   * insert, and the loser gets a duplicate-key error: that means "already there".
   * Returns whether this call inserted.
   */
  private async upsertIgnoringRace(op: () => Promise<{ upsertedCount: number }>, session: ClientSession | undefined): Promise<boolean> {
    try {
      return (await op()).upsertedCount === 1;
    } catch (err) {
      if (!session && isDuplicateKey(err)) return false;
      throw err;
    }
  }

  private async addAudit(session: ClientSession | undefined, id: string, taskId: string, atIso: string, by: string | null, action: TaskAuditEntry['action'], note: string | null, changes: Record<string, unknown>): Promise<void> {
    const doc = { taskId, at: isoTime(atIso, 'audit.at'), seq: this.nextSeq(), by, action, note, changesJson: JSON.stringify(changes ?? {}) };
    await this.upsertIgnoringRace(() => this.audits.updateOne({ _id: id }, { $setOnInsert: doc }, { upsert: true, session }), session);
  }

  async failEvaluation(claim: Claim, message: string, now: string, retryAt: string): Promise<IncidentRecord> {
    const at = isoTime(now, 'now');
    const retry = isoTime(retryAt, 'retryAt');
    const msg = String(message);
    const accountId = filterString(claim.accountId, 'claim.accountId');
    const doc = await this.accounts.findOneAndUpdate(
      { _id: accountId, 'lease.token': filterString(claim.token, 'claim.token') },
      [{ $set: { failAttempts: { $add: [{ $ifNull: ['$failAttempts', 0] }, 1] }, lease: null, leaseRev: null, dueAt: { $literal: retry } } }],
      { returnDocument: 'after', projection: { failAttempts: 1 } },
    );
    if (!doc) {
      const current = await this.accounts.findOne({ _id: accountId }, { projection: { failAttempts: 1 } });
      return { accountId, message: msg, at, attempts: current?.failAttempts ?? 0 };
    }
    const attempts = doc.failAttempts;
    if (attempts >= MAX_ATTEMPTS) {
      // Runs first, then the account: if this stops half-way, a retry finds the account still claimable.
      await this.setInstanceStatus(accountId, 'active', (inst) => ({ ...inst, status: 'incident', incident: { message: msg, at, attempts } }));
      await this.accounts.updateOne({ _id: accountId }, { $set: { incident: { message: msg, at } } });
    }
    return { accountId, message: msg, at, attempts };
  }

  /** Rewrites the account's instances in one status (each guarded by that status, so a re-run is harmless). */
  private async setInstanceStatus(accountId: string, from: InstanceStatus, change: (inst: Instance) => Instance): Promise<void> {
    const docs = await this.instances.find({ accountId, status: from }).toArray();
    if (!docs.length) return;
    await this.instances.bulkWrite(docs.map((d) => {
      const next = change(JSON.parse(d.json) as Instance);
      return { updateOne: { filter: { _id: d._id, status: from }, update: { $set: { status: next.status, json: JSON.stringify(next) } } } };
    }), { ordered: false });
  }

  async listIncidents(): Promise<IncidentRecord[]> {
    const docs = await this.accounts.find({ incident: { $ne: null } }, { projection: { incident: 1, failAttempts: 1 } })
      .sort({ 'incident.at': -1, _id: 1 }).toArray();
    return docs.map((d) => ({ accountId: d._id, message: d.incident!.message, at: d.incident!.at, attempts: d.failAttempts }));
  }

  async retryIncident(accountId: string, now: string): Promise<boolean> {
    const id = filterString(accountId, 'accountId');
    const at = isoTime(now, 'now');
    const res = await this.accounts.updateOne({ _id: id, incident: { $ne: null } },
      { $set: { incident: null, failAttempts: 0, dueAt: at, lease: null, leaseRev: null } });
    if (res.matchedCount !== 1) return false;
    await this.setInstanceStatus(id, 'incident', (inst) => ({ ...inst, status: 'active', incident: null }));
    return true;
  }

  async markDue(now: string, accountIds?: string[]): Promise<number> {
    const at = isoTime(now, 'now');
    const q: Filter<AccountDoc> = accountIds === undefined ? {} : { _id: { $in: accountIds.map((x, i) => filterString(x, `accountIds[${i}]`)) } };
    const res = await this.accounts.updateMany(q, [{ $set: { dueAt: dueNowExpr(at) } }]);
    return res.matchedCount;
  }

  // ---------------------------------------------------------------- instances

  async listInstances(filter: { accountId?: string; playbookId?: string; status?: InstanceStatus; version?: number }, page: Page): Promise<Paged<Instance>> {
    const { limit, offset } = pageOf(page);
    const f = filter ?? {};
    const q: Filter<InstanceDoc> = {};
    if (f.accountId !== undefined) q.accountId = filterString(f.accountId, 'filter.accountId');
    if (f.playbookId !== undefined) q.playbookId = filterString(f.playbookId, 'filter.playbookId');
    if (f.status !== undefined) q.status = filterString(f.status, 'filter.status');
    if (f.version !== undefined) q.version = toInt(f.version, 'filter.version');
    const [total, docs] = await Promise.all([
      this.instances.countDocuments(q),
      this.instances.find(q).sort({ startedAt: 1, _id: 1 }).skip(offset).limit(limit).toArray(),
    ]);
    return { items: docs.map((d) => JSON.parse(d.json) as Instance), total };
  }

  async saveInstances(instances: Instance[]): Promise<void> {
    const docs = instances.map(instanceDoc);
    if (!docs.length) return;
    await this.instances.bulkWrite(docs.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })), { ordered: true });
  }

  // ---------------------------------------------------------------- tasks

  async listTasks(filter: TaskFilter, page: Page, order: TaskOrder = 'queue'): Promise<Paged<Task>> {
    const { limit, offset } = pageOf(page);
    const q = taskQuery(filter ?? {});
    const sort: Document = order === 'created' ? { createdAt: -1, _id: -1 } : { prioRank: 1, dueAt: 1, _id: 1 };
    const [total, docs] = await Promise.all([
      this.tasks.countDocuments(q),
      this.tasks.find(q).sort(sort).skip(offset).limit(limit).toArray(),
    ]);
    return { items: docs.map((d) => JSON.parse(d.json) as Task), total };
  }

  async listTaskHeads(filter: TaskFilter, limit: number): Promise<TaskHead[]> {
    const n = toInt(limit, 'limit');
    if (n < 1) throw new Error('limit: expected at least 1');
    const docs = await this.tasks.find(taskQuery(filter ?? {}), { projection: { _id: 1, accountId: 1, playbookId: 1, type: 1, priority: 1, dueAt: 1, flaggedRed: 1 } })
      .sort({ prioRank: 1, dueAt: 1, _id: 1 }).limit(n).toArray();
    // Documents from before flaggedRed was copied out: read the flag from the task itself.
    const older = docs.filter((d) => d.flaggedRed === undefined).map((d) => d._id);
    const flags = new Map<string, boolean>();
    if (older.length) {
      for (const d of await this.tasks.find({ _id: { $in: older } }, { projection: { json: 1 } }).toArray()) flags.set(d._id, (JSON.parse(d.json) as Task).flaggedRed === true);
    }
    return docs.map((d) => ({
      id: d._id, accountId: d.accountId, playbookId: d.playbookId, type: d.type as TaskHead['type'], priority: d.priority as TaskHead['priority'],
      dueAt: d.dueAt, flaggedRed: d.flaggedRed ?? flags.get(d._id) ?? false,
    }));
  }

  async getTask(id: string): Promise<Task | null> {
    const d = await this.tasks.findOne({ _id: filterString(id, 'id') });
    return d ? (JSON.parse(d.json) as Task) : null;
  }

  async updateTask(id: string, patch: TaskPatch): Promise<Task | null> {
    const taskId = filterString(id, 'id');
    const updatedAt = isoTime(patch.updatedAt, 'patch.updatedAt');
    if (patch.snoozedUntil) isoTime(patch.snoozedUntil, 'patch.snoozedUntil');
    return this.maybeTransaction(async (session) => {
      const doc = await this.tasks.findOne({ _id: taskId }, { session });
      if (!doc) return null;
      const next = applyTaskPatch(JSON.parse(doc.json) as Task, patch);
      await this.tasks.replaceOne({ _id: taskId }, taskDoc(next, `task ${taskId}`), { session });
      const { updatedAt: _u, by, note, ...changes } = patch;
      await this.addAudit(session, randomUUID(), taskId, updatedAt, by ?? null, 'changed', note ?? null, changes);
      return next;
    });
  }

  async listTaskAudit(taskId: string): Promise<TaskAuditEntry[]> {
    const docs = await this.audits.find({ taskId: filterString(taskId, 'taskId') }).sort({ at: 1, seq: 1 }).toArray();
    return docs.map((d) => ({ taskId: d.taskId, at: d.at, by: d.by ?? null, action: d.action, note: d.note ?? null, changes: JSON.parse(d.changesJson) }));
  }

  async taskCounts(filter: TaskFilter, groupBy: ('type' | 'owner' | 'status' | 'priority' | 'createdDay' | 'createdWeek')[]): Promise<{ key: Record<string, string>; count: number }[]> {
    const fields = groupBy.map((g) => {
      const f = GROUP_FIELDS[g];
      if (!f) throw new Error(`groupBy: unknown grouping "${String(g)}"`);
      return f;
    });
    const groupId: Document = {};
    const sort: Document = {};
    groupBy.forEach((g, i) => { groupId[g] = `$${fields[i]}`; sort[`_id.${g}`] = 1; });
    const pipeline: Document[] = [{ $match: taskQuery(filter ?? {}) }, { $group: { _id: groupId, count: { $sum: 1 } } }];
    if (groupBy.length) pipeline.push({ $sort: sort });
    const rows = await this.tasks.aggregate<{ _id: Record<string, unknown>; count: number }>(pipeline).toArray();
    return rows.map((r) => ({ key: Object.fromEntries(groupBy.map((g) => [g, String(r._id[g])])), count: r.count }));
  }

  // ---------------------------------------------------------------- timeline & history

  private async insertTimeline(e: TimelineEntry, session?: ClientSession): Promise<void> {
    const atIso = isoTime(e.at, `timeline "${e.id}".at`);
    await this.upsertIgnoringRace(() => this.timeline.updateOne({ _id: requireId(e.id, 'timeline.id') }, { $setOnInsert: { accountId: e.accountId, at: atIso, json: JSON.stringify(e) } }, { upsert: true, session }), session);
  }

  async addTimeline(entries: TimelineEntry[]): Promise<void> {
    entries.forEach((e, i) => {
      requireId(e?.id, `timeline[${i}].id`);
      requireId(e.accountId, `timeline[${i}].accountId`);
      isoTime(e.at, `timeline[${i}].at`);
    });
    const ids = [...new Set(entries.map((e) => e.accountId))];
    const found = new Set((await this.accounts.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    entries.forEach((e, i) => {
      if (!found.has(e.accountId)) throw new Error(`timeline[${i}]: account "${e.accountId}" does not exist`);
    });
    for (const e of entries) await this.insertTimeline(e);
  }

  async listTimeline(accountId: string, page: Page): Promise<Paged<TimelineEntry>> {
    const { limit, offset } = pageOf(page);
    const q = { accountId: filterString(accountId, 'accountId') };
    const [total, docs] = await Promise.all([
      this.timeline.countDocuments(q),
      this.timeline.find(q).sort({ at: -1, _id: -1 }).skip(offset).limit(limit).toArray(),
    ]);
    return { items: docs.map((d) => JSON.parse(d.json) as TimelineEntry), total };
  }

  async listStageChanges(filter: { journeyId: string; accountIds?: string[]; from?: string; to?: string }): Promise<(StageChange & { accountId: string })[]> {
    const q: Filter<StageChangeDoc> = { journeyId: filterString(filter.journeyId, 'filter.journeyId') };
    if (filter.accountIds !== undefined) q.accountId = { $in: filter.accountIds.map((x, i) => filterString(x, `filter.accountIds[${i}]`)) };
    const range: { $gte?: string; $lte?: string } = {};
    if (filter.from !== undefined) range.$gte = isoTime(filter.from, 'filter.from');
    if (filter.to !== undefined) range.$lte = isoTime(filter.to, 'filter.to');
    if (range.$gte !== undefined || range.$lte !== undefined) q.at = range;
    const docs = await this.stageChanges.find(q).sort({ at: 1, accountId: 1, _id: 1 }).toArray();
    return docs.map((d) => ({ ...(JSON.parse(d.json) as StageChange), accountId: d.accountId }));
  }

  async listHealthHistory(accountId: string, limit: number): Promise<Health[]> {
    const docs = await this.healthHistory.find({ accountId: filterString(accountId, 'accountId') })
      .sort({ at: -1 }).limit(pageOf({ limit, offset: 0 }).limit).toArray();
    return docs.map((d) => JSON.parse(d.json) as Health);
  }

  // ---------------------------------------------------------------- definitions

  async publishVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion> {
    const definitionId = requireId(v.definitionId, 'definitionId');
    // The unique (definitionId, version) index decides races: the loser takes the next number.
    for (let attempt = 0; attempt < 50; attempt++) {
      const last = await this.versions.find({ definitionId }, { projection: { version: 1 } }).sort({ version: -1 }).limit(1).toArray();
      const written = await this.insertVersion(v, (last[0]?.version ?? 0) + 1);
      if (written) return written;
    }
    throw new Error(`publishVersion: could not number a new version of "${definitionId}" (too many concurrent publishes)`);
  }

  async publishFirstVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion | null> {
    // The unique (definitionId, version) index decides: a second writer gets a duplicate key.
    return this.insertVersion(v, 1);
  }

  /** Writes one version; null when that version exists already (a duplicate key). */
  private async insertVersion(v: Omit<DefinitionVersion, 'version'>, version: number): Promise<DefinitionVersion | null> {
    const definitionId = requireId(v.definitionId, 'definitionId');
    const publishedAt = isoTime(v.publishedAt, 'publishedAt');
    const contentJson = JSON.stringify(v.content);
    try {
      await this.versions.insertOne({
        _id: `${definitionId}@${version}`, definitionId, version, kind: String(v.kind), hash: String(v.hash),
        author: String(v.author), message: String(v.message), publishedAt, contentJson,
      });
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    return { definitionId, kind: v.kind, version, content: JSON.parse(contentJson), hash: v.hash, author: v.author, message: v.message, publishedAt };
  }

  async listVersions(definitionId: string): Promise<Omit<DefinitionVersion, 'content'>[]> {
    const docs = await this.versions.find({ definitionId: filterString(definitionId, 'definitionId') }, { projection: { contentJson: 0 } }).sort({ version: 1 }).toArray();
    return docs.map((d) => ({ definitionId: d.definitionId, kind: d.kind as DefinitionVersion['kind'], version: d.version, hash: d.hash, author: d.author, message: d.message, publishedAt: d.publishedAt }));
  }

  async getVersion(definitionId: string, version: number): Promise<DefinitionVersion | null> {
    const d = await this.versions.findOne({ definitionId: filterString(definitionId, 'definitionId'), version: toInt(version, 'version') });
    return d ? toVersion(d) : null;
  }

  async latestVersions(): Promise<DefinitionVersion[]> {
    const docs = await this.versions.aggregate<VersionDoc>([
      { $sort: { definitionId: 1, version: -1 } },
      { $group: { _id: '$definitionId', doc: { $first: '$$ROOT' } } },
      { $replaceRoot: { newRoot: '$doc' } },
      { $sort: { definitionId: 1 } },
    ]).toArray();
    return docs.map(toVersion);
  }

  // ---------------------------------------------------------------- users, sessions, tokens

  async upsertUser(user: User): Promise<void> {
    requireId(user?.id, 'user.id');
    if (typeof user.email !== 'string' || !user.email.includes('@')) throw new Error(`user "${user.id}".email: expected an email address`);
    const emailLower = user.email.toLowerCase();
    try {
      await this.users.replaceOne({ _id: user.id }, { emailLower, user }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const other = await this.users.findOne({ emailLower });
      throw new Error(`user "${user.id}".email: ${user.email} is already used by user "${other?._id ?? 'another user'}"`);
    }
  }

  async getUser(id: string): Promise<User | null> {
    const d = await this.users.findOne({ _id: filterString(id, 'id') });
    return d ? d.user : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    const d = await this.users.findOne({ emailLower: filterString(email, 'email').toLowerCase() });
    return d ? d.user : null;
  }

  async listUsers(): Promise<User[]> {
    return (await this.users.find({}).sort({ _id: 1 }).toArray()).map((d) => d.user);
  }

  async createSession(s: Session): Promise<void> {
    await this.sessions.insertOne({
      _id: requireId(s.id, 'session.id'), userId: requireId(s.userId, 'session.userId'),
      expiresAt: isoTime(s.expiresAt, 'session.expiresAt'), createdAt: isoTime(s.createdAt, 'session.createdAt'),
    });
  }

  async getSession(id: string): Promise<Session | null> {
    const d = await this.sessions.findOne({ _id: filterString(id, 'id') });
    return d ? { id: d._id, userId: d.userId, expiresAt: d.expiresAt, createdAt: d.createdAt } : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.sessions.deleteOne({ _id: filterString(id, 'id') });
  }

  async deleteUserSessions(userId: string, keep?: string): Promise<number> {
    const q = { userId: filterString(userId, 'userId'), ...(keep === undefined ? {} : { _id: { $ne: filterString(keep, 'keep') } }) };
    return (await this.sessions.deleteMany(q)).deletedCount;
  }

  async createToken(t: ApiToken): Promise<void> {
    await this.tokens.insertOne({
      _id: requireId(t.id, 'token.id'), userId: requireId(t.userId, 'token.userId'), name: String(t.name), tokenHash: requireId(t.tokenHash, 'token.tokenHash'),
      createdAt: isoTime(t.createdAt, 'token.createdAt'), lastUsedAt: isoTimeOrNull(t.lastUsedAt, 'token.lastUsedAt'),
    });
  }

  async findTokenByHash(tokenHash: string): Promise<ApiToken | null> {
    const d = await this.tokens.findOne({ tokenHash: filterString(tokenHash, 'tokenHash') });
    return d ? { id: d._id, userId: d.userId, name: d.name, tokenHash: d.tokenHash, createdAt: d.createdAt, lastUsedAt: d.lastUsedAt ?? null } : null;
  }

  // ---------------------------------------------------------------- meta

  async getMeta(key: string): Promise<string | null> {
    const d = await this.meta.findOne({ _id: filterString(key, 'key') });
    return d ? d.value : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.meta.updateOne({ _id: filterString(key, 'key') }, { $set: { value: filterString(value, 'value') } }, { upsert: true });
  }

  async setMetaIfAbsent(key: string, value: string): Promise<boolean> {
    // The _id's uniqueness decides between processes: only one upsert inserts.
    try {
      const r = await this.meta.updateOne({ _id: filterString(key, 'key') }, { $setOnInsert: { value: filterString(value, 'value') } }, { upsert: true });
      return r.upsertedCount === 1;
    } catch (e) {
      if (isDuplicateKey(e)) return false; // two upserts raced: the other inserted
      throw e;
    }
  }
}

// ---------------------------------------------------------------- documents

/** The claim number at the start of a token ("<n>:<random>"); 0 for anything else. */
function fenceOf(token: string): number {
  const n = Number(token.split(':', 1)[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** Matches a document not written under a newer claim than `fence` (or never under one). */
function notNewer(fence: number): Document {
  return { $or: [{ fence: { $exists: false } }, { fence: { $lte: fence } }] };
}

function toInt(v: unknown, where: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${where}: expected an integer`);
  return n;
}

function toVersion(d: VersionDoc): DefinitionVersion {
  return {
    definitionId: d.definitionId, kind: d.kind as DefinitionVersion['kind'], version: d.version, content: JSON.parse(d.contentJson),
    hash: d.hash, author: d.author, message: d.message, publishedAt: d.publishedAt,
  };
}

function instanceDoc(inst: Instance): InstanceDoc {
  requireId(inst?.id, 'instance.id');
  return {
    _id: inst.id, accountId: requireId(inst.accountId, `instance "${inst.id}".accountId`), playbookId: String(inst.playbookId),
    version: toInt(inst.version, `instance "${inst.id}".version`), status: String(inst.status), nodeId: inst.nodeId ?? null,
    startedAt: isoTime(inst.startedAt, `instance "${inst.id}".startedAt`), json: JSON.stringify(inst),
  };
}

function taskDoc(task: Task, where: string): TaskDoc {
  requireId(task?.id, `${where}.id`);
  const createdAt = isoTime(task.createdAt, `${where}.createdAt`);
  return {
    _id: task.id, key: requireId(task.key, `${where}.key`), accountId: requireId(task.accountId, `${where}.accountId`),
    playbookId: String(task.playbookId), owner: String(task.owner), status: String(task.status), type: String(task.type),
    priority: String(task.priority), prioRank: priorityRank(task.priority), dueAt: isoTime(task.dueAt, `${where}.dueAt`),
    snoozedUntil: isoTimeOrNull(task.snoozedUntil, `${where}.snoozedUntil`), createdAt, createdDay: dayOf(createdAt),
    createdWeek: weekOf(createdAt), json: JSON.stringify(task), flaggedRed: task.flaggedRed === true,
  };
}

/** The MongoDB filter for listAccounts, built only from strings (never from the caller's objects). */
/** The field each account sort reads (null: the name order of the by_name index). */
const ACCOUNT_SORT_FIELD: Record<AccountSort, { path: string; dir: 1 | -1 } | null> = {
  name: null,
  renewal: { path: 'fields.renewalDate', dir: 1 },
  mrr: { path: 'fields.mrr', dir: -1 },
  health: { path: 'healthScore', dir: 1 },
};

export function accountQuery(filter: AccountFilter): Filter<AccountDoc> {
  const f = filter ?? {};
  const q: Filter<AccountDoc> = {};
  if (f.owner !== undefined) q.owner = filterString(f.owner, 'filter.owner');
  if (f.tier !== undefined) q.tier = filterString(f.tier, 'filter.tier');
  if (f.segment !== undefined) q.segment = filterString(f.segment, 'filter.segment');
  if (f.health !== undefined) q.healthColor = filterString(f.health, 'filter.health');
  if (f.journey !== undefined && f.stage !== undefined) {
    q.stages = { $elemMatch: { journey: filterString(f.journey, 'filter.journey'), stage: filterString(f.stage, 'filter.stage') } };
  } else if (f.journey !== undefined) {
    q['stages.journey'] = filterString(f.journey, 'filter.journey');
  } else if (f.stage !== undefined) {
    q['stages.stage'] = filterString(f.stage, 'filter.stage');
  }
  if (f.q !== undefined && f.q !== '') {
    const re = escapeRegex(filterString(f.q, 'filter.q'));
    q.$or = [{ name: { $regex: re, $options: 'i' } }, { _id: { $regex: re, $options: 'i' } }];
  }
  if (f.ids !== undefined) {
    if (!Array.isArray(f.ids)) throw new Error('filter.ids: expected a list of ids');
    q._id = { $in: f.ids.map((x, i) => filterString(x, `filter.ids[${i}]`)) };
  }
  if (f.churned !== undefined) {
    // As analytics counts churn: fields.churned is true, or a churn date is set.
    const churned: Filter<AccountDoc> = { $or: [{ 'fields.churned': true }, { 'fields.churnedAt': { $type: 'string' } }] };
    q.$and = [...(q.$and ?? []), f.churned ? churned : { $nor: churned.$or! }];
  }
  return q;
}

/** The MongoDB filter for task lists and counts, built only from strings and normalised times. */
export function taskQuery(f: TaskFilter): Filter<TaskDoc> {
  const q: Filter<TaskDoc> = {};
  if (f.owner !== undefined) q.owner = filterString(f.owner, 'filter.owner');
  if (f.accountId !== undefined) q.accountId = filterString(f.accountId, 'filter.accountId');
  if (f.status !== undefined) {
    q.status = Array.isArray(f.status)
      ? { $in: f.status.map((x, i) => filterString(x, `filter.status[${i}]`)) }
      : filterString(f.status, 'filter.status');
  }
  if (f.type !== undefined) q.type = filterString(f.type, 'filter.type');
  if (f.priority !== undefined) q.priority = filterString(f.priority, 'filter.priority');
  if (f.playbookId !== undefined) q.playbookId = filterString(f.playbookId, 'filter.playbookId');
  if (f.dueBefore !== undefined) q.dueAt = { $lte: isoTime(f.dueBefore, 'filter.dueBefore') };
  if (f.visibleAt !== undefined) q.$or = [{ snoozedUntil: null }, { snoozedUntil: { $lte: isoTime(f.visibleAt, 'filter.visibleAt') } }];
  const created: { $gte?: string; $lt?: string } = {};
  if (f.createdAfter !== undefined) created.$gte = isoTime(f.createdAfter, 'filter.createdAfter');
  if (f.createdBefore !== undefined) created.$lt = isoTime(f.createdBefore, 'filter.createdBefore');
  if (created.$gte !== undefined || created.$lt !== undefined) q.createdAt = created;
  if (f.ids !== undefined) q._id = { $in: filterStrings(f.ids, 'filter.ids') };
  return q;
}
