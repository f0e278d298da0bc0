/**
 * What a playbook graph must mean beyond its shape: unique ids, edges between real nodes,
 * every step leading somewhere, proper yes/no and timeout branches, nothing unreachable, no
 * loop that could spin without waiting, waits that point at real upstream tasks, and rules
 * and merge fields that only read what an account has.
 */
import type { FieldDef, Journey } from '../schema/definitions.js';
import { TRIGGER_NODE_ID } from '../schema/definitions.js';
import { Collector } from './collector.js';
import { asArray, isObj, joinPath, listOr, str, suggest } from './problem.js';
import { checkAccountUpdate, checkDuration, checkTask, type RefContext } from './shared.js';

interface NodeInfo {
  id: string;
  kind: string;
  index: number;
  raw: Record<string, any>;
}

const TIMEOUT_WAITS = new Set(['task-done', 'event']);

export function checkPlaybook(def: Record<string, any>, c: Collector, refs: RefContext): void {
  const nodes = new Map<string, NodeInfo>();
  const nodeList: NodeInfo[] = [];

  // ---- node ids ----
  asArray(def.nodes).forEach((raw, index) => {
    if (!isObj(raw)) return;
    const id = str(raw.id);
    if (id === undefined) return; // the schema reports it
    const kind = str(raw.kind) ?? '';
    const path = `nodes/${index}/id`;
    if (id === TRIGGER_NODE_ID) {
      c.error(path, `node id "${TRIGGER_NODE_ID}" is reserved for the playbook's trigger: pick another id`, { nodeId: id });
      return;
    }
    const first = nodes.get(id);
    if (first) {
      c.error(path, `duplicate node id "${id}" (also used by nodes/${first.index})`, { nodeId: id });
      return;
    }
    const info = { id, kind, index, raw };
    nodes.set(id, info);
    nodeList.push(info);
  });
  const where = (n: NodeInfo) => ({ nodeId: n.id });
  const nodePath = (n: NodeInfo, ...rest: (string | number)[]) => joinPath(`nodes/${n.index}`, ...rest);
  const kindOf = (id: string) => (id === TRIGGER_NODE_ID ? 'trigger' : nodes.get(id)?.kind);
  const waitType = (n: NodeInfo | undefined) => (n && n.kind === 'wait' && isObj(n.raw.wait) ? str(n.raw.wait.type) : undefined);

  // ---- edges ----
  const out = new Map<string, { id: string; to: string; branch?: string; index: number }[]>();
  const edgeIds = new Map<string, number>();
  const allIds = [TRIGGER_NODE_ID, ...nodes.keys()];
  asArray(def.edges).forEach((e, index) => {
    if (!isObj(e)) return;
    const id = str(e.id);
    const from = str(e.from);
    const to = str(e.to);
    const branch = str(e.branch);
    const w = { edgeId: id, nodeId: from };
    const path = `edges/${index}`;
    if (id !== undefined) {
      if (edgeIds.has(id)) c.error(`${path}/id`, `duplicate edge id "${id}" (also used by edges/${edgeIds.get(id)})`, w);
      else edgeIds.set(id, index);
    }
    if (from === undefined || to === undefined) return;
    let ok = true;
    if (kindOf(from) === undefined) {
      c.error(`${path}/from`, `edge ${id ?? index} starts at node "${from}", which does not exist${suggest(from, allIds)}`, { edgeId: id });
      ok = false;
    }
    if (to === TRIGGER_NODE_ID) {
      c.error(`${path}/to`, `edge ${id ?? index} leads into the trigger: nothing can lead into the trigger`, w);
      ok = false;
    } else if (kindOf(to) === undefined) {
      c.error(`${path}/to`, `edge ${id ?? index} leads to node "${to}", which does not exist${suggest(to, allIds)}`, w);
      ok = false;
    }
    if (from === to) {
      c.error(path, `edge ${id ?? index} leads from node "${from}" back to itself`, w);
      ok = false;
    }
    const fromKind = kindOf(from);
    if (fromKind !== undefined && branch !== undefined) {
      if ((branch === 'yes' || branch === 'no') && fromKind !== 'condition') {
        c.error(`${path}/branch`, `a "${branch}" branch can only leave a condition node; "${from}" is ${article(fromKind)}`, w);
      } else if (branch === 'timeout' && !TIMEOUT_WAITS.has(waitType(nodes.get(from)) ?? '')) {
        c.error(`${path}/branch`, `a "timeout" branch can only leave a wait for a task or an event; "${from}" is ${describeNode(nodes.get(from), fromKind)}`, w);
      }
    }
    if (fromKind === 'condition' && branch === undefined) {
      c.error(path, `edge ${id ?? index} leaves condition node "${from}" without a branch: label it yes or no`, w);
    }
    if (ok) {
      const list = out.get(from) ?? [];
      list.push({ id: id ?? String(index), to, branch, index });
      out.set(from, list);
    }
  });

  // ---- what leaves each node ----
  const triggerOut = out.get(TRIGGER_NODE_ID) ?? [];
  if (triggerOut.length === 0) c.error('trigger', 'the trigger has no outgoing edge: connect it to the first step', { nodeId: TRIGGER_NODE_ID });
  else if (triggerOut.length > 1) {
    c.error(`edges/${triggerOut[1].index}`, `the trigger has ${triggerOut.length} outgoing edges (to ${triggerOut.map((e) => e.to).join(', ')}): exactly one edge leaves the trigger; use a condition node to branch`, { nodeId: TRIGGER_NODE_ID, edgeId: triggerOut[1].id });
  }
  for (const e of triggerOut) if (e.branch === 'yes' || e.branch === 'no' || e.branch === 'timeout') c.error(`edges/${e.index}/branch`, `the edge from the trigger has no branch (found "${e.branch}")`, { nodeId: TRIGGER_NODE_ID, edgeId: e.id });

  for (const n of nodeList) {
    const edges = out.get(n.id) ?? [];
    const count = (b: string | undefined) => edges.filter((e) => e.branch === b).length;
    if (n.kind === 'end') {
      if (edges.length) c.error(`edges/${edges[0].index}`, `end node "${n.id}" has an outgoing edge: an end node is the last step`, { nodeId: n.id, edgeId: edges[0].id });
      continue;
    }
    if (edges.length === 0) {
      c.error(nodePath(n), `${nodeLabel(n)} "${n.id}" has no outgoing edge: connect it to the next step or to an end node`, where(n));
      continue;
    }
    if (n.kind === 'condition') {
      for (const b of ['yes', 'no']) {
        const k = count(b);
        if (k === 0) c.error(nodePath(n), `condition node "${n.id}" has no "${b}" branch`, where(n));
        if (k > 1) c.error(nodePath(n), `condition node "${n.id}" has ${k} "${b}" branches: exactly one is allowed`, where(n));
      }
      continue;
    }
    const wt = waitType(n);
    if (TIMEOUT_WAITS.has(wt ?? '')) {
      const what = wt === 'task-done' ? 'task' : 'event';
      if (count('timeout') === 0) c.error(nodePath(n), `wait node "${n.id}" waits for a${what === 'event' ? 'n' : ''} ${what} but has no "timeout" branch: add an edge for when it does not happen in time`, where(n));
      if (count('timeout') > 1) c.error(nodePath(n), `wait node "${n.id}" has ${count('timeout')} "timeout" branches: exactly one is allowed`, where(n));
      if (count(undefined) === 0) c.error(nodePath(n), `wait node "${n.id}" has no edge for when the ${what} happens (an edge without a branch)`, where(n));
      if (count(undefined) > 1) c.error(nodePath(n), `wait node "${n.id}" has ${count(undefined)} next steps for when the ${what} happens: only one is allowed`, where(n));
      continue;
    }
    if (edges.length > 1) c.error(nodePath(n), `${nodeLabel(n)} "${n.id}" has ${edges.length} next steps (${edges.map((e) => e.to).join(', ')}): only condition nodes branch`, where(n));
  }

  // ---- reachability, loops ----
  const reach = reachable(TRIGGER_NODE_ID, out);
  for (const n of nodeList) {
    if (!reach.has(n.id)) c.error(nodePath(n), `node "${n.id}" cannot be reached from the trigger: connect an edge to it or remove it`, where(n));
  }
  for (const cycle of cycles(nodeList.map((n) => n.id), out)) {
    if (cycle.some((id) => nodes.get(id)?.kind === 'wait')) continue;
    const first = nodes.get(cycle[0])!;
    c.error(nodePath(first), `loop without a wait: ${[...cycle, cycle[0]].join(' -> ')}; add a wait node so the loop cannot run without pause`, where(first));
  }

  // ---- trigger, audience, exit ----
  const trigger = isObj(def.trigger) ? def.trigger : undefined;
  const eventTrigger = trigger?.type === 'event';
  if (trigger) {
    if (trigger.type === 'condition' && noRule(trigger.when)) {
      c.error('trigger/when', 'this condition has no rule yet: the trigger would start the playbook for every account; say when it should start', { nodeId: TRIGGER_NODE_ID });
    } else if (trigger.when !== undefined && isEmptyObject(trigger.when)) {
      c.error('trigger/when', 'this condition has no rule yet: add a rule, or remove the condition to start on every matching event', { nodeId: TRIGGER_NODE_ID });
    } else c.rule(trigger.when, 'trigger/when', { nodeId: TRIGGER_NODE_ID }, { allowEvent: eventTrigger });
    if (trigger.type === 'stage') checkStageRef(c, refs, str(trigger.journey), str(trigger.stage), 'trigger', { nodeId: TRIGGER_NODE_ID });
  }
  if (def.audience !== undefined && (isEmptyObject(def.audience) || def.audience === null)) {
    c.error('audience', 'the audience has no rule yet: add a rule, or remove the audience to include every account');
  } else c.rule(def.audience, 'audience');
  if (isObj(def.exit)) {
    if (Object.keys(def.exit).length === 0) c.error('exit', 'the exit criteria are empty: add a rule for when a run should end (and whether its open tasks close), or remove the exit');
    else if (def.exit.when !== undefined && noRule(def.exit.when)) c.error('exit/when', 'the exit criteria have no rule yet: say when a run should end, or remove the exit');
    else c.rule(def.exit.when, 'exit/when');
  }

  // Merge fields may read the event in steps run at once after an event trigger or an event wait.
  const eventSteps = new Set<string>();
  const spread = (from: string, branchFilter: (b?: string) => boolean) => {
    const stack = (out.get(from) ?? []).filter((e) => branchFilter(e.branch)).map((e) => e.to);
    while (stack.length) {
      const id = stack.pop()!;
      if (eventSteps.has(id)) continue;
      eventSteps.add(id);
      if (nodes.get(id)?.kind === 'wait') continue; // time passes: the event is gone
      for (const e of out.get(id) ?? []) stack.push(e.to);
    }
  };
  if (eventTrigger) spread(TRIGGER_NODE_ID, () => true);
  for (const n of nodeList) if (waitType(n) === 'event') spread(n.id, (b) => b !== 'timeout');

  // ---- node bodies ----
  for (const n of nodeList) {
    const w = where(n);
    if (n.kind === 'condition') {
      if (n.raw.when !== undefined && noRule(n.raw.when)) c.error(nodePath(n, 'when'), `this condition has no rule yet: condition node "${n.id}" would always take the same branch; say what it checks`, w);
      else c.rule(n.raw.when, nodePath(n, 'when'), w);
    }
    if (n.kind === 'task' && isObj(n.raw.task)) checkTask(c, n.raw.task, nodePath(n, 'task'), w, eventSteps.has(n.id));
    if (n.kind === 'update' && isObj(n.raw.update)) checkAccountUpdate(c, refs, n.raw.update, nodePath(n, 'update'), w);
    if (n.kind === 'wait' && isObj(n.raw.wait)) checkWait(c, n, nodePath(n, 'wait'), nodes, out);
  }

  // ---- layout ----
  if (isObj(def.layout) && isObj(def.layout.nodes)) {
    for (const id of Object.keys(def.layout.nodes)) {
      if (id !== TRIGGER_NODE_ID && !nodes.has(id)) c.warning(`layout/nodes/${id}`, `layout has a position for node "${id}", which does not exist`);
    }
  }
}

