/**
 * Revenue churn per month: MRR cancelled during the month / MRR owned at its start.
 * MRR is each account's current (last known) MRR; the store keeps no MRR history.
 */
export interface ChurnAccount {
  mrr: number;
  /** When the account became a customer (contract start, else when it was first loaded). */
  startedAt: string | null;
  churnedAt: string | null;
}

export interface ChurnMonth {
  month: string; // YYYY-MM
  start: string;
  end: string;
  /** True for the month that contains now (not over yet). */
  partial: boolean;
  startMrr: number;
  accountsAtStart: number;
  cancelledMrr: number;
  accountsCancelled: number;
  /** cancelledMrr / startMrr; null when there was no MRR at the start. */
  rate: number | null;
}

export interface ChurnReport {
  months: ChurnMonth[];
  cancelledMrr: number;
  /** Mean of the monthly rates of complete months. */
  averageMonthlyRate: number | null;
}

const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;

export function monthStarts(nowIso: string, count: number): string[] {
  const now = new Date(nowIso);
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString());
  return out;
}

export function computeChurn(accounts: ChurnAccount[], nowIso: string, months: number): ChurnReport {
  const out: ChurnMonth[] = [];
  for (const start of monthStarts(nowIso, months)) {
    const d = new Date(start);
    const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
    let startMrr = 0, atStart = 0, cancelled = 0, nCancelled = 0;
    for (const a of accounts) {
      const activeAtStart = (a.startedAt === null || a.startedAt <= start) && (a.churnedAt === null || a.churnedAt >= start);
      if (activeAtStart) {
        startMrr += a.mrr;
        atStart++;
      }
      if (a.churnedAt !== null && a.churnedAt >= start && a.churnedAt < end) {
        cancelled += a.mrr;
        nCancelled++;
      }
    }
    out.push({
      month: start.slice(0, 7), start, end, partial: nowIso < end,
      startMrr: round(startMrr, 2), accountsAtStart: atStart,
      cancelledMrr: round(cancelled, 2), accountsCancelled: nCancelled,
      rate: startMrr > 0 ? round(cancelled / startMrr) : null,
    });
  }
  const complete = out.filter((m) => !m.partial && m.rate !== null);
  return {
    months: out,
    cancelledMrr: round(out.reduce((s, m) => s + m.cancelledMrr, 0), 2),
    averageMonthlyRate: complete.length ? round(complete.reduce((s, m) => s + m.rate!, 0) / complete.length) : null,
  };
}
