// @vitest-environment happy-dom
/**
 * Starting a playbook by hand from an account: only live, not archived playbooks are offered
 * (those made to be started by hand first), the request goes to the account's start route, and
 * a refusal (the playbook's re-entry policy) is shown in the server's words.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { StartPlaybookForm } from '../editor/src/app/StartPlaybookForm.js';

const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const DEFS = [
  { id: 'renewal-90-days', kind: 'playbook', name: 'Renewal prep', triggerSummary: 'When renewal is within 90 days', liveVersion: 3 },
  { id: 'exec-outreach', kind: 'playbook', name: 'Executive outreach', triggerSummary: 'Started by hand', liveVersion: 1 },
  { id: 'draft-only', kind: 'playbook', name: 'Draft idea', triggerSummary: 'Started by hand', liveVersion: null },
  { id: 'old-one', kind: 'playbook', name: 'Old campaign', triggerSummary: 'Started by hand', liveVersion: 2, archived: true },
  { id: 'lifecycle', kind: 'journey', name: 'Customer lifecycle', liveVersion: 1 },
];
let posts: { url: string; body: unknown }[] = [];
let refuse: string | null = null;

beforeEach(() => {
  posts = [];
  refuse = null;
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/api/definitions') return respond({ items: DEFS });
    if (init?.method === 'POST') {
      posts.push({ url, body: JSON.parse(String(init.body)) });
      if (refuse) return respond({ error: { message: refuse } }, 409);
      return respond({ requestId: 'start-1', duplicate: false }, 202);
    }
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

describe('start a playbook by hand', () => {
  it('offers live playbooks only, by-hand ones first, and asks the server to start the chosen one', async () => {
    render(<StartPlaybookForm accountId="acme co" accountName="Acme" onStarted={() => {}} />);
    const select = await screen.findByLabelText('Playbook') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'exec-outreach', 'renewal-90-days']);
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(await screen.findByText('Choose a playbook to start.')).toBeTruthy();
    expect(posts).toEqual([]);
    fireEvent.change(select, { target: { value: 'exec-outreach' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(posts).toEqual([{ url: '/api/accounts/acme%20co/playbooks/exec-outreach/start', body: {} }]));
  });

  it('shows why the server refused', async () => {
    refuse = 'Renewal prep was not started on Acme: it is cooling down for 180 days after the last run';
    render(<StartPlaybookForm accountId="acme" accountName="Acme" onStarted={() => {}} />);
    fireEvent.change(await screen.findByLabelText('Playbook'), { target: { value: 'renewal-90-days' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    expect(await screen.findByText(/cooling down for 180 days after the last run/)).toBeTruthy();
  });
});
