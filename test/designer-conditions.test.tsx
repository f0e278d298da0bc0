// @vitest-environment happy-dom
/**
 * The visual condition builder: every rule shape it shows maps back to exactly the same JSON
 * Logic (so opening a playbook never changes it), the sample library's rules either round-trip
 * or stay raw, and editing in the builder or in the JSON box changes the stored rule as expected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { ruleToModel, modelToRule, fullyVisual, builderFields, type Group } from '../editor/src/designer/rule-model.js';
import { ConditionBuilder } from '../editor/src/designer/ConditionBuilder.js';
import type { FieldDef } from '../engine/schema/definitions.js';

afterEach(cleanup);

const ROOT = path.resolve(import.meta.dirname, '..');
const dictionary = JSON.parse(fs.readFileSync(path.join(ROOT, 'playbooks/fields.json'), 'utf8')) as { fields: FieldDef[] };
const fields = builderFields(dictionary.fields, { journeys: [{ id: 'lifecycle', name: 'Lifecycle', stages: ['onboarding', 'adoption'] }] });

const v = (f: string) => ({ var: f });
const du = (f: string) => ({ days_until: [v(f)] });
const ds = (f: string) => ({ days_since: [v(f)] });

/** Every shape the builder shows, as the builder writes it. */
const VISUAL_SHAPES: unknown[] = [
  { '==': [v('mrr'), 100] }, { '!=': [v('mrr'), 100] }, { '<': [v('mrr'), 100] }, { '<=': [v('nps'), 6] }, { '>': [v('dau'), 5] }, { '>=': [v('dauTrendPct'), -10.5] },
  { '<=': [0, du('renewalDate'), 60] },
  { '<=': [0, ds('npsRespondedAt'), 30] },
  { '>': [ds('lastCsmUpdateAt'), 7] }, { '<': [ds('lastCsmUpdateAt'), 7] }, { '>=': [ds('lastCsmUpdateAt'), 7] }, { '<=': [ds('lastCsmUpdateAt'), 7] },
  { '<=': [du('renewalDate'), 90] }, { '>=': [du('renewalDate'), 0] }, { '>': [du('renewalDate'), 120] }, { '<': [du('renewalDate'), 10] }, { '==': [du('renewalDate'), 30] },
  { '<=': [{ days_until: v('renewalDate') }, 90] }, // object argument form is kept as is
  { '==': [v('tier'), 'tier-1'] }, { '!=': [v('segment'), 'tech-touch'] },
  { in: [v('tier'), ['tier-1', 'tier-2']] },
  { in: ['vip', v('tags')] }, { '!': { in: ['vip', v('tags')] } },
  { '==': [v('churned'), true] }, { '==': [v('churned'), false] },
  { '==': [v('renewalDate'), null] }, { '!=': [v('renewalDate'), null] },
  { '!!': [v('renewalDate')] }, { '!': [v('churned')] }, { '!!': v('renewalDate') }, { '!': v('churned') },
  { '==': [v('health.color'), 'red'] }, { '>=': [v('health.score'), 70] }, { '==': [v('journey.lifecycle.stage'), 'adoption'] },
  { '==': [v('flags.vip'), true] },
];

