// @vitest-environment happy-dom
/**
 * An account's open CTAs after the page reloads them (an activity logged, a playbook started by
 * hand): every open CTA is listed, with no "show more" button left over from the first render.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { AccountPage } from '../editor/src/app/AccountPage.js';
import { AuthContext, type Me } from '../editor/src/app/auth.js';

const USER: Me = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const task = { id: 't1', accountId: 'acme', title: 'Call Acme about usage', type: 'risk', priority: 'high', status: 'open', dueAt: '2026-11-25T09:00:00.000Z', reasonText: 'Usage dropped', steps: [] };
let loads = 0;

beforeEach(() => {
  loads = 0;
  window.history.replaceState(null, '', '/accounts/acme');
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/api/accounts/acme') {
      loads++;
      return respond({
        account: { id: 'acme', fields: { name: 'Acme', owner: 'csm-1', tier: 'tier-1', segment: 'high-touch' }, tags: [], flags: {} },
        state: null, health: null, healthHistory: [], pastTasks: [], instances: [], timeline: [], timelineTotal: 0,
        openTasks: loads === 1 ? [] : [task],
      });
    }
    if (url === '/api/accounts/acme/activities' && init?.method === 'POST') return respond({ entry: {}, eventId: 'e1' }, 201);
    if (url === '/api/users') return respond({ items: [{ id: 'csm-1', name: 'Maya Chen' }] });
    if (url === '/api/fields') return respond({ fields: [] });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('open CTAs after a reload', () => {
  it('lists the new CTA and offers no "show more"', async () => {
    render(<AuthContext.Provider value={{ user: USER, signOut: async () => {} }}><AccountPage id="acme" /></AuthContext.Provider>);
    await screen.findByText('No open CTAs on this account.');
    fireEvent.click(screen.getByText('Log a meeting, call, email, note or EBR'));
    fireEvent.change(screen.getByPlaceholderText('What was discussed, decided or agreed'), { target: { value: 'Spoke about usage' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log activity' }));
    await screen.findByText('Call Acme about usage');
    expect(screen.getByText('Open CTAs (1)')).toBeTruthy();
    expect(screen.queryByText(/more of/)).toBeNull();
  });
});
