/**
 * The team view: per CSM, open and overdue tasks, the book by health colour, and the
 * journey conversion per step, so a manager sees where each person's accounts stall.
 */
import type { HealthColor, Journey } from '../../engine/schema/definitions.js';
import { computeFunnel, type AccountStageChange, type FunnelAccount } from './funnel.js';

export interface TeamAccount extends FunnelAccount {
  owner: string | null;
  color: HealthColor | null;
  mrr: number;
}

export interface TeamTask { owner: string; dueAt: string; status: string }

export interface TeamMember {
  id: string;
  name: string;
  accounts: number;
  mrr: number;
  health: Record<HealthColor | 'unscored', number>;
  openTasks: number;
  overdueTasks: number;
  /** Per consecutive pair of stages: entered(to) / entered(from) among this CSM's accounts. */
  conversion: { from: string; to: string; entered: number; converted: number; rate: number | null }[];
}

export function computeTeam(
  people: { id: string; name: string }[],
  accounts: TeamAccount[],
  openTasks: TeamTask[],
  journey: Journey | null,
  changes: AccountStageChange[],
  nowIso: string,
): { members: TeamMember[]; journeyId: string | null } {
  const members: TeamMember[] = [];
  for (const p of people) {
    const book = accounts.filter((a) => a.owner === p.id);
    const live = book.filter((a) => !a.churned);
    const health = { green: 0, yellow: 0, red: 0, unscored: 0 };
    for (const a of live) health[a.color ?? 'unscored']++;
    const tasks = openTasks.filter((t) => t.owner === p.id && t.status === 'open');
    const conversion: TeamMember['conversion'] = [];
    if (journey) {
      const f = computeFunnel(journey, book, changes, nowIso);
      for (const s of f.stages) {
        if (!s.nextStage) continue;
        const next = f.stages.find((x) => x.id === s.nextStage)!;
        conversion.push({ from: s.id, to: next.id, entered: s.entered, converted: next.entered, rate: s.conversion });
      }
    }
    members.push({
      id: p.id,
      name: p.name,
      accounts: live.length,
      mrr: Math.round(live.reduce((s, a) => s + a.mrr, 0) * 100) / 100,
      health,
      openTasks: tasks.length,
      overdueTasks: tasks.filter((t) => t.dueAt < nowIso).length,
      conversion,
    });
  }
  return { members, journeyId: journey?.id ?? null };
}
