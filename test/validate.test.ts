/**
 * validateDefinition / validateLibrary as the editor and the server use them: live problems
 * with node ids, context-dependent checks, library-wide rules, and no crash on any input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import vm from 'node:vm';
import { build } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fields, Journey, Playbook, Scorecard } from '../engine/schema/definitions.js';
import { validateDefinition, validateLibrary, type Problem } from '../engine/validate/index.js';

const DIR = new URL('../playbooks/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8'));
const fields = (load('fields.json') as Fields).fields;
const journeys = [load('lifecycle.json') as Journey];
const scorecards = [load('health.json') as Scorecard];
const ctx = { fields, journeys, scorecards };
const errors = (ps: Problem[]) => ps.filter((p) => p.severity === 'error');
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object') {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

describe('validateDefinition', () => {
  it('accepts every sample with the library as context, without changing it', () => {
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.json'))) {
      const def = deepFreeze(load(f));
      expect(validateDefinition(def, ctx), f).toEqual([]);
    }
  });

  it('marks the node a user just dropped on the canvas and has not connected yet', () => {
    const pb = clone(load('usage-drop.json')) as Playbook;
    pb.nodes.push({ id: 'new-task', kind: 'task', task: { title: 'Check in', type: 'activity', priority: 'low', owner: { type: 'account-owner' }, dueDays: 2 } });
    const ps = errors(validateDefinition(pb, ctx));
    expect(ps.map((p) => [p.nodeId, p.message])).toEqual([
      ['new-task', 'task node "new-task" has no outgoing edge: connect it to the next step or to an end node'],
      ['new-task', 'node "new-task" cannot be reached from the trigger: connect an edge to it or remove it'],
    ]);
  });

  it('adds the file name to every problem when given one', () => {
    const pb = clone(load('usage-drop.json'));
    delete pb.name;
    expect(validateDefinition(pb, { ...ctx, file: 'playbooks/usage-drop.json' })).toEqual([
      { file: 'playbooks/usage-drop.json', path: '', severity: 'error', message: 'missing required field name' },
    ]);
  });

  it('reports shape errors of the chosen kind only, naming the node', () => {
    const pb = clone(load('low-nps.json'));
    pb.nodes[1].wait = { type: 'task-done', timeout: { days: 5 } };
    expect(errors(validateDefinition(pb, ctx))).toEqual([{ path: 'nodes/1/wait', nodeId: 'wait-reply', severity: 'error', message: 'missing required field task' }]);
  });

  it('checks journey and stage names only when the journeys are known', () => {
    const pb = clone(load('onboarding-kickoff.json'));
    pb.trigger.journey = 'success-path';
    expect(validateDefinition(pb, { fields })).toEqual([]);
    // with no journey at all, the exit rule's journey.lifecycle.stage is unknown too
    expect(errors(validateDefinition(pb, { fields, journeys: [] })).map((p) => p.message)).toEqual(['unknown journey success-path (the library has no journey)', expect.stringMatching(/^unknown journey lifecycle/)]);
    expect(errors(validateDefinition(pb, ctx)).map((p) => p.message)).toEqual(['unknown journey success-path (journeys: lifecycle)']);
  });

  it('checks health measure ids against the scorecards', () => {
    const pb = clone(load('usage-drop.json'));
    pb.audience = { '==': [{ var: 'health.measures.usage-deph.color' }, 'red'] };
    expect(errors(validateDefinition(pb, ctx))).toEqual([
      { path: 'audience/==/0/var', severity: 'error', message: expect.stringContaining('unknown health measure usage-deph') },
    ]);
    pb.audience = { '==': [{ var: 'health.measures.usage-depth.color' }, 'red'] };
    expect(validateDefinition(pb, ctx)).toEqual([]);
  });

  it('lets merge fields read the event only in steps run at once after an event trigger or event wait', () => {
    const pb = clone(load('low-nps.json')) as Playbook;
    // right after the event trigger: allowed (the sample does this)
    expect(validateDefinition(pb, ctx)).toEqual([]);
    // after a wait has passed the event is gone
    const late = pb.nodes.find((n) => n.id === 'manager-steps-in')!;
    if (late.kind === 'task') late.task.reason = 'NPS {{event.data.score}} unanswered';
    const ps = errors(validateDefinition(pb, ctx));
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ path: 'nodes/2/task/reason', nodeId: 'manager-steps-in' });
    expect(ps[0].message).toMatch(/event/);
    // after an event wait fires, its event is at hand
    const stale = clone(load('stale-csm-update.json')) as Playbook;
    stale.nodes.splice(3, 0, { id: 'thank', kind: 'task', task: { title: 'Logged: {{event.data.summary}}', type: 'activity', priority: 'low', owner: { type: 'account-owner' }, dueDays: 1 } });
    stale.edges.find((e) => e.id === 'wait-activity-done')!.to = 'thank';
    stale.edges.push({ id: 'thank-to-done', from: 'thank', to: 'done' });
    stale.layout!.nodes.thank = { x: 20, y: 500 };
    expect(validateDefinition(stale, ctx)).toEqual([]);
  });

  it('lets an event wait condition read the event, but not a condition node', () => {
    const pb = clone(load('stale-csm-update.json')) as Playbook;
    const wait = pb.nodes.find((n) => n.id === 'wait-activity')!;
    if (wait.kind === 'wait' && wait.wait.type === 'event') wait.wait.when = { in: [{ var: 'event.data.kind' }, ['meeting', 'call']] };
    expect(validateDefinition(pb, ctx)).toEqual([]);
    const withCond = clone(load('usage-drop.json'));
    withCond.nodes[0].when = { '==': [{ var: 'event.type' }, 'x'] };
    expect(errors(validateDefinition(withCond, ctx))[0].message).toMatch(/only be read in event triggers and event waits/);
  });

  it('flags a timeout branch on a wait that cannot time out, and a second next step on a task', () => {
    const pb = clone(load('usage-drop.json')) as Playbook;
    pb.edges.push({ id: 'odd', from: 'wait-21', to: 'done', branch: 'timeout' });
    pb.edges.push({ id: 'fork', from: 'reach-out', to: 'done' });
    expect(errors(validateDefinition(pb, ctx)).map((p) => p.message)).toEqual([
      'a "timeout" branch can only leave a wait for a task or an event; "wait-21" is a wait for a duration',
      'task node "reach-out" has 2 next steps (wait-21, done): only condition nodes branch',
      'wait node "wait-21" has 2 next steps (still-down, done): only condition nodes branch',
    ]);
  });

  it('finds a loop without a wait through a condition, and allows one with a wait', () => {
    const pb = clone(load('usage-drop.json')) as Playbook;
    pb.edges = pb.edges.filter((e) => e.id !== 'still-down-no');
    pb.edges.push({ id: 'retry', from: 'still-down', to: 'wait-21', branch: 'no' });
    expect(validateDefinition(pb, ctx)).toEqual([]); // the loop passes through wait-21
    pb.edges = pb.edges.filter((e) => e.id !== 'retry' && e.id !== 'adoption-plan-to-done');
    pb.edges.push({ id: 'retry', from: 'still-down', to: 'done', branch: 'no' }, { id: 'again', from: 'adoption-plan', to: 'still-down' });
    expect(errors(validateDefinition(pb, ctx)).map((p) => p.message)).toEqual(['loop without a wait: still-down -> adoption-plan -> still-down; add a wait node so the loop cannot run without pause']);
  });

  it('warns (without failing) about positions of nodes that no longer exist', () => {
    const pb = clone(load('bug-risk.json'));
    pb.layout.nodes.gone = { x: 0, y: 0 };
    expect(validateDefinition(pb, ctx)).toEqual([{ path: 'layout/nodes/gone', severity: 'warning', message: 'layout has a position for node "gone", which does not exist' }]);
  });

  it('checks scorecard tier overrides: bands, weights summing to 0', () => {
    const sc = clone(load('health.json'));
    sc.tiers['tier-2'] = { bands: { green: 50, yellow: 60 }, measures: Object.fromEntries(sc.measures.map((m: { id: string }) => [m.id, { weight: 0 }])) };
    expect(errors(validateDefinition(sc, ctx)).map((p) => [p.path, p.message.split(':')[0]])).toEqual([
      ['tiers/tier-2/bands', 'the yellow band (60) is above the green band (50)'],
      ['tiers/tier-2/measures', 'for tier tier-2 the measure weights add up to 0'],
    ]);
  });

  it('refuses a measure that reads health itself', () => {
    const sc = clone(load('health.json'));
    sc.measures[0].value = { var: 'health.score' };
    expect(errors(validateDefinition(sc, ctx))[0]).toMatchObject({ path: 'measures/0/value', nodeId: 'usage-depth', message: 'a measure cannot read health.score: health is what the measures compute' });
  });

  it('checks derived fields for circles', () => {
    const fs = clone(load('fields.json'));
    fs.fields.push({ name: 'a', type: 'number', label: 'A', derived: { var: 'b' } }, { name: 'b', type: 'number', label: 'B', derived: { '+': [{ var: 'a' }, 1] } });
    expect(errors(validateDefinition(fs, { fields: [] })).map((p) => p.message)).toEqual(['derived fields depend on each other in a circle: a -> b -> a']);
  });

  it('checks the journey\'s own stage updates against itself', () => {
    const j = clone(load('lifecycle.json'));
    j.stages[0].onEntry.push({ kind: 'update', id: 'jump', update: { stage: { journey: 'lifecycle', stage: 'churn' } } });
    expect(errors(validateDefinition(j, { fields })).map((p) => p.message)).toEqual([expect.stringMatching(/^journey lifecycle has no stage churn/)]);
  });

  it('never throws, whatever it is given', () => {
    const samples = readdirSync(DIR).filter((x) => x.endsWith('.json')).map(load);
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(samples.length - 1), fc.nat(), (junk, which, pick) => {
        expect(Array.isArray(validateDefinition(junk, ctx))).toBe(true);
        // a sample with one part replaced by junk
        const def = clone(samples[which]);
        const keys = Object.keys(def);
        def[keys[pick % keys.length]] = junk;
        const ps = validateDefinition(def, ctx);
        for (const p of ps) expect(typeof p.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe('validateLibrary', () => {
  const file = (f: string, def: unknown) => ({ file: f, text: JSON.stringify(def, null, 2) });
  const base = () => [file('fields.json', load('fields.json')), file('lifecycle.json', load('lifecycle.json')), file('health.json', load('health.json'))];

  it('reports duplicate ids across files and ids that are not the file name', () => {
    const pb = load('usage-drop.json');
    const ps = validateLibrary([...base(), file('usage-drop.json', pb), file('usage-drop-copy.json', pb)]);
    expect(ps.map((p) => [p.file, p.path, p.message])).toEqual([
      ['usage-drop-copy.json', 'id', 'duplicate id "usage-drop": usage-drop.json has the same id'],
      ['usage-drop-copy.json', 'id', 'id "usage-drop" does not match the file name: ids are file names, so the id must be "usage-drop-copy" (or rename the file to usage-drop.json)'],
    ]);
  });

  it('needs exactly one data dictionary', () => {
    const ps = validateLibrary([file('usage-drop.json', load('usage-drop.json'))]);
    expect(ps[0]).toMatchObject({ file: 'usage-drop.json', message: expect.stringMatching(/^the library has no data dictionary/) });
    const two = validateLibrary([...base(), file('more-fields.json', { ...load('fields.json'), id: 'more-fields' })]);
    expect(two.map((p) => [p.file, p.message])).toEqual([['more-fields.json', 'a second data dictionary: the library must have exactly one file of kind fields (the first is fields.json)']]);
  });

  it('reports parse errors with line and column next to the other files\' problems', () => {
    const ps = validateLibrary([...base(), { file: 'broken.json', text: '{\n  "kind": "playbook",\n}' }]);
    expect(ps).toEqual([{ file: 'broken.json', path: '', severity: 'error', message: 'invalid JSON at line 3, column 1: trailing comma before }', line: 3, column: 1 }]);
  });

  it('uses the library\'s own dictionary for field checks', () => {
    const dict = load('fields.json');
    dict.fields = dict.fields.filter((f: { name: string }) => f.name !== 'dauTrendPct');
    const ps = validateLibrary([file('fields.json', dict), file('lifecycle.json', load('lifecycle.json')), file('usage-drop.json', load('usage-drop.json'))]);
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.every((p) => p.file === 'usage-drop.json' && /dauTrendPct/.test(p.message))).toBe(true);
  });
});

describe('in the browser', () => {
  it('validates with eval forbidden (as under the server\'s Content-Security-Policy)', async () => {
    // esbuild comes with tsx/vite; it bundles engine/validate for the browser as the editor does.
    const out = await build({ entryPoints: [new URL('../engine/validate/index.ts', import.meta.url).pathname], bundle: true, format: 'iife', globalName: 'waymarkValidate', platform: 'browser', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0].text;
    expect(code).not.toMatch(/require\("ajv/);
    const sandbox = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
    vm.runInContext(code, sandbox);
    expect(() => vm.runInContext('new Function("return 1")', sandbox)).toThrow(/disallowed/);
    sandbox.files = readdirSync(DIR).filter((x) => x.endsWith('.json')).map((f) => ({ file: f, text: readFileSync(new URL(f, DIR), 'utf8') }));
    sandbox.bad = JSON.stringify({ ...load('usage-drop.json'), edges: [] });
    expect(vm.runInContext('JSON.stringify(waymarkValidate.validateLibrary(files))', sandbox)).toBe('[]');
    const problems = JSON.parse(vm.runInContext('JSON.stringify(waymarkValidate.validateDefinition(JSON.parse(bad), { fields: [] }))', sandbox));
    expect(problems[0]).toMatchObject({ path: 'trigger', message: 'the trigger has no outgoing edge: connect it to the first step' });
  }, 30_000);
});

describe('waiting for a task', () => {
  it('warns when the task is created on only some of the paths to the wait', () => {
    const pb = clone(load('support-risk.json')) as Playbook;
    // tier 1 skips the review task and goes straight to the wait for it
    pb.edges = pb.edges.filter((e) => e.id !== 'escalate-now-to-review');
    pb.edges.push({ id: 'escalate-now-to-wait', from: 'escalate-now', to: 'wait-review' });
    expect(validateDefinition(pb, ctx)).toEqual([{
      path: 'nodes/3/wait/task', nodeId: 'wait-review', severity: 'warning',
      message: 'task node "review" is not on every path to this wait: a run that comes another way has no task to wait for and always takes the timeout branch',
    }]);
  });
});
