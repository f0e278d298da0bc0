/**
 * Journeys: an account with no position enters the initial stage once that stage's entry
 * criteria hold (at once when it has none; until then the account is outside the journey, e.g.
 * a churned account imported with its history never starts onboarding); then, from its stage, it
 * follows the first transition (file order) whose `when`, source exit criteria and target
 * entry criteria hold - chaining moves, never revisiting a stage in one evaluation. Each move
 * is a stageChanged effect with its reason and a stage history entry.
 *
 * Pass-through rule: when one evaluation moves an account through several stages (typically
 * the first evaluation of an established account imported with mature data), only the stage
 * it ends up in runs its onEntry actions and fires "stage entered" triggers, and only the
 * stage it started the evaluation in fires "stage left". The stages in between are still
 * recorded (history, stageChanged effect, timeline) with their times and reasons, but their
 * reasonText starts with "passed through: " and they run nothing - so a mature account gets
 * no onboarding kickoff, yet analytics still count every stage it passed. If the final
 * stage's onEntry actions move the account on (an update action), that move is a new journey
 * leg: the final stage fires "left" and the next leg's final stage is entered in turn.
 */
import type { AccountUpdate } from '../schema/definitions.js';
import type { Reason, StageChange, TimelineEntry } from '../types.js';
import type { CompiledJourney } from './compile.js';
import { EvalContext, MAX_NODE_VISITS } from './context.js';
import { holds, type PreparedRule } from './rules.js';
import { createOrRefreshTask } from './tasks.js';

export interface MoveCause {
  source: Reason['source'];
  definitionId: string;
  version: number;
  nodeId: string;
  trigger: string;
  condition?: unknown;
  values: Record<string, unknown>;
  reasonText: string;
}

function stageName(j: CompiledJourney, id: string): string {
  return j.stages.get(id)?.def.name ?? id;
}

/** Marks a recorded stage change as passed through (fresh objects of this evaluation). */
export const PASSED_THROUGH = 'passed through: ';

/** The moves of one journey leg so far (see settleLeg). */
interface Leg {
  moves: { change: StageChange; entry: TimelineEntry | null; stage: string; name: string }[];
}

function stageText(j: CompiledJourney, change: StageChange): string {
  return change.from === null
    ? `Entered ${j.def.name} at ${stageName(j, change.to)}: ${change.reasonText}`
    : `${j.def.name}: ${stageName(j, change.from)} -> ${stageName(j, change.to)}: ${change.reasonText}`;
}

/**
 * Records a move of the account to a stage of a journey (no criteria checked: the caller
 * decided). Entering and leaving are settled at the end of the leg (settleLeg).
 */
function recordMove(ctx: EvalContext, j: CompiledJourney, to: string, cause: MoveCause, visited: Set<string>, leg: Leg): void {
  const prev = ctx.journeys[j.id];
  const from = prev ? prev.stage : null;
  if (from === to) return;
  if (++ctx.visits > MAX_NODE_VISITS) throw new Error(`Journey ${j.id}: more than ${MAX_NODE_VISITS} moves and node visits in one evaluation (stage actions that keep moving the account?)`);
  visited.add(to);
  const reason: Reason = {
    source: cause.source, definitionId: cause.definitionId, version: cause.version, nodeId: cause.nodeId,
    trigger: cause.trigger, values: cause.values, at: ctx.now,
  };
  if (cause.condition !== undefined) reason.condition = cause.condition;
  const change: StageChange = { journeyId: j.id, from, to, at: ctx.now, reasonText: cause.reasonText, reason };
  ctx.setJourney(j.id, { stage: to, enteredAt: ctx.now, history: prev ? [...prev.history, change] : [change] });
  ctx.effects.push({ kind: 'stageChanged', accountId: ctx.accountId, change });
  const entry = ctx.timeline('stage', 'changed', stageText(j, change), [j.id, to, ctx.now], { journeyId: j.id, from, to });
  leg.moves.push({ change, entry, stage: to, name: stageName(j, to) });
}

/**
 * Moves the account along one leg - to `first` if given (an initial entry, a stage set by an
 * action), then along transitions - and settles it: the stages passed through are marked, the
 * stage the leg started from fires "left", the stage it ends in fires "entered" and runs its
 * onEntry actions. Moves nothing (and allocates nothing) when no transition holds.
 */
