/**
 * compileLibrary: prepares every rule once per definition version and indexes playbooks by
 * what can start them, so an evaluation only looks at playbooks whose trigger can fire.
 */
import type {
  AccountUpdate, Fields, FieldDef, Journey, Playbook, PlaybookNode, Scorecard, Stage, TaskSpec, Transition, Trigger,
} from '../schema/definitions.js';
import { TRIGGER_NODE_ID } from '../schema/definitions.js';
import { prepareRule, type PreparedRule } from './rules.js';
import { compileRule, type CompiledRule } from './deps.js';
import { validateDefinition } from './validation.js';
import type { Problem } from '../validate/problem.js';
import { scorePlan, tierPlans, type ScorePlan } from '../health/compute.js';
import { HorizonPlanBuilder, readsClock, type HorizonPlan } from './horizon.js';

export type LibraryInput = {
  fields: Fields;
  scorecards: Scorecard[];
  journeys: { def: Journey; version: number }[];
  playbooks: { def: Playbook; version: number }[];
};

/** The validator's problem type: compileLibrary refuses a library with any error. */
export type LibraryProblem = Problem;

export class DefinitionError extends Error {
  readonly problems: LibraryProblem[];
  constructor(problems: LibraryProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const head = errors.slice(0, 5).map((p) => `${p.file ? p.file + ' ' : ''}${p.path || '/'}: ${p.message}`).join('; ');
    super(`Invalid definitions (${errors.length} error${errors.length === 1 ? '' : 's'}): ${head}${errors.length > 5 ? '; ...' : ''}`);
    this.name = 'DefinitionError';
    this.problems = problems;
  }
}

export interface CompiledTaskSpec {
  spec: TaskSpec;
  closeWhen: PreparedRule | null;
}

export interface CompiledNode {
  id: string;
  def: PlaybookNode;
  /** The edge without a branch (or the only edge) */
  next: string | null;
  yes: string | null;
  no: string | null;
  timeout: string | null;
  when: PreparedRule | null;
  task: CompiledTaskSpec | null;
}

export interface CompiledPlaybook {
  id: string;
  version: number;
  def: Playbook;
  trigger: Trigger;
  /** The condition of a condition trigger, or the optional `when` of event/schedule triggers. */
  triggerRule: PreparedRule | null;
  audience: PreparedRule | null;
  exit: { rule: PreparedRule; openTasks: 'close' | 'keep' } | null;
  nodes: Map<string, CompiledNode>;
  /** The node the trigger edge leads to. */
  first: string | null;
  /** Plain language of the trigger, e.g. "event nps.response". */
  triggerText: string;
}

export interface PlaybookVersions {
  id: string;
  latest: CompiledPlaybook;
  versions: Map<number, CompiledPlaybook>;
}

export type CompiledAction =
  | { kind: 'task'; id: string; task: CompiledTaskSpec }
  | { kind: 'update'; id: string; update: AccountUpdate };

export interface CompiledStage {
  def: Stage;
  entry: PreparedRule | null;
  exit: PreparedRule | null;
  onEntry: CompiledAction[];
}

export interface CompiledTransition {
  def: Transition;
  when: PreparedRule | null;
}

export interface CompiledJourney {
  id: string;
  version: number;
  def: Journey;
  stages: Map<string, CompiledStage>;
  /** Outgoing transitions per stage, in file order. */
  from: Map<string, CompiledTransition[]>;
}

export interface CompiledMeasure {
  id: string;
  name: string;
  value: CompiledRule;
  direction: 'higher-is-better' | 'lower-is-better';
  thresholds: { green: number; yellow: number };
  weight: number;
}

export interface CompiledScorecard {
  id: string;
  def: Scorecard;
  measures: CompiledMeasure[];
  timeRelative: boolean;
  /** Weights, thresholds and bands without a tier override, and per overridden tier (see scorePlan). */
  basePlan?: ScorePlan;
  tierPlans?: Map<string, ScorePlan>;
}

