/**
 * The journey funnel: per stage, accounts in it now, accounts that ever entered it,
 * conversion to the next stage and time in stage against the target. Pure: the data
 * comes from the store (server/analytics/load.ts).
 */
import type { Journey } from '../../engine/schema/definitions.js';
import type { StageChange } from '../../engine/types.js';

export const DAY_MS = 86_400_000;

export interface FunnelAccount {
  id: string;
  /** The stage the account is in now (null: not in the journey). */
  stage: string | null;
  /** When it entered that stage. */
  enteredAt: string | null;
  churned: boolean;
}

export type AccountStageChange = StageChange & { accountId: string };

export interface FunnelStage {
  id: string;
  name: string;
  /** Accounts in this stage now (churned accounts left out). */
  now: number;
  /** Distinct accounts that ever entered this stage. */
  entered: number;
  /** The next stage in the journey's order, if any. */
  nextStage: string | null;
  /** entered(next) / entered(this); null for the last stage or when none entered. */
  conversion: number | null;
  /** Median days of completed stays (entered, then left later); null when none completed. */
  medianDays: number | null;
  completedStays: number;
  /** Entries that moved on in the same evaluation (criteria already met): not counted as stays. */
  passedThrough: number;
  targetDays: number | null;
  /** Accounts in the stage now for longer than targetDays. */
  overTarget: number;
}

export interface FunnelReport {
  journeyId: string;
  journeyName: string;
  accounts: number;
  churned: number;
  stages: FunnelStage[];
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function computeFunnel(journey: Journey, accounts: FunnelAccount[], changes: AccountStageChange[], nowIso: string): FunnelReport {
  const ids = new Set(accounts.map((a) => a.id));
  const nowMs = Date.parse(nowIso);
  const entered = new Map<string, Set<string>>();
  const stays = new Map<string, number[]>();
  const passed = new Map<string, number>();
  for (const s of journey.stages) {
    entered.set(s.id, new Set());
    stays.set(s.id, []);
  }

  // Per account, in time order: each change to S starts a stay in S that the next change ends.
  const byAccount = new Map<string, AccountStageChange[]>();
  for (const c of changes) {
    if (!ids.has(c.accountId)) continue;
    let list = byAccount.get(c.accountId);
    if (!list) byAccount.set(c.accountId, (list = []));
    list.push(c);
  }
  for (const [accountId, list] of byAccount) {
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      entered.get(c.to)?.add(accountId);
      const next = list[i + 1];
      if (!next) continue;
      const days = (Date.parse(next.at) - Date.parse(c.at)) / DAY_MS;
      // Moving on in the same evaluation is passing through, not a stay.
      if (days > 0) stays.get(c.to)?.push(days);
      else passed.set(c.to, (passed.get(c.to) ?? 0) + 1);
    }
  }

  const live = accounts.filter((a) => !a.churned);
  const stages: FunnelStage[] = journey.stages.map((s, idx) => {
    const next = journey.stages[idx + 1] ?? null;
    const inStage = live.filter((a) => a.stage === s.id);
    const enteredHere = entered.get(s.id)!.size;
    const enteredNext = next ? entered.get(next.id)!.size : 0;
    const med = median(stays.get(s.id)!);
    return {
      id: s.id,
      name: s.name,
      now: inStage.length,
      entered: enteredHere,
      nextStage: next?.id ?? null,
      conversion: next && enteredHere > 0 ? round(enteredNext / enteredHere) : null,
      medianDays: med === null ? null : round(med, 1),
      completedStays: stays.get(s.id)!.length,
      passedThrough: passed.get(s.id) ?? 0,
      targetDays: s.targetDays ?? null,
      overTarget: s.targetDays
        ? inStage.filter((a) => a.enteredAt && (nowMs - Date.parse(a.enteredAt)) / DAY_MS > s.targetDays!).length
        : 0,
    };
  });
  return { journeyId: journey.id, journeyName: journey.name, accounts: live.length, churned: accounts.length - live.length, stages };
}
