/**
 * One line per definition for the library list: what starts a playbook, in plain words.
 */
import type { Definition, FieldDef, Journey } from '../../engine/schema/definitions.js';
import { describeRule } from './engine.js';

function safeDescribe(rule: unknown, fields: FieldDef[]): string {
  try {
    return describeRule(rule, fields);
  } catch {
    return 'a condition that cannot be read';
  }
}

function stageName(journeys: Journey[], journeyId: string, stageId: string): string {
  const j = journeys.find((x) => x.id === journeyId);
  const s = j?.stages.find((x) => x.id === stageId);
  return `"${s?.name ?? stageId}" of ${j ? `the ${j.name} journey` : `journey ${journeyId}`}`;
}

export function triggerSummary(def: Definition, ctx: { fields: FieldDef[]; journeys: Journey[] }): string {
  switch (def.kind) {
    case 'playbook': {
      const t = def.trigger;
      switch (t.type) {
        case 'condition': return `When ${lowerFirst(safeDescribe(t.when, ctx.fields))} becomes true`;
        case 'event': return `When ${eventName(t.eventType)} arrives` + (t.when !== undefined ? ` and ${safeDescribe(t.when, ctx.fields)}` : '');
        case 'stage': return `When an account ${t.on === 'entered' ? 'enters' : 'leaves'} stage ${stageName(ctx.journeys, t.journey, t.stage)}`;
        case 'schedule': return `Every ${t.everyDays === 1 ? 'day' : `${t.everyDays} days`}` + (t.when !== undefined ? ` for accounts where ${lowerFirst(safeDescribe(t.when, ctx.fields))}` : '');
        case 'manual': return 'Started by hand';
      }
      return '';
    }
    case 'journey': return `${def.stages.length} stage${def.stages.length === 1 ? '' : 's'}: ${def.stages.map((s) => s.name).join(' → ')}`;
    case 'scorecard': return `Health from ${def.measures.length} measure${def.measures.length === 1 ? '' : 's'}: ${def.measures.map((m) => m.name).join(', ')}`;
    case 'fields': return `Data dictionary: ${def.fields.length} field${def.fields.length === 1 ? '' : 's'}`;
  }
}

/** The built-in event types in words, the type itself in brackets (what an integration posts). */
const EVENT_NAMES: Record<string, string> = {
  'nps.response': 'an NPS response', 'ticket.opened': 'a ticket opened', 'ticket.closed': 'a ticket closed',
  'ticket.escalated': 'a ticket escalation', 'usage.snapshot': 'a usage snapshot', 'license.changed': 'a licence change',
  'csm.activity': 'a CSM activity',
};

function eventName(type: string): string {
  return EVENT_NAMES[type] ? `${EVENT_NAMES[type]} (${type})` : `an event "${type}"`;
}

function lowerFirst(s: string): string {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}