export interface CompiledLibrary {
  fields: FieldDef[];
  fieldByName: Map<string, FieldDef>;
  /** The dictionary's field names (derived ones included), one array: condition data shares one shape. */
  fieldNames: readonly string[];
  dateFields: Set<string>;
  derived: { name: string; run: CompiledRule }[];
  /** The account health scorecard: the one with id "health", else the first by id. */
  scorecard: CompiledScorecard | null;
  scorecards: CompiledScorecard[];
  /** Newest version of each journey, by id. */
  journeys: CompiledJourney[];
  journeyById: Map<string, CompiledJourney>;
  playbooks: Map<string, PlaybookVersions>;
  /** Newest versions that can start runs, by trigger type, each list sorted by id. */
  starters: {
    condition: CompiledPlaybook[];
    event: Map<string, CompiledPlaybook[]>;
    stage: Map<string, CompiledPlaybook[]>;
    schedule: CompiledPlaybook[];
    manual: Map<string, CompiledPlaybook>;
  };
  /**
   * The slot of each condition- and schedule-started playbook's entry in the account's trigger
   * state (by playbook id; condition starters in order, then schedule ones), so an evaluation
   * reads all of them in one pass over that object.
   */
  triggerSlots: Map<string, number>;
  /** starters.stage again, by journey id, stage id and 'entered'/'left' (looked up without building a key). */
  stageStarters: Map<string, Map<string, { entered: CompiledPlaybook[]; left: CompiledPlaybook[] }>>;
  /** closeWhen rules by "definition:version:node". */
  closeWhen: Map<string, PreparedRule>;
  /** The same rules by definition id, version and node id (looked up without building a key). */
  closeWhenByPlaybook: Map<string, Map<number, Map<string, PreparedRule>>>;
  /** Some condition reads the clock (or a date field): accounts may need a re-check with time alone. */
  timeRelative: boolean;
  /**
   * The clock comparisons of every rule whose result matters on a later evaluation with the same
   * data, for the account's horizon (see horizon.ts); fallback when some cannot be analysed.
   */
  horizon: HorizonPlan;
}

export function stageKey(journeyId: string, stageId: string, on: 'entered' | 'left'): string {
  return `${journeyId}|${stageId}|${on}`;
}

