/** A journey's meaning: known stages, transitions between them, every stage reachable. */
import type { Journey } from '../schema/definitions.js';
import { Collector } from './collector.js';
import { asArray, isObj, joinPath, str, suggest } from './problem.js';
import { checkAccountUpdate, checkTask, type RefContext } from './shared.js';

export function checkJourney(def: Record<string, any>, c: Collector, refs: RefContext): void {
  const stages = new Map<string, number>();
  asArray(def.stages).forEach((s, i) => {
    const id = isObj(s) ? str(s.id) : undefined;
    if (id === undefined) return;
    if (stages.has(id)) c.error(`stages/${i}/id`, `duplicate stage id "${id}" (also used by stages/${stages.get(id)})`, { nodeId: id });
    else stages.set(id, i);
  });
  const ids = [...stages.keys()];
  const initial = str(def.initialStage);
  if (initial !== undefined && !stages.has(initial)) c.error('initialStage', `initial stage ${initial} is not a stage of this journey${suggest(initial, ids)} (stages: ${ids.join(', ')})`);

  // The journey itself counts for stage updates inside it, even before it is saved.
  const selfRefs: RefContext = { journeys: [...(refs.journeys ?? []).filter((j) => j.id !== def.id), def as Journey] };
  const out = new Map<string, string[]>();
  const transitionIds = new Map<string, number>();
  asArray(def.transitions).forEach((t, i) => {
    if (!isObj(t)) return;
    const id = str(t.id);
    const from = str(t.from);
    const to = str(t.to);
    const w = { edgeId: id, nodeId: from };
    if (id !== undefined) {
      if (transitionIds.has(id)) c.error(`transitions/${i}/id`, `duplicate transition id "${id}" (also used by transitions/${transitionIds.get(id)})`, w);
      else transitionIds.set(id, i);
    }
    let ok = true;
    if (from !== undefined && !stages.has(from)) {
      c.error(`transitions/${i}/from`, `transition ${id ?? i} starts at stage "${from}", which does not exist${suggest(from, ids)}`, { edgeId: id });
      ok = false;
    }
    if (to !== undefined && !stages.has(to)) {
      c.error(`transitions/${i}/to`, `transition ${id ?? i} leads to stage "${to}", which does not exist${suggest(to, ids)}`, w);
      ok = false;
    }
    if (from !== undefined && from === to) {
      c.error(`transitions/${i}`, `transition ${id ?? i} leads from stage "${from}" back to itself`, w);
      ok = false;
    }
    if (ok && from !== undefined && to !== undefined) out.set(from, [...(out.get(from) ?? []), to]);
    c.rule(t.when, `transitions/${i}/when`, w);
  });

  if (initial !== undefined && stages.has(initial)) {
    const seen = new Set([initial]);
    const stack = [initial];
    while (stack.length) for (const to of out.get(stack.pop()!) ?? []) if (!seen.has(to)) (seen.add(to), stack.push(to));
    for (const [id, i] of stages) {
      if (!seen.has(id)) c.error(`stages/${i}`, `stage "${id}" cannot be reached from the initial stage ${initial}: add a transition into it`, { nodeId: id });
    }
  }

  asArray(def.stages).forEach((s, i) => {
    if (!isObj(s)) return;
    const w = { nodeId: str(s.id) };
    c.rule(s.entry, `stages/${i}/entry`, w);
    c.rule(s.exit, `stages/${i}/exit`, w);
    const actionIds = new Map<string, number>();
    asArray(s.onEntry).forEach((a, k) => {
      if (!isObj(a)) return;
      const path = joinPath('stages', i, 'onEntry', k);
      const aid = str(a.id);
      if (aid !== undefined) {
        if (actionIds.has(aid)) c.error(`${path}/id`, `duplicate action id "${aid}" in stage ${w.nodeId} (also onEntry/${actionIds.get(aid)})`, w);
        else actionIds.set(aid, k);
      }
      if (a.kind === 'task' && isObj(a.task)) checkTask(c, a.task, `${path}/task`, w, false);
      if (a.kind === 'update' && isObj(a.update)) checkAccountUpdate(c, selfRefs, a.update, `${path}/update`, w);
    });
  });

  if (isObj(def.layout) && isObj(def.layout.nodes)) {
    for (const id of Object.keys(def.layout.nodes)) if (!stages.has(id)) c.warning(`layout/nodes/${id}`, `layout has a position for stage "${id}", which does not exist`);
  }
}
