/**
 * The working memory of one evaluation. Inputs are never mutated: the account, state maps
 * and instances are copied on first write, so an evaluation that changes nothing allocates
 * little. The condition data is built once and rebuilt only after something it shows changed.
 */
import type {
  Account, AccountEvent, AccountState, Effect, Health, Instance, JourneyPosition, Task, TimelineEntry,
} from '../types.js';
import type { CompiledLibrary } from './compile.js';
import { buildConditionData, civilFromDays, parseDateMs, type ConditionData } from './deps.js';
import { timelineIdOf } from '../ids.js';

export const DAY_MS = 86_400_000;
/** Guard against runaway graphs (validation forbids loops without waits). */
export const MAX_NODE_VISITS = 1000;

type Runs = AccountState['runs'];
type Triggers = AccountState['triggers'];

export interface PendingStageTrigger {
  journeyId: string;
  stageId: string;
  on: 'entered' | 'left';
  occurrence: string;
}

export class EvalContext {
  readonly lib: CompiledLibrary;
  readonly now: string;
  readonly nowMs: number;
  readonly accountId: string;
  readonly event: AccountEvent | undefined;

  account: Account;
  /**
   * What JSON Logic reads: the account's fields (plus derived ones) at the top level, and
   * tags, flags, health, journey, event. Built once per evaluation, then kept in step with
   * every change below, so no rule ever sees stale data and nothing is rebuilt per rule.
   */
  readonly data: ConditionData;
  health: Health | null;
  journeys: Record<string, JourneyPosition>;
  triggers: Triggers;
  runs: Runs;

  /** Ids of instances created or changed, in order (an array: a run touches a few at most, and most evaluations none). */
  readonly changed: string[] = [];
  /** Active instances from the input plus those started now, by id; indexed on first use. */
  private instanceIndex: Map<string, Instance> | null = null;
  private inputInstances: readonly Instance[] = [];
  /** Tasks known to this evaluation, by id (input tasks, then created ones); indexed on first use. */
  private taskIndex: Map<string, Task> | null = null;
  private inputTasks: readonly Task[] = [];
  readonly effects: Effect[] = [];
  pendingStage: PendingStageTrigger[] = [];
  visits = 0;

  private ownJourneys = false;
  private ownTriggers = false;
  private ownRuns = false;
  private ownTags = false;
  private ownFlags = false;
  private journeyView: Record<string, { stage: string; daysInStage: number }>;
  private readonly inputState: AccountState | null;

  constructor(lib: CompiledLibrary, account: Account, state: AccountState | null, now: string, event: AccountEvent | undefined) {
    this.lib = lib;
    this.now = now;
    // Canonical UTC text (what the engine and the store write) takes the memoised fast path.
    this.nowMs = typeof now === 'string' && isCanonicalTime(now) ? timeMs(now) : Date.parse(now);
    if (!Number.isFinite(this.nowMs)) throw new Error(`evaluate: now must be an ISO-8601 time, got ${JSON.stringify(now)}`);
    this.accountId = account.id;
    this.event = event;
    this.account = account;
    this.inputState = state;
    this.health = state?.health ?? null;
    this.journeys = state?.journeys ?? {};
    this.triggers = state?.triggers ?? {};
    this.runs = state?.runs ?? {};
    this.journeyView = {};
    for (const id in this.journeys) {
      const p = this.journeys[id];
      this.journeyView[id] = { stage: p.stage, daysInStage: Math.max(0, Math.floor((this.nowMs - timeMs(p.enteredAt)) / DAY_MS)) };
    }
    this.data = buildConditionData({ fields: account.fields, tags: account.tags, flags: account.flags, health: this.health, journey: this.journeyView, event, fieldNames: lib.fieldNames });
  }

  setInputInstances(instances: readonly Instance[]): void {
    this.inputInstances = instances;
    this.instanceIndex = null;
  }

  /** Active instances from the input plus those started now, by id. */
  get instances(): Map<string, Instance> {
    if (this.instanceIndex === null) {
      this.instanceIndex = new Map();
      for (const inst of this.inputInstances) this.instanceIndex.set(inst.id, inst);
    }
    return this.instanceIndex;
  }

  /** Smallest wake time (ms) of an active instance, or Infinity. */
  earliestWake(): number {
    // The input array (the usual case: no run started or changed) is walked by index, the index's
    // values only when built: one loop over both kinds would iterate generically.
    if (this.instanceIndex === null) {
      const list = this.inputInstances;
      wakeScan.reset();
      for (let i = 0; i < list.length; i++) wakeScan.add(list[i]);
      return wakeScan.earliest();
    }
    wakeScan.reset();
    for (const inst of this.instanceIndex.values()) wakeScan.add(inst);
    return wakeScan.earliest();
  }

  setInputTasks(tasks: readonly Task[]): void {
    this.inputTasks = tasks;
    this.taskIndex = null;
  }

