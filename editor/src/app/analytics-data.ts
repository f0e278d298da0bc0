/**
 * Turns the analytics routes' answers into rows the charts and tables share, so each chart's
 * table shows exactly the numbers the chart draws. Key names are read tolerantly (e.g.
 * `conversion` or `conversionRate`) because the same numbers also feed CSV exports and scripts.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

/** The first array found at one of the keys (or the value itself when it is an array). */
export function listOf(data: unknown, ...keys: string[]): Obj[] {
  if (Array.isArray(data)) return data.filter(isObj);
  if (!isObj(data)) return [];
  for (const k of keys) {
    const v = data[k];
    if (Array.isArray(v)) return v.filter(isObj);
  }
  return [];
}

// ----- journey funnel -----
export interface FunnelRow {
  id: string;
  name: string;
  /** Accounts in this stage now. */
  current: number | null;
  /** Accounts that ever entered this stage (in the filter). */
  entered: number | null;
  /** Share of accounts that entered this stage and went on to the next (0..1). */
  conversion: number | null;
  medianDays: number | null;
  targetDays: number | null;
}

export function funnelRows(data: unknown): FunnelRow[] {
  return listOf(data, 'stages', 'items', 'funnel').map((s) => {
    const id = str(pick(s, 'id', 'stage', 'stageId')) ?? '';
    return {
      id,
      name: str(pick(s, 'name', 'label', 'stageName')) ?? id,
      current: num(pick(s, 'now', 'current', 'accounts', 'count', 'inStage', 'accountsInStage')),
      entered: num(pick(s, 'entered', 'reached', 'everEntered', 'enteredCount')),
      conversion: num(pick(s, 'conversion', 'conversionRate', 'conversionToNext', 'rate')),
      medianDays: num(pick(s, 'medianDays', 'medianDaysInStage', 'medianTimeInStage', 'medianDaysToExit')),
      targetDays: num(pick(s, 'targetDays', 'target')),
    };
  });
}

// ----- health mix -----
export interface HealthMixRow { color: 'green' | 'yellow' | 'red'; accounts: number; share: number | null; renewalRate: number | null; mrr: number | null }

export function healthMix(data: unknown): { rows: HealthMixRow[]; expectedRetention: number | null; expectedRetentionMrr: number | null; expectedRetainedMrr: number | null; total: number } {
  const d = isObj(data) ? data : {};
  const counts = isObj(d.counts) ? d.counts : isObj(d.mix) ? d.mix : d;
  const rates = isObj(d.expectedRenewalRate) ? d.expectedRenewalRate : isObj(d.rates) ? d.rates : isObj(d.renewalRates) ? d.renewalRates : {};
  const fromList = listOf(d, 'items', 'bands');
  const rows: HealthMixRow[] = (['green', 'yellow', 'red'] as const).map((color) => {
    const listed = fromList.find((r) => pick(r, 'color', 'band') === color);
    const v = listed ?? counts[color];
    const o = isObj(v) ? v : {};
    return {
      color,
      accounts: num(isObj(v) ? pick(o, 'accounts', 'count') : v) ?? 0,
      share: num(pick(o, 'share', 'pct')),
      renewalRate: num(pick(o, 'expectedRenewalRate', 'renewalRate', 'rate')) ?? num(rates[color]),
      mrr: num(pick(o, 'mrr')),
    };
  });
  const total = rows.reduce((s, r) => s + r.accounts, 0);
  for (const r of rows) if (r.share === null) r.share = total ? r.accounts / total : 0;
  let expected = num(pick(d, 'expectedRetention', 'expectedRetentionRate', 'retention'));
  if (expected === null && total && rows.every((r) => r.renewalRate !== null)) {
    expected = rows.reduce((s, r) => s + (r.share ?? 0) * (r.renewalRate ?? 0), 0);
  }
  return { rows, expectedRetention: expected, expectedRetentionMrr: num(d.expectedRetentionMrr), expectedRetainedMrr: num(d.expectedRetainedMrr), total };
}

// ----- CTA volume -----
export const TASK_TYPES = ['risk', 'opportunity', 'lifecycle', 'activity'] as const;
export type VolumeRow = { period: string; total: number } & Record<string, number | string>;

