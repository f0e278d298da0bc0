import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { compileLibrary } from '../engine/runtime/index.js';
import { formatReport, isoWeek, simulate } from '../engine/simulate/index.js';
import type { Account, AccountEvent } from '../engine/types.js';
import { loadSampleLibrary } from './golden/library.js';
import { acct, chain, event, libOf, playbook, taskNode } from './golden/harness.js';

// Compiling the library (ajv validation) and fuzzing take seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const FIXTURE = join(import.meta.dirname, 'fixtures/accounts/sample-book.json');

describe('isoWeek', () => {
  it('numbers weeks the ISO way', () => {
    expect(isoWeek('2026-11-22T09:00:00.000Z')).toBe('2026-W47');
    expect(isoWeek('2026-11-23T00:00:00.000Z')).toBe('2026-W48');
    expect(isoWeek('2027-01-01T00:00:00.000Z')).toBe('2026-W53');
    expect(isoWeek('2027-01-04T00:00:00.000Z')).toBe('2027-W01');
    expect(isoWeek('2024-12-30T00:00:00.000Z')).toBe('2025-W01');
  });
});

describe('simulate', () => {
  const renewal = playbook({
    id: 'renewal', reentry: { policy: 'cooldown', days: 180 },
    trigger: { type: 'condition', when: { '<=': [{ days_until: [{ var: 'renewalDate' }] }, 90] } },
    nodes: [
      { id: 'big', kind: 'condition', when: { '>=': [{ var: 'mrr' }, 5000] } },
      taskNode('exec', 'Exec renewal {{account.name}}', { type: 'lifecycle' }),
      taskNode('csm', 'Renewal {{account.name}}', { type: 'lifecycle' }),
      { id: 'wait', kind: 'wait', wait: { type: 'task-done', task: 'csm', timeout: { days: 7 } } },
      taskNode('chase', 'Chase {{account.name}}', { type: 'risk', owner: { type: 'role', role: 'cs-manager' } }),
      { id: 'end', kind: 'end' },
    ],
    edges: [
      { id: 'a', from: 'trigger', to: 'big' }, { id: 'b', from: 'big', to: 'exec', branch: 'yes' }, { id: 'c', from: 'big', to: 'csm', branch: 'no' },
      { id: 'd', from: 'exec', to: 'end' }, { id: 'e', from: 'csm', to: 'wait' }, { id: 'f', from: 'wait', to: 'end' }, { id: 'g', from: 'wait', to: 'chase', branch: 'timeout' },
      { id: 'h', from: 'chase', to: 'end' },
    ],
  });
  const start = '2026-11-23T00:00:00.000Z';
  const accounts: Account[] = [
    acct('big', { name: 'Big Co', mrr: 9000, renewalDate: '2027-01-30T00:00:00.000Z', owner: 'u_ann' }),
    acct('small', { name: 'Small Co', mrr: 900, renewalDate: '2027-02-20T00:00:00.000Z', owner: 'u_bob' }),
    acct('later', { name: 'Later Co', mrr: 900, renewalDate: '2028-01-01T00:00:00.000Z', owner: 'u_bob' }),
  ];

  it('reports paths, entries per node, tasks by type and playbook, and the weekly forecast per owner', () => {
    const lib = libOf({ playbooks: [renewal] });
    const report = simulate(lib, { accounts, start, days: 30, owners: { u_ann: 'Ann', u_bob: 'Bob' } });
    expect(report.end).toBe('2026-12-23T00:00:00.000Z');
    const summary = report.playbooks.find((p) => p.playbookId === 'renewal')!;
    expect(summary.accounts).toBe(2);
    expect(summary.entered).toMatchObject({ trigger: 2, big: 2, exec: 1, csm: 1, wait: 1, chase: 1, end: 2 });
    expect(summary.outcomes.big).toEqual({ yes: 1, no: 1 });
    expect(report.tasksByType).toEqual({ lifecycle: 2, risk: 1 });
    expect(report.tasksByPlaybook).toEqual({ renewal: 3 });
    const small = report.accounts.find((a) => a.accountId === 'small')!;
    expect(small.runs[0].path.map((p) => p.nodeId)).toEqual(['trigger', 'big', 'csm', 'wait', 'wait', 'chase', 'end']);
    expect(small.runs[0].path[1]).toMatchObject({ outcome: 'no', values: { mrr: 900 } });
    expect(small.tasks.map((t) => t.title)).toEqual(['Renewal Small Co', 'Chase Small Co']);
    expect(report.accounts.find((a) => a.accountId === 'later')!.runs).toEqual([]);
    const owners = Object.fromEntries(report.forecast.owners.map((o) => [o.owner, o]));
    expect(owners.u_ann).toMatchObject({ name: 'Ann', total: 1 });
    expect(owners.u_bob.total).toBe(1);
    expect(owners['role:cs-manager'].total).toBe(1);
    expect(report.forecast.weeks).toEqual([...report.forecast.weeks].sort());
    expect(Object.values(owners.u_ann.weeks)).toEqual([1]);
  });

  it('completes tasks on their due date when asked, so task-done waits take the done branch', () => {
    const lib = libOf({ playbooks: [renewal] });
    const report = simulate(lib, { accounts: [accounts[1]], start, days: 30, completeTasksAfterDue: true });
    const small = report.accounts[0];
    expect(small.tasks.map((t) => [t.title, t.status])).toEqual([['Renewal Small Co', 'done']]);
    expect(small.runs[0].path.map((p) => p.outcome)).toContain('task done');
  });

  it('delivers events at their times and is deterministic', () => {
    const nps = playbook({ id: 'nps', reentry: { policy: 'after-exit' }, trigger: { type: 'event', eventType: 'nps.response', when: { '<=': [{ var: 'event.data.score' }, 6] } }, nodes: [taskNode('reply', 'Reply {{event.data.score}}'), { id: 'end', kind: 'end' }], edges: chain('reply', 'end') });
    const lib = libOf({ playbooks: [nps] });
    const events: AccountEvent[] = [event('e2', 'small', 'nps.response', '2026-12-05T13:00:00.000Z', { score: 2 }), event('e1', 'small', 'nps.response', '2026-11-25T10:00:00.000Z', { score: 9 })];
    const a = simulate(lib, { accounts: [accounts[1]], events, start, days: 20 });
    const b = simulate(lib, { accounts: [accounts[1]], events, start, days: 20 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.accounts[0].tasks).toMatchObject([{ title: 'Reply 2', createdAt: '2026-12-05T13:00:00.000Z' }]);
  });

  it('can limit the report to one playbook and renders a readable report', () => {
    const lib = compileLibrary(loadSampleLibrary());
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { accounts: Account[]; events: AccountEvent[] };
    const report = simulate(lib, { accounts: fixture.accounts, events: fixture.events, start: '2026-11-22T00:00:00.000Z', days: 60, playbooks: ['low-nps'] });
    expect(report.playbooks.map((p) => p.playbookId)).toEqual(['low-nps']);
    expect(Object.keys(report.tasksByPlaybook)).toEqual(['low-nps']);
    const text = formatReport(report, { accountId: 'globex' });
    expect(text).toContain('low-nps - Low NPS (detractor): 1 accounts');
    expect(text).toContain('Reply to NPS detractor at Globex (score 3)');
    expect(text).toContain('Forecast: tasks per owner per week');
  });

  it('rejects bad options with a clear message', () => {
    const lib = libOf({});
    expect(() => simulate(lib, { accounts: [], start: 'soon', days: 3 })).toThrow(/start must be an ISO-8601 time/);
    expect(() => simulate(lib, { accounts: [], start, days: 0 })).toThrow(/days must be between 1 and 3660/);
  });
});

describe('npm run simulate', () => {
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'engine/cli/simulate.ts', ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

  it('prints a readable report for a JSON book, filtered by playbook and account', async () => {
    const r = await cli('--accounts', FIXTURE, '--days', '30', '--start', '2026-11-22T00:00:00.000Z', '--playbook', 'low-nps', '--account', 'globex');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Simulation 2026-11-22 -> 2026-12-22 (30 days, every 24h): 1 accounts');
    expect(r.stdout).toContain('Reply to NPS detractor at Globex (score 3)');
  }, 120_000);

  it('reads CSV and prints JSON', async () => {
    const r = await cli('--accounts', join(import.meta.dirname, 'fixtures/accounts/sample-book.csv'), '--days', '10', '--start', '2026-11-22T00:00:00.000Z', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['acme', 'globex', 'initech', 'umbrella']);
  }, 120_000);

  it('refuses invalid definitions and bad arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wm-sim-'));
    writeFileSync(join(dir, 'fields.json'), JSON.stringify({ kind: 'fields', id: 'fields', name: 'F', fields: [{ name: 'mrr', type: 'number', label: 'MRR' }] }));
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ kind: 'playbook', id: 'broken', name: 'B', reentry: { policy: 'once' }, trigger: { type: 'condition', when: { '>': [{ var: 'nope' }, 1] } }, nodes: [], edges: [] }));
    const bad = await cli('--accounts', FIXTURE, '--dir', dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.json/);
    expect(bad.stderr).toMatch(/nope/);
    const usage = await cli('--days', '5');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--accounts is required/);
  }, 120_000);
});