describe('condition builder model: rule -> model -> rule', () => {
  it.each(VISUAL_SHAPES.map((r) => [JSON.stringify(r), r]))('%s round-trips and shows in the builder', (_s, rule) => {
    const model = ruleToModel(rule);
    expect(fullyVisual(model)).toBe(true);
    expect(modelToRule(model)).toEqual(rule);
  });

  it('round-trips nested and/or groups of every shape', () => {
    const rule = { and: [VISUAL_SHAPES[0], { or: [VISUAL_SHAPES[6], { and: [VISUAL_SHAPES[18], VISUAL_SHAPES[21]] }] }, VISUAL_SHAPES[26]] };
    const model = ruleToModel(rule);
    expect(fullyVisual(model)).toBe(true);
    expect(model.op).toBe('and');
    expect((model.children[1] as Group).op).toBe('or');
    expect(modelToRule(model)).toEqual(rule);
  });

  it('keeps a single-clause group wrapped as it was', () => {
    const rule = { or: [{ '==': [v('tier'), 'tier-1'] }] };
    expect(modelToRule(ruleToModel(rule))).toEqual(rule);
  });

  it('keeps parts it cannot show as raw JSON Logic, unchanged, next to the parts it can', () => {
    const custom = { '>': [v('bugTickets'), { '/': [v('licensesPurchased'), 50] }] };
    const rule = { and: [{ '>': [v('licensesPurchased'), 0] }, custom] };
    const model = ruleToModel(rule);
    expect(fullyVisual(model)).toBe(false);
    expect(model.children[0].kind).toBe('clause');
    expect(model.children[1]).toMatchObject({ kind: 'raw', rule: custom });
    expect(model.children[1].kind === 'raw' && model.children[1].note).toMatch(/cannot show/);
    expect(modelToRule(model)).toEqual(rule);
  });

  it('writes an empty condition as true and reads true back as empty', () => {
    const model = ruleToModel(true);
    expect(model.children).toEqual([]);
    expect(modelToRule(model)).toBe(true);
  });

  it('round-trips every rule of the sample library, or shows it raw', () => {
    const rules: { where: string; rule: unknown }[] = [];
    for (const file of fs.readdirSync(path.join(ROOT, 'playbooks')).filter((f) => f.endsWith('.json'))) {
      const def = JSON.parse(fs.readFileSync(path.join(ROOT, 'playbooks', file), 'utf8'));
      if (def.kind === 'playbook') {
        if (def.trigger.when !== undefined) rules.push({ where: `${file} trigger`, rule: def.trigger.when });
        if (def.audience !== undefined) rules.push({ where: `${file} audience`, rule: def.audience });
        if (def.exit) rules.push({ where: `${file} exit`, rule: def.exit.when });
        for (const n of def.nodes) {
          if (n.kind === 'condition') rules.push({ where: `${file} ${n.id}`, rule: n.when });
          if (n.kind === 'wait' && n.wait.when !== undefined) rules.push({ where: `${file} ${n.id}`, rule: n.wait.when });
          if (n.kind === 'task' && n.task.closeWhen !== undefined) rules.push({ where: `${file} ${n.id} closeWhen`, rule: n.task.closeWhen });
        }
      }
      if (def.kind === 'journey') {
        for (const s of def.stages) for (const k of ['entry', 'exit']) if (s[k] !== undefined) rules.push({ where: `${file} ${s.id}.${k}`, rule: s[k] });
        for (const t of def.transitions) if (t.when !== undefined) rules.push({ where: `${file} ${t.id}`, rule: t.when });
      }
    }
    expect(rules.length).toBeGreaterThan(15);
    let visual = 0;
    for (const { where, rule } of rules) {
      const model = ruleToModel(rule);
      expect(modelToRule(model), where).toEqual(rule);
      if (fullyVisual(model)) visual++;
    }
    // Most of the library shows fully in the builder; the rest is shown (partly) raw.
    expect(visual / rules.length).toBeGreaterThan(0.7);
  });
});

function Harness({ initial, onRule }: { initial: unknown; onRule: (r: unknown) => void }) {
  const [rule, setRule] = useState<unknown>(initial);
  return <ConditionBuilder label="Condition" value={rule} fields={fields} onChange={(r) => { setRule(r); onRule(r); }} />;
}

