/**
 * SQLite schema as numbered migrations; PRAGMA user_version records how many ran.
 * JSON documents live in TEXT columns; everything filtered or sorted on is a real,
 * indexed column beside them. Append new migrations; never edit a shipped one.
 */
export const MIGRATIONS: string[] = [
  // 1: the first schema
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT, owner TEXT, tier TEXT, segment TEXT,
    fields TEXT NOT NULL, tags TEXT NOT NULL, flags TEXT NOT NULL, tickets TEXT,
    state TEXT, health_color TEXT, health_score REAL,
    due_at TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    -- bumped by every upsert; a claim remembers it so a commit cannot overwrite newer data
    data_rev INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT, lease_token TEXT, lease_until TEXT, lease_rev INTEGER,
    fail_attempts INTEGER NOT NULL DEFAULT 0,
    incident_message TEXT, incident_at TEXT
  );
  CREATE INDEX accounts_by_name ON accounts(name, id);
  CREATE INDEX accounts_by_owner ON accounts(owner, name, id);
  CREATE INDEX accounts_by_tier ON accounts(tier, name, id);
  CREATE INDEX accounts_by_segment ON accounts(segment, name, id);
  CREATE INDEX accounts_by_health ON accounts(health_color, name, id) WHERE health_color IS NOT NULL;
  CREATE INDEX accounts_due ON accounts(due_at, id) WHERE due_at IS NOT NULL;
  CREATE INDEX accounts_incident ON accounts(incident_at) WHERE incident_at IS NOT NULL;

  CREATE TABLE account_stage (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    journey_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (account_id, journey_id)
  ) WITHOUT ROWID;
  CREATE INDEX account_stage_by_stage ON account_stage(journey_id, stage, account_id);
  CREATE INDEX account_stage_by_stage_only ON account_stage(stage, account_id);

  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_account ON events(account_id, occurred_at, id);
  CREATE INDEX events_pending ON events(account_id, occurred_at, id) WHERE processed_at IS NULL;

  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    playbook_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    node_id TEXT,
    started_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX instances_by_account ON instances(account_id, status);
  CREATE INDEX instances_by_playbook ON instances(playbook_id, status, version, node_id);
  CREATE INDEX instances_by_start ON instances(started_at, id);

  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    playbook_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    type TEXT NOT NULL,
    priority TEXT NOT NULL,
    prio_rank INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    snoozed_until TEXT,
    created_at TEXT NOT NULL,
    created_day TEXT NOT NULL,
    created_week TEXT NOT NULL,
    json TEXT NOT NULL
  );
  -- the queue: one owner's open tasks in priority, due date, id order
  CREATE INDEX tasks_queue ON tasks(owner, status, prio_rank, due_at, id);
  CREATE INDEX tasks_queue_all ON tasks(status, prio_rank, due_at, id);
  CREATE INDEX tasks_by_account ON tasks(account_id, status);
  CREATE INDEX tasks_by_playbook ON tasks(playbook_id, status);
  CREATE INDEX tasks_by_created ON tasks(created_at, id);

  CREATE TABLE task_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT,
    action TEXT NOT NULL,
    note TEXT,
    changes TEXT NOT NULL
  );
  CREATE INDEX task_audit_by_task ON task_audit(task_id, seq);

  CREATE TABLE timeline (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX timeline_by_account ON timeline(account_id, at, id);

  CREATE TABLE stage_changes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    journey_id TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX stage_changes_by_journey ON stage_changes(journey_id, at);
  CREATE INDEX stage_changes_by_account ON stage_changes(account_id, journey_id, at);

  CREATE TABLE health_history (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    score REAL,
    color TEXT,
    json TEXT NOT NULL
  );
  CREATE INDEX health_history_by_account ON health_history(account_id, at);

  CREATE TABLE definition_versions (
    definition_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    author TEXT NOT NULL,
    message TEXT NOT NULL,
    published_at TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (definition_id, version)
  );
  CREATE TRIGGER definition_versions_no_update BEFORE UPDATE ON definition_versions
    BEGIN SELECT RAISE(ABORT, 'published definition versions are immutable'); END;
  CREATE TRIGGER definition_versions_no_delete BEFORE DELETE ON definition_versions
    BEGIN SELECT RAISE(ABORT, 'published definition versions are immutable'); END;

  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email_lower TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX sessions_by_expiry ON sessions(expires_at);
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: queue indexes also carry snoozed_until and type, so the queue's filters and its
  // total count are answered from the index without reading a million task rows.
  `
  DROP INDEX tasks_queue;
  DROP INDEX tasks_queue_all;
  CREATE INDEX tasks_queue ON tasks(owner, status, prio_rank, due_at, id, snoozed_until, type);
  CREATE INDEX tasks_queue_all ON tasks(status, prio_rank, due_at, id, snoozed_until, type, owner);
  `,
  // 3: the red flag as a column, and the owner's queue index carries everything the queue counts
  // and filters on (account, playbook, priority, flag), so listing a CSM's open tasks reads no task row.
  `
  ALTER TABLE tasks ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
  UPDATE tasks SET flagged = 1 WHERE json_extract(json, '$.flaggedRed') = 1;
  DROP INDEX tasks_queue;
  CREATE INDEX tasks_queue ON tasks(owner, status, prio_rank, due_at, id, snoozed_until, type, account_id, playbook_id, priority, flagged);
  `,
];
