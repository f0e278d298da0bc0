import { describe, expect, it } from 'vitest';
import { applyEvent } from '../engine/events/index.js';
import type { Account } from '../engine/types.js';
import { event } from './golden/harness.js';

const base: Account = { id: 'a', fields: { name: 'Acme' }, tags: [], flags: {} };

describe('applyEvent', () => {
  it('nps.response sets the score and response time; an older late response does not overwrite a newer one', () => {
    const a1 = applyEvent(base, event('n1', 'a', 'nps.response', '2026-11-02T00:00:00.000Z', { score: 4 }));
    expect(a1.fields).toMatchObject({ nps: 4, npsRespondedAt: '2026-11-02T00:00:00.000Z' });
    const late = applyEvent(a1, event('n0', 'a', 'nps.response', '2026-10-01T00:00:00.000Z', { score: 10 }));
    expect(late.fields.nps).toBe(4);
    expect(base.fields).toEqual({ name: 'Acme' }); // input untouched
  });

  it('ticket events keep the open-ticket list and its summary fields', () => {
    let a = applyEvent(base, event('t1', 'a', 'ticket.opened', '2026-11-01T00:00:00.000Z', { ticketId: 'T1', priority: 'high', bug: true }));
    a = applyEvent(a, event('t2', 'a', 'ticket.opened', '2026-11-03T00:00:00.000Z', { ticketId: 'T2', priority: 'normal' }));
    a = applyEvent(a, event('t3', 'a', 'ticket.opened', '2026-11-02T00:00:00.000Z', { ticketId: 'T3', priority: 'urgent' }));
    expect(a.fields).toMatchObject({
      openTickets: 3, openHighPriorityTickets: 2, oldestHighPriorityTicketOpenedAt: '2026-11-01T00:00:00.000Z',
      bugTickets: 1, oldestHighPriorityBugOpenedAt: '2026-11-01T00:00:00.000Z',
    });
    // a re-delivered "opened" does not count twice
    const again = applyEvent(a, event('t1b', 'a', 'ticket.opened', '2026-11-01T00:00:00.000Z', { ticketId: 'T1', priority: 'high', bug: true }));
    expect(again.fields.openTickets).toBe(3);
    expect(again.tickets!.map((t) => t.id)).toEqual(['T1', 'T2', 'T3']);
    a = applyEvent(a, event('t4', 'a', 'ticket.closed', '2026-11-05T00:00:00.000Z', { ticketId: 'T1' }));
    expect(a.fields).toMatchObject({ openTickets: 2, openHighPriorityTickets: 1, oldestHighPriorityTicketOpenedAt: '2026-11-02T00:00:00.000Z', bugTickets: 0, oldestHighPriorityBugOpenedAt: null });
    a = applyEvent(a, event('t5', 'a', 'ticket.escalated', '2026-11-06T00:00:00.000Z', { ticketId: 'T2' }));
    expect(a.tickets!.find((t) => t.id === 'T2')).toMatchObject({ escalated: true, priority: 'high' });
    expect(a.fields.openHighPriorityTickets).toBe(2);
    // closing an unknown ticket changes nothing
    expect(applyEvent(a, event('t6', 'a', 'ticket.closed', '2026-11-07T00:00:00.000Z', { ticketId: 'nope' }))).toBe(a);
  });

  it('usage.snapshot sets usage fields and tracks since when usage is green', () => {
    const g = applyEvent(base, event('u1', 'a', 'usage.snapshot', '2026-11-01T00:00:00.000Z', { dau: 40, dauTrendPct: -5, featuresUsed: 6, keyFeaturesGreen: 5 }));
    expect(g.fields).toMatchObject({ dau: 40, dauTrendPct: -5, featuresUsed: 6, keyFeaturesGreen: 5, usageGreenSince: '2026-11-01T00:00:00.000Z' });
    const still = applyEvent(g, event('u2', 'a', 'usage.snapshot', '2026-11-08T00:00:00.000Z', { keyFeaturesGreen: 6 }));
    expect(still.fields.usageGreenSince).toBe('2026-11-01T00:00:00.000Z');
    const red = applyEvent(still, event('u3', 'a', 'usage.snapshot', '2026-11-15T00:00:00.000Z', { keyFeaturesGreen: 2 }));
    expect(red.fields.usageGreenSince).toBeNull();
    const explicit = applyEvent(red, event('u4', 'a', 'usage.snapshot', '2026-11-16T00:00:00.000Z', { usageGreen: true }));
    expect(explicit.fields.usageGreenSince).toBe('2026-11-16T00:00:00.000Z');
  });

  it('license.changed and csm.activity update their fields', () => {
    const l = applyEvent(base, event('l', 'a', 'license.changed', '2026-11-01T00:00:00.000Z', { licensesPurchased: 200, licensesDeployed: 150 }));
    expect(l.fields).toMatchObject({ licensesPurchased: 200, licensesDeployed: 150 });
    const c = applyEvent(l, event('c', 'a', 'csm.activity', '2026-11-02T00:00:00.000Z', { kind: 'call' }));
    expect(c.fields.lastCsmUpdateAt).toBe('2026-11-02T00:00:00.000Z');
    expect(applyEvent(c, event('c0', 'a', 'csm.activity', '2026-10-02T00:00:00.000Z', {})).fields.lastCsmUpdateAt).toBe('2026-11-02T00:00:00.000Z');
  });

  it('unknown event types change no field', () => {
    expect(applyEvent(base, event('x', 'a', 'custom.webinar', '2026-11-01T00:00:00.000Z', { nps: 1 }))).toBe(base);
  });
});