export function describeTrigger(t: Trigger, rule: PreparedRule | null): string {
  switch (t.type) {
    case 'condition':
      return `condition became true: ${rule?.text ?? ''}`.trim();
    case 'event':
      return `event ${t.eventType}${rule ? ` where ${rule.text}` : ''}`;
    case 'stage':
      return `stage ${t.stage} of ${t.journey} ${t.on}`;
    case 'schedule':
      return `every ${t.everyDays} day${t.everyDays === 1 ? '' : 's'}${rule ? ` when ${rule.text}` : ''}`;
    case 'manual':
      return 'started by hand';
  }
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function compileLibrary(input: LibraryInput): CompiledLibrary {
  const problems: LibraryProblem[] = [];
  const fields = input.fields?.fields ?? [];
  const dateFields = new Set(fields.filter((f) => f.type === 'date').map((f) => f.name));
  let timeRelative = false;
  const horizon = new HorizonPlanBuilder();

  // watch: the rule is read again on a later evaluation with the same data (not only when an
  // event arrives or a run walks through it), so when it can change with time alone counts.
  const prep = (rule: unknown, file: string, path: string, nodeId?: string, watch = true): PreparedRule | null => {
    if (rule === undefined) return null;
    try {
      const p = prepareRule(rule, fields, dateFields);
      if (p.timeRelative) timeRelative = true;
      if (watch) horizon.watch(rule);
      return p;
    } catch (e) {
      const err = e as { path?: string; message?: string };
      problems.push({ file, path: path + (err.path ?? ''), nodeId, severity: 'error', message: err.message ?? String(e) });
      return null;
    }
  };
  const rawCompile = (rule: unknown, file: string, path: string): CompiledRule => {
    try {
      return compileRule(rule);
    } catch (e) {
      const err = e as { path?: string; message?: string };
      problems.push({ file, path: path + (err.path ?? ''), severity: 'error', message: err.message ?? String(e) });
      return () => null;
    }
  };

  const journeyDefs = input.journeys.map((j) => j.def);
  const ctx = { fields, journeys: journeyDefs, scorecards: input.scorecards };
  const check = (def: unknown, file: string) => {
    for (const p of validateDefinition(def, { ...ctx, file })) problems.push({ ...p, file: p.file ?? file });
  };
  check(input.fields, 'fields.json');

  // derived fields, in dictionary order (a derived field may read earlier ones)
  const derived: CompiledLibrary['derived'] = [];
  fields.forEach((f, i) => {
    if (f.derived === undefined) return;
    derived.push({ name: f.name, run: rawCompile(f.derived, 'fields.json', `/fields/${i}/derived`) });
    if (prepareSafe(f.derived, fields, dateFields)?.timeRelative) timeRelative = true;
    // A timed derived field changes its value (and every rule reading it) day by day: not analysed.
    if (readsClock(f.derived)) horizon.giveUp();
  });

  // scorecards
  const scorecards: CompiledScorecard[] = [];
  for (const sc of [...input.scorecards].sort(byId)) {
    const file = `${sc.id}.json`;
    check(sc, file);
    let tr = false;
    const measures = (sc.measures ?? []).map((m, i) => {
      if (prepareSafe(m.value, fields, dateFields)?.timeRelative) tr = true;
      if (readsClock(m.value)) horizon.giveUp();
      return {
        id: m.id, name: m.name, value: rawCompile(m.value, file, `/measures/${i}/value`),
        direction: m.direction, thresholds: m.thresholds, weight: m.weight,
      };
    });
    if (tr) timeRelative = true;
    scorecards.push({ id: sc.id, def: sc, measures, timeRelative: tr, basePlan: scorePlan(sc, measures, undefined), tierPlans: tierPlans(sc, measures) });
  }
  const scorecard = scorecards.find((s) => s.id === 'health') ?? scorecards[0] ?? null;

  const closeWhen = new Map<string, PreparedRule>();
  const closeWhenByPlaybook: CompiledLibrary['closeWhenByPlaybook'] = new Map();
  const compileTask = (spec: TaskSpec, file: string, path: string, key: string, at: { def: string; version: number; node: string }, nodeId?: string): CompiledTaskSpec => {
    const cw = prep(spec.closeWhen, file, path + '/closeWhen', nodeId);
    if (cw) {
      closeWhen.set(key, cw);
      let versions = closeWhenByPlaybook.get(at.def);
      if (!versions) closeWhenByPlaybook.set(at.def, (versions = new Map()));
      let nodes = versions.get(at.version);
      if (!nodes) versions.set(at.version, (nodes = new Map()));
      nodes.set(at.node, cw);
    }
    return { spec, closeWhen: cw };
  };

  // journeys: newest version of each runs
  const newestJourney = new Map<string, { def: Journey; version: number }>();
  for (const j of input.journeys) {
    const cur = newestJourney.get(j.def.id);
    if (!cur || j.version > cur.version) newestJourney.set(j.def.id, j);
  }
  const journeys: CompiledJourney[] = [];
  for (const { def, version } of [...newestJourney.values()].sort((a, b) => byId(a.def, b.def))) {
    const file = `${def.id}.json`;
    check(def, file);
    const stages = new Map<string, CompiledStage>();
    def.stages.forEach((s, i) => {
      const base = `/stages/${i}`;
      stages.set(s.id, {
        def: s,
        entry: prep(s.entry, file, base + '/entry'),
        exit: prep(s.exit, file, base + '/exit'),
        onEntry: (s.onEntry ?? []).map((a, k): CompiledAction =>
          a.kind === 'task'
            ? { kind: 'task', id: a.id, task: compileTask(a.task, file, `${base}/onEntry/${k}/task`, `${def.id}:${version}:${s.id}/${a.id}`, { def: def.id, version, node: `${s.id}/${a.id}` }) }
            : { kind: 'update', id: a.id, update: a.update }),
      });
    });
    const from = new Map<string, CompiledTransition[]>();
    def.transitions.forEach((t, i) => {
      const list = from.get(t.from) ?? [];
      list.push({ def: t, when: prep(t.when, file, `/transitions/${i}/when`) });
      from.set(t.from, list);
    });
    if (!stages.has(def.initialStage)) problems.push({ file, path: '/initialStage', severity: 'error', message: `Initial stage "${def.initialStage}" is not a stage of journey ${def.id}` });
    journeys.push({ id: def.id, version, def, stages, from });
  }

  // playbooks
  const playbooks = new Map<string, PlaybookVersions>();
  const seen = new Set<string>();
  for (const { def, version } of input.playbooks) {
    const file = `${def.id}.json`;
    const vkey = `${def.id}@${version}`;
    if (seen.has(vkey)) {
      problems.push({ file, path: '', severity: 'error', message: `Playbook ${def.id} version ${version} is given twice` });
      continue;
    }
    seen.add(vkey);
    check(def, file);
    // An event trigger's condition is read only when its event comes (an evaluation anyway).
    const triggerRule = 'when' in def.trigger ? prep(def.trigger.when, file, '/trigger/when', undefined, def.trigger.type !== 'event') : null;
    const nodes = new Map<string, CompiledNode>();
    def.nodes.forEach((n, i) => {
      const base = `/nodes/${i}`;
      let when: PreparedRule | null = null;
      // Read only as a run walks through the node or its event comes: at a run's wake time, an
      // event or a task change, which are evaluations anyway.
      if (n.kind === 'condition') when = prep(n.when, file, base + '/when', n.id, false);
      else if (n.kind === 'wait' && n.wait.type === 'event') when = prep(n.wait.when, file, base + '/wait/when', n.id, false);
      const task = n.kind === 'task' ? compileTask(n.task, file, base + '/task', `${def.id}:${version}:${n.id}`, { def: def.id, version, node: n.id }, n.id) : null;
      nodes.set(n.id, { id: n.id, def: n, next: null, yes: null, no: null, timeout: null, when, task });
    });
    let first: string | null = null;
    def.edges.forEach((e, i) => {
      if (e.from === TRIGGER_NODE_ID) {
        if (first !== null) problems.push({ file, path: `/edges/${i}`, edgeId: e.id, severity: 'error', message: 'More than one edge leaves the trigger' });
        first = e.to;
        return;
      }
      const n = nodes.get(e.from);
      if (!n) {
        problems.push({ file, path: `/edges/${i}/from`, edgeId: e.id, severity: 'error', message: `Edge ${e.id} starts at unknown node "${e.from}"` });
        return;
      }
      if (!nodes.has(e.to)) problems.push({ file, path: `/edges/${i}/to`, edgeId: e.id, severity: 'error', message: `Edge ${e.id} points to unknown node "${e.to}"` });
      if (e.branch === 'yes') n.yes = e.to;
      else if (e.branch === 'no') n.no = e.to;
      else if (e.branch === 'timeout') n.timeout = e.to;
      else n.next = e.to;
    });
    const audience = prep(def.audience, file, '/audience');
    const exitRule = def.exit ? prep(def.exit.when, file, '/exit/when') : null;
    const compiled: CompiledPlaybook = {
      id: def.id, version, def, trigger: def.trigger, triggerRule, audience,
      exit: def.exit && exitRule ? { rule: exitRule, openTasks: def.exit.openTasks } : null,
      nodes, first, triggerText: describeTrigger(def.trigger, triggerRule),
    };
    const entry = playbooks.get(def.id);
    if (!entry) playbooks.set(def.id, { id: def.id, latest: compiled, versions: new Map([[version, compiled]]) });
    else {
      entry.versions.set(version, compiled);
      if (version > entry.latest.version) entry.latest = compiled;
    }
  }

  if (problems.some((p) => p.severity === 'error')) throw new DefinitionError(problems);

  const starters: CompiledLibrary['starters'] = { condition: [], event: new Map(), stage: new Map(), schedule: [], manual: new Map() };
  for (const id of [...playbooks.keys()].sort()) {
    const pb = playbooks.get(id)!.latest;
    const t = pb.trigger;
    if (t.type === 'condition') starters.condition.push(pb);
    else if (t.type === 'event') starters.event.set(t.eventType, [...(starters.event.get(t.eventType) ?? []), pb]);
    else if (t.type === 'stage') {
      const k = stageKey(t.journey, t.stage, t.on);
      starters.stage.set(k, [...(starters.stage.get(k) ?? []), pb]);
    } else if (t.type === 'schedule') starters.schedule.push(pb);
    else starters.manual.set(pb.id, pb);
  }

  // Condition starters take slots 0.., then schedule starters (ids are unique: one latest per id).
  const triggerSlots = new Map<string, number>();
  for (const pb of [...starters.condition, ...starters.schedule]) triggerSlots.set(pb.id, triggerSlots.size);

  const stageStarters: CompiledLibrary['stageStarters'] = new Map();
  for (const id of [...playbooks.keys()].sort()) {
    const t = playbooks.get(id)!.latest.trigger;
    if (t.type !== 'stage') continue;
    let stages = stageStarters.get(t.journey);
    if (!stages) stageStarters.set(t.journey, (stages = new Map()));
    let lists = stages.get(t.stage);
    if (!lists) stages.set(t.stage, (lists = { entered: [], left: [] }));
    lists[t.on].push(playbooks.get(id)!.latest);
  }

  return {
    triggerSlots,
    stageStarters,
    fields,
    fieldByName: new Map(fields.map((f) => [f.name, f])),
    fieldNames: fields.map((f) => f.name),
    dateFields,
    derived,
    scorecard,
    scorecards,
    journeys,
    journeyById: new Map(journeys.map((j) => [j.id, j])),
    playbooks,
    starters,
    closeWhen,
    closeWhenByPlaybook,
    timeRelative,
    horizon: horizon.plan,
  };
}

function prepareSafe(rule: unknown, fields: FieldDef[], dateFields: ReadonlySet<string>): PreparedRule | null {
  try {
    return prepareRule(rule, fields, dateFields);
  } catch {
    return null;
  }
}
