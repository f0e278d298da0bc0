/** Random events of the built-in types for the tests that drive a generated book for months. */
import type { AccountEvent } from '../../engine/types.js';

const EVENTS = ['nps.response', 'ticket.opened', 'ticket.closed', 'usage.snapshot', 'csm.activity'] as const;

export function randomEvent(rnd: () => number, accountId: string, n: number, when: string): AccountEvent {
  const type = EVENTS[Math.floor(rnd() * EVENTS.length)];
  const data: Record<string, unknown> =
    type === 'nps.response' ? { score: Math.floor(rnd() * 11) }
    : type === 'ticket.opened' ? { ticketId: `T${Math.floor(rnd() * 3)}`, priority: rnd() < 0.5 ? 'high' : 'normal', bug: rnd() < 0.5 }
    : type === 'ticket.closed' ? { ticketId: `T${Math.floor(rnd() * 3)}` }
    : type === 'usage.snapshot' ? { dauTrendPct: Math.floor(rnd() * 100) - 60, keyFeaturesGreen: Math.floor(rnd() * 8), featuresUsed: Math.floor(rnd() * 9) }
    : { kind: 'call' };
  return { id: `ev-${accountId}-${n}`, accountId, type, occurredAt: when, data };
}
