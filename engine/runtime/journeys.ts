/**
 * Journeys: an account with no position enters the initial stage; then, from its stage, it
 * follows the first transition (file order) whose `when`, source exit criteria and target
 * entry criteria hold - chaining moves, never revisiting a stage in one evaluation. Each move
 * is a stageChanged effect with its reason, runs the stage's onEntry actions and queues the
 * stage entered/left triggers.
 */
import type { AccountUpdate } from '../schema/definitions.js';
import type { Reason, StageChange } from '../types.js';
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

/** Moves the account to a stage of a journey (no criteria checked: the caller decided). */
export function moveToStage(ctx: EvalContext, j: CompiledJourney, to: string, cause: MoveCause, visited: Set<string>): void {
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
  ctx.timeline(
    'stage', 'changed',
    from === null ? `Entered ${j.def.name} at ${stageName(j, to)}: ${cause.reasonText}` : `${j.def.name}: ${stageName(j, from)} -> ${stageName(j, to)}: ${cause.reasonText}`,
    [j.id, to, ctx.now],
    { journeyId: j.id, from, to },
  );
  if (prev) ctx.pendingStage.push({ journeyId: j.id, stageId: prev.stage, on: 'left', occurrence: `${j.id}:${prev.stage}:${prev.enteredAt}` });
  ctx.pendingStage.push({ journeyId: j.id, stageId: to, on: 'entered', occurrence: `${j.id}:${to}:${ctx.now}` });
  runOnEntry(ctx, j, to, visited);
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
      sameKind: (t) => t.playbookId === j.id && t.nodeId === nodeId,
    });
  }
}

function check(ctx: EvalContext, rule: PreparedRule | null): boolean {
  return !rule || holds(rule, ctx.conditionData(), ctx.nowMs);
}

/** Follows transitions from the current stage until none holds. */
export function advanceJourney(ctx: EvalContext, j: CompiledJourney, visited: Set<string>): void {
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
      moveToStage(ctx, j, t.def.to, {
        source: 'journey', definitionId: j.id, version: j.version, nodeId: t.def.id,
        trigger: `transition ${t.def.from} -> ${t.def.to}`,
        condition: rules.length === 0 ? undefined : rules.length === 1 ? rules[0] : { and: rules },
        values, reasonText: parts.length ? parts.join('; ') : `Moved on from ${source?.def.name ?? pos.stage}`,
      }, visited);
      moved = true;
      break;
    }
    if (!moved) return;
  }
}

/** Step 3 of an evaluation: every journey, newest version. */
export function runJourneys(ctx: EvalContext): void {
  for (const j of ctx.lib.journeys) {
    const visited = new Set<string>();
    if (!ctx.journeys[j.id]) {
      const first = j.def.initialStage;
      moveToStage(ctx, j, first, {
        source: 'journey', definitionId: j.id, version: j.version, nodeId: first, trigger: 'journey started',
        values: {}, reasonText: `Started the journey at ${stageName(j, first)}`,
      }, visited);
    }
    advanceJourney(ctx, j, visited);
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
        moveToStage(ctx, j, u.stage.stage, cause, seen);
        advanceJourney(ctx, j, seen);
      }
      done.push(`stage set to ${stageName(j, u.stage.stage)}`);
    } else done.push(`stage ${u.stage.journey}/${u.stage.stage} not found: unchanged`);
  }
  return done;
}
