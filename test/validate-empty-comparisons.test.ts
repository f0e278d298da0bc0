/**
 * A comparison that is also true for accounts without the value ("Deployment % < 50" with no
 * licence data: JSON Logic counts the empty value as 0) is flagged while drawing, unless the
 * rule says what an empty value should do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyValueComparisons } from '../engine/validate/empty-comparisons.js';
import { validateLibrary } from '../engine/validate/index.js';
import type { FieldDef } from '../engine/schema/definitions.js';

const SAMPLES = new URL('../playbooks/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, SAMPLES), 'utf8');
const fields = (JSON.parse(read('fields.json')) as { fields: FieldDef[] }).fields;
const v = (name: string) => ({ var: name });

describe('comparisons that hold for an empty value', () => {
  it('flags field < K and field <= K for K above / at 0, and the mirrored K > field', () => {
    expect(emptyValueComparisons({ '<': [v('deploymentPct'), 50] }, fields)).toEqual([{
      path: '<',
      message: '"Deployment % less than 50" is also true for accounts with no Deployment % (an empty value counts as 0): add "Deployment % is not empty" to the rule if they should not match, or "Deployment % is empty" in an "or" if they should',
    }]);
    expect(emptyValueComparisons({ and: [{ '==': [v('tier'), 'tier-1'] }, { '<=': [v('nps'), 0] }] }, fields).map((w) => w.path)).toEqual(['and/1/<=']);
    expect(emptyValueComparisons({ '>=': [6, v('nps')] }, fields)).toHaveLength(1);
  });

  it('leaves alone comparisons an empty value fails, non-number fields, and rules that test for the empty value', () => {
    const quiet = [
      { '>': [v('mrr'), 100] },
      { '<': [v('dauTrendPct'), -10] },
      { '<': [v('deploymentPct'), 0] },
      { '<': [v('name'), 'M'] },
      { '<': [v('deploymentPct'), v('licensesPurchased')] },
      { and: [{ '!=': [v('deploymentPct'), null] }, { '<': [v('deploymentPct'), 50] }] },
      { or: [{ '==': [v('deploymentPct'), null] }, { '<': [v('deploymentPct'), 50] }] },
      { and: [{ '!!': [v('deploymentPct')] }, { '<': [v('deploymentPct'), 50] }] },
      { and: [{ '!': { missing: ['deploymentPct'] } }, { '<': [v('deploymentPct'), 50] }] },
    ];
    for (const rule of quiet) expect(emptyValueComparisons(rule, fields), JSON.stringify(rule)).toEqual([]);
  });

  it('shows as a warning (not an error) on the node, and the sample library has none', () => {
    const playbook = {
      kind: 'playbook', id: 'low-deployment', name: 'Low deployment outreach',
      trigger: { type: 'condition', when: { '<': [v('deploymentPct'), 50] } }, reentry: { policy: 'once' },
      nodes: [{ id: 'done', kind: 'end' }], edges: [{ id: 'e1', from: 'trigger', to: 'done' }],
    };
    const files = ['fields.json', 'lifecycle.json', 'health.json'].map((f) => ({ file: `playbooks/${f}`, text: read(f) }));
    const problems = validateLibrary([...files, { file: 'playbooks/low-deployment.json', text: JSON.stringify(playbook) }]).filter((p) => p.file === 'playbooks/low-deployment.json');
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', path: 'trigger/when/<', nodeId: 'trigger', message: expect.stringContaining('"Deployment % less than 50" is also true for accounts with no Deployment %') })]);

    const all = ['fields.json', 'lifecycle.json', 'health.json', 'bug-risk.json', 'expansion-signal.json', 'low-nps.json', 'onboarding-kickoff.json', 'quarterly-ebr.json', 'red-health-recovery.json', 'renewal-90-days.json', 'stale-csm-update.json', 'support-risk.json', 'usage-drop.json'];
    expect(validateLibrary(all.map((f) => ({ file: `playbooks/${f}`, text: read(f) }))).filter((p) => p.message.includes('empty value counts as 0'))).toEqual([]);
  });
});
