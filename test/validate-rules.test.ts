/**
 * One invalid fixture per validation rule (test/fixtures/invalid/): each must produce exactly
 * the expected errors, with the path, node and plain message a user would act on.
 * Fixtures are checked against the sample library's dictionary, journey and scorecard, as
 * `npm run validate` does for files in a folder without a dictionary; dictionaries live in
 * their own folder (the dictionary next to the files).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateLibrary, type Problem } from '../engine/validate/index.js';

const FIX = new URL('./fixtures/invalid/', import.meta.url);
const SAMPLES = new URL('../playbooks/', import.meta.url);
const context = ['fields.json', 'lifecycle.json', 'health.json'].map((f) => ({ file: `playbooks/${f}`, text: readFileSync(new URL(f, SAMPLES), 'utf8') }));

type Expect = [path: string, message: RegExp, where?: { nodeId?: string; edgeId?: string }];

const CASES: Record<string, Expect[]> = {
  // shape (ajv, in plain language)
  'schema-missing-field.json': [['nodes/0/task', /^missing required field title$/, { nodeId: 'call' }]],
  'schema-unknown-field.json': [['nodes/0/task/titel', /^unknown field titel - did you mean title\?$/, { nodeId: 'call' }]],
  'schema-bad-value.json': [['nodes/0/task/priority', /^must be one of urgent, high, medium or low, not "critical"$/, { nodeId: 'call' }]],
  'schema-bad-id.json': [
    ['nodes/1/id', /"Bad Id" is not a valid id: use lower-case letters/],
    ['edges/1/to', /"Bad Id" is not a valid id/, { edgeId: 'e2' }],
  ],
  // graph
  'duplicate-node-id.json': [['nodes/2/id', /^duplicate node id "call" \(also used by nodes\/0\)$/, { nodeId: 'call' }]],
  'duplicate-edge-id.json': [['edges/1/id', /^duplicate edge id "e1" \(also used by edges\/0\)$/, { edgeId: 'e1' }]],
  'dangling-edge.json': [
    ['edges/1/to', /^edge e2 leads to node "finish", which does not exist$/, { edgeId: 'e2' }],
    ['nodes/0', /^task node "call" has no outgoing edge/, { nodeId: 'call' }],
    ['nodes/1', /^node "done" cannot be reached from the trigger/, { nodeId: 'done' }],
  ],
  'missing-edge.json': [
    ['nodes/1', /^task node "follow-up" has no outgoing edge: connect it to the next step or to an end node$/, { nodeId: 'follow-up' }],
    ['nodes/2', /^node "done" cannot be reached/, { nodeId: 'done' }],
  ],
  'trigger-two-edges.json': [['edges/2', /^the trigger has 2 outgoing edges \(to call, done\): exactly one edge leaves the trigger/, { nodeId: 'trigger', edgeId: 'e3' }]],
  'trigger-no-edge.json': [
    ['trigger', /^the trigger has no outgoing edge: connect it to the first step$/, { nodeId: 'trigger' }],
    ['nodes/0', /^node "call" cannot be reached from the trigger/, { nodeId: 'call' }],
    ['nodes/1', /^node "done" cannot be reached from the trigger/, { nodeId: 'done' }],
  ],
  'condition-missing-branch.json': [['nodes/0', /^condition node "big" has no "no" branch$/, { nodeId: 'big' }]],
  'condition-duplicate-branch.json': [['nodes/0', /^condition node "big" has 2 "yes" branches: exactly one is allowed$/, { nodeId: 'big' }]],
  'branch-from-non-condition.json': [['edges/1/branch', /^a "yes" branch can only leave a condition node; "call" is a task$/, { edgeId: 'e2' }]],
  'wait-without-timeout.json': [['nodes/1', /^wait node "wait-call" waits for a task but has no "timeout" branch/, { nodeId: 'wait-call' }]],
  'event-wait-without-timeout.json': [['nodes/1', /^wait node "wait-reply" waits for an event but has no "timeout" branch/, { nodeId: 'wait-reply' }]],
  'unreachable-node.json': [['nodes/1', /^node "orphan" cannot be reached from the trigger: connect an edge to it or remove it$/, { nodeId: 'orphan' }]],
  'loop-without-wait.json': [['nodes/0', /^loop without a wait: call -> again -> call; add a wait node/, { nodeId: 'call' }]],
  'wait-task-not-a-task.json': [['nodes/2/wait/task', /^waits for "check", which is a condition node, not a task node$/, { nodeId: 'wait-call' }]],
  'wait-task-not-upstream.json': [['nodes/2/wait/task', /^waits for task node "call", which does not come before this wait/, { nodeId: 'wait-call' }]],
  'wait-task-missing.json': [['nodes/2/wait/task', /^waits for task node "calll", which does not exist - did you mean call\?$/, { nodeId: 'wait-call' }]],
  'date-wait-on-non-date.json': [['nodes/1/wait/field', /^mrr is a number field, not a date: a wait until a date needs a date field such as renewalDate/, { nodeId: 'before-renewal' }]],
  'empty-duration.json': [['nodes/1/wait/duration', /^a duration needs days or hours$/, { nodeId: 'pause' }]],
  // rules and merge fields
  'unknown-field-in-condition.json': [['trigger/when/<=/0/days_until/0/var', /unknown field renewalDat - did you mean renewalDate\?/, { nodeId: 'trigger' }]],
  'forbidden-operator.json': [['trigger/when', /operator "log" is not allowed/, { nodeId: 'trigger' }]],
  'forbidden-path.json': [['audience/==/0/var', /constructor/]],
  'too-deep-rule.json': [[`trigger/when${'/!/0'.repeat(64)}`, /nested too deep/, { nodeId: 'trigger' }]],
  'event-outside-event-trigger.json': [['trigger/when/<=/0/var', /event\.data\.score can only be read in event triggers and event waits/, { nodeId: 'trigger' }]],
  'unknown-merge-field.json': [['nodes/0/task/reason', /unknown merge field account\.renewalDat - did you mean account\.renewalDate\?/, { nodeId: 'call' }]],
  'unknown-field-in-exit.json': [['exit/when/==/0/var', /unknown health value health\.colour/]],
  // references to other definitions
  'stage-trigger-unknown-journey.json': [['trigger/journey', /^unknown journey lifecycl - did you mean lifecycle\? \(journeys: lifecycle\)$/, { nodeId: 'trigger' }]],
  'stage-trigger-unknown-stage.json': [['trigger/stage', /^journey lifecycle has no stage kickoff \(stages: onboarding, initial-value, adoption, renewal, expansion\)$/, { nodeId: 'trigger' }]],
  'update-unknown-stage.json': [['nodes/1/update/stage/stage', /^journey lifecycle has no stage advocacy/, { nodeId: 'move' }]],
  'id-not-file-name.json': [['id', /^id "some-other-id" does not match the file name: ids are file names, so the id must be "id-not-file-name"/]],
  // journeys
  'journey-unknown-initial-stage.json': [['initialStage', /^initial stage onbording is not a stage of this journey - did you mean onboarding\?/]],
  'journey-transition-unknown-stage.json': [
    ['transitions/1/to', /^transition renewing leads to stage "renewals", which does not exist - did you mean renewal\?$/, { edgeId: 'renewing' }],
    ['stages/2', /^stage "renewal" cannot be reached from the initial stage onboarding/, { nodeId: 'renewal' }],
  ],
  'journey-unreachable-stage.json': [['stages/3', /^stage "expansion" cannot be reached from the initial stage onboarding: add a transition into it$/, { nodeId: 'expansion' }]],
  'journey-duplicate-stage.json': [['stages/3/id', /^duplicate stage id "adoption"/, { nodeId: 'adoption' }]],
  // scorecards
  'scorecard-zero-weights.json': [['measures', /^the measure weights add up to 0/]],
  'scorecard-yellow-above-green.json': [['bands', /^the yellow band \(70\) is above the green band \(60\)/]],
  'scorecard-thresholds-reversed.json': [['measures/1/thresholds', /^yellow threshold 0 is below green threshold 2, but lower is better/, { nodeId: 'support' }]],
  'scorecard-unknown-measure-override.json': [['tiers/tier-1/measures/nps', /^tier tier-1 overrides measure nps, which is not a measure of this scorecard$/]],
  // data dictionaries
  'fields-duplicate-name/fields.json': [['fields/3/name', /^duplicate field name "mrr" \(also fields\/2\)$/, { nodeId: 'mrr' }]],
  // rules that check nothing yet, and empty criteria
  'condition-node-no-rule.json': [['nodes/0/when', /^this condition has no rule yet: condition node "check" would always take the same branch/, { nodeId: 'check' }]],
  'trigger-no-rule.json': [['trigger/when', /^this condition has no rule yet: the trigger would start the playbook for every account/, { nodeId: 'trigger' }]],
  'empty-audience.json': [['audience', /^the audience has no rule yet: add a rule, or remove the audience to include every account$/]],
  'empty-exit.json': [
    ['exit', /^the exit criteria are empty: add a rule for when a run should end/],
    ['exit', /^missing required field when$/],
    ['exit', /^missing required field openTasks$/],
  ],
  'bad-template-fallback.json': [['nodes/0/task/reason', /^merge field \{\{days_since account.lastCsmUpdateAt \| default a while\}\}: after "\|" write default "text to show when the value is missing"/, { nodeId: 'call' }]],
  'fields-enum-without-values/fields.json': [['fields/3', /^enum field region has no values/, { nodeId: 'region' }]],
  // a range no value fits (the minimum on a text field is only a warning)
  'fields-range-reversed/fields.json': [['fields/1/minimum', /^field nps has a minimum \(10\) above its maximum \(0\): no value would be accepted$/, { nodeId: 'nps' }]],
  'fields-reserved-name/fields.json': [['fields/3/name', /^field name "health" is reserved/, { nodeId: 'health' }]],
  'fields-derived-unknown-field/fields.json': [['fields/3/derived/*/0/var', /unknown field mrrr - did you mean mrr\?/, { nodeId: 'arr' }]],
};

