// @vitest-environment happy-dom
/**
 * The task page shows the task's current state after anything that can change it on the
 * server: logging an activity that closes the task takes away Complete/Snooze/Reassign/Flag and
 * the live checklist, and a 409 on an action reloads the task and says it was closed meanwhile.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { TaskPage } from '../editor/src/app/TaskPage.js';
import { AuthContext, type Me } from '../editor/src/app/auth.js';
import { ToastProvider } from '../editor/src/app/ui.js';

const USER: Me = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

let closed = false;
let calls: { url: string; method: string }[] = [];

function taskBody() {
  return {
    id: 't1', accountId: 'acme', playbookId: 'stale-update', playbookVersion: 1, nodeId: 'n1',
    title: 'Stale CSM update', type: 'activity', priority: 'medium', owner: 'csm-1',
    status: closed ? 'closed' : 'open', closedReason: closed ? 'a CSM activity was logged' : undefined,
    flaggedRed: false, dueAt: '2030-01-01T00:00:00.000Z', createdAt: '2026-11-20T00:00:00.000Z',
    reasonText: 'No CSM update for 30 days',
    steps: [{ id: 's1', title: 'Call the champion', done: false }],
  };
}

beforeEach(() => {
  closed = false;
  calls = [];
  window.history.replaceState(null, '', '/tasks/t1');
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push({ url, method });
    if (url === '/api/tasks/t1' && method === 'GET') {
      return respond({ task: taskBody(), account: { id: 'acme', fields: { name: 'Acme', owner: 'csm-1' }, tags: [], flags: {} }, health: null, emailHtml: null, playbook: { id: 'stale-update', name: 'Stale CSM update' } });
    }
    if (url === '/api/accounts/acme/activities') { closed = true; return respond({ entry: {} }, 201); }
    if (url === '/api/tasks/t1/complete') return respond({ error: { message: 'Task t1 is closed, not open' } }, 409);
    if (url === '/api/accounts/acme') {
      return respond({ account: { id: 'acme', fields: { name: 'Acme' }, tags: [], flags: {} }, state: null, health: null, openTasks: [], pastTasks: [], instances: [], timeline: [] });
    }
    if (url === '/api/tasks/t1/audit') return respond({});
    if (url === '/api/users') return respond({ items: [{ id: 'csm-1', name: 'Maya Chen', roles: ['csm'] }] });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  render(<AuthContext.Provider value={{ user: USER, signOut: async () => {} }}><ToastProvider><TaskPage id="t1" /></ToastProvider></AuthContext.Provider>);
}

describe('task page after a change on the server', () => {
  it('shows the task closed, without its actions, after an activity that closes it', async () => {
    renderPage();
    await screen.findByRole('button', { name: 'Complete' });
    expect((screen.getByRole('checkbox') as HTMLInputElement).disabled).toBe(false);
    fireEvent.change(screen.getByPlaceholderText('What was discussed, decided or agreed'), { target: { value: 'Called the champion' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log activity' }));
    await screen.findByText('Closed: a CSM activity was logged.');
    for (const name of ['Complete', 'Snooze…', 'Reassign…', '⚑ Flag red']) expect(screen.queryByRole('button', { name })).toBeNull();
    expect((screen.getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
  });

  it('reloads the task and says so plainly when an action meets a 409', async () => {
    renderPage();
    await screen.findByRole('button', { name: 'Complete' });
    closed = true; // closed by the engine since the page loaded
    const taskGets = calls.filter((c) => c.url === '/api/tasks/t1').length;
    fireEvent.click(screen.getByRole('button', { name: 'Complete' }));
    expect((await screen.findByRole('alert')).textContent).toContain('closed or completed meanwhile');
    await screen.findByText('Closed: a CSM activity was logged.');
    expect(calls.filter((c) => c.url === '/api/tasks/t1').length).toBeGreaterThan(taskGets);
    expect(screen.queryByRole('button', { name: 'Complete' })).toBeNull();
  });
});