function travel(ctx: EvalContext, j: CompiledJourney, visited: Set<string>, first: { to: string; cause: MoveCause } | null): void {
  const start = ctx.journeys[j.id];
  const leg: Leg = { moves: [] };
  if (first) recordMove(ctx, j, first.to, first.cause, visited, leg);
  follow(ctx, j, visited, leg);
  const n = leg.moves.length;
  if (n === 0) return;
  for (let i = 0; i < n - 1; i++) {
    const m = leg.moves[i];
    const c = m.change;
    if (m.entry) m.entry.text = `${j.def.name}: passed through ${m.name} (${c.from === null ? 'journey start' : `from ${stageName(j, c.from)}`}): ${c.reasonText}`;
    c.reasonText = PASSED_THROUGH + c.reasonText;
  }
  const to = leg.moves[n - 1].stage;
  if (start) ctx.pendingStage.push({ journeyId: j.id, stageId: start.stage, on: 'left', occurrence: `${j.id}:${start.stage}:${start.enteredAt}` });
  ctx.pendingStage.push({ journeyId: j.id, stageId: to, on: 'entered', occurrence: `${j.id}:${to}:${ctx.now}` });
  runOnEntry(ctx, j, to, visited);
  // Tags or flags set on entry may open a transition: that is a new leg from this stage.
  if (ctx.journeys[j.id]?.stage === to && j.stages.get(to)?.onEntry.some((a) => a.kind === 'update')) travel(ctx, j, visited, null);
}

function runOnEntry(ctx: EvalContext, j: CompiledJourney, stageId: string, visited: Set<string>): void {
  const stage = j.stages.get(stageId);
  if (!stage) return;
  const enteredAt = ctx.now;
  for (const a of stage.onEntry) {
    if (a.kind === 'update') {
      applyUpdate(ctx, a.update, {
        source: 'journey', definitionId: j.id, version: j.version, nodeId: `${stageId}/${a.id}`,
        trigger: `stage ${stageId} entered`, values: {}, reasonText: `On entry to ${stage.def.name}`,
      }, visited);
      continue;
    }
    const nodeId = `${stageId}/${a.id}`;
    const key = `${j.id}:${j.version}:${nodeId}:${ctx.accountId}:${enteredAt}`;
    createOrRefreshTask(ctx, a.task, {
      key, definitionId: j.id, version: j.version, nodeId, instanceId: null,
      reason: {
        source: 'journey', definitionId: j.id, version: j.version, nodeId, trigger: `stage ${stageId} entered`,
        values: { [`journey.${j.id}.stage`]: stageId }, at: ctx.now,
      },
      fallbackReasonText: `Entered ${stage.def.name} (${j.def.name})`,
      sameKind: { playbookId: j.id, nodeId },
    });
  }
}

function check(ctx: EvalContext, rule: PreparedRule | null): boolean {
  return !rule || holds(rule, ctx.conditionData(), ctx.nowMs);
}

/** Follows transitions from the current stage until none holds. */
function follow(ctx: EvalContext, j: CompiledJourney, visited: Set<string>, leg: Leg): void {
  for (;;) {
    const pos = ctx.journeys[j.id];
    if (!pos) return;
    visited.add(pos.stage);
    const source = j.stages.get(pos.stage);
    let moved = false;
    for (const t of j.from.get(pos.stage) ?? []) {
      if (visited.has(t.def.to)) continue;
      const target = j.stages.get(t.def.to);
      if (!target) continue;
      if (!check(ctx, t.when) || !check(ctx, source?.exit ?? null) || !check(ctx, target.entry)) continue;
      // the values the conditions read, recorded only for the move taken
      const values: Record<string, unknown> = {};
      for (const r of [t.when, source?.exit, target.entry]) if (r) ctx.valuesOf(r.vars, values);
      // Plain language, each distinct condition once (criteria often repeat the transition's rule).
      const parts: string[] = [];
      const said = new Set<string>();
      if (t.when) {
        parts.push(t.when.text);
        said.add(t.when.text);
      }
      if (source?.exit && !said.has(source.exit.text)) {
        parts.push(`exit criteria of ${source.def.name} met (${source.exit.text})`);
        said.add(source.exit.text);
      }
      if (target.entry && !said.has(target.entry.text)) parts.push(`entry criteria of ${target.def.name} met (${target.entry.text})`);
      const rules = [t.when?.rule, source?.exit?.rule, target.entry?.rule].filter((r) => r !== undefined);
      recordMove(ctx, j, t.def.to, {
        source: 'journey', definitionId: j.id, version: j.version, nodeId: t.def.id,
        trigger: `transition ${t.def.from} -> ${t.def.to}`,
        condition: rules.length === 0 ? undefined : rules.length === 1 ? rules[0] : { and: rules },
        values, reasonText: parts.length ? parts.join('; ') : `Moved on from ${source?.def.name ?? pos.stage}`,
      }, visited, leg);
      moved = true;
      break;
    }
    if (!moved) return;
  }
}

