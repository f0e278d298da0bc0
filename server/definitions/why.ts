/**
 * Why an account would not enter a playbook in a preview: the first thing that stops it,
 * read the way the engine reads it (audience, re-entry policy, trigger), with the account's
 * values of the fields that rule reads, so an author can see what to change.
 */
import type { Journey, Playbook, FieldDef } from '../../engine/schema/definitions.js';
import type { Account, AccountState } from '../../engine/types.js';
import { analyzeRule, buildConditionData, compileRule, describeRule, DAY_MS, truthy } from '../../engine/conditions/index.js';
import { withDerived } from '../../engine/runtime/index.js';
import type { CompiledLibrary } from '../../engine/runtime/compile.js';

export interface NotEntered {
  /** What stops it, in plain language. */
  reason: string;
  /** Which check stopped it. */
  cause: 'audience' | 'reentry' | 'trigger';
  /** The account's values (now) of the fields the deciding rule reads; {} when no rule decides. */
  values: Record<string, unknown>;
}

function read(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur === undefined ? null : cur;
}

/** Reads rules against the account's data now, as the engine would, and the values they read. */
function ruleReader(lib: CompiledLibrary, account: Account, state: AccountState | null, nowMs: number, fields: FieldDef[]) {
  const journeyView: Record<string, { stage: string; daysInStage: number }> = {};
  for (const [j, p] of Object.entries(state?.journeys ?? {})) {
    journeyView[j] = { stage: p.stage, daysInStage: Math.max(0, Math.floor((nowMs - Date.parse(p.enteredAt)) / DAY_MS)) };
  }
  const data = buildConditionData({ fields: withDerived(lib, account, nowMs), tags: account.tags, flags: account.flags, health: state?.health ?? null, journey: journeyView });
  const scope = { fields, journeys: lib.journeys.map((j) => j.def.id) };
  const valuesOf = (rule: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const v of analyzeRule(rule, scope).vars) out[v] = read(data, v);
    return out;
  };
  const holds = (rule: unknown) => truthy(compileRule(rule)(data, nowMs));
  return { journeyView, valuesOf, holds };
}

/** One way out of the stage an account stays in, and the first check that keeps it shut. */
export interface BlockedWay {
  to: string;
  toName: string;
  /** The transition's condition, the stage's exit criteria, or the next stage's entry criteria. */
  blockedBy: 'when' | 'exit' | 'entry';
  needs: string;
  /** In plain language, e.g. "the transition needs Features used at least 5". */
  text: string;
  values: Record<string, unknown>;
}

/** Where an account stays at the end of a journey preview, and why it goes no further. */
export interface JourneyStop {
  /** Its stage at the end of the preview; null when it never enters the journey. */
  stage: string | null;
  stageName: string | null;
  reason: string;
  ways: BlockedWay[];
  /** The values (now) of every field the blocking rules read. */
  values: Record<string, unknown>;
}

/**
 * Why a journey preview leaves an account where it is: each transition out of its final stage
 * (file order, as the engine tries them) with the first check that fails - the transition's
 * condition, the stage's exit criteria, then the next stage's entry criteria - read with the
 * account's values now. An account outside the journey is kept out by the initial stage's entry.
 */