describe('condition builder component', () => {
  it('builds "renewal within 60 days and tier is tier-1" from scratch', () => {
    const onRule = vi.fn();
    render(<Harness initial={true} onRule={onRule} />);
    expect(screen.getByText(/Always/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '+ Condition' }));
    fireEvent.change(screen.getByLabelText('Field'), { target: { value: 'renewalDate' } });
    fireEvent.change(screen.getByLabelText('Operator'), { target: { value: 'within_next' } });
    fireEvent.change(screen.getByLabelText('Days'), { target: { value: '60' } });
    expect(onRule).toHaveBeenLastCalledWith({ '<=': [0, du('renewalDate'), 60] });

    fireEvent.click(screen.getByRole('button', { name: '+ Condition' }));
    const fieldsPickers = screen.getAllByLabelText('Field');
    fireEvent.change(fieldsPickers[1], { target: { value: 'tier' } });
    // enum fields offer is / is not / is one of, with the field's values
    const ops = within(screen.getAllByLabelText('Operator')[1] as HTMLElement).getAllByRole('option').map((o) => (o as HTMLOptionElement).value);
    expect(ops).toEqual(expect.arrayContaining(['is', 'is_not', 'one_of', 'is_empty']));
    expect(ops).not.toContain('<');
    fireEvent.change(screen.getAllByLabelText('Value')[0], { target: { value: 'tier-1' } });
    expect(onRule).toHaveBeenLastCalledWith({ and: [{ '<=': [0, du('renewalDate'), 60] }, { '==': [v('tier'), 'tier-1'] }] });
  });

  it('offers the operators that fit each field type', () => {
    render(<Harness initial={{ '>': [v('mrr'), 1000] }} onRule={() => {}} />);
    const opValues = () => within(screen.getByLabelText('Operator') as HTMLElement).getAllByRole('option').map((o) => (o as HTMLOptionElement).value);
    expect(opValues()).toEqual(expect.arrayContaining(['==', '!=', '<', '<=', '>', '>=']));
    fireEvent.change(screen.getByLabelText('Field'), { target: { value: 'churned' } });
    expect(opValues()).toEqual(expect.arrayContaining(['is_true', 'is_false']));
    fireEvent.change(screen.getByLabelText('Field'), { target: { value: 'tags' } });
    expect(opValues()).toContain('contains');
    fireEvent.change(screen.getByLabelText('Field'), { target: { value: 'lastCsmUpdateAt' } });
    expect(opValues()).toEqual(expect.arrayContaining(['within_next', 'since:>', 'since:<']));
  });

  it("labels scorecard measures with the scorecard's measure names, once per id", () => {
    const scorecard = JSON.parse(fs.readFileSync(path.join(ROOT, 'playbooks/health.json'), 'utf8')) as { measures: { id: string; name: string }[] };
    // Two scorecards defining the same measure still offer its paths once.
    const withMeasures = builderFields(dictionary.fields, { measures: [...scorecard.measures, scorecard.measures[0]] });
    render(<ConditionBuilder label="Condition" value={{ '>=': [v('health.measures.usage-depth.value'), 50] }} fields={withMeasures} onChange={() => {}} />);
    const options = within(screen.getByLabelText('Field') as HTMLElement).getAllByRole('option') as HTMLOptionElement[];
    const depth = options.filter((o) => o.value.startsWith('health.measures.usage-depth.'));
    expect(depth.map((o) => [o.value, o.textContent])).toEqual([
      ['health.measures.usage-depth.value', 'Usage depth (DAU trend): value'],
      ['health.measures.usage-depth.color', 'Usage depth (DAU trend): colour'],
    ]);
    expect((screen.getByLabelText('Field') as HTMLSelectElement).selectedOptions[0].textContent).toBe('Usage depth (DAU trend): value');
    expect(options.some((o) => o.textContent?.startsWith('Measure '))).toBe(false);
  });

  it('shows and edits the JSON Logic; builder and JSON stay in step both ways', () => {
    const onRule = vi.fn();
    render(<Harness initial={{ '==': [v('tier'), 'tier-1'] }} onRule={onRule} />);
    fireEvent.click(screen.getByRole('button', { name: 'JSON Logic' }));
    const box = screen.getByLabelText('Condition as JSON Logic') as HTMLTextAreaElement;
    expect(JSON.parse(box.value)).toEqual({ '==': [v('tier'), 'tier-1'] });

    // JSON -> builder
    fireEvent.change(box, { target: { value: '{"in": [{"var": "tier"}, ["tier-1", "tier-3"]]}' } });
    expect(onRule).toHaveBeenLastCalledWith({ in: [v('tier'), ['tier-1', 'tier-3']] });
    expect((screen.getByLabelText('Operator') as HTMLSelectElement).value).toBe('one_of');
    expect((screen.getByLabelText('tier-3') as HTMLInputElement).checked).toBe(true);

    // builder -> JSON
    fireEvent.click(screen.getByLabelText('tier-2'));
    expect(JSON.parse((screen.getByLabelText('Condition as JSON Logic') as HTMLTextAreaElement).value)).toEqual({ in: [v('tier'), ['tier-1', 'tier-3', 'tier-2']] });

    // invalid JSON is reported and not applied
    const calls = onRule.mock.calls.length;
    fireEvent.change(screen.getByLabelText('Condition as JSON Logic'), { target: { value: '{"==": [' } });
    expect(screen.getByText(/Not valid JSON yet/)).toBeTruthy();
    expect(onRule.mock.calls.length).toBe(calls);
  });

  it('shows a rule it cannot draw as raw JSON with a note, and keeps it', () => {
    const custom = { '>': [v('bugTickets'), { '/': [v('licensesPurchased'), 50] }] };
    const onRule = vi.fn();
    render(<Harness initial={{ and: [{ '>': [v('licensesPurchased'), 0] }, custom] }} onRule={onRule} />);
    expect(screen.getByText(/builder cannot show this part/)).toBeTruthy();
    const raw = screen.getByLabelText('Raw JSON Logic') as HTMLTextAreaElement;
    expect(JSON.parse(raw.value)).toEqual(custom);
    // editing the visual clause keeps the raw part exactly
    fireEvent.change(screen.getByLabelText('Value'), { target: { value: '10' } });
    expect(onRule).toHaveBeenLastCalledWith({ and: [{ '>': [v('licensesPurchased'), 10] }, custom] });
  });
});
