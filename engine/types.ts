/**
 * Runtime data shapes shared by the engine, the stores, the API and the web app.
 * All times are ISO-8601 UTC strings (e.g. "2026-11-22T09:00:00.000Z"); the engine
 * never reads a clock: `now` is always an argument.
 */
import type { HealthColor, Priority, TaskType, Condition } from './schema/definitions.js';

/** An account as stored: its fields (per the data dictionary), tags and flags. */
export interface Account {
  id: string;
  /** Values keyed by field name (playbooks/fields.json). Dates are ISO strings. */
  fields: Record<string, unknown>;
  tags: string[];
  flags: Record<string, boolean>;
  /** Open support tickets, kept up to date by ticket events (engine/events). */
  tickets?: OpenTicket[];
}

export interface OpenTicket {
  id: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  bug: boolean;
  openedAt: string;
  escalated?: boolean;
}

/** Something that happened to an account. Idempotent by id. */
export interface AccountEvent {
  id: string;
  accountId: string;
  /** nps.response | ticket.opened | ticket.closed | ticket.escalated | usage.snapshot | license.changed | csm.activity | custom types */
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Why something happened: enough for ops to audit any task or stage change (O3). */
export interface Reason {
  source: 'playbook' | 'journey' | 'manual';
  /** playbook or journey id */
  definitionId: string;
  version: number;
  /** playbook node id, or journey stage/transition id */
  nodeId: string;
  /** e.g. "condition became true", "event nps.response", "stage onboarding entered" */
  trigger: string;
  /** The JSON Logic that held, if a condition was involved. */
  condition?: Condition;
  /** The account values the condition read, at that moment. */
  values: Record<string, unknown>;
  at: string;
}

export type TaskStatus = 'open' | 'done' | 'closed';

export interface TaskStep {
  id: string;
  title: string;
  dueAt: string | null;
  done: boolean;
  doneAt?: string;
  doneBy?: string;
}

export interface Task {
  /** Deterministic: derived from the idempotency key (engine/ids). */
  id: string;
  /** playbook:version:node:account:occurrence - unique; a replay creates nothing new. */
  key: string;
  accountId: string;
  playbookId: string;
  playbookVersion: number;
  nodeId: string;
  instanceId: string | null;
  title: string;
  type: TaskType;
  priority: Priority;
  /** A user id, or "role:<role>" for a team role not yet picked up. */
  owner: string;
  status: TaskStatus;
  flaggedRed: boolean;
  createdAt: string;
  updatedAt: string;
  dueAt: string;
  snoozedUntil: string | null;
  completedAt: string | null;
  closedReason: string | null;
  /** Plain language for the queue: "Renewal in 87 days". */
  reasonText: string;
  reason: Reason;
  steps: TaskStep[];
  email: { to?: string; subject: string; body: string } | null;
}

export interface StageChange {
  journeyId: string;
  from: string | null;
  to: string;
  at: string;
  /** Plain language, e.g. "Initial value criteria met". */
  reasonText: string;
  reason: Reason;
}

export interface JourneyPosition {
  stage: string;
  enteredAt: string;
  history: StageChange[];
}

export interface MeasureResult {
  name: string;
  value: number | null;
  color: HealthColor | null;
  weight: number;
}

export interface Health {
  scorecardId: string;
  score: number;
  color: HealthColor;
  measures: Record<string, MeasureResult>;
  at: string;
}

export interface PathStep {
  nodeId: string;
  at: string;
  /** e.g. "yes", "no", "task created", "waiting until 2027-01-01", "timeout" */
  outcome: string;
  /** Plain-language why, with values. */
  detail?: string;
  values?: Record<string, unknown>;
}

export type InstanceStatus = 'active' | 'completed' | 'exited' | 'incident';

/** One run of a playbook on one account. Keeps the version it started on. */
export interface Instance {
  /** Deterministic: playbook:account:occurrence. */
  id: string;
  playbookId: string;
  version: number;
  accountId: string;
  /** The trigger occurrence that started it (time it became true, event id, stage entry, schedule slot). */
  occurrence: string;
  status: InstanceStatus;
  /** The node it is waiting at, while active. */
  nodeId: string | null;
  /** When the current wait fires or times out. */
  wakeAt: string | null;
  waitStartedAt: string | null;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  /** Task ids created by this run, by node id. */
  tasks: Record<string, string>;
  path: PathStep[];
  incident: { message: string; at: string; attempts: number } | null;
}

/** Per-account engine memory between evaluations. */
export interface AccountState {
  accountId: string;
  journeys: Record<string, JourneyPosition>;
  /** Last truth of each condition trigger, for "becomes true" edges; last schedule slot fired. */
  triggers: Record<string, { lastTrue?: boolean; lastSlot?: number }>;
  /** Re-entry bookkeeping per playbook. */
  runs: Record<string, { count: number; lastStartedAt: string | null; lastEndedAt: string | null; activeInstanceId: string | null }>;
  health: Health | null;
  /** The last evaluation that changed this state (an evaluation that changes nothing returns the state untouched). */
  lastEvaluatedAt: string | null;
}

export type TimelineKind = 'stage' | 'task' | 'playbook' | 'health' | 'event' | 'activity' | 'account';

export interface TimelineEntry {
  /** Deterministic for engine entries, so replays do not duplicate them. */
  id: string;
  accountId: string;
  at: string;
  kind: TimelineKind;
  /** meeting | call | email | note | ebr for activities; otherwise a sub-kind */
  subtype?: string;
  text: string;
  by?: string;
  data?: Record<string, unknown>;
}

/** What the store must do after an evaluation. Each carries or implies its reason. */
export type Effect =
  | { kind: 'createTask'; task: Task }
  | { kind: 'updateTask'; taskId: string; changes: Partial<Pick<Task, 'title' | 'priority' | 'dueAt' | 'reasonText' | 'reason' | 'email'>>; note: string; at: string }
  | { kind: 'closeTask'; taskId: string; reason: string; at: string }
  | { kind: 'stageChanged'; accountId: string; change: StageChange }
  | { kind: 'healthChanged'; accountId: string; health: Health; previous: Health | null }
  | { kind: 'timeline'; entry: TimelineEntry };

export interface EvaluationInput {
  account: Account;
  /** null for an account never evaluated. */
  state: AccountState | null;
  /** Active instances of this account. */
  instances: Instance[];
  /** Open tasks of the account plus any task referenced by an active instance. */
  tasks: Task[];
  /** The event being processed, already stored; absent for a clock tick or data change. */
  event?: AccountEvent;
  /** A manual start of a playbook (trigger type manual). */
  manual?: { playbookId: string; requestId: string; by: string };
  now: string;
}

export interface EvaluationResult {
  /** The account after event reducers and update nodes (fields, tags, flags, tickets). */
  account: Account;
  state: AccountState;
  /** Every instance that was created or changed (active or ended). */
  instances: Instance[];
  effects: Effect[];
  /** When this account needs evaluating again with no new data (waits, schedules, time-relative conditions). */
  nextWakeAt: string | null;
}