const isEmptyObject = (v: unknown): boolean => isObj(v) && Object.keys(v).length === 0;

/**
 * A rule that checks nothing: the editor's fresh `true` ("If always"), null, {} or an empty
 * and/or. Where a rule decides something (a condition node, a condition trigger, an exit),
 * this is a rule not written yet rather than a choice.
 */
function noRule(rule: unknown): boolean {
  if (rule === true || rule === null || isEmptyObject(rule)) return true;
  if (!isObj(rule)) return false;
  const keys = Object.keys(rule);
  return keys.length === 1 && (keys[0] === 'and' || keys[0] === 'or') && Array.isArray(rule[keys[0]]) && rule[keys[0]].length === 0;
}

function checkWait(c: Collector, n: NodeInfo, path: string, nodes: Map<string, NodeInfo>, out: Map<string, { to: string }[]>): void {
  const wait = n.raw.wait as Record<string, any>;
  const w = { nodeId: n.id };
  switch (wait.type) {
    case 'duration':
      checkDuration(c, wait.duration, `${path}/duration`, w);
      break;
    case 'until-date': {
      const name = str(wait.field);
      if (name === undefined) break;
      const field = c.scope.fields.find((f) => f.name === name);
      if (!field) c.error(`${path}/field`, `unknown field ${name}${suggest(name, dateFields(c.scope.fields))}: a wait until a date needs a date field`, w);
      else if (field.type !== 'date') c.error(`${path}/field`, `${name} is a ${field.type} field, not a date: a wait until a date needs a date field${dateFields(c.scope.fields).length ? ` such as ${dateFields(c.scope.fields).slice(0, 3).join(', ')}` : ''}`, w);
      break;
    }
    case 'task-done': {
      checkDuration(c, wait.timeout, `${path}/timeout`, w);
      const task = str(wait.task);
      if (task === undefined) break;
      const target = nodes.get(task);
      if (!target) {
        c.error(`${path}/task`, `waits for task node "${task}", which does not exist${suggest(task, [...nodes.values()].filter((x) => x.kind === 'task').map((x) => x.id))}`, w);
      } else if (target.kind !== 'task') {
        c.error(`${path}/task`, `waits for "${task}", which is ${article(target.kind)} node, not a task node`, w);
      } else if (!reachable(task, out).has(n.id)) {
        c.error(`${path}/task`, `waits for task node "${task}", which does not come before this wait: the task must be created earlier on the path`, w);
      } else if (reachable(TRIGGER_NODE_ID, out, task).has(n.id)) {
        // Upstream, but some path reaches the wait without passing the task: nothing to wait for there.
        c.warning(`${path}/task`, `task node "${task}" is not on every path to this wait: a run that comes another way has no task to wait for and always takes the timeout branch`, w);
      }
      break;
    }
    case 'event':
      checkDuration(c, wait.timeout, `${path}/timeout`, w);
      c.rule(wait.when, `${path}/when`, w, { allowEvent: true });
      break;
  }
}