function problemsOf(file: string): Problem[] {
  const text = readFileSync(new URL(file, FIX), 'utf8');
  const own = file.endsWith('/fields.json');
  return validateLibrary(own ? [{ file, text }] : [{ file, text }, ...context]).filter((p) => p.file === file);
}

describe('each invalid fixture produces its rule\'s problem', () => {
  for (const [file, expected] of Object.entries(CASES)) {
    it(file, () => {
      const errors = problemsOf(file).filter((p) => p.severity === 'error');
      const shown = errors.map((e) => `${e.path}: ${e.message}`).join('\n');
      expect(errors.length, shown).toBe(expected.length);
      for (const [path, message, where] of expected) {
        const hit = errors.find((e) => e.path === path && message.test(e.message));
        expect(hit, `expected ${path}: ${message} among\n${shown}`).toBeDefined();
        if (where?.nodeId !== undefined) expect(hit!.nodeId).toBe(where.nodeId);
        if (where?.edgeId !== undefined) expect(hit!.edgeId).toBe(where.edgeId);
      }
    });
  }

  it('covers every fixture on disk', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const dir = new URL('./fixtures/invalid/', import.meta.url);
    const onDisk = readdirSync(dir).map((f) => (statSync(new URL(f, dir)).isDirectory() ? `${f}/fields.json` : f));
    expect(onDisk.sort()).toEqual(Object.keys(CASES).sort());
  });
});

describe('data dictionary ranges', () => {
  it('warn when set on a field that is not a number', () => {
    const warnings = problemsOf('fields-range-reversed/fields.json').filter((p) => p.severity === 'warning');
    expect(warnings).toEqual([expect.objectContaining({ path: 'fields/0/minimum', message: 'minimum only applies to number and integer fields; name is a string field', nodeId: 'name' })]);
  });
});
