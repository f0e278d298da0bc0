// @vitest-environment happy-dom
/**
 * An account without a health score: one never evaluated says the score comes with the first
 * evaluation; one evaluated but unscored (under half the measure weight has data) says that,
 * and names the measures with no data (as the server reports them with the account).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { AccountPage } from '../editor/src/app/AccountPage.js';
import { AuthContext, type Me } from '../editor/src/app/auth.js';

const USER: Me = { id: 'csm-1', name: 'Maya Chen', email: 'csm@waymark.test', roles: ['csm'] };
const respond = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
// What the server sends for an evaluated, unscored account (the engine works it out: test/health.test.ts).
const COVERAGE = { missing: [{ id: 'nps', name: 'NPS', weight: 15 }, { id: 'deployment', name: 'Deployment', weight: 60 }], covered: 0.25, minCoverage: 0.5 };

let state: unknown = null;
let fields: Record<string, unknown> = {};

beforeEach(() => {
  state = null;
  fields = { name: 'Acme', owner: 'csm-1', dauTrendPct: 4, licensesDeployed: 10 };
  window.history.replaceState(null, '', '/accounts/acme');
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url === '/api/accounts/acme') {
      return respond({ account: { id: 'acme', fields, tags: [], flags: {} }, state, health: null, healthCoverage: state ? COVERAGE : null, healthHistory: [], openTasks: [], pastTasks: [], instances: [], timeline: [] });
    }
    if (url === '/api/fields') return respond({ fields: [] });
    if (url === '/api/users') return respond({ items: [] });
    return respond({ error: { message: 'not found' } }, 404);
  }));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  render(<AuthContext.Provider value={{ user: USER, signOut: async () => {} }}><AccountPage id="acme" /></AuthContext.Provider>);
}

describe('health card without a score', () => {
  it('keeps the first-evaluation text for an account never evaluated', async () => {
    renderPage();
    await screen.findByText('No health score yet');
    screen.getByText("It appears after the account's first evaluation.");
  });

  it('says an evaluated account has too little data, and which measures lack it', async () => {
    state = { accountId: 'acme', journeys: {}, health: null, lastEvaluatedAt: '2026-11-22T06:00:00.000Z' };
    renderPage();
    await screen.findByText('Not scored: too little data');
    expect(screen.queryByText('No health score yet')).toBeNull();
    expect(screen.getByText(/less than half of the scorecard's measure weight has data/)).toBeTruthy();
    // NPS has no value; Deployment is derived and needs licensesPurchased, which is missing.
    expect((await screen.findByTestId('health-missing')).textContent).toBe('No data for: NPS (weight 15), Deployment (weight 60).');
  });
});