export function checkStageRef(c: Collector, refs: RefContext, journey: string | undefined, stage: string | undefined, path: string, where: { nodeId?: string }): void {
  if (journey === undefined || stage === undefined || refs.journeys === undefined) return;
  const j = refs.journeys.find((x) => x.id === journey);
  if (!j) {
    c.error(joinPath(path, 'journey'), `unknown journey ${journey}${suggest(journey, refs.journeys.map((x) => x.id))}${refs.journeys.length ? ` (journeys: ${listOr(refs.journeys.map((x) => x.id))})` : ' (the library has no journey)'}`, where);
    return;
  }
  const stages = asArray(j.stages).map((s) => str(s?.id)).filter((s): s is string => s !== undefined);
  if (!stages.includes(stage)) c.error(joinPath(path, 'stage'), `journey ${journey} has no stage ${stage}${suggest(stage, stages)} (stages: ${stages.join(', ')})`, where);
}

function dateFields(fields: FieldDef[]): string[] {
  return fields.filter((f) => f.type === 'date').map((f) => f.name);
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function describeNode(n: NodeInfo | undefined, kind: string): string {
  if (n?.kind === 'wait') {
    const t = isObj(n.raw.wait) ? n.raw.wait.type : undefined;
    return t === 'duration' ? 'a wait for a duration' : t === 'until-date' ? 'a wait until a date' : 'a wait node';
  }
  return `${article(kind)} node`;
}

/** "task node", "wait node"... to start a sentence about the node. */
function nodeLabel(n: NodeInfo): string {
  return `${n.kind} node`;
}

/** Nodes reachable from start (not counting start itself unless on a loop), never passing `avoid`. */
function reachable(start: string, out: Map<string, { to: string }[]>, avoid?: string): Set<string> {
  const seen = new Set<string>();
  const stack = (out.get(start) ?? []).map((e) => e.to);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || id === avoid) continue;
    seen.add(id);
    for (const e of out.get(id) ?? []) stack.push(e.to);
  }
  return seen;
}

