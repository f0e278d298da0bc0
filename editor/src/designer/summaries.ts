/** One-line plain-language summaries of nodes, triggers and waits, shown on the canvas. */
import type { Duration, FieldDef, Playbook, Trigger, Wait, Owner, Stage } from '../../../engine/schema/definitions.js';
import { describeRuleSafe } from './engine-bridge.js';
import { TRIGGER_ID, type Doc } from './graph-model.js';

export function durationText(d: Duration | undefined): string {
  if (!d) return '?';
  const parts: string[] = [];
  if (d.days) parts.push(`${d.days} day${d.days === 1 ? '' : 's'}`);
  if (d.hours) parts.push(`${d.hours} hour${d.hours === 1 ? '' : 's'}`);
  return parts.join(' ') || '0 days';
}

function rule(r: unknown, fields: FieldDef[]): string {
  if (r === true || r === undefined) return 'always';
  return describeRuleSafe(r, fields) ?? 'a custom rule';
}

export function triggerText(t: Trigger, fields: FieldDef[]): string {
  switch (t.type) {
    case 'condition': return `When ${rule(t.when, fields)}`;
    case 'event': return `On event ${t.eventType}` + (t.when !== undefined ? ` if ${rule(t.when, fields)}` : '');
    case 'stage': return `Stage ${t.stage} of ${t.journey} ${t.on}`;
    case 'schedule': return `Every ${t.everyDays} day${t.everyDays === 1 ? '' : 's'}` + (t.when !== undefined ? ` if ${rule(t.when, fields)}` : '');
    case 'manual': return 'Started by hand';
  }
}

export function waitText(w: Wait, fields: FieldDef[]): string {
  switch (w.type) {
    case 'duration': return `Wait ${durationText(w.duration)}`;
    case 'until-date': {
      const f = fields.find((x) => x.name === w.field)?.label ?? w.field;
      if (w.offsetDays === 0) return `Until ${f}`;
      return `Until ${Math.abs(w.offsetDays)} days ${w.offsetDays < 0 ? 'before' : 'after'} ${f}`;
    }
    case 'task-done': return `Until task ${w.task} is done (timeout ${durationText(w.timeout)})`;
    case 'event': return `Until event ${w.eventType} (timeout ${durationText(w.timeout)})`;
  }
}

export function ownerText(o: Owner): string {
  if (o.type === 'account-owner') return 'account owner';
  if (o.type === 'role') return `role ${o.role}`;
  return `user ${o.user}`;
}

export function stageText(s: Stage): string {
  const parts: string[] = [];
  if (s.targetDays) parts.push(`target ${s.targetDays} days`);
  if (s.onEntry?.length) parts.push(`${s.onEntry.length} action${s.onEntry.length === 1 ? '' : 's'} on entry`);
  return parts.join(' · ');
}

/** Title and summary line for a canvas node. */
export function nodeText(doc: Doc, id: string, fields: FieldDef[]): { title: string; summary: string } {
  if (doc.kind === 'journey') {
    const s = doc.stages.find((x) => x.id === id);
    return s ? { title: s.name, summary: stageText(s) } : { title: id, summary: '' };
  }
  const pb = doc as Playbook;
  if (id === TRIGGER_ID) return { title: 'Trigger', summary: triggerText(pb.trigger, fields) };
  const n = pb.nodes.find((x) => x.id === id);
  if (!n) return { title: id, summary: '' };
  const title = n.label || n.id;
  switch (n.kind) {
    case 'condition': return { title, summary: `If ${rule(n.when, fields)}` };
    case 'wait': return { title, summary: waitText(n.wait, fields) };
    case 'task': return { title, summary: `${n.task.title} · ${n.task.priority} · ${ownerText(n.task.owner)} · due +${n.task.dueDays}d` };
    case 'update': {
      const u = n.update;
      const parts: string[] = [];
      if (u.stage) parts.push(`stage ${u.stage.journey}: ${u.stage.stage}`);
      if (u.addTags?.length) parts.push(`+${u.addTags.join(', +')}`);
      if (u.removeTags?.length) parts.push(`-${u.removeTags.join(', -')}`);
      if (u.flags) parts.push(...Object.entries(u.flags).map(([k, v]) => `${k}=${v}`));
      return { title, summary: parts.join(' · ') || 'No changes yet' };
    }
    case 'end': return { title, summary: '' };
  }
}
