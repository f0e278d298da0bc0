import { describe, expect, it, vi } from 'vitest';
import { DefinitionError, compileLibrary, evaluate, taskId } from '../engine/runtime/index.js';
import type { Journey, Playbook } from '../engine/schema/definitions.js';
import { Book, FIELDS, T0, acct, at, chain, event, libOf, playbook, taskNode } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const renewal = (extra: Partial<Playbook> = {}) =>
  playbook({
    id: 'renewal',
    trigger: { type: 'condition', when: { '<=': [{ days_until: [{ var: 'renewalDate' }] }, 90] } },
    nodes: [taskNode('call', 'Renewal call with {{account.name}}', { reason: 'Renewal in {{days_until account.renewalDate}} days', type: 'lifecycle' }), { id: 'end', kind: 'end' }],
    edges: chain('call', 'end'),
    ...extra,
  });

describe('compileLibrary', () => {
  it('refuses an invalid definition with the problems named', () => {
    const bad = playbook({ id: 'bad', trigger: { type: 'condition', when: { '==': [{ var: 'noSuchField' }, 1] } }, nodes: [{ id: 'end', kind: 'end' }], edges: chain('end') });
    let err: unknown;
    try {
      libOf({ playbooks: [bad] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DefinitionError);
    const problems = (err as DefinitionError).problems;
    expect(problems.some((p) => p.severity === 'error' && /noSuchField/.test(p.message))).toBe(true);
    expect((err as Error).message).toMatch(/bad\.json/);
  });

  it('indexes playbooks by trigger and keeps every version', () => {
    const v1 = renewal();
    const v2 = renewal({ name: 'Renewal v2' });
    const lib = libOf({ playbooks: [{ def: v1, version: 1 }, { def: v2, version: 2 }] });
    expect(lib.playbooks.get('renewal')!.latest.version).toBe(2);
    expect([...lib.playbooks.get('renewal')!.versions.keys()].sort()).toEqual([1, 2]);
    expect(lib.starters.condition.map((p) => p.version)).toEqual([2]);
    expect(lib.timeRelative).toBe(true);
  });
});

describe('condition triggers', () => {
  it('fires on the false -> true edge only, with a rendered task, reason and values', () => {
    const lib = libOf({ playbooks: [renewal()] });
    const book = new Book(lib, acct('a1', { name: 'Acme', renewalDate: at(120) }));
    expect(book.created(book.run(T0))).toEqual([]);
    // 31 days later the renewal is 89 days away: condition becomes true
    const r = book.run(at(31));
    const [task] = book.created(r);
    expect(task.title).toBe('Renewal call with Acme');
    expect(task.reasonText).toBe('Renewal in 89 days');
    expect(task.type).toBe('lifecycle');
    expect(task.owner).toBe('u_csm');
    expect(task.dueAt).toBe(at(34));
    expect(task.key).toBe(`renewal:1:call:a1:${at(31)}`);
    expect(task.id).toBe(taskId(task.key));
    expect(task.reason).toMatchObject({ source: 'playbook', definitionId: 'renewal', version: 1, nodeId: 'call', values: { renewalDate: at(120) }, at: at(31) });
    expect(task.reason.condition).toEqual({ '<=': [{ days_until: [{ var: 'renewalDate' }] }, 90] });
    // still true the next day: no new run
    expect(book.created(book.run(at(32)))).toEqual([]);
    expect(book.state!.triggers.renewal.lastTrue).toBe(true);
  });

  it('counts the first evaluation of a true condition as an edge', () => {
    const lib = libOf({ playbooks: [renewal()] });
    const book = new Book(lib, acct('a1', { renewalDate: at(30) }));
    expect(book.created(book.run(T0))).toHaveLength(1);
  });

  it('applies the audience filter', () => {
    const lib = libOf({ playbooks: [renewal({ audience: { '==': [{ var: 'tier' }, 'tier-1'] } })] });
    expect(new Book(lib, acct('a', { tier: 'tier-2', renewalDate: at(30) })).open()).toEqual([]);
    const b1 = new Book(lib, acct('a', { tier: 'tier-2', renewalDate: at(30) }));
    expect(b1.created(b1.run(T0))).toEqual([]);
    const b2 = new Book(lib, acct('b', { tier: 'tier-1', renewalDate: at(30) }));
    expect(b2.created(b2.run(T0))).toHaveLength(1);
  });
});

describe('re-entry policies', () => {
  const flapping = (reentry: Playbook['reentry']) =>
    playbook({ id: 'risky', reentry, trigger: { type: 'condition', when: { '<': [{ var: 'nps' }, 7] } }, nodes: [taskNode('t', 'Call'), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
  /** Flip nps low/high each day for n days; count runs started. */
  function runs(reentry: Playbook['reentry'], days: number, complete = true): number {
    const book = new Book(libOf({ playbooks: [flapping(reentry)] }), acct('a', { nps: 3 }));
    for (let d = 0; d < days; d++) {
      book.account = { ...book.account, fields: { ...book.account.fields, nps: d % 2 === 0 ? 3 : 9 } };
      book.run(at(d));
      if (complete) for (const t of book.open()) book.complete(t.id, at(d));
    }
    return book.state!.runs.risky?.count ?? 0;
  }
  it('once: one run ever', () => expect(runs({ policy: 'once' }, 10)).toBe(1));
  it('after-exit: again on each new edge once the previous run ended', () => expect(runs({ policy: 'after-exit' }, 10)).toBe(5));
  it('cooldown: not within N days of the last run ending', () => expect(runs({ policy: 'cooldown', days: 4 }, 12)).toBe(3));
  it('max-times: at most N runs', () => expect(runs({ policy: 'max-times', times: 2 }, 12)).toBe(2));
  it('after-exit: not while a run is still active', () => {
    const pb = playbook({
      id: 'w', reentry: { policy: 'after-exit' }, trigger: { type: 'event', eventType: 'custom.ping' },
      nodes: [{ id: 'wait', kind: 'wait', wait: { type: 'duration', duration: { days: 10 } } }, { id: 'end', kind: 'end' }], edges: chain('wait', 'end'),
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    book.run(T0, { event: event('p1', 'a', 'custom.ping', T0) });
    book.run(at(1), { event: event('p2', 'a', 'custom.ping', at(1)) });
    expect(book.state!.runs.w.count).toBe(1);
    book.run(at(11));
    book.run(at(12), { event: event('p3', 'a', 'custom.ping', at(12)) });
    expect(book.state!.runs.w.count).toBe(2);
  });
});

describe('open-CTA dedupe', () => {
  it('refreshes an open task of the same playbook and type instead of creating another', () => {
    const pb = playbook({
      id: 'nps', reentry: { policy: 'after-exit' }, trigger: { type: 'event', eventType: 'nps.response', when: { '<=': [{ var: 'event.data.score' }, 6] } },
      nodes: [taskNode('reply', 'Reply to detractor (score {{event.data.score}})', { reason: 'NPS {{event.data.score}}', dueDays: 5 }), { id: 'end', kind: 'end' }],
      edges: chain('reply', 'end'),
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    const r1 = book.run(T0, { event: event('n1', 'a', 'nps.response', T0, { score: 3 }) });
    expect(book.created(r1)).toHaveLength(1);
    const first = book.created(r1)[0];
    const r2 = book.run(at(2), { event: event('n2', 'a', 'nps.response', at(2), { score: 2 }) });
    expect(book.created(r2)).toEqual([]);
    const upd = r2.effects.find((e) => e.kind === 'updateTask');
    expect(upd).toMatchObject({ kind: 'updateTask', taskId: first.id, changes: { reasonText: 'NPS 2' } });
    // the earlier due date is kept
    expect((upd as { changes: { dueAt?: string } }).changes.dueAt).toBeUndefined();
    expect(book.open()).toHaveLength(1);
    const run2 = r2.instances[0];
    expect(run2.tasks.reply).toBe(first.id);
    // once done, a new detractor response creates a new task
    book.complete(first.id, at(3));
    expect(book.created(book.run(at(4), { event: event('n3', 'a', 'nps.response', at(4), { score: 1 }) }))).toHaveLength(1);
  });
});

describe('exit criteria', () => {
  const recovery = (openTasks: 'close' | 'keep') =>
    playbook({
      id: 'recovery', reentry: { policy: 'after-exit' }, trigger: { type: 'condition', when: { '<=': [{ var: 'csmSentiment' }, 2] } },
      exit: { when: { '>=': [{ var: 'csmSentiment' }, 4] }, openTasks },
      nodes: [taskNode('plan', 'Recovery plan'), { id: 'wait', kind: 'wait', wait: { type: 'duration', duration: { days: 30 } } }, taskNode('review', 'Review'), { id: 'end', kind: 'end' }],
      edges: chain('plan', 'wait', 'review', 'end'),
    });
  it('ends the run and closes its open tasks when openTasks is close', () => {
    const book = new Book(libOf({ playbooks: [recovery('close')] }), acct('a', { csmSentiment: 1 }));
    const [plan] = book.created(book.run(T0));
    book.account = { ...book.account, fields: { ...book.account.fields, csmSentiment: 5 } };
    const r = book.run(at(1));
    expect(r.effects).toContainEqual(expect.objectContaining({ kind: 'closeTask', taskId: plan.id }));
    expect(r.instances[0]).toMatchObject({ status: 'exited', endedAt: at(1) });
    expect(r.instances[0].endReason).toMatch(/Exit criteria met/);
    expect(book.open()).toEqual([]);
    expect(book.state!.runs.recovery.activeInstanceId).toBeNull();
  });
  it('keeps the tasks open when openTasks is keep', () => {
    const book = new Book(libOf({ playbooks: [recovery('keep')] }), acct('a', { csmSentiment: 1 }));
    book.run(T0);
    book.account = { ...book.account, fields: { ...book.account.fields, csmSentiment: 5 } };
    const r = book.run(at(1));
    expect(r.effects.some((e) => e.kind === 'closeTask')).toBe(false);
    expect(r.instances[0].status).toBe('exited');
    expect(book.open()).toHaveLength(1);
  });
});

describe('waits', () => {
  it('duration: a timer missed during downtime fires once, on the first evaluation after', () => {
    const pb = playbook({
      id: 'd', trigger: { type: 'manual' },
      nodes: [{ id: 'wait', kind: 'wait', wait: { type: 'duration', duration: { days: 7 } } }, taskNode('after', 'After the wait'), { id: 'end', kind: 'end' }],
      edges: chain('wait', 'after', 'end'),
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    const r0 = book.run(T0, { manual: { playbookId: 'd', requestId: 'req1', by: 'u_lead' } });
    expect(r0.instances[0]).toMatchObject({ status: 'active', nodeId: 'wait', wakeAt: at(7) });
    expect(r0.nextWakeAt).toBe(at(7));
    expect(book.created(book.run(at(6)))).toEqual([]);
    const late = book.run(at(40)); // the worker was down for a month
    expect(book.created(late)).toHaveLength(1);
    expect(late.instances[0].status).toBe('completed');
    expect(book.created(book.run(at(41)))).toEqual([]);
  });

  it('until-date: wakes relative to an account date, and ends clearly when the date is missing', () => {
    const pb = playbook({
      id: 'u', reentry: { policy: 'after-exit' }, trigger: { type: 'manual' },
      nodes: [{ id: 'wait', kind: 'wait', wait: { type: 'until-date', field: 'renewalDate', offsetDays: -30 } }, taskNode('t', 'Prep'), { id: 'end', kind: 'end' }],
      edges: chain('wait', 't', 'end'),
    });
    const lib = libOf({ playbooks: [pb] });
    const book = new Book(lib, acct('a', { renewalDate: at(100) }));
    const r = book.run(T0, { manual: { playbookId: 'u', requestId: 'r1', by: 'x' } });
    expect(r.instances[0].wakeAt).toBe(at(70));
    // the renewal date moves: the wait follows it
    book.account = { ...book.account, fields: { ...book.account.fields, renewalDate: at(50) } };
    const r2 = book.run(at(1));
    expect(r2.instances[0].wakeAt).toBe(at(20));
    expect(book.created(book.run(at(20)))).toHaveLength(1);

    const none = new Book(lib, acct('b', {}));
    const r3 = none.run(T0, { manual: { playbookId: 'u', requestId: 'r2', by: 'x' } });
    expect(r3.instances[0].status).toBe('completed');
    expect(r3.instances[0].endReason).toBe('Cannot wait until 30 days before Renewal date: the account has no Renewal date');
  });

  const taskDone = playbook({
    id: 'td', trigger: { type: 'manual' },
    nodes: [
      taskNode('first', 'First'),
      { id: 'wait', kind: 'wait', wait: { type: 'task-done', task: 'first', timeout: { days: 5 } } },
      taskNode('done-next', 'Follow up', { type: 'opportunity' }),
      taskNode('escalate', 'Escalate', { type: 'activity' }),
      { id: 'end', kind: 'end' },
    ],
    edges: [
      { id: 'e0', from: 'trigger', to: 'first' }, { id: 'e1', from: 'first', to: 'wait' },
      { id: 'e2', from: 'wait', to: 'done-next' }, { id: 'e3', from: 'wait', to: 'escalate', branch: 'timeout' },
      { id: 'e4', from: 'done-next', to: 'end' }, { id: 'e5', from: 'escalate', to: 'end' },
    ],
  });
  it('task-done: proceeds when the task is done', () => {
    const book = new Book(libOf({ playbooks: [taskDone] }), acct('a', {}));
    const [first] = book.created(book.run(T0, { manual: { playbookId: 'td', requestId: 'r', by: 'x' } }));
    book.complete(first.id, at(2));
    const r = book.run(at(2));
    expect(book.created(r).map((t) => t.title)).toEqual(['Follow up']);
  });
  it('task-done: takes the timeout branch when the task is not done in time', () => {
    const book = new Book(libOf({ playbooks: [taskDone] }), acct('a', {}));
    book.run(T0, { manual: { playbookId: 'td', requestId: 'r', by: 'x' } });
    expect(book.created(book.run(at(4)))).toEqual([]);
    const r = book.run(at(5));
    expect(book.created(r).map((t) => t.title)).toEqual(['Escalate']);
    expect(r.instances[0].path.map((p) => p.outcome)).toContain('timeout');
  });

  it('event wait: proceeds on a matching event, not on the one that started the run', () => {
    const pb = playbook({
      id: 'ev', trigger: { type: 'event', eventType: 'csm.activity' },
      nodes: [
        { id: 'wait', kind: 'wait', wait: { type: 'event', eventType: 'csm.activity', when: { '==': [{ var: 'event.data.kind' }, 'ebr'] }, timeout: { days: 10 } } },
        taskNode('got', 'EBR held', { type: 'opportunity' }), { id: 'end', kind: 'end' },
      ],
      edges: [...chain('wait', 'got', 'end'), { id: 'to', from: 'wait', to: 'end', branch: 'timeout' }],
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    book.run(T0, { event: event('a1', 'a', 'csm.activity', T0, { kind: 'ebr' }) });
    expect(book.created(book.run(at(1), { event: event('a2', 'a', 'csm.activity', at(1), { kind: 'call' }) }))).toEqual([]);
    const r = book.run(at(2), { event: event('a3', 'a', 'csm.activity', at(2), { kind: 'ebr' }) });
    expect(book.created(r).map((t) => t.title)).toEqual(['EBR held']);
  });
});

describe('graph walking', () => {
  it('condition nodes branch yes/no and every visit is on the path with its values', () => {
    const pb = playbook({
      id: 'br', trigger: { type: 'manual' },
      nodes: [
        { id: 'big', kind: 'condition', when: { '>=': [{ var: 'mrr' }, 5000] } },
        taskNode('exec', 'Exec outreach'), taskNode('csm', 'CSM outreach'), { id: 'end', kind: 'end' },
      ],
      edges: [
        { id: 'e0', from: 'trigger', to: 'big' }, { id: 'e1', from: 'big', to: 'exec', branch: 'yes' }, { id: 'e2', from: 'big', to: 'csm', branch: 'no' },
        { id: 'e3', from: 'exec', to: 'end' }, { id: 'e4', from: 'csm', to: 'end' },
      ],
    });
    const lib = libOf({ playbooks: [pb] });
    const r = new Book(lib, acct('a', { mrr: 1200 })).run(T0, { manual: { playbookId: 'br', requestId: 'x', by: 'u' } });
    const path = r.instances[0].path;
    expect(path.map((p) => [p.nodeId, p.outcome])).toEqual([['trigger', 'started'], ['big', 'no'], ['csm', 'task created'], ['end', 'end']]);
    expect(path[1].values).toEqual({ mrr: 1200 });
    expect(r.effects.find((e) => e.kind === 'createTask')).toMatchObject({ task: { title: 'CSM outreach', reason: { values: { mrr: 1200 } } } });
  });

  it('update nodes change tags and flags; owners resolve from the spec', () => {
    const pb = playbook({
      id: 'up', trigger: { type: 'manual' },
      nodes: [
        { id: 'u', kind: 'update', update: { addTags: ['at-risk'], removeTags: ['happy'], flags: { watch: true } } },
        { id: 'role', kind: 'task', task: { title: 'For support', type: 'risk', priority: 'high', owner: { type: 'role', role: 'support-manager' }, dueDays: 1 } },
        { id: 'user', kind: 'task', task: { title: 'For Dana', type: 'activity', priority: 'low', owner: { type: 'user', user: 'u_dana' }, dueDays: 1, steps: [{ id: 's1', title: 'Call {{account.name}}', dueDays: 2 }, { id: 's2', title: 'Write up' }], email: { to: '{{account.primaryContactEmail}}', subject: 'Hello {{account.name}}', body: 'MRR {{money account.mrr}}' } } },
        { id: 'end', kind: 'end' },
      ],
      edges: chain('u', 'role', 'user', 'end'),
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', { name: 'Acme', mrr: 4200, primaryContactEmail: 'ann@acme.test' }, ['happy', 'vip']));
    const r = book.run(T0, { manual: { playbookId: 'up', requestId: 'x', by: 'u' } });
    expect(r.account.tags).toEqual(['vip', 'at-risk']);
    expect(r.account.flags).toEqual({ watch: true });
    const [role, user] = book.created(r);
    expect(role.owner).toBe('role:support-manager');
    expect(user.owner).toBe('u_dana');
    expect(user.steps).toEqual([{ id: 's1', title: 'Call Acme', dueAt: at(2), done: false }, { id: 's2', title: 'Write up', dueAt: null, done: false }]);
    expect(user.email).toEqual({ to: 'ann@acme.test', subject: 'Hello Acme', body: 'MRR $4,200' });
  });

  it('closeWhen closes a task automatically once it holds', () => {
    const pb = playbook({
      id: 'cw', trigger: { type: 'condition', when: { '>': [{ var: 'openHighPriorityTickets' }, 0] } },
      nodes: [taskNode('t', 'Tickets', { closeWhen: { '==': [{ var: 'openHighPriorityTickets' }, 0] } }), { id: 'end', kind: 'end' }],
      edges: chain('t', 'end'),
    });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', { openHighPriorityTickets: 2 }));
    const [t] = book.created(book.run(T0));
    book.run(at(1));
    expect(book.tasks.get(t.id)!.status).toBe('open');
    book.account = { ...book.account, fields: { ...book.account.fields, openHighPriorityTickets: 0 } };
    const r = book.run(at(2));
    expect(r.effects).toContainEqual(expect.objectContaining({ kind: 'closeTask', taskId: t.id }));
  });
});

const journey: Journey = {
  kind: 'journey', id: 'life', name: 'Lifecycle', initialStage: 'onboarding',
  stages: [
    { id: 'onboarding', name: 'Onboarding', exit: { '>=': [{ var: 'featuresUsed' }, 5] }, onEntry: [{ kind: 'task', id: 'kickoff', task: { title: 'Kick off {{account.name}}', type: 'lifecycle', priority: 'high', owner: { type: 'account-owner' }, dueDays: 7 } }] },
    { id: 'adoption', name: 'Adoption', entry: { '==': [{ var: 'adminSelfSufficient' }, true] } },
    { id: 'renewal', name: 'Renewal' },
  ],
  transitions: [
    { id: 'to-adoption', from: 'onboarding', to: 'adoption' },
    { id: 'to-renewal', from: 'adoption', to: 'renewal', when: { '<=': [{ days_until: [{ var: 'renewalDate' }] }, 120] } },
    { id: 'back', from: 'renewal', to: 'adoption', when: { '>': [{ days_until: [{ var: 'renewalDate' }] }, 120] } },
  ],
};

describe('journeys', () => {
  it('enters the initial stage, runs onEntry actions and fires stage-entered playbooks', () => {
    const welcome = playbook({ id: 'welcome', trigger: { type: 'stage', journey: 'life', stage: 'onboarding', on: 'entered' }, nodes: [taskNode('hello', 'Welcome {{account.name}}', { type: 'activity' }), { id: 'end', kind: 'end' }], edges: chain('hello', 'end') });
    const book = new Book(libOf({ journeys: [journey], playbooks: [welcome] }), acct('a', { name: 'Acme', featuresUsed: 1 }));
    const r = book.run(T0);
    const change = r.effects.find((e) => e.kind === 'stageChanged');
    expect(change).toMatchObject({ change: { journeyId: 'life', from: null, to: 'onboarding', at: T0 } });
    expect(book.created(r).map((t) => t.title).sort()).toEqual(['Kick off Acme', 'Welcome Acme']);
    const kickoff = book.created(r).find((t) => t.title === 'Kick off Acme')!;
    expect(kickoff.key).toBe(`life:1:onboarding/kickoff:a:${T0}`);
    expect(kickoff.reason.source).toBe('journey');
    expect(r.instances[0].occurrence).toBe(`life:onboarding:${T0}`);
    expect(book.state!.journeys.life.stage).toBe('onboarding');
  });

  it('starts the journey only once the initial stage\'s entry criteria hold (e.g. never for a churned import)', () => {
    const gated: Journey = { ...journey, stages: journey.stages.map((st) => (st.id === 'onboarding' ? { ...st, entry: { '!': [{ var: 'churned' }] } } : st)) };
    const book = new Book(libOf({ journeys: [gated] }), acct('a', { name: 'Acme', featuresUsed: 1, churned: true }));
    const r = book.run(T0);
    expect(r.effects.filter((e) => e.kind === 'stageChanged' || e.kind === 'createTask')).toEqual([]);
    expect(book.state!.journeys.life).toBeUndefined();
    // Once they hold (here: the churn flag was wrong and is cleared), it starts at the initial stage.
    book.account = { ...book.account, fields: { ...book.account.fields, churned: false } };
    const r2 = book.run(at(1));
    expect(r2.effects.find((e) => e.kind === 'stageChanged')).toMatchObject({ change: { from: null, to: 'onboarding' } });
    expect(book.created(r2).map((t) => t.title)).toEqual(['Kick off Acme']);
  });

  it('chains moves whose criteria hold and never revisits a stage in one evaluation', () => {
    const book = new Book(libOf({ journeys: [journey] }), acct('a', { featuresUsed: 6, adminSelfSufficient: true, renewalDate: at(60) }));
    const r = book.run(T0);
    const moves = r.effects.flatMap((e) => (e.kind === 'stageChanged' ? [`${e.change.from}->${e.change.to}`] : []));
    expect(moves).toEqual(['null->onboarding', 'onboarding->adoption', 'adoption->renewal']);
    const toAdoption = r.effects.find((e) => e.kind === 'stageChanged' && e.change.to === 'adoption');
    expect(toAdoption).toMatchObject({ change: { reason: { nodeId: 'to-adoption', values: { featuresUsed: 6, adminSelfSufficient: true } } } });
    expect(book.state!.journeys.life.history).toHaveLength(3);
    // renewal later moves more than 120 days out: back to adoption (a later evaluation)
    book.account = { ...book.account, fields: { ...book.account.fields, renewalDate: at(400) } };
    const r2 = book.run(at(1));
    expect(r2.effects.filter((e) => e.kind === 'stageChanged').map((e) => (e as { change: { to: string } }).change.to)).toEqual(['adoption']);
  });

  it('fires stage-left playbooks with the left stage\'s entry time as occurrence', () => {
    const bye = playbook({ id: 'bye', trigger: { type: 'stage', journey: 'life', stage: 'onboarding', on: 'left' }, nodes: [taskNode('t', 'Onboarding done for {{account.name}}', { type: 'lifecycle' }), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const book = new Book(libOf({ journeys: [journey], playbooks: [bye] }), acct('a', { name: 'Acme', featuresUsed: 1, adminSelfSufficient: true }));
    expect(book.created(book.run(T0)).map((t) => t.title)).toEqual(['Kick off Acme']);
    book.account = { ...book.account, fields: { ...book.account.fields, featuresUsed: 7 } };
    const r = book.run(at(10));
    expect(book.created(r).map((t) => t.title)).toEqual(['Onboarding done for Acme']);
    expect(r.instances[0].occurrence).toBe(`life:onboarding:${T0}`);
    expect(r.instances[0].path[0].detail).toBe('Stage Onboarding left');
  });

  it('passes through stages in one evaluation: only the final stage runs onEntry and fires entered', () => {
    const on = (stage: string, when: 'entered' | 'left') =>
      playbook({ id: `${stage}-${when}`, trigger: { type: 'stage', journey: 'life', stage, on: when }, nodes: [taskNode('t', `${stage} ${when}`, { type: 'lifecycle' }), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const pbs = ['onboarding', 'adoption', 'renewal'].flatMap((s) => [on(s, 'entered'), on(s, 'left')]);
    // a mature account imported with its data: onboarding and adoption are passed through
    const book = new Book(libOf({ journeys: [journey], playbooks: pbs }), acct('a', { name: 'Acme', featuresUsed: 6, adminSelfSufficient: true, renewalDate: at(60) }));
    const r = book.run(T0);
    expect(book.created(r).map((t) => t.title)).toEqual(['renewal entered']);
    expect(r.instances.map((i) => i.occurrence)).toEqual([`life:renewal:${T0}`]);
    const history = book.state!.journeys.life.history;
    expect(history.map((c) => `${c.from}->${c.to}`)).toEqual(['null->onboarding', 'onboarding->adoption', 'adoption->renewal']);
    expect(history.map((c) => c.at)).toEqual([T0, T0, T0]);
    expect(history[0].reasonText).toBe('passed through: Started the journey at Onboarding');
    expect(history[1].reasonText).toMatch(/^passed through: /);
    expect(history[1].reason).toMatchObject({ nodeId: 'to-adoption', values: { featuresUsed: 6, adminSelfSufficient: true } });
    expect(history[2].reasonText).not.toMatch(/passed through/);
    // effects carry the same marks, and the timeline says it plainly
    const changes = r.effects.flatMap((e) => (e.kind === 'stageChanged' ? [e.change.reasonText] : []));
    expect(changes).toEqual(history.map((c) => c.reasonText));
    const stageTexts = r.effects.flatMap((e) => (e.kind === 'timeline' && e.entry.kind === 'stage' ? [e.entry.text] : []));
    expect(stageTexts[0]).toBe('Lifecycle: passed through Onboarding (journey start): Started the journey at Onboarding');
    expect(stageTexts[1]).toMatch(/^Lifecycle: passed through Adoption \(from Onboarding\): /);
    expect(stageTexts[2]).toMatch(/^Lifecycle: Adoption -> Renewal: /);
  });

  it('fires left only for the stage the evaluation started in when it passes through others', () => {
    const on = (stage: string, when: 'entered' | 'left') =>
      playbook({ id: `${stage}-${when}`, trigger: { type: 'stage', journey: 'life', stage, on: when }, nodes: [taskNode('t', `${stage} ${when}`, { type: 'lifecycle' }), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const pbs = ['onboarding', 'adoption', 'renewal'].flatMap((s) => [on(s, 'entered'), on(s, 'left')]);
    const book = new Book(libOf({ journeys: [journey], playbooks: pbs }), acct('a', { name: 'Acme', featuresUsed: 1, adminSelfSufficient: true, renewalDate: at(60) }));
    // a new account stays in onboarding: its onEntry kickoff and entered trigger run
    expect(book.created(book.run(T0)).map((t) => t.title).sort()).toEqual(['Kick off Acme', 'onboarding entered']);
    book.account = { ...book.account, fields: { ...book.account.fields, featuresUsed: 8 } };
    const r = book.run(at(3));
    expect(book.created(r).map((t) => t.title).sort()).toEqual(['onboarding left', 'renewal entered']);
    expect(r.instances.map((i) => i.occurrence).sort()).toEqual([`life:onboarding:${T0}`, `life:renewal:${at(3)}`]);
    expect(book.state!.journeys.life.history.slice(1).map((c) => c.reasonText.startsWith('passed through: '))).toEqual([true, false]);
  });

  it('stays when the target entry criteria do not hold', () => {
    const book = new Book(libOf({ journeys: [journey] }), acct('a', { featuresUsed: 6, adminSelfSufficient: false }));
    book.run(T0);
    expect(book.state!.journeys.life.stage).toBe('onboarding');
    expect(book.run(at(1)).effects.some((e) => e.kind === 'stageChanged')).toBe(false);
  });
});

describe('unchanged re-checks', () => {
  it('return the input state object itself when nothing in it changed, and a new one when something did', () => {
    const lib = libOf({ playbooks: [renewal()], journeys: [journey] });
    const book = new Book(lib, acct('a', { featuresUsed: 1, renewalDate: at(120) }));
    book.run(T0);
    const before = book.state!;
    const quiet = book.run(at(1));
    expect(quiet.state).toBe(before);
    expect(quiet.effects).toEqual([]);
    expect(quiet.state.lastEvaluatedAt).toBe(T0);
    // 31 days on the renewal condition turns true: trigger memory and runs change
    const loud = book.run(at(31));
    expect(loud.state).not.toBe(before);
    expect(loud.state.lastEvaluatedAt).toBe(at(31));
    expect(loud.state.triggers.renewal.lastTrue).toBe(true);
    expect(before.triggers.renewal?.lastTrue ?? false).toBe(false);
  });
});

describe('schedule and manual triggers', () => {
  it('a schedule fires once per slot of N days', () => {
    const pb = playbook({ id: 'ebr', reentry: { policy: 'after-exit' }, trigger: { type: 'schedule', everyDays: 7 }, nodes: [taskNode('t', 'Weekly check', { type: 'activity' }), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    let starts = 0;
    const slots = new Set<number>();
    for (let h = 0; h < 24 * 21; h += 12) {
      const r = book.run(at(h / 24));
      slots.add(Math.floor(Date.parse(at(h / 24)) / (7 * 86_400_000)));
      starts += r.instances.filter((i) => i.startedAt === at(h / 24)).length;
      for (const t of book.open()) book.complete(t.id, at(h / 24));
    }
    // slots are counted from 1970-01-01 UTC, so 21 days from a mid-week start touch 4 of them
    expect(slots.size).toBe(4);
    expect(starts).toBe(4);
    const last = book.results[book.results.length - 1];
    const period = 7 * 86_400_000;
    expect(last.nextWakeAt).toBe(new Date((Math.floor(Date.parse(at(20.5)) / period) + 1) * period).toISOString());
  });

  it('a manual start uses the request id as occurrence and a repeat of it starts nothing', () => {
    const pb = playbook({ id: 'm', reentry: { policy: 'after-exit' }, trigger: { type: 'manual' }, nodes: [taskNode('t', 'By hand'), { id: 'end', kind: 'end' }], edges: chain('t', 'end') });
    const book = new Book(libOf({ playbooks: [pb] }), acct('a', {}));
    const r = book.run(T0, { manual: { playbookId: 'm', requestId: 'req-9', by: 'u_lead' } });
    expect(book.created(r)[0].key).toBe('m:1:t:a:req-9');
    const again = book.run(at(1), { manual: { playbookId: 'm', requestId: 'req-9', by: 'u_lead' } });
    expect(again.instances).toEqual([]);
    expect(again.effects.filter((e) => e.kind !== 'timeline')).toEqual([]);
  });
});

describe('versions', () => {
  it('runs keep the version they started on; the newest version starts new runs', () => {
    const make = (title: string) =>
      playbook({ id: 'v', reentry: { policy: 'after-exit' }, trigger: { type: 'event', eventType: 'custom.go' }, nodes: [{ id: 'wait', kind: 'wait', wait: { type: 'duration', duration: { days: 3 } } }, taskNode('t', title), { id: 'end', kind: 'end' }], edges: chain('wait', 't', 'end') });
    const v1 = make('Old title');
    const v2 = make('New title');
    const book = new Book(libOf({ playbooks: [{ def: v1, version: 1 }] }), acct('a', {}));
    book.run(T0, { event: event('g1', 'a', 'custom.go', T0) });
    book.lib = libOf({ playbooks: [{ def: v1, version: 1 }, { def: v2, version: 2 }] });
    const r = book.run(at(3));
    expect(book.created(r).map((t) => [t.title, t.playbookVersion])).toEqual([['Old title', 1]]);
    const r2 = book.run(at(4), { event: event('g2', 'a', 'custom.go', at(4)) });
    expect(r2.instances[0].version).toBe(2);
  });

  it('a run whose version is gone becomes an incident, not a crash', () => {
    const pb = playbook({ id: 'g', trigger: { type: 'manual' }, nodes: [{ id: 'wait', kind: 'wait', wait: { type: 'duration', duration: { days: 3 } } }, { id: 'end', kind: 'end' }], edges: chain('wait', 'end') });
    const book = new Book(libOf({ playbooks: [{ def: pb, version: 4 }] }), acct('a', {}));
    book.run(T0, { manual: { playbookId: 'g', requestId: 'r', by: 'u' } });
    book.lib = libOf({ playbooks: [{ def: pb, version: 5 }] });
    const r = book.run(at(1));
    expect(r.instances[0].status).toBe('incident');
    expect(r.instances[0].incident!.message).toMatch(/Version 4 of playbook g/);
  });
});

describe('next wake and purity', () => {
  it('asks for a daily re-check when a condition reads the clock, and none otherwise', () => {
    const timeLib = libOf({ playbooks: [renewal()] });
    expect(new Book(timeLib, acct('a', { renewalDate: at(300) })).run(T0).nextWakeAt).toBe('2026-11-23T00:00:00.000Z');
    const plain = libOf({ playbooks: [playbook({ id: 'p', trigger: { type: 'condition', when: { '<': [{ var: 'nps' }, 7] } }, nodes: [{ id: 'end', kind: 'end' }], edges: chain('end') })] });
    expect(new Book(plain, acct('a', { nps: 9 })).run(T0).nextWakeAt).toBeNull();
  });

  it('does not mutate its inputs', () => {
    const lib = libOf({ playbooks: [renewal()], journeys: [journey] });
    const input = { account: acct('a', { renewalDate: at(30), featuresUsed: 6 }, ['x']), state: null, instances: [], tasks: [], now: T0 };
    const frozen = JSON.stringify(input);
    evaluate(lib, input);
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('rejects an event for another account and a bad clock', () => {
    const lib = libOf({});
    expect(() => evaluate(lib, { account: acct('a', {}), state: null, instances: [], tasks: [], now: T0, event: event('e', 'b', 'x', T0) })).toThrow(/belongs to account b/);
    expect(() => evaluate(lib, { account: acct('a', {}), state: null, instances: [], tasks: [], now: 'yesterday' })).toThrow(/ISO-8601/);
  });

  it('uses the sample dictionary', () => {
    expect(FIELDS.fields.some((f) => f.name === 'renewalDate')).toBe(true);
    expect(() => compileLibrary({ fields: FIELDS, scorecards: [], journeys: [], playbooks: [] })).not.toThrow();
  });
});
