/**
 * The sample library over accounts as they really arrive: with missing data (not scored, no
 * urgent plan, no blanks in texts), churning (every run ends, its tasks close, the lifecycle
 * stops), and small accounts (one bug is not a bug risk).
 */
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary, computeHealth } from '../engine/runtime/index.js';
import { buildConditionData, compileRule, truthy } from '../engine/conditions/index.js';
import { renderTemplate } from '../engine/templates/index.js';
import type { Account } from '../engine/types.js';
import type { Journey, Playbook, TaskSpec } from '../engine/schema/definitions.js';
import { loadSampleLibrary } from './golden/library.js';
import { Book, T0, at } from './golden/harness.js';

vi.setConfig({ testTimeout: 120_000 });

const input = loadSampleLibrary();
const lib = compileLibrary(input);
const playbooks = input.playbooks.map((p) => p.def as Playbook);
const journey = input.journeys.map((j) => j.def as Journey).find((j) => j.id === 'lifecycle')!;

/** What an account posted with only the basic fields looks like. */
function basic(fields: Record<string, unknown> = {}, id = 'basic'): Account {
  return { id, fields: { name: 'Kestrel Education', tier: 'tier-2', segment: 'low-touch', owner: 'u_alice', mrr: 1800, renewalDate: at(68), licensesPurchased: 25, ...fields }, tags: [], flags: {} };
}

/** A red account with every field filled. */
function red(fields: Record<string, unknown> = {}, id = 'red'): Account {
  return basic({
    licensesPurchased: 200, licensesDeployed: 40, dau: 20, dauTrendPct: -40, featuresUsed: 2, keyFeaturesGreen: 1, nps: 2, csmSentiment: 1,
    openTickets: 0, openHighPriorityTickets: 0, bugTickets: 0, lastCsmUpdateAt: at(-2), renewalDate: at(300), primaryContactName: 'Ann Lee', primaryContactEmail: 'ann@kestrel.test',
    usageGreenSince: at(-200), adminSelfSufficient: true, deploymentDocumented: true, ...fields,
  }, id);
}

function tasks(spec: (Playbook | Journey)): TaskSpec[] {
  if (spec.kind === 'playbook') return spec.nodes.flatMap((n) => (n.kind === 'task' ? [n.task] : []));
  return spec.stages.flatMap((s) => (s.onEntry ?? []).flatMap((a) => (a.kind === 'task' ? [a.task] : [])));
}

describe('missing data is not red', () => {
  it('an account with only basic fields is not scored and gets no recovery plan', () => {
    expect(computeHealth(lib, basic(), T0)).toBeNull();
    const b = new Book(lib, basic());
    for (let d = 0; d <= 10; d++) b.run(at(d));
    expect(b.state!.health).toBeNull();
    expect([...b.tasks.values()].filter((t) => t.playbookId === 'red-health-recovery')).toEqual([]);
  });

  it('deployment % is empty, not 0, when a licence count is missing', () => {
    const h = (f: Record<string, unknown>) => computeHealth(lib, red(f), T0)!.measures.deployment.value;
    expect(h({ licensesDeployed: undefined })).toBeNull();
    expect(h({ licensesPurchased: undefined })).toBeNull();
    expect(h({ licensesPurchased: 0 })).toBeNull();
    expect(h({ licensesDeployed: 0 })).toBe(0);
    expect(h({ licensesDeployed: 179 })).toBe(89);
  });

  it('scores once measures carrying half the weight have values (minCoverage 0.5), not before', () => {
    // usage depth 25 + breadth 20 = 45 of 100: not scored
    expect(computeHealth(lib, basic({ dauTrendPct: -40, keyFeaturesGreen: 1 }), T0)).toBeNull();
    // + NPS 15 = 60 of 100: scored, and red on what it knows
    const h = computeHealth(lib, basic({ dauTrendPct: -40, keyFeaturesGreen: 1, nps: 2 }), T0)!;
    expect(h).toMatchObject({ score: 0, color: 'red' });
    expect(h.measures.deployment.value).toBeNull();
  });

  it('a scorecard may lower the bar: minCoverage 0 scores on any single measure', () => {
    const low = compileLibrary({ ...input, scorecards: input.scorecards.map((sc) => ({ ...sc, minCoverage: 0 })) });
    expect(computeHealth(low, basic({ keyFeaturesGreen: 6 }), T0)).toMatchObject({ score: 100, color: 'green' });
  });
});