/** One row per period with a count per task type: accepts long rows ({period,type,count}) or wide ones. */
export function ctaVolume(data: unknown): { rows: VolumeRow[]; types: string[]; byOwner: { owner: string; name: string; count: number }[] } {
  const list = listOf(data, 'items', 'series', 'periods', 'weeks', 'buckets');
  const byPeriod = new Map<string, VolumeRow>();
  const types = new Set<string>();
  for (const r of list) {
    const period = str(pick(r, 'period', 'week', 'start', 'bucket', 'date', 'day', 'month')) ?? '';
    const row = byPeriod.get(period) ?? ({ period, total: 0 } as VolumeRow);
    const type = str(pick(r, 'type'));
    const count = num(pick(r, 'count', 'tasks', 'value'));
    if (type && count !== null) {
      row[type] = ((row[type] as number) ?? 0) + count;
      types.add(type);
    } else {
      const counts = isObj(r.counts) ? r.counts : isObj(r.byType) ? r.byType : r;
      for (const [k, v] of Object.entries(counts)) {
        const n = num(v);
        if (n === null || ['period', 'week', 'start', 'bucket', 'date', 'day', 'month', 'total', 'end'].includes(k)) continue;
        row[k] = ((row[k] as number) ?? 0) + n;
        types.add(k);
      }
    }
    byPeriod.set(period, row);
  }
  const rows = [...byPeriod.values()].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  const ordered = [...TASK_TYPES.filter((t) => types.has(t)), ...[...types].filter((t) => !(TASK_TYPES as readonly string[]).includes(t)).sort()];
  for (const r of rows) {
    for (const t of ordered) if (r[t] === undefined) r[t] = 0;
    r.total = ordered.reduce((s, t) => s + (r[t] as number), 0);
  }
  const d = isObj(data) ? data : {};
  const ownersRaw = pick(d, 'byOwner', 'owners', 'perOwner');
  const byOwner = (Array.isArray(ownersRaw) ? ownersRaw.filter(isObj).map((o) => ({
    owner: str(pick(o, 'owner', 'id', 'userId')) ?? '',
    name: str(pick(o, 'name', 'ownerName')) ?? str(pick(o, 'owner', 'id')) ?? '',
    count: num(pick(o, 'count', 'total', 'tasks')) ?? 0,
  })) : isObj(ownersRaw) ? Object.entries(ownersRaw).map(([owner, v]) => ({ owner, name: owner, count: num(isObj(v) ? pick(v, 'count', 'total') : v) ?? 0 })) : [])
    .sort((a, b) => b.count - a.count);
  return { rows, types: ordered, byOwner };
}

// ----- MRR churn -----
export interface ChurnRow { month: string; startMrr: number | null; churnedMrr: number | null; rate: number | null; churnedAccounts: number | null; partial: boolean }

export function churnRows(data: unknown): { rows: ChurnRow[]; average: number | null } {
  const rows = listOf(data, 'months', 'items', 'series').map((m) => {
    const startMrr = num(pick(m, 'startMrr', 'mrrStart', 'startingMrr', 'openingMrr'));
    const churnedMrr = num(pick(m, 'churnedMrr', 'cancelledMrr', 'lostMrr', 'churned'));
    let rate = num(pick(m, 'rate', 'churnRate'));
    if (rate === null && startMrr && churnedMrr !== null) rate = churnedMrr / startMrr;
    return { month: str(pick(m, 'month', 'period', 'start')) ?? '', startMrr, churnedMrr, rate, churnedAccounts: num(pick(m, 'accountsCancelled', 'churnedAccounts')), partial: m.partial === true };
  }).sort((a, b) => (a.month < b.month ? -1 : 1));
  const rates = rows.map((r) => r.rate).filter((r): r is number => r !== null);
  const d = isObj(data) ? data : {};
  const average = num(pick(d, 'averageMonthlyRate', 'averageRate', 'average', 'averageChurnRate')) ?? (rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null);
  return { rows, average };
}

// ----- team -----
export interface TeamRow {
  id: string;
  name: string;
  open: number | null;
  overdue: number | null;
  green: number;
  yellow: number;
  red: number;
  accounts: number | null;
  mrr: number | null;
  /** Stage id -> conversion to the next stage (0..1) for this CSM's accounts. */
  conversion: Record<string, number | null>;
}

export function teamRows(data: unknown): { rows: TeamRow[]; stages: { id: string; name: string }[] } {
  const stageNames = new Map<string, string>();
  const rows = listOf(data, 'members', 'items', 'csms', 'owners', 'team').map((r) => {
    const id = str(pick(r, 'id', 'owner', 'userId')) ?? '';
    const h = pick(r, 'health', 'accountsByHealth', 'healthMix');
    const ho = isObj(h) ? h : {};
    const conv: Record<string, number | null> = {};
    const c = pick(r, 'conversion', 'stageConversion', 'funnel', 'stages');
    if (Array.isArray(c)) {
      for (const s of c.filter(isObj)) {
        const sid = str(pick(s, 'id', 'stage', 'stageId', 'from')) ?? '';
        const to = str(s.to);
        stageNames.set(sid, str(pick(s, 'name', 'label', 'stageName')) ?? (to ? `${sid} → ${to}` : stageNames.get(sid) ?? sid));
        conv[sid] = num(pick(s, 'conversion', 'conversionRate', 'rate'));
      }
    } else if (isObj(c)) {
      for (const [sid, v] of Object.entries(c)) {
        if (!stageNames.has(sid)) stageNames.set(sid, sid);
        conv[sid] = num(isObj(v) ? pick(v, 'conversion', 'rate') : v);
      }
    }
    const green = num(ho.green) ?? num(r.green) ?? 0;
    const yellow = num(ho.yellow) ?? num(r.yellow) ?? 0;
    const red = num(ho.red) ?? num(r.red) ?? 0;
    return {
      id,
      name: str(pick(r, 'name', 'ownerName')) ?? id,
      open: num(pick(r, 'open', 'openTasks', 'openCount')),
      overdue: num(pick(r, 'overdue', 'overdueTasks', 'overdueCount')),
      green, yellow, red,
      accounts: num(pick(r, 'accounts', 'accountCount', 'totalAccounts')) ?? (green + yellow + red),
      mrr: num(pick(r, 'mrr', 'bookMrr')),
      conversion: conv,
    };
  });
  return { rows, stages: [...stageNames].map(([id, name]) => ({ id, name })) };
}