export function explainJourneyStop(lib: CompiledLibrary, journey: Journey, account: Account, state: AccountState | null, finalStage: string | null, now: string, days: number, fields: FieldDef[]): JourneyStop {
  const { valuesOf, holds } = ruleReader(lib, account, state, Date.parse(now), fields);
  const stages = new Map(journey.stages.map((st) => [st.id, st]));
  const nameOf = (id: string) => stages.get(id)?.name ?? id;
  if (finalStage === null) {
    const initial = stages.get(journey.initialStage);
    const entry = initial?.entry;
    return {
      stage: null, stageName: null, ways: [],
      reason: entry !== undefined
        ? `It does not start the journey in the next ${days} days: the first stage, ${nameOf(journey.initialStage)}, needs ${describeRule(entry, fields)}.`
        : `It does not start the journey in the next ${days} days.`,
      values: entry !== undefined ? valuesOf(entry) : {},
    };
  }
  const here = stages.get(finalStage);
  const ways: BlockedWay[] = [];
  for (const t of journey.transitions) {
    if (t.from !== finalStage) continue;
    const target = stages.get(t.to);
    const checks: [BlockedWay['blockedBy'], unknown][] = [['when', t.when], ['exit', here?.exit], ['entry', target?.entry]];
    const failed = checks.find(([, rule]) => rule !== undefined && !holds(rule));
    // Every check holds now (it may have held only after the preview's last look): nothing to explain.
    if (!failed) continue;
    const [blockedBy, rule] = failed;
    const needs = describeRule(rule, fields);
    const whose = blockedBy === 'when' ? 'the transition needs' : blockedBy === 'exit' ? `${nameOf(finalStage)}'s exit criteria need` : `${nameOf(t.to)}'s entry criteria need`;
    ways.push({ to: t.to, toName: nameOf(t.to), blockedBy, needs, text: `${whose} ${needs}`, values: valuesOf(rule) });
  }
  const values = Object.assign({}, ...ways.map((w) => w.values)) as Record<string, unknown>;
  const outs = journey.transitions.filter((t) => t.from === finalStage).length;
  const reason = outs === 0
    ? `It stays in ${nameOf(finalStage)}: no transition leads out of that stage.`
    : ways.length === 0
      ? `It stays in ${nameOf(finalStage)} for now; its way out holds on today's values, so it moves at the next look.`
      : `It stays in ${nameOf(finalStage)}: ${ways.map((w) => `to reach ${w.toName}, ${w.text}`).join('; ')}.`;
  return { stage: finalStage, stageName: nameOf(finalStage), reason, ways, values };
}

export function explainNotEntered(lib: CompiledLibrary, pb: Playbook, account: Account, state: AccountState | null, now: string, days: number, fields: FieldDef[]): NotEntered {
  const nowMs = Date.parse(now);
  const { journeyView, valuesOf, holds } = ruleReader(lib, account, state, nowMs, fields);

  if (pb.audience !== undefined && !holds(pb.audience)) {
    return { cause: 'audience', reason: `The audience leaves it out: it is for accounts where ${describeRule(pb.audience, fields)}.`, values: valuesOf(pb.audience) };
  }
  const run = state?.runs?.[pb.id];
  const re = pb.reentry;
  const active = Boolean(run?.activeInstanceId);
  let blocked: string | null = null;
  if (re.policy === 'once' && run && run.count > 0) blocked = 'it runs once per account and already ran for this one';
  else if (re.policy !== 'once' && active) blocked = 'a run is still active, and a new one starts only after it ends';
  else if (re.policy === 'cooldown' && run?.lastEndedAt && nowMs - Date.parse(run.lastEndedAt) < re.days * DAY_MS) blocked = `it cools down for ${re.days} days after a run ends (the last ended ${run.lastEndedAt.slice(0, 10)})`;
  else if (re.policy === 'max-times' && (run?.count ?? 0) >= re.times) blocked = `it runs at most ${re.times} time${re.times === 1 ? '' : 's'} per account and already ran ${run!.count}`;
  if (blocked) return { cause: 'reentry', reason: `The re-entry policy "${re.policy}" blocks it: ${blocked}.`, values: {} };

  const t = pb.trigger;
  switch (t.type) {
    case 'condition': {
      const text = describeRule(t.when, fields);
      const already = holds(t.when) && state?.triggers?.[pb.id]?.lastTrue;
      return {
        cause: 'trigger',
        reason: already
          ? `The trigger already holds (${text}) and starts a run only when it becomes true.`
          : `The trigger does not hold in the next ${days} days: it needs ${text}.`,
        values: valuesOf(t.when),
      };
    }
    case 'event':
      return {
        cause: 'trigger',
        reason: `It starts on a "${t.eventType}" event${t.when !== undefined ? ` where ${describeRule(t.when, fields)}` : ''}; a preview has no future events.`,
        values: {},
      };
    case 'schedule':
      return {
        cause: 'trigger',
        reason: t.when !== undefined ? `It starts every ${t.everyDays} days for accounts where ${describeRule(t.when, fields)}.` : `It starts every ${t.everyDays} days; none falls in the next ${days} days.`,
        values: t.when !== undefined ? valuesOf(t.when) : {},
      };
    case 'stage':
      return { cause: 'trigger', reason: `It starts when the account ${t.on === 'left' ? 'leaves' : 'enters'} stage "${t.stage}" of journey "${t.journey}", which does not happen in the next ${days} days.`, values: { [`journey.${t.journey}.stage`]: journeyView[t.journey]?.stage ?? null } };
    default:
      return { cause: 'trigger', reason: 'It starts only when someone starts it by hand.', values: {} };
  }
}
