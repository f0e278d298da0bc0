/**
 * The one store interface. Two implementations (SQLite: server/store/sqlite.ts,
 * MongoDB: server/store/mongo.ts) pass one contract suite (test/store-contract.test.ts).
 * Times that are filtered or sorted on are stored normalised (Date#toISOString), so
 * any valid ISO-8601 input compares correctly.
 *
 * Engine state (account state, instances, tasks, timeline) is written only through
 * commitEvaluation, in one transaction, so a worker crash leaves either all of an
 * evaluation or none of it; task creation is insert-if-absent on the task key, so a
 * re-run after a crash creates nothing twice.
 */
import type {
  Account, AccountEvent, AccountState, Effect, Health, Instance, InstanceStatus, StageChange, Task, TaskStatus, TimelineEntry,
} from '../../engine/types.js';
import type { Definition, HealthColor, Priority, TaskType } from '../../engine/schema/definitions.js';

export interface Page { limit: number; offset: number }
export interface Paged<T> { items: T[]; total: number }

/** A partial account: fields merge into the stored ones; tags/flags replace when given. */
export interface AccountUpsert {
  id: string;
  fields?: Record<string, unknown>;
  tags?: string[];
  flags?: Record<string, boolean>;
}

/** What lists and detail pages show: the account with its engine-derived state. */
export interface AccountRecord {
  account: Account;
  state: AccountState | null;
  /** When the worker should next look at it (null: nothing scheduled). */
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * What a task row shows of its account (the queue): read from the account's columns and two of
 * its fields, so no account document or engine state is parsed. Health is the latest score.
 */
export interface AccountSummary {
  id: string;
  name: string | null;
  tier: string | null;
  mrr: unknown;
  renewalDate: unknown;
  health: { score: number | null; color: HealthColor } | null;
}

export interface AccountFilter {
  owner?: string;
  tier?: string;
  segment?: string;
  /** journeyId + stageId */
  journey?: string;
  stage?: string;
  health?: HealthColor;
  /** Case-insensitive substring of the account name or id. */
  q?: string;
  ids?: string[];
  /** true: churned accounts only (fields.churned is true or churnedAt is set); false: leave them out. */
  churned?: boolean;
}

/**
 * Orders of an account list, each then by name and id: name; renewal date, soonest first;
 * MRR, largest first; health score, lowest first. Accounts without the value come last.
 */
export type AccountSort = 'name' | 'renewal' | 'mrr' | 'health';
export const ACCOUNT_SORTS: readonly AccountSort[] = ['name', 'renewal', 'mrr', 'health'];

export interface TaskFilter {
  owner?: string;
  accountId?: string;
  status?: TaskStatus | TaskStatus[];
  type?: TaskType;
  priority?: Priority;
  playbookId?: string;
  /** dueAt <= this */
  dueBefore?: string;
  /** Hide tasks snoozed until after this time (the queue passes now). */
  visibleAt?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** Only these tasks (e.g. the page of a queue whose heads were listed). */
  ids?: string[];
}

/** What the queue sorts, counts and filters on, without the rest of the task. */
export interface TaskHead {
  id: string;
  accountId: string;
  playbookId: string;
  type: Task['type'];
  priority: Task['priority'];
  /** Normalised ISO time, as the store indexes it. */
  dueAt: string;
  flaggedRed: boolean;
}

/** Queue order: priority (urgent, high, medium, low), then dueAt, then id. */
export type TaskOrder = 'queue' | 'created';

export interface TaskPatch {
  status?: TaskStatus;
  owner?: string;
  flaggedRed?: boolean;
  snoozedUntil?: string | null;
  completedAt?: string | null;
  closedReason?: string | null;
  steps?: Task['steps'];
  updatedAt: string;
  /** Who made the change (a user id), for the task's audit trail. */
  by?: string;
  /** Why, in plain language, for the audit trail (e.g. "snoozed until 2026-12-01"). */
  note?: string;
}

/** One change to a task: created, updated or closed by the engine, or changed by a user. */
export interface TaskAuditEntry {
  taskId: string;
  at: string;
  /** A user id, or null for the engine. */
  by: string | null;
  action: 'created' | 'updated' | 'closed' | 'changed';
  note: string | null;
  /** The keys that changed and their new values. */
  changes: Record<string, unknown>;
}

/** A claim on one account's evaluation, held until commit or lease expiry. */
export interface Claim {
  accountId: string;
  workerId: string;
  /** Opaque; commit checks it so an expired lease taken over by another worker cannot commit. */
  token: string;
  leaseUntil: string;
  /** Failed evaluations in a row before this claim (the worker's retry backoff grows with it). */
  attempts?: number;
}

export interface EvaluationBundle {
  account: Account;
  state: AccountState | null;
  instances: Instance[];
  /** Open tasks of the account plus tasks referenced by its active instances. */
  tasks: Task[];
  /** Stored events not yet processed, oldest first (occurredAt, then id). */
  pendingEvents: AccountEvent[];
}

export interface EvaluationCommit {
  account: Account;
  state: AccountState;
  instances: Instance[];
  effects: Effect[];
  nextWakeAt: string | null;
  /** Events this evaluation processed; marked processed in the same transaction. */
  processedEventIds: string[];
}

/** One evaluation of a batch for commitEvaluations. */
export interface EvaluationCommitItem { claim: Claim; commit: EvaluationCommit }

/**
 * Per item of commitEvaluations: true committed; false the claim was lost or the data went
 * stale (as commitEvaluation); an Error when that item was rejected (it wrote nothing).
 */
export type EvaluationCommitResult = boolean | Error;

export interface DefinitionVersion {
  definitionId: string;
  kind: Definition['kind'];
  version: number;
  content: Definition;
  /** sha256 of the canonical file text */
  hash: string;
  author: string;
  message: string;
  publishedAt: string;
}

export type Role = 'viewer' | 'csm' | 'author' | 'publisher' | 'admin';

export interface User {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  /** scrypt$N$r$p$salt$hash */
  passwordHash: string;
  /** Team role for task routing, e.g. support-manager; a CSM's book is accounts with owner = id. */
  teamRole?: string;
  managerId?: string;
}

export interface Session { id: string; userId: string; expiresAt: string; createdAt: string }
export interface ApiToken { id: string; userId: string; name: string; tokenHash: string; createdAt: string; lastUsedAt: string | null }

export interface IncidentRecord { accountId: string; message: string; at: string; attempts: number }

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  /** Creates tables/collections and indexes. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;

  // ----- accounts -----
  /**
   * Partial merge (fields merge key by key, tags/flags replace when given); each touched
   * account becomes due now. All items are checked first: a bad item throws naming its
   * index and nothing is written. Returns counts.
   */
  upsertAccounts(items: AccountUpsert[], now: string): Promise<{ inserted: number; updated: number }>;
  getAccount(id: string): Promise<AccountRecord | null>;
  /** Ordered by name, then id. */
  listAccounts(filter: AccountFilter, page: Page, sort?: AccountSort): Promise<Paged<AccountRecord>>;
  /** Which of these ids are stored accounts (each once, in no particular order): a check that reads no records. */
  existingAccountIds(ids: string[]): Promise<string[]>;
  /** Summaries of the stored accounts among ids (unknown ids are left out), in no particular order. */
  accountSummaries(ids: string[]): Promise<AccountSummary[]>;
  countAccounts(): Promise<number>;