describe('churned accounts leave every playbook and the journey', () => {
  it('every playbook excludes churned accounts and ends its runs on churn, closing their tasks', () => {
    for (const p of playbooks) {
      const churned = buildConditionData({ fields: { churned: true }, tags: [], flags: {} });
      expect(p.audience, p.id).toBeDefined();
      const audience = compileFor(p.audience);
      expect(audience(churned), `${p.id} audience`).toBe(false);
      expect(audience(buildConditionData({ fields: { churned: false, segment: 'high-touch' }, tags: [], flags: {} })), `${p.id} audience`).toBe(true);
      expect(compileFor(p.exit!.when)(churned), `${p.id} exit`).toBe(true);
      // tasks close: by the exit, or (where the exit keeps them for other reasons) by closeWhen
      if (p.exit!.openTasks === 'keep') for (const t of tasks(p)) expect(compileFor(t.closeWhen)(churned), `${p.id} ${t.title}`).toBe(true);
    }
  });

  it('a red account that churns: the recovery run exits and its urgent task closes', () => {
    const b = new Book(lib, red());
    b.run(T0);
    const plan = [...b.tasks.values()].find((t) => t.playbookId === 'red-health-recovery')!;
    expect(plan.priority).toBe('urgent');
    b.account = { ...b.account, fields: { ...b.account.fields, churned: true, churnedAt: at(1) } };
    for (let d = 1; d <= 40; d++) b.run(at(d));
    expect(b.tasks.get(plan.id)!.status).toBe('closed');
    expect(b.open()).toEqual([]);
    expect([...b.instances.values()].filter((i) => i.status === 'active')).toEqual([]);
  });

  it('the lifecycle does not move a churned account, and its stage tasks close', () => {
    const ready = { usageGreenSince: at(-30), featuresUsed: 6, adminSelfSufficient: false, deploymentDocumented: false, contractStartDate: T0 };
    const b = new Book(lib, red({ ...ready, churned: true }));
    for (let d = 0; d <= 5; d++) b.run(at(d));
    // Churned before its first evaluation (imported with its history): it never starts the journey.
    expect(b.state!.journeys.lifecycle).toBeUndefined();
    const live = new Book(lib, red(ready, 'live'));
    for (let d = 0; d <= 5; d++) live.run(at(d));
    expect(live.state!.journeys.lifecycle.stage).toBe('initial-value');
    const handoff = live.open().find((t) => t.title.startsWith('Hand-off call'))!;
    live.account = { ...live.account, fields: { ...live.account.fields, churned: true } };
    live.run(at(6));
    expect(live.tasks.get(handoff.id)!.status).toBe('closed');
    expect(live.open()).toEqual([]);
    for (const t of journey.transitions) expect(compileFor(t.when)(buildConditionData({ fields: { ...ready, churned: true, renewalDate: at(30) }, tags: [], flags: {} })), t.id).toBe(false);
  });
});