  /** A task known to this evaluation (no index is built for a look-up among a few input tasks). */
  task(id: string): Task | undefined {
    if (this.taskIndex !== null) return this.taskIndex.get(id);
    const list = this.inputTasks;
    if (list.length > 8) return this.tasks.get(id);
    // The index holds the last task of an id: search from the end for the same answer.
    for (let i = list.length - 1; i >= 0; i--) if (list[i].id === id) return list[i];
    return undefined;
  }

  /** Has the task index been built (a task looked up, created or changed)? */
  tasksIndexed(): boolean {
    return this.taskIndex !== null;
  }

  /** The input tasks (what the index starts from). */
  inputTaskList(): readonly Task[] {
    return this.inputTasks;
  }

  get tasks(): Map<string, Task> {
    if (this.taskIndex === null) {
      this.taskIndex = new Map();
      for (const t of this.inputTasks) this.taskIndex.set(t.id, t);
    }
    return this.taskIndex;
  }

  // ----- condition data -----

  conditionData(): ConditionData {
    return this.data;
  }

  /** A field value (derived fields included). */
  field(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.data, name) ? this.data[name] : undefined;
  }

  setDerived(name: string, value: unknown): void {
    this.data[name] = value;
  }

  setHealth(health: Health | null): void {
    this.health = health;
    this.data.health = health;
  }

  /** The value a rule's variable path reads, for reasons and path details. */
  readVar(path: string): unknown {
    const dot = path.indexOf('.');
    const head = dot < 0 ? path : path.slice(0, dot);
    const rest = dot < 0 ? '' : path.slice(dot + 1);
    switch (head) {
      case 'tags':
        return rest ? undefined : this.account.tags;
      case 'flags':
        return rest ? (this.account.flags[rest] ?? false) : this.account.flags;
      case 'health': {
        const h = this.health;
        if (!h) return null;
        if (rest === 'score') return h.score;
        if (rest === 'color') return h.color;
        const m = /^measures\.([^.]+)\.(value|color)$/.exec(rest);
        return m ? (h.measures[m[1]]?.[m[2] as 'value' | 'color'] ?? null) : undefined;
      }
      case 'journey': {
        const m = /^([^.]+)\.(stage|daysInStage)$/.exec(rest);
        if (!m) return undefined;
        const p = this.journeyView[m[1]];
        if (!p) return null;
        return m[2] === 'stage' ? p.stage : p.daysInStage;
      }
      case 'event': {
        if (!this.event) return undefined;
        if (rest === 'type') return this.event.type;
        if (rest === 'id') return this.event.id;
        if (rest.startsWith('data.')) return this.event.data?.[rest.slice(5)];
        return undefined;
      }
      default: {
        const v = this.field(path);
        return v === undefined ? null : v;
      }
    }
  }

  valuesOf(vars: readonly string[], into: Record<string, unknown> = {}): Record<string, unknown> {
    for (const v of vars) {
      const x = this.readVar(v);
      if (x !== undefined) into[v] = x;
    }
    return into;
  }

  // ----- copy-on-write state -----

  setJourney(id: string, pos: JourneyPosition): void {
    if (!this.ownJourneys) {
      this.journeys = { ...this.journeys };
      this.ownJourneys = true;
    }
    this.journeys[id] = pos;
    this.journeyView[id] = { stage: pos.stage, daysInStage: Math.max(0, Math.floor((this.nowMs - timeMs(pos.enteredAt)) / DAY_MS)) };
    this.data.journey = this.journeyView;
  }

  setTrigger(key: string, value: { lastTrue?: boolean; lastSlot?: number }): void {
    if (!this.ownTriggers) {
      this.triggers = { ...this.triggers };
      this.ownTriggers = true;
    }
    this.triggers[key] = value;
  }

  deleteTrigger(key: string): void {
    if (!this.ownTriggers) {
      this.triggers = { ...this.triggers };
      this.ownTriggers = true;
    }
    delete this.triggers[key];
  }

  run(playbookId: string): Runs[string] | undefined {
    return this.runs[playbookId];
  }

  setRun(playbookId: string, value: Runs[string]): void {
    if (!this.ownRuns) {
      this.runs = { ...this.runs };
      this.ownRuns = true;
    }
    this.runs[playbookId] = value;
  }

  /** Returns a writable copy of the account (fields untouched). */
  private writableAccount(): Account {
    if (!this.ownTags && !this.ownFlags) this.account = { ...this.account };
    return this.account;
  }

  setTags(tags: string[]): void {
    this.writableAccount().tags = tags;
    this.ownTags = true;
    this.data.tags = tags;
  }

  setFlags(flags: Record<string, boolean>): void {
    this.writableAccount().flags = flags;
    this.ownFlags = true;
    this.data.flags = flags;
  }

  // ----- instances -----

  isActive(instanceId: string | null | undefined): boolean {
    return !!instanceId && this.instances.get(instanceId)?.status === 'active';
  }

  /** A writable copy of an instance, recorded as changed. */
  mutable(inst: Instance): Instance {
    if (this.changed.includes(inst.id)) return inst;
    const copy: Instance = { ...inst, tasks: { ...inst.tasks }, path: inst.path.slice() };
    this.instances.set(copy.id, copy);
    this.changed.push(copy.id);
    return copy;
  }

  addInstance(inst: Instance): void {
    this.instances.set(inst.id, inst);
    if (!this.changed.includes(inst.id)) this.changed.push(inst.id);
  }

  // ----- effects -----

  /** Adds a timeline entry; returns it (a fresh object the caller may still amend). */
  timeline(kind: TimelineEntry['kind'], subtype: string, text: string, idParts: (string | number)[], data?: Record<string, unknown>): TimelineEntry {
    const entry: TimelineEntry = { id: timelineIdOf(this.accountId, kind, subtype, idParts), accountId: this.accountId, at: this.now, kind, subtype, text };
    if (data) entry.data = data;
    this.effects.push({ kind: 'timeline', entry });
    return entry;
  }

  /**
   * The account-level state after this evaluation: the input state object itself when nothing in
   * it changed (so the caller can skip writing it: \`result.state === input.state\`); its
   * lastEvaluatedAt is then the last evaluation that changed the state.
   */
  state(): AccountState {
    const s = this.inputState;
    if (s !== null && !this.ownJourneys && !this.ownTriggers && !this.ownRuns && this.health === s.health) return s;
    return { accountId: this.accountId, journeys: this.journeys, triggers: this.triggers, runs: this.runs, health: this.health, lastEvaluatedAt: this.now };
  }
}