  // ----- events -----
  /** Insert-if-absent by event id; the account becomes due now. Unknown accounts are created empty. */
  insertEvents(events: AccountEvent[], receivedAt: string): Promise<{ inserted: string[]; duplicates: string[] }>;
  /** Newest first (occurredAt, then id). */
  listEvents(accountId: string, page: Page): Promise<Paged<AccountEvent>>;

  // ----- the worker's work -----
  /** Accounts due (dueAt <= now) with no live lease, oldest due first; each claimed for leaseMs. */
  claimDue(workerId: string, now: string, leaseMs: number, limit: number): Promise<Claim[]>;
  loadForEvaluation(accountId: string): Promise<EvaluationBundle>;
  /**
   * Applies an evaluation atomically: account, state, instances (upsert by id), effects
   * (createTask insert-if-absent by key; updateTask/closeTask; stage changes; health;
   * timeline insert-if-absent by id), marks events processed, sets dueAt = nextWakeAt
   * (or now if unprocessed events remain), releases the claim.
   * Returns false (writing nothing) if the claim is no longer held by this token.
   * Also returns false, writing nothing but releasing the claim so the account is claimed
   * again at once, when the account's data was upserted after the claim was taken (the
   * evaluation saw stale data and committing its account would lose that update).
   */
  commitEvaluation(claim: Claim, commit: EvaluationCommit, now: string): Promise<boolean>;
  /**
   * Many evaluations at once, each with exactly commitEvaluation's checks and effects (its
   * own token and data checks, insert-if-absent tasks), so a crash still leaves each account
   * all-or-nothing. One item's rejection (a bad commit) writes nothing for that item and does
   * not stop the others. SQLite commits the batch in one transaction (one WAL write instead
   * of one per account). Results are in the order of items.
   */
  commitEvaluations(items: EvaluationCommitItem[], now: string): Promise<EvaluationCommitResult[]>;
  /** loadForEvaluation for several accounts with one query per table; accounts that do not exist are absent. */
  loadForEvaluations(accountIds: string[]): Promise<Map<string, EvaluationBundle>>;
  /**
   * The earliest due time of an account that claimDue could take once the time comes (due,
   * not in incident, no live lease at now), or null when nothing is scheduled. The worker
   * sleeps until then. Accounts leased at now belong to a running worker and are left out.
   */
  nextDueAt(now: string): Promise<string | null>;
  /**
   * Releases a claim after a failure and makes the account due at retryAt. After 5 failed
   * attempts in a row the account's active instances go to status 'incident' with the
   * message, and the account is not claimed again until retryIncident. A stale token
   * writes nothing (the returned record then shows the stored attempt count).
   */
  failEvaluation(claim: Claim, message: string, now: string, retryAt: string): Promise<IncidentRecord>;
  listIncidents(): Promise<IncidentRecord[]>;
  /** Clears an incident and makes the account due now. */
  retryIncident(accountId: string, now: string): Promise<boolean>;
  /** Makes accounts due now (e.g. after a publish); all accounts when ids is omitted. */
  markDue(now: string, accountIds?: string[]): Promise<number>;

