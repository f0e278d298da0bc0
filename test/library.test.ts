/**
 * The sample library in playbooks/: valid, tidy, recognisable, and meaning what each file's
 * description says (conditions evaluated on example accounts with engine/conditions).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConditionData, compileRule, truthy } from '../engine/conditions/index.js';
import type { FieldDef, Fields, Journey, Playbook, Scorecard } from '../engine/schema/definitions.js';
import { validateLibrary } from '../engine/validate/index.js';

const DIR = new URL('../playbooks/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const text = (f: string) => readFileSync(new URL(f, DIR), 'utf8');
const defs = Object.fromEntries(files.map((f) => [f.replace(/\.json$/, ''), JSON.parse(text(f))]));
const playbooks = Object.values(defs).filter((d) => d.kind === 'playbook') as Playbook[];
const fields = defs.fields as Fields;
const journey = defs.lifecycle as Journey;
const health = defs.health as Scorecard;

const NOW = Date.parse('2027-01-15T09:00:00.000Z');
const daysAgo = (n: number) => new Date(NOW - n * 86_400_000).toISOString();
const inDays = (n: number) => new Date(NOW + n * 86_400_000).toISOString();

/** Account field values with derived fields computed, as the runtime would. */
function account(values: Record<string, unknown>): Record<string, unknown> {
  const out = { ...values };
  for (const f of fields.fields) if (f.derived !== undefined) out[f.name] = compileRule(f.derived)(buildConditionData({ fields: out, tags: [], flags: {} }), NOW);
  return out;
}

function holds(rule: unknown, values: Record<string, unknown>, extra: { color?: string; stage?: string; event?: Record<string, unknown> } = {}): boolean {
  const data = buildConditionData({
    fields: account(values),
    tags: [],
    flags: {},
    health: extra.color ? { scorecardId: 'health', score: 50, color: extra.color as 'green', measures: {}, at: daysAgo(0) } : null,
    journey: extra.stage ? { lifecycle: { stage: extra.stage, daysInStage: 3 } } : {},
    event: extra.event ? { id: 'ev1', accountId: 'a1', type: 'nps.response', occurredAt: daysAgo(0), data: extra.event } : undefined,
  });
  return truthy(compileRule(rule)(data, NOW));
}

const when = (id: string) => (defs[id] as Playbook).trigger as { when: unknown };