/** Strongly connected parts of the graph that form loops (Tarjan), each in path order. */
function cycles(ids: string[], out: Map<string, { to: string }[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  let next = 0;
  // Iterative, so a 500-node chain cannot overflow the call stack.
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: { id: string; i: number }[] = [{ id: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const edges = out.get(top.id) ?? [];
      if (top.i < edges.length) {
        const to = edges[top.i++].to;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, i: 0 });
        } else if (onStack.has(to)) low.set(top.id, Math.min(low.get(top.id)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].id, Math.min(low.get(work[work.length - 1].id)!, low.get(top.id)!));
      if (low.get(top.id) === index.get(top.id)) {
        const part: string[] = [];
        let x: string;
        do {
          x = stack.pop()!;
          onStack.delete(x);
          part.push(x);
        } while (x !== top.id);
        const selfLoop = (out.get(top.id) ?? []).some((e) => e.to === top.id);
        if (part.length > 1 || selfLoop) result.push(orderCycle(part, out));
      }
    }
  }
  return result;
}

/** The loop's nodes in the order the edges visit them, starting from the first listed. */
function orderCycle(part: string[], out: Map<string, { to: string }[]>): string[] {
  const members = new Set(part);
  const start = part[part.length - 1];
  const path = [start];
  const seen = new Set(path);
  let cur = start;
  for (;;) {
    const nextId = (out.get(cur) ?? []).map((e) => e.to).find((to) => members.has(to) && !seen.has(to));
    if (!nextId) break;
    path.push(nextId);
    seen.add(nextId);
    cur = nextId;
  }
  return path;
}

export type { Journey };