  // ----- instances -----
  listInstances(filter: { accountId?: string; playbookId?: string; status?: InstanceStatus; version?: number }, page: Page): Promise<Paged<Instance>>;
  /** Replaces instances (used by an explicit version migration). */
  /** Ordered by startedAt, then id. */
  saveInstances(instances: Instance[]): Promise<void>;

  // ----- tasks -----
  /** order 'queue' (the default): priority, dueAt, id; 'created': newest first. */
  listTasks(filter: TaskFilter, page: Page, order?: TaskOrder): Promise<Paged<Task>>;
  /**
   * The heads of the tasks the filter matches, in queue order, at most `limit`: the queue counts
   * and pages on these and then reads only its page's tasks (listTasks with ids), instead of
   * parsing every open task of a large book on each request.
   */
  listTaskHeads(filter: TaskFilter, limit: number): Promise<TaskHead[]>;
  getTask(id: string): Promise<Task | null>;
  /** Returns the updated task, or null if it does not exist. Adds an audit entry (patch.by, patch.note). */
  updateTask(id: string, patch: TaskPatch): Promise<Task | null>;
  /** The task's changes, oldest first. */
  listTaskAudit(taskId: string): Promise<TaskAuditEntry[]>;
  /**
   * Counts grouped for analytics: by type, owner, status, priority, created day
   * ('YYYY-MM-DD', UTC) or created week (the Monday that starts it, 'YYYY-MM-DD').
   * Sorted by the key values in groupBy order.
   */
  taskCounts(filter: TaskFilter, groupBy: ('type' | 'owner' | 'status' | 'priority' | 'createdDay' | 'createdWeek')[]): Promise<{ key: Record<string, string>; count: number }[]>;

  // ----- timeline -----
  /** Insert-if-absent by id. Throws naming the entry if its account does not exist. */
  addTimeline(entries: TimelineEntry[]): Promise<void>;
  /** Newest first (at, then id). */
  listTimeline(accountId: string, page: Page): Promise<Paged<TimelineEntry>>;

  // ----- history for analytics -----
  /** Stage changes of a journey, oldest first; from/to bound `at` (inclusive). */
  listStageChanges(filter: { journeyId: string; accountIds?: string[]; from?: string; to?: string }): Promise<(StageChange & { accountId: string })[]>;
  /** Health snapshots (one per change), newest first. */
  listHealthHistory(accountId: string, limit: number): Promise<Health[]>;

  // ----- definitions (published versions are immutable) -----
  /** Numbers versions 1, 2, 3... per definition (atomically, also across processes). */
  publishVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion>;
  /**
   * Publishes version 1 of a definition that has none; null (and nothing written) when a
   * version 1 exists already. The first-start import uses it, so processes that start
   * together on an empty store import each definition once instead of numbering copies.
   */
  publishFirstVersion(v: Omit<DefinitionVersion, 'version'>): Promise<DefinitionVersion | null>;
  /** Oldest first. */
  listVersions(definitionId: string): Promise<Omit<DefinitionVersion, 'content'>[]>;
  getVersion(definitionId: string, version: number): Promise<DefinitionVersion | null>;
  /** The newest version of every definition. */
  latestVersions(): Promise<DefinitionVersion[]>;

  // ----- users, sessions, tokens -----
  /** Emails are unique, compared case-insensitively. */
  upsertUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | null>;
  getUserByEmail(email: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  createSession(s: Session): Promise<void>;
  /** Returned even when expired: the caller compares expiresAt with its clock. */
  getSession(id: string): Promise<Session | null>;
  deleteSession(id: string): Promise<void>;
  /** Ends every session of a user except `keep` (after a password change); returns how many ended. */
  deleteUserSessions(userId: string, keep?: string): Promise<number>;
  createToken(t: ApiToken): Promise<void>;
  findTokenByHash(tokenHash: string): Promise<ApiToken | null>;

  // ----- misc -----
  /** A small key/value for settings such as "demo seeded". */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** Sets key only if it has no value yet: true for the one caller that set it (a claim between processes). */
  setMetaIfAbsent(key: string, value: string): Promise<boolean>;
}