describe('the sample library', () => {
  it('validates with no errors and no warnings', () => {
    expect(validateLibrary(files.map((f) => ({ file: f, text: text(f) })))).toEqual([]);
  });

  it('has the data dictionary, the lifecycle journey, the health scorecard and the CS playbooks', () => {
    expect(files).toEqual(expect.arrayContaining([
      'fields.json', 'lifecycle.json', 'health.json', 'onboarding-kickoff.json', 'support-risk.json', 'bug-risk.json', 'low-nps.json',
      'renewal-90-days.json', 'stale-csm-update.json', 'red-health-recovery.json', 'expansion-signal.json', 'usage-drop.json',
    ]));
  });

  it('names every file by its id and points it at the JSON Schema', () => {
    for (const f of files) {
      expect(defs[f.replace(/\.json$/, '')].id, f).toBe(f.replace(/\.json$/, ''));
      expect(defs[f.replace(/\.json$/, '')].$schema, f).toBe('./schema/waymark.schema.json');
    }
  });

  it('gives every playbook a description and a top-to-bottom layout of all its nodes', () => {
    for (const p of playbooks) {
      expect(p.description?.length, p.id).toBeGreaterThan(60);
      const pos = p.layout!.nodes;
      expect(Object.keys(pos).sort(), p.id).toEqual(['trigger', ...p.nodes.map((n) => n.id)].sort());
      for (const e of p.edges) expect(pos[e.to].y, `${p.id} ${e.id}`).toBeGreaterThan(pos[e.from].y);
      const spots = Object.values(pos).map((q) => `${q.x},${q.y}`);
      expect(new Set(spots).size, p.id).toBe(spots.length);
    }
    const stages = journey.stages.map((s) => journey.layout!.nodes[s.id].y);
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
  });

  it('uses waits, branches, re-entry policies, owners, checklists and merge-field reasons', () => {
    const nodes = playbooks.flatMap((p) => p.nodes);
    const waits = new Set(nodes.flatMap((n) => (n.kind === 'wait' ? [n.wait.type] : [])));
    expect([...waits].sort()).toEqual(['duration', 'event', 'task-done', 'until-date']);
    expect(nodes.some((n) => n.kind === 'condition')).toBe(true);
    expect(new Set(playbooks.map((p) => p.reentry.policy))).toEqual(new Set(['once', 'cooldown', 'after-exit']));
    const tasks = nodes.flatMap((n) => (n.kind === 'task' ? [n.task] : []));
    expect(tasks.some((t) => t.owner.type === 'role' && t.owner.role === 'support-manager')).toBe(true);
    expect(tasks.some((t) => t.owner.type === 'account-owner')).toBe(true);
    expect(tasks.every((t) => t.reason !== undefined && (t.steps ?? []).every((s) => s.dueDays !== undefined))).toBe(true);
    const renewal = (defs['renewal-90-days'] as Playbook).nodes.find((n) => n.id === 'prepare-renewal')!;
    expect(renewal.kind === 'task' && renewal.task.title).toBe('Renewal coming up: {{account.name}}');
    expect(renewal.kind === 'task' && renewal.task.reason).toContain('Renews on {{date account.renewalDate}}');
    expect(renewal.kind === 'task' && renewal.task.email?.body).toContain('{{date account.renewalDate}}');
  });

  it('data dictionary: the built-in CS fields, a derived deployment %, and custom fields', () => {
    const names = fields.fields.map((f) => f.name);
    for (const n of ['name', 'tier', 'segment', 'owner', 'mrr', 'renewalDate', 'contractStartDate', 'licensesPurchased', 'licensesDeployed', 'deploymentPct', 'nps', 'npsRespondedAt',
      'openTickets', 'openHighPriorityTickets', 'oldestHighPriorityTicketOpenedAt', 'supportResolutionTargetDays', 'bugTickets', 'oldestHighPriorityBugOpenedAt', 'dau', 'dauTrendPct',
      'featuresUsed', 'keyFeaturesGreen', 'usageGreenSince', 'lastCsmUpdateAt', 'adminSelfSufficient', 'deploymentDocumented', 'csmSentiment', 'primaryContactName', 'primaryContactEmail', 'churned', 'churnedAt']) {
      expect(names, n).toContain(n);
    }
    const byName = (n: string) => fields.fields.find((f) => f.name === n) as FieldDef;
    expect(byName('tier').values).toEqual(['tier-1', 'tier-2', 'tier-3']);
    expect(byName('segment').values).toEqual(['high-touch', 'low-touch', 'tech-touch']);
    expect(fields.fields.some((f) => f.builtin === false)).toBe(true);
    expect(account({ licensesPurchased: 200, licensesDeployed: 187 }).deploymentPct).toBe(93);
    expect(account({ licensesPurchased: 0, licensesDeployed: 0 }).deploymentPct).toBe(null);
  });

  it('journey: onboarding -> initial value -> adoption -> renewal -> expansion, IVM after 14 green days and 5 features', () => {
    expect(journey.stages.map((s) => s.id)).toEqual(['onboarding', 'initial-value', 'adoption', 'renewal', 'expansion']);
    expect(journey.initialStage).toBe('onboarding');
    for (const s of journey.stages) expect(s.targetDays, s.id).toBeGreaterThan(0);
    const ivm = journey.transitions.find((t) => t.from === 'onboarding')!.when;
    expect(holds(ivm, { usageGreenSince: daysAgo(14), featuresUsed: 5 })).toBe(true);
    expect(holds(ivm, { usageGreenSince: daysAgo(13), featuresUsed: 9 })).toBe(false);
    expect(holds(ivm, { usageGreenSince: daysAgo(30), featuresUsed: 4 })).toBe(false);
    expect(holds(ivm, { featuresUsed: 7 })).toBe(false);
    const toRenewal = journey.transitions.find((t) => t.from === 'adoption')!.when;
    expect(holds(toRenewal, { renewalDate: inDays(120) })).toBe(true);
    expect(holds(toRenewal, { renewalDate: inDays(121) })).toBe(false);
    expect(holds(toRenewal, {})).toBe(false);
    // after a renewal exactly one way out of Renewal holds
    const out = journey.transitions.filter((t) => t.from === 'renewal');
    const renewedHealthy = { renewalDate: inDays(360), keyFeaturesGreen: 6, licensesPurchased: 100, licensesDeployed: 95 };
    const renewedPlain = { renewalDate: inDays(360), keyFeaturesGreen: 3, licensesPurchased: 100, licensesDeployed: 95 };
    expect(out.filter((t) => holds(t.when, renewedHealthy)).map((t) => t.to)).toEqual(['expansion']);
    expect(out.filter((t) => holds(t.when, renewedPlain)).map((t) => t.to)).toEqual(['adoption']);
    expect(out.filter((t) => holds(t.when, { renewalDate: inDays(60) }))).toEqual([]);
  });

  it('scorecard: the six measures, per-tier overrides and expected renewal per band', () => {
    expect(health.measures.map((m) => m.id)).toEqual(['usage-depth', 'usage-breadth', 'support-load', 'nps', 'csm-sentiment', 'deployment']);
    expect(health.measures.reduce((s, m) => s + m.weight, 0)).toBe(100);
    expect(Object.keys(health.tiers ?? {})).toEqual(['tier-1', 'tier-3']);
    expect(health.expectedRenewalRate).toEqual({ green: 0.95, yellow: 0.8, red: 0.5 });
  });

  it('onboarding kickoff starts when the account enters Onboarding, once', () => {
    const p = defs['onboarding-kickoff'] as Playbook;
    expect(p.trigger).toEqual({ type: 'stage', journey: 'lifecycle', stage: 'onboarding', on: 'entered' });
    expect(p.reentry.policy).toBe('once');
  });

  it('support risk: a high-priority ticket past its resolution target, or 10+ open tickets', () => {
    const w = when('support-risk').when;
    expect(holds(w, { openHighPriorityTickets: 1, oldestHighPriorityTicketOpenedAt: daysAgo(6), supportResolutionTargetDays: 5 })).toBe(true);
    expect(holds(w, { openHighPriorityTickets: 1, oldestHighPriorityTicketOpenedAt: daysAgo(4), supportResolutionTargetDays: 5 })).toBe(false);
    expect(holds(w, { openTickets: 10, openHighPriorityTickets: 0 })).toBe(true);
    expect(holds(w, { openTickets: 3, openHighPriorityTickets: 0 })).toBe(false);
  });

  it('bug risk: a high-priority bug open 30+ days, or more bugs than one per 50 licences (at least 4)', () => {
    const w = when('bug-risk').when;
    expect(holds(w, { oldestHighPriorityBugOpenedAt: daysAgo(30), bugTickets: 1, licensesPurchased: 500 })).toBe(true);
    expect(holds(w, { oldestHighPriorityBugOpenedAt: daysAgo(29), bugTickets: 1, licensesPurchased: 500 })).toBe(false);
    expect(holds(w, { bugTickets: 5, licensesPurchased: 200 })).toBe(true);
    expect(holds(w, { bugTickets: 4, licensesPurchased: 200 })).toBe(false);
    expect(holds(w, { bugTickets: 3, licensesPurchased: 100 })).toBe(false);
    expect(holds(w, { bugTickets: 2 })).toBe(false);
    expect(holds((defs['bug-risk'] as Playbook).exit!.when, { bugTickets: 0, licensesPurchased: 100 })).toBe(true);
  });

  it('low NPS: an nps.response event scoring 6 or less, with a reply email to the contact', () => {
    const p = defs['low-nps'] as Playbook;
    expect(p.trigger.type === 'event' && p.trigger.eventType).toBe('nps.response');
    const w = (p.trigger as { when: unknown }).when;
    expect(holds(w, {}, { event: { score: 6 } })).toBe(true);
    expect(holds(w, {}, { event: { score: 7 } })).toBe(false);
    expect(holds(w, {}, { event: {} })).toBe(false);
    const reply = p.nodes.find((n) => n.id === 'reply')!;
    expect(reply.kind === 'task' && reply.task.email?.to).toBe('{{account.primaryContactEmail}}');
  });

  it('renewal in 90 days: within 90 days and not past; ends once renewed', () => {
    const p = defs['renewal-90-days'] as Playbook;
    expect(holds(when('renewal-90-days').when, { renewalDate: inDays(90) })).toBe(true);
    expect(holds(when('renewal-90-days').when, { renewalDate: inDays(91) })).toBe(false);
    expect(holds(when('renewal-90-days').when, { renewalDate: daysAgo(2) })).toBe(false);
    expect(holds(when('renewal-90-days').when, {})).toBe(false);
    expect(holds(p.exit!.when, { renewalDate: inDays(400) })).toBe(true);
    expect(holds(p.audience, { churned: true })).toBe(false);
  });

  it('stale CSM update: high-touch accounts with no logged update for more than 7 days', () => {
    const p = defs['stale-csm-update'] as Playbook;
    expect(holds(p.audience, { segment: 'high-touch' })).toBe(true);
    expect(holds(p.audience, { segment: 'low-touch' })).toBe(false);
    expect(holds(when('stale-csm-update').when, { lastCsmUpdateAt: daysAgo(8) })).toBe(true);
    expect(holds(when('stale-csm-update').when, { lastCsmUpdateAt: daysAgo(7) })).toBe(false);
    expect(holds(when('stale-csm-update').when, {})).toBe(true);
    expect(holds(p.exit!.when, {})).toBe(false);
    expect(holds(p.exit!.when, { lastCsmUpdateAt: daysAgo(1) })).toBe(true);
  });

  it('red-health recovery: at most 4 objective tasks, waits, and exit (closing tasks) when health is green', () => {
    const p = defs['red-health-recovery'] as Playbook;
    expect(holds(when('red-health-recovery').when, {}, { color: 'red' })).toBe(true);
    expect(holds(when('red-health-recovery').when, {}, { color: 'yellow' })).toBe(false);
    expect(p.nodes.filter((n) => n.kind === 'task').length).toBeLessThanOrEqual(4);
    expect(p.nodes.some((n) => n.kind === 'wait')).toBe(true);
    expect(p.exit!.openTasks).toBe('close');
    expect(holds(p.exit!.when, {}, { color: 'green' })).toBe(true);
    expect(holds(p.exit!.when, {}, { color: 'yellow' })).toBe(false);
  });

  it('expansion signal: 5 of 7 key features green and deployment at least 90%', () => {
    const w = when('expansion-signal').when;
    expect(holds(w, { keyFeaturesGreen: 5, licensesPurchased: 100, licensesDeployed: 90 })).toBe(true);
    expect(holds(w, { keyFeaturesGreen: 4, licensesPurchased: 100, licensesDeployed: 100 })).toBe(false);
    expect(holds(w, { keyFeaturesGreen: 7, licensesPurchased: 100, licensesDeployed: 89 })).toBe(false);
  });

  it('usage drop: DAU down 25% or more against the previous 4 weeks', () => {
    const w = when('usage-drop').when;
    expect(holds(w, { dauTrendPct: -25 })).toBe(true);
    expect(holds(w, { dauTrendPct: -24 })).toBe(false);
    expect(holds(w, {})).toBe(false);
  });
});
