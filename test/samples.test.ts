/**
 * The sample library (playbooks/*.json) exercised over fixture accounts: each playbook
 * raises the task a CS team expects, with its merge fields rendered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary } from '../engine/runtime/index.js';
import { simulate } from '../engine/simulate/index.js';
import { formatDate } from '../engine/templates/index.js';
import type { Account, AccountEvent, Task } from '../engine/types.js';
import { loadSampleLibrary } from './golden/library.js';
import { Book, T0, at, event } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const input = loadSampleLibrary();
const lib = compileLibrary(input);
const book: { accounts: Account[]; events: AccountEvent[] } = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/accounts/sample-book.json'), 'utf8'));

/** A healthy, quiet tier-2 account well past onboarding: nothing should be due for it. */
function quiet(fields: Record<string, unknown> = {}, id = 'quiet'): Account {
  return {
    id,
    fields: {
      name: 'Acme Corp', tier: 'tier-2', segment: 'low-touch', owner: 'u_alice', mrr: 4200, renewalDate: at(300), contractStartDate: at(-400),
      licensesPurchased: 200, licensesDeployed: 190, dau: 150, dauTrendPct: 5, featuresUsed: 6, keyFeaturesGreen: 4, nps: 9, npsRespondedAt: at(-30),
      openTickets: 0, openHighPriorityTickets: 0, bugTickets: 0, supportResolutionTargetDays: 5, lastCsmUpdateAt: at(-2), csmSentiment: 4,
      usageGreenSince: at(-120), adminSelfSufficient: true, deploymentDocumented: true, primaryContactName: 'Ann Lee', primaryContactEmail: 'ann@acme.test',
      ...fields,
    },
    tags: [],
    flags: {},
  };
}

function tasksOf(b: Book, playbookId: string): Task[] {
  return [...b.tasks.values()].filter((t) => t.playbookId === playbookId);
}

function rendered(t: Task): void {
  for (const text of [t.title, t.reasonText, t.email?.subject ?? '', t.email?.body ?? '', t.email?.to ?? '', ...t.steps.map((s) => s.title)]) {
    expect(text).not.toMatch(/\{\{|\}\}/);
  }
}

