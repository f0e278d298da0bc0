/**
 * Built-in event reducers: how each known event type changes an account's fields.
 * Pure: returns a new account (the input is never mutated); unknown types change nothing.
 */
import type { Account, AccountEvent, OpenTicket } from '../types.js';

const PRIORITIES: readonly OpenTicket['priority'][] = ['low', 'normal', 'high', 'urgent'];
/** Usage counts as green (for usageGreenSince) when this many key features are green, unless the snapshot says so itself. */
export const KEY_FEATURES_GREEN_THRESHOLD = 5;

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function isHigh(t: OpenTicket): boolean {
  return t.priority === 'high' || t.priority === 'urgent';
}

function oldest(tickets: OpenTicket[], pick: (t: OpenTicket) => boolean): string | null {
  let best: string | null = null;
  for (const t of tickets) if (pick(t) && (best === null || t.openedAt < best)) best = t.openedAt;
  return best;
}

/** The ticket summary fields, recomputed from the open-ticket list. */
export function ticketFields(tickets: OpenTicket[]): Record<string, unknown> {
  let high = 0;
  let bugs = 0;
  for (const t of tickets) {
    if (isHigh(t)) high++;
    if (t.bug) bugs++;
  }
  return {
    openTickets: tickets.length,
    openHighPriorityTickets: high,
    oldestHighPriorityTicketOpenedAt: oldest(tickets, isHigh),
    bugTickets: bugs,
    oldestHighPriorityBugOpenedAt: oldest(tickets, (t) => isHigh(t) && t.bug),
  };
}

function ticketIdOf(event: AccountEvent): string {
  const d = event.data;
  const id = d.ticketId ?? d.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : event.id;
}

function withFields(account: Account, changes: Record<string, unknown>, tickets?: OpenTicket[]): Account {
  const next: Account = { ...account, fields: { ...account.fields, ...changes } };
  if (tickets) next.tickets = tickets;
  return next;
}

function reduceTickets(account: Account, event: AccountEvent): Account {
  const list = account.tickets ?? [];
  const id = ticketIdOf(event);
  const d = event.data;
  let next: OpenTicket[];
  if (event.type === 'ticket.opened') {
    const priority = PRIORITIES.includes(d.priority as OpenTicket['priority']) ? (d.priority as OpenTicket['priority']) : 'normal';
    const openedAt = typeof d.openedAt === 'string' ? d.openedAt : event.occurredAt;
    const ticket: OpenTicket = { id, priority, bug: d.bug === true || d.type === 'bug', openedAt };
    // A re-delivered "opened" replaces the ticket in place rather than counting it twice.
    next = list.some((t) => t.id === id) ? list.map((t) => (t.id === id ? ticket : t)) : list.concat(ticket);
  } else if (event.type === 'ticket.closed') {
    if (!list.some((t) => t.id === id)) return account;
    next = list.filter((t) => t.id !== id);
  } else {
    // ticket.escalated: flag it and raise its priority if the event says so
    if (!list.some((t) => t.id === id)) return account;
    next = list.map((t) => {
      if (t.id !== id) return t;
      const priority = PRIORITIES.includes(d.priority as OpenTicket['priority']) ? (d.priority as OpenTicket['priority']) : t.priority === 'low' || t.priority === 'normal' ? 'high' : t.priority;
      return { ...t, escalated: true, priority };
    });
  }
  return withFields(account, ticketFields(next), next);
}

export function applyEvent(account: Account, event: AccountEvent): Account {
  const d = event.data ?? {};
  switch (event.type) {
    case 'nps.response': {
      const score = num(d.score);
      if (score === undefined) return account;
      // An older response arriving late does not overwrite a newer one.
      const prev = account.fields.npsRespondedAt;
      if (typeof prev === 'string' && prev > event.occurredAt) return account;
      return withFields(account, { nps: score, npsRespondedAt: event.occurredAt });
    }
    case 'ticket.opened':
    case 'ticket.closed':
    case 'ticket.escalated':
      return reduceTickets(account, event);
    case 'usage.snapshot': {
      const changes: Record<string, unknown> = {};
      for (const k of ['dau', 'dauTrendPct', 'featuresUsed', 'keyFeaturesGreen'] as const) {
        const v = num(d[k]);
        if (v !== undefined) changes[k] = v;
      }
      const keyGreen = changes.keyFeaturesGreen ?? account.fields.keyFeaturesGreen;
      const green = typeof d.usageGreen === 'boolean' ? d.usageGreen : typeof keyGreen === 'number' ? keyGreen >= KEY_FEATURES_GREEN_THRESHOLD : null;
      if (green === true) {
        if (typeof account.fields.usageGreenSince !== 'string') changes.usageGreenSince = event.occurredAt;
      } else if (green === false) {
        changes.usageGreenSince = null;
      }
      return Object.keys(changes).length ? withFields(account, changes) : account;
    }
    case 'license.changed': {
      const changes: Record<string, unknown> = {};
      const purchased = num(d.licensesPurchased ?? d.purchased);
      const deployed = num(d.licensesDeployed ?? d.deployed);
      if (purchased !== undefined) changes.licensesPurchased = purchased;
      if (deployed !== undefined) changes.licensesDeployed = deployed;
      return Object.keys(changes).length ? withFields(account, changes) : account;
    }
    case 'csm.activity': {
      const prev = account.fields.lastCsmUpdateAt;
      if (typeof prev === 'string' && prev >= event.occurredAt) return account;
      return withFields(account, { lastCsmUpdateAt: event.occurredAt });
    }
    default:
      return account;
  }
}