/**
 * Would follow() take a transition from `stage` now? The same test as follow's first step,
 * without its allocations: most evaluations move no account, and then nothing is built.
 */
function canMove(ctx: EvalContext, j: CompiledJourney, stage: string): boolean {
  const list = j.from.get(stage);
  if (list === undefined) return false;
  const source = j.stages.get(stage);
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (t.def.to === stage) continue;
    const target = j.stages.get(t.def.to);
    if (!target) continue;
    if (check(ctx, t.when) && check(ctx, source?.exit ?? null) && check(ctx, target.entry)) return true;
  }
  return false;
}

/** Step 3 of an evaluation: every journey, newest version. */
export function runJourneys(ctx: EvalContext): void {
  for (const j of ctx.lib.journeys) {
    const pos = ctx.journeys[j.id];
    if (pos && !canMove(ctx, j, pos.stage)) continue;
    // The initial stage's entry criteria decide whether the account starts the journey yet.
    if (!pos && !check(ctx, j.stages.get(j.def.initialStage)?.entry ?? null)) continue;
    const visited = new Set<string>();
    const first = pos ? null : j.def.initialStage;
    travel(ctx, j, visited, first === null ? null : {
      to: first,
      cause: {
        source: 'journey', definitionId: j.id, version: j.version, nodeId: first, trigger: 'journey started',
        values: {}, reasonText: `Started the journey at ${stageName(j, first)}`,
      },
    });
  }
}

/** Tags, flags and stage changes of an update node or stage action. Returns plain-language changes. */
export function applyUpdate(ctx: EvalContext, u: AccountUpdate, cause: MoveCause, visited?: Set<string>): string[] {
  const done: string[] = [];
  if (u.addTags?.length || u.removeTags?.length) {
    const tags = ctx.account.tags.filter((t) => !u.removeTags?.includes(t));
    for (const t of u.addTags ?? []) if (!tags.includes(t)) tags.push(t);
    const changed = tags.length !== ctx.account.tags.length || tags.some((t, i) => t !== ctx.account.tags[i]);
    if (changed) ctx.setTags(tags);
    if (u.addTags?.length) done.push(`tagged ${u.addTags.join(', ')}`);
    if (u.removeTags?.length) done.push(`untagged ${u.removeTags.join(', ')}`);
  }
  if (u.flags && Object.keys(u.flags).length) {
    const flags = { ...ctx.account.flags };
    let changed = false;
    for (const k of Object.keys(u.flags).sort()) {
      if (flags[k] !== u.flags[k]) changed = true;
      flags[k] = u.flags[k];
      done.push(`flag ${k} ${u.flags[k] ? 'set' : 'cleared'}`);
    }
    if (changed) ctx.setFlags(flags);
  }
  if (u.stage) {
    const j = ctx.lib.journeyById.get(u.stage.journey);
    if (j && j.stages.has(u.stage.stage)) {
      const seen = visited ?? new Set<string>();
      if (ctx.journeys[j.id]?.stage !== u.stage.stage && !seen.has(u.stage.stage)) {
        travel(ctx, j, seen, { to: u.stage.stage, cause });
      }
      done.push(`stage set to ${stageName(j, u.stage.stage)}`);
    } else done.push(`stage ${u.stage.journey}/${u.stage.stage} not found: unchanged`);
  }
  return done;
}