/** The earliest wake time of some instances (scratch state: single-threaded, not re-entrant). */
class WakeScan {
  private next = Infinity;
  /** Canonical texts are compared as text; only the earliest is parsed. */
  private first: string | null = null;
  reset(): void {
    this.next = Infinity;
    this.first = null;
  }
  add(inst: Instance): void {
    const w = inst.wakeAt;
    if (inst.status !== 'active' || !w) return;
    if (isCanonicalTime(w)) {
      if (this.first === null || w < this.first) this.first = w;
      return;
    }
    const t = timeMs(w);
    if (t < this.next) this.next = t;
  }
  earliest(): number {
    let next = this.next;
    if (this.first !== null) {
      const t = timeMs(this.first);
      if (t < next) next = t;
    }
    return next;
  }
}
const wakeScan = new WakeScan();

/**
 * Canonical engine time text ("YYYY-MM-DDTHH:MM:SS.mmmZ", what isoDate writes): such texts
 * order like the instants they name, so they can be compared without parsing.
 */
export function isCanonicalTime(iso: string): boolean {
  return iso.length === 24 && iso.charCodeAt(23) === 90 && iso.charCodeAt(10) === 84 && iso.charCodeAt(19) === 46;
}

// Engine times repeat across evaluations (now, entry times, wake times, often shared by many
// accounts): parsed ones are remembered, in a table cleared when it grows large.
const parsedTimes = new Map<string, number>();
const PARSED_TIMES_MAX = 50_000;
/** Epoch ms of an ISO time written by the engine (fast path; NaN when invalid). */
export function timeMs(iso: string): number {
  let ms = parsedTimes.get(iso);
  if (ms === undefined) {
    ms = parseDateMs(iso) ?? Date.parse(iso);
    if (parsedTimes.size >= PARSED_TIMES_MAX) parsedTimes.clear();
    parsedTimes.set(iso, ms);
  }
  return ms;
}

const pad2 = (n: number) => (n < 10 ? '0' + n : '' + n);
const pad3 = (n: number) => (n < 10 ? '00' + n : n < 100 ? '0' + n : '' + n);

/** Same text as new Date(ms).toISOString() for years 0-9999, without a Date (civil-from-days). */
function formatIso(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const ymd = civilFromDays(days);
  if (ymd < 0) return new Date(ms).toISOString();
  const year = Math.floor(ymd / 10000), month = Math.floor(ymd / 100) % 100, day = ymd % 100;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  const y = year < 1000 ? ('000' + year).slice(-4) : '' + year;
  return `${y}-${pad2(month)}-${pad2(day)}T${pad2(h)}:${pad2(m)}:${pad2(sec)}.${pad3(milli)}Z`;
}

// Engine times repeat (due dates now + N days, wake times, schedule slots), shared by many
// accounts: remembered in a small table, one slot per day (a pure memo of a pure function).
const ISO_SLOTS = 64;
const isoKeys = new Float64Array(ISO_SLOTS).fill(NaN);
const isoTexts: string[] = new Array<string>(ISO_SLOTS).fill('');
/** An engine time as ISO-8601 UTC text. */
export function isoDate(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid time value: ${ms}`);
  const slot = Math.floor(ms / DAY_MS) & (ISO_SLOTS - 1);
  if (isoKeys[slot] === ms) return isoTexts[slot];
  const text = Number.isInteger(ms) ? formatIso(ms) : new Date(ms).toISOString();
  isoKeys[slot] = ms;
  isoTexts[slot] = text;
  return text;
}

export function addDays(ms: number, days: number): number {
  return ms + days * DAY_MS;
}