describe('sample texts read well', () => {
  // Only the name, plus what a playbook's own trigger or stage entry guarantees (expansion needs
  // key features and deployment, usage-drop a DAU trend, the hand-off usage green since a date,
  // the renewal playbook a renewal date).
  const none = buildConditionData({
    fields: { name: 'Kestrel Education', keyFeaturesGreen: 6, deploymentPct: 95, dauTrendPct: -30, featuresUsed: 6, usageGreenSince: '2026-10-01', renewalDate: '2027-01-29' }, tags: [], flags: {},
    health: { scorecardId: 'health', score: 20, color: 'red', measures: {}, at: T0 },
    event: { id: 'e', accountId: 'a', type: 'nps.response', occurredAt: T0, data: { score: 3 } },
  });
  const all = [...playbooks, journey].flatMap((p) => tasks(p).map((t) => ({ id: p.id, t })));

  it('no title states a number of days (it would go stale while the task is open)', () => {
    for (const { id, t } of all) expect(t.title, id).not.toMatch(/days_until|days_since/);
  });

  it('every title, reason, step and email reads without blanks when optional fields are missing', () => {
    for (const { id, t } of all) {
      for (const text of [t.title, t.reason, ...(t.steps ?? []).map((s) => s.title), t.email?.subject, t.email?.body]) {
        if (text === undefined) continue;
        const out = renderTemplate(text, none, Date.parse(T0));
        expect(out, `${id}: ${text}`).not.toMatch(/ {2}|\( |\(\)| \)| ,|: ;| of {2}|""|:\s*$|^\s|\s$/);
      }
    }
  });

  it('customer emails greet the contact, use readable dates and sign off', () => {
    const emails = all.flatMap(({ id, t }) => (t.email ? [{ id, e: t.email }] : []));
    expect(emails.length).toBeGreaterThanOrEqual(5);
    for (const { id, e } of emails) {
      expect(e.body, id).toMatch(/^Hi \{\{account\.primaryContactName \| default "there"\}\},/);
      expect(e.body, id).toMatch(/\n\nBest regards,\nYour Customer Success team$/);
      expect(`${e.subject} ${e.body}`, id).not.toMatch(/days_until|days_since/);
    }
    const renewal = all.find(({ id, t }) => id === 'renewal-90-days' && t.email)!.t.email!;
    const data = buildConditionData({ fields: { name: 'Kestrel Education', renewalDate: '2027-02-12', primaryContactName: 'Ann Lee' }, tags: [], flags: {} });
    expect(renderTemplate(renewal.subject, data, Date.parse(T0))).toBe('Your renewal on 12 February 2027');
    expect(renderTemplate(renewal.body, data, Date.parse(T0))).toMatch(/^Hi Ann Lee,\n\nYour subscription for Kestrel Education renews on 12 February 2027\./);
  });
});

describe('bug risk scales with account size, with a floor', () => {
  const when = (playbooks.find((p) => p.id === 'bug-risk')!.trigger as { when: unknown }).when;
  const holds = (f: Record<string, unknown>) => compileFor(when)(buildConditionData({ fields: f, tags: [], flags: {} }));
  it('needs more than max(3, licences / 50) open bugs', () => {
    expect(holds({ bugTickets: 1, licensesPurchased: 9 })).toBe(false);
    expect(holds({ bugTickets: 3, licensesPurchased: 9 })).toBe(false);
    expect(holds({ bugTickets: 4, licensesPurchased: 9 })).toBe(true);
    expect(holds({ bugTickets: 10, licensesPurchased: 500 })).toBe(false);
    expect(holds({ bugTickets: 11, licensesPurchased: 500 })).toBe(true);
    expect(holds({ bugTickets: 4 })).toBe(true);
    expect(holds({})).toBe(false);
    expect(playbooks.find((p) => p.id === 'bug-risk')!.description).toMatch(/max\(3, licences purchased \/ 50\)/);
  });

  it('one bug on a 9-licence account raises nothing', () => {
    const b = new Book(lib, red({ licensesPurchased: 9, licensesDeployed: 9, bugTickets: 1 }));
    for (let d = 0; d <= 3; d++) b.run(at(d));
    expect([...b.tasks.values()].filter((t) => t.playbookId === 'bug-risk')).toEqual([]);
  });
});

function compileFor(rule: unknown): (data: ReturnType<typeof buildConditionData>) => boolean {
  const run = compileRule(rule);
  return (data) => truthy(run(data, Date.parse(T0)));
}