describe('sample library', () => {
  it('compiles and the quiet account gets no playbook task after its first look', () => {
    expect([...lib.playbooks.keys()].sort()).toEqual(input.playbooks.map((p) => p.def.id).sort());
    const b = new Book(lib, quiet());
    b.run(T0);
    expect(b.state!.journeys.lifecycle.stage).toBe('adoption');
    const before = b.tasks.size;
    for (let d = 1; d <= 30; d++) b.run(at(d));
    // only the CSM-update reminder could appear (low-touch accounts are not in its audience)
    expect(b.tasks.size).toBe(before);
  });

  it('renewal-90-days: renewal task with the email rendered from the account, then the at-risk check 30 days before', () => {
    const b = new Book(lib, quiet({ renewalDate: at(80) }));
    b.run(T0);
    const [task] = tasksOf(b, 'renewal-90-days');
    expect(task.title).toBe('Renewal coming up: Acme Corp');
    expect(task.reasonText).toBe(`Renews on ${formatDate(at(80))}; MRR $4,200`);
    expect(task.owner).toBe('u_alice');
    expect(task.type).toBe('lifecycle');
    expect(task.email).not.toBeNull();
    expect(task.email!.to).toBe('ann@acme.test');
    expect(task.email!.body).toContain('Ann');
    rendered(task);
    expect(task.reason.values).toEqual({ renewalDate: at(80) });
    // 30 days before renewal: health is green, so the run ends without the at-risk task
    for (let d = 1; d <= 51; d++) b.run(at(d));
    const run = [...b.instances.values()].find((i) => i.playbookId === 'renewal-90-days')!;
    expect(run.status).toBe('completed');
    expect(run.path.map((p) => `${p.nodeId}:${p.outcome.split(' ')[0]}`)).toContain('is-red:no');
  });

  it('renewal-90-days: a red account gets the at-risk renewal task for the CS manager', () => {
    const b = new Book(lib, quiet({ renewalDate: at(40), dauTrendPct: -40, keyFeaturesGreen: 1, nps: 3, csmSentiment: 1, licensesDeployed: 20 }));
    for (let d = 0; d <= 10; d++) b.run(at(d));
    const atRisk = tasksOf(b, 'renewal-90-days').find((t) => t.nodeId === 'at-risk')!;
    expect(atRisk.owner).toBe('role:cs-manager');
    expect(atRisk.title).toBe(`At-risk renewal: Acme Corp renews on ${formatDate(at(40))}`);
    rendered(atRisk);
  });

  it('low-nps: a detractor response raises a personalised reply; a promoter does not', () => {
    const b = new Book(lib, quiet());
    b.run(T0);
    b.run(at(1), { event: event('nps-1', 'quiet', 'nps.response', at(1), { score: 9 }) });
    expect(tasksOf(b, 'low-nps')).toEqual([]);
    b.run(at(2), { event: event('nps-2', 'quiet', 'nps.response', at(2), { score: 3, comment: 'Reports are slow' }) });
    const [reply] = tasksOf(b, 'low-nps');
    expect(reply.title).toBe('Reply to NPS detractor at Acme Corp (score 3)');
    expect(reply.reasonText).toBe('NPS 3 from Ann Lee; comment: Reports are slow');
    expect(reply.reason.values).toEqual({ 'event.data.score': 3 });
    expect(reply.email!.body).toContain('Ann');
    rendered(reply);
    expect(b.account.fields.nps).toBe(3);
    // not answered within 5 days: the manager steps in
    for (let d = 3; d <= 8; d++) b.run(at(d));
    expect(tasksOf(b, 'low-nps').map((t) => t.nodeId)).toEqual(['reply', 'manager-steps-in']);
  });

  it('support-risk: high-priority tickets past the resolution target escalate on tier 1', () => {
    const b = new Book(lib, quiet({ tier: 'tier-1' }));
    b.run(T0);
    b.run(at(1), { event: event('tk-1', 'quiet', 'ticket.opened', at(1), { ticketId: 'T-1', priority: 'urgent' }) });
    expect(tasksOf(b, 'support-risk')).toEqual([]);
    for (let d = 2; d <= 8; d++) b.run(at(d));
    const tasks = tasksOf(b, 'support-risk');
    expect(tasks.map((t) => t.nodeId).sort()).toEqual(['escalate-now', 'review']);
    const esc = tasks.find((t) => t.nodeId === 'escalate-now')!;
    expect(esc.owner).toBe('role:support-manager');
    expect(esc.reasonText).toBe(`High-priority tickets open: 1; oldest opened: ${formatDate(at(1))}; resolution target in days: 5; all open tickets: 1`);
    // the ticket is closed: exit criteria close the open tasks of the run
    b.run(at(9), { event: event('tk-2', 'quiet', 'ticket.closed', at(9), { ticketId: 'T-1' }) });
    expect(tasksOf(b, 'support-risk').filter((t) => t.status === 'open')).toEqual([]);
  });

  it('bug-risk: a high-priority bug open 30+ days brings in the support manager', () => {
    const b = new Book(lib, quiet());
    b.run(T0, { event: event('bug-1', 'quiet', 'ticket.opened', T0, { ticketId: 'B-1', priority: 'high', bug: true, openedAt: at(-31) }) });
    const tasks = tasksOf(b, 'bug-risk');
    expect(tasks.map((t) => [t.nodeId, t.owner])).toEqual([['fix-plan', 'role:support-manager'], ['inform-customer', 'u_alice']]);
    expect(tasks[0].reasonText).toBe(`Open bug tickets: 1 (licences purchased: 200); oldest high-priority bug opened: ${formatDate(at(-31))}`);
    rendered(tasks[0]);
  });

  it('usage-drop: reach out, or a campaign tag for tech-touch accounts', () => {
    const b = new Book(lib, quiet({ dauTrendPct: -30, dau: 90 }));
    b.run(T0);
    const [reach] = tasksOf(b, 'usage-drop');
    expect(reach.title).toBe('Usage dropped at Acme Corp: reach out');
    expect(reach.reasonText).toBe('Daily active users changed -30% against the previous 4 weeks; daily active users now: 90');
    const tech = new Book(lib, quiet({ segment: 'tech-touch', dauTrendPct: -30 }, 'tech'));
    const r = tech.run(T0);
    expect(tasksOf(tech, 'usage-drop')).toEqual([]);
    expect(r.account.tags).toContain('usage-drop-campaign');
  });

  it('stale-csm-update: a high-touch account without an update for a week; logging one ends it', () => {
    const b = new Book(lib, quiet({ segment: 'high-touch', lastCsmUpdateAt: at(-9) }));
    b.run(T0);
    const [log] = tasksOf(b, 'stale-csm-update');
    expect(log.reasonText).toBe(`Last CSM update logged: ${formatDate(at(-9))}`);
    b.run(at(1), { event: event('act-1', 'quiet', 'csm.activity', at(1), { kind: 'call' }) });
    expect(b.tasks.get(log.id)!.status).toBe('closed');
    const run = [...b.instances.values()].find((i) => i.playbookId === 'stale-csm-update')!;
    expect(run.status).toBe('exited');
  });

  it('expansion-signal: healthy usage and deployment tag the account and raise an upsell task', () => {
    const b = new Book(lib, quiet({ keyFeaturesGreen: 6, licensesDeployed: 195 }));
    const r = b.run(T0);
    expect(r.account.tags).toContain('expansion-signal');
    const [t] = tasksOf(b, 'expansion-signal');
    expect(t.type).toBe('opportunity');
    expect(t.reasonText).toBe('Key features green: 6 of 7; licences deployed: 97%');
    rendered(t);
  });

  it('quarterly-ebr: tier 1 high-touch accounts get an EBR task every 91 days', () => {
    const b = new Book(lib, quiet({ tier: 'tier-1', segment: 'high-touch' }));
    for (let d = 0; d <= 200; d += 1) {
      b.run(at(d));
      for (const t of b.open()) if (t.playbookId === 'quarterly-ebr') b.complete(t.id, at(d));
    }
    const ebrs = tasksOf(b, 'quarterly-ebr');
    expect(ebrs.length).toBeGreaterThanOrEqual(2);
    expect(ebrs.length).toBeLessThanOrEqual(3);
    expect(ebrs[0].title).toBe('Schedule the quarterly business review with Acme Corp');
    rendered(ebrs[0]);
  });

  it('red-health-recovery: red health starts a recovery plan that exits when health is green again', () => {
    const b = new Book(lib, quiet({ dauTrendPct: -40, keyFeaturesGreen: 1, nps: 2, csmSentiment: 1, licensesDeployed: 40 }));
    b.run(T0);
    expect(b.state!.health!.color).toBe('red');
    const [plan] = tasksOf(b, 'red-health-recovery');
    expect(plan.title).toBe('Draft a recovery plan for Acme Corp');
    expect(plan.priority).toBe('urgent');
    b.account = quiet();
    b.run(at(1));
    expect(b.state!.health!.color).toBe('green');
    expect(b.tasks.get(plan.id)!.status).toBe('closed');
  });

  it('onboarding-kickoff: a new customer gets a kickoff, then a chase if the pilot has not rolled out', () => {
    const b = new Book(lib, quiet({ licensesDeployed: 5, featuresUsed: 1, usageGreenSince: null, adminSelfSufficient: false, deploymentDocumented: false, contractStartDate: T0 }));
    b.run(T0);
    expect(b.state!.journeys.lifecycle.stage).toBe('onboarding');
    const [kick] = tasksOf(b, 'onboarding-kickoff');
    expect(kick.reasonText).toBe('New customer: licences purchased 200; MRR $4,200');
    rendered(kick);
    for (let d = 1; d <= 21; d++) b.run(at(d));
    expect(tasksOf(b, 'onboarding-kickoff').map((t) => t.nodeId)).toEqual(['kickoff', 'chase-pilot']);
  });

  it('every sample playbook raises work over the fixture book in a quarter', () => {
    const report = simulate(lib, { accounts: book.accounts, events: book.events, start: '2026-11-22T00:00:00.000Z', days: 90 });
    const withTasks = new Set(Object.keys(report.tasksByPlaybook));
    const missing = input.playbooks.map((p) => p.def.id).filter((id) => !withTasks.has(id));
    expect(missing).toEqual([]);
    for (const a of report.accounts) for (const t of a.tasks) expect(`${t.title} ${t.reasonText}`).not.toMatch(/\{\{/);
  });
});
