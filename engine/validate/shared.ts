/** Checks shared by playbooks and journeys: task specs, account updates, durations. */
import type { Journey } from '../schema/definitions.js';
import { Collector, type Where } from './collector.js';
import { asArray, isObj, joinPath, listOr, str, suggest } from './problem.js';

/** What other definitions a definition may name; undefined = not known, so not checked. */
export interface RefContext {
  journeys?: Journey[];
}

export function checkDuration(c: Collector, d: unknown, path: string, where: Where): void {
  if (!isObj(d)) return;
  if (d.days === undefined && d.hours === undefined) c.error(path, 'a duration needs days or hours', where);
}

/** A task's rules and merge fields; `allowEvent` when the triggering event is at hand. */
export function checkTask(c: Collector, task: Record<string, any>, path: string, where: Where, allowEvent: boolean): void {
  const opts = { allowEvent };
  c.template(task.title, joinPath(path, 'title'), where, opts);
  c.template(task.reason, joinPath(path, 'reason'), where, opts);
  const seen = new Map<string, number>();
  asArray(task.steps).forEach((s, i) => {
    if (!isObj(s)) return;
    c.template(s.title, joinPath(path, 'steps', i, 'title'), where, opts);
    const id = str(s.id);
    if (id === undefined) return;
    if (seen.has(id)) c.error(joinPath(path, 'steps', i, 'id'), `duplicate checklist step id "${id}" (also steps/${seen.get(id)})`, where);
    else seen.set(id, i);
  });
  if (isObj(task.email)) {
    for (const k of ['to', 'subject', 'body']) c.template(task.email[k], joinPath(path, 'email', k), where, opts);
  }
  c.rule(task.closeWhen, joinPath(path, 'closeWhen'), where);
}

export function checkAccountUpdate(c: Collector, refs: RefContext, update: Record<string, any>, path: string, where: Where): void {
  if (isObj(update.stage)) {
    const journey = str(update.stage.journey);
    const stage = str(update.stage.stage);
    if (journey !== undefined && stage !== undefined && refs.journeys !== undefined) {
      const j = refs.journeys.find((x) => x.id === journey);
      const ids = refs.journeys.map((x) => x.id);
      if (!j) c.error(joinPath(path, 'stage/journey'), `unknown journey ${journey}${suggest(journey, ids)}${ids.length ? ` (journeys: ${listOr(ids)})` : ' (the library has no journey)'}`, where);
      else {
        const stages = asArray(j.stages).map((s) => str(s?.id)).filter((s): s is string => s !== undefined);
        if (!stages.includes(stage)) c.error(joinPath(path, 'stage/stage'), `journey ${journey} has no stage ${stage}${suggest(stage, stages)} (stages: ${stages.join(', ')})`, where);
      }
    }
  }
  const add = asArray(update.addTags).filter((t) => typeof t === 'string');
  for (const t of asArray(update.removeTags)) {
    if (add.includes(t)) c.warning(joinPath(path, 'removeTags'), `tag ${t} is both added and removed`, where);
  }
  if (update.stage === undefined && update.addTags === undefined && update.removeTags === undefined && update.flags === undefined) {
    c.error(path, 'the update changes nothing: set a stage, tags to add or remove, or flags', where);
  }
}
