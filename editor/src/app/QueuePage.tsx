/**
 * My queue (C1): the signed-in CSM's open tasks, most urgent first (priority, then due date),
 * with filters that show how many tasks each choice holds, and bulk snooze / complete.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { api, query } from '../api.js';
import { useApi } from './useApi.js';
import { Link, setSearch, useLocation } from './router.js';
import { Async, Empty, ErrorBox, Modal, PageHeader, PriorityBadge, TypeBadge, useToast } from './ui.js';
import { arrows, compareTasks, dateInputValue, daysUntil, formatDate, formatMoney, humanize, relativeDays } from './format.js';
import type { FacetCounts, QueueResponse, QueueTask } from './types.js';

const FACETS: { key: 'type' | 'priority' | 'due' | 'tier'; label: string; options?: { value: string; label: string }[] }[] = [
  { key: 'due', label: 'Due', options: [{ value: 'overdue', label: 'Overdue' }, { value: 'today', label: 'Due today' }, { value: 'week', label: 'Due this week' }] },
  { key: 'priority', label: 'Priority', options: ['urgent', 'high', 'medium', 'low'].map((v) => ({ value: v, label: humanize(v) })) },
  { key: 'type', label: 'Type', options: ['risk', 'opportunity', 'lifecycle', 'activity'].map((v) => ({ value: v, label: humanize(v) })) },
  { key: 'tier', label: 'Tier' },
];

export type QueueFilters = Partial<Record<'type' | 'priority' | 'due' | 'tier', string>>;

/** Counts for one facet: the server's when it sends them, else counted from the loaded tasks. */
export function facetCounts(counts: FacetCounts | undefined, items: QueueTask[], key: string, nowMs: number): Record<string, number> {
  if (counts) {
    if (key === 'type' && counts.byType) return counts.byType;
    if (key === 'priority' && counts.byPriority) return counts.byPriority;
    if (key === 'due' && counts.overdue !== undefined) return { overdue: counts.overdue ?? 0, today: counts.today ?? 0, week: counts.week ?? 0 };
  }
  const out: Record<string, number> = {};
  for (const t of items) {
    if (key === 'due') {
      // Each task counts in one window: overdue ones are not also "due today".
      const d = daysUntil(t.dueAt, nowMs);
      if (d === null) continue;
      if (isOverdue(t, nowMs)) out.overdue = (out.overdue ?? 0) + 1;
      else if (d <= 0) out.today = (out.today ?? 0) + 1;
      if (!isOverdue(t, nowMs) && d <= 6) out.week = (out.week ?? 0) + 1;
    } else {
      const v = key === 'tier' ? t.account?.tier : (t as unknown as Record<string, unknown>)[key];
      if (typeof v === 'string') out[v] = (out[v] ?? 0) + 1;
    }
  }
  return out;
}

export function QueuePage({ nowMs = Date.now() }: { nowMs?: number } = {}) {
  const loc = useLocation();
  const filters: QueueFilters = {
    type: loc.search.get('type') ?? undefined,
    priority: loc.search.get('priority') ?? undefined,
    due: loc.search.get('due') ?? undefined,
    tier: loc.search.get('tier') ?? undefined,
  };
  const res = useApi<QueueResponse>('/api/tasks/queue' + query({ owner: 'me', ...filters }));
  // The server counts types, priorities and due windows; tiers are counted over the whole queue.
  const all = useApi<QueueResponse>('/api/tasks/queue?owner=me&limit=1000');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [snoozeOpen, setSnoozeOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<Error | null>(null);
  const toast = useToast();

  // "Due today" means due today and not yet overdue, whatever window the server applied.
  const items = useMemo(() => (res.data?.items ?? []).filter((t) => filters.due !== 'today' || !isOverdue(t, nowMs)).sort(compareTasks), [res.data, filters.due, nowMs]);
  // Due-window counts from the whole queue (tier-filtered like the server's counts) when it is
  // all loaded, so each task counts in one window by the same calendar-day rule as its label.
  const dueSource = all.data && all.data.items.length >= (all.data.total ?? 0)
    ? all.data.items.filter((t) => !filters.tier || t.account?.tier === filters.tier) : null;
  const visibleSelected = items.filter((t) => selected.has(t.id)).map((t) => t.id);
  const overdueCount = items.filter((t) => isOverdue(t, nowMs)).length;

  function setFilter(key: string, value: string | undefined) {
    setSelected(new Set());
    setSearch({ ...filters, [key]: value });
  }

  async function bulk(action: 'complete' | 'snooze', until?: string) {
    setBusy(true);
    setActionError(null);
    try {
      await api.post('/api/tasks/bulk', { ids: visibleSelected, action, ...(until ? { until } : {}) });
      toast(action === 'complete' ? `Completed ${visibleSelected.length} task${visibleSelected.length === 1 ? '' : 's'}` : `Snoozed ${visibleSelected.length} task${visibleSelected.length === 1 ? '' : 's'} until ${formatDate(until)}`);
      setSelected(new Set());
      setSnoozeOpen(false);
      res.reload();
      all.reload();
    } catch (e) {
      setActionError(e as Error);
    } finally {
      setBusy(false);
    }
  }

  const anyFilter = Object.values(filters).some(Boolean);
  return (
    <>
      <PageHeader title="My queue"
        subtitle={res.data ? `${res.data.total ?? items.length} open task${(res.data.total ?? items.length) === 1 ? '' : 's'}${overdueCount ? ` · ${overdueCount} overdue` : ''}${anyFilter ? ' matching the filters' : ''}` : 'Your open tasks, most urgent first'} />
      <div className="wm-queue-layout">
        <aside className="wm-facets" aria-label="Filters">
          {FACETS.map((f) => {
            const loading = f.key === 'tier' || f.key === 'due' ? !all.data && (!all.error || !res.data) : !res.data;
            const counts = f.key === 'tier' ? facetCounts(undefined, all.data?.items ?? [], 'tier', nowMs)
              : f.key === 'due' && dueSource ? facetCounts(undefined, dueSource, 'due', nowMs)
              : facetCounts(res.data?.counts, res.data?.items ?? [], f.key, nowMs);
            const options = f.options ?? Object.keys(counts).sort().map((v) => ({ value: v, label: humanize(v) }));
            if (options.length === 0) return null;
            return (
              <div className="wm-facet" key={f.key} role="group" aria-label={f.label}>
                <h3>{f.label}</h3>
                <button type="button" aria-pressed={!filters[f.key]} onClick={() => setFilter(f.key, undefined)}>
                  <span>All</span>
                </button>
                {options.map((o) => (
                  <button type="button" key={o.value} aria-pressed={filters[f.key] === o.value}
                    onClick={() => setFilter(f.key, filters[f.key] === o.value ? undefined : o.value)}>
                    <span>{o.label}</span>
                    {loading
                      ? <span className="wm-count wm-count-loading" aria-label="counting">…</span>
                      : <span className="wm-count">{counts[o.value] ?? 0}</span>}
                  </button>
                ))}
              </div>
            );
          })}
          {anyFilter && <button type="button" className="wm-btn wm-btn-small" onClick={() => setSearch({})}>Clear filters</button>}
        </aside>
        <section className="wm-card wm-list-card" aria-label="Tasks">
          {visibleSelected.length > 0 && (
            <div className="wm-bulkbar" role="toolbar" aria-label="Bulk actions">
              <strong>{visibleSelected.length} selected</strong>
              <button type="button" className="wm-btn wm-btn-small wm-btn-primary" disabled={busy} onClick={() => bulk('complete')}>Complete</button>
              <button type="button" className="wm-btn wm-btn-small" disabled={busy} onClick={() => setSnoozeOpen(true)}>Snooze…</button>
              <button type="button" className="wm-btn wm-btn-small wm-btn-ghost" onClick={() => setSelected(new Set())}>Clear selection</button>
            </div>
          )}
          {actionError && <div style={{ padding: '10px 14px 0' }}><ErrorBox error={actionError} /></div>}
          <Async res={res} label="Loading your queue…">
            {() => items.length === 0 ? (
              anyFilter
                ? <Empty title="No tasks match these filters"><button type="button" className="wm-btn wm-btn-small" onClick={() => setSearch({})}>Clear filters</button></Empty>
                : <Empty title="Your queue is clear">New tasks appear here when playbooks raise them for your accounts.</Empty>
            ) : (
              <>
                <div className="wm-list-head">
                  <label className="wm-small" style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
                    <input type="checkbox" checked={visibleSelected.length === items.length}
                      ref={(el) => { if (el) el.indeterminate = visibleSelected.length > 0 && visibleSelected.length < items.length; }}
                      onChange={(e) => setSelected(e.target.checked ? new Set(items.map((t) => t.id)) : new Set())} />
                    Select all
                  </label>
                  <span className="wm-muted wm-small">Ordered by priority, then due date</span>
                </div>
                <ul className="wm-task-list">
                  {items.map((t) => <QueueRow key={t.id} task={t} nowMs={nowMs} selected={selected.has(t.id)}
                    onSelect={(on) => setSelected((s) => { const n = new Set(s); if (on) n.add(t.id); else n.delete(t.id); return n; })} />)}
                </ul>
                {res.data && res.data.total > items.length && (
                  <div className="wm-pager wm-muted">Showing the first {items.length} of {res.data.total}. Narrow the filters to see the rest.</div>
                )}
              </>
            )}
          </Async>
        </section>
      </div>
      <SnoozeDialog open={snoozeOpen} busy={busy} nowMs={nowMs} count={visibleSelected.length} onClose={() => setSnoozeOpen(false)} onSnooze={(until) => bulk('snooze', until)} />
    </>
  );
}

/** Overdue by the server's clock when it says so (it may run on a test clock), else by ours. */
export function isOverdue(t: QueueTask, nowMs: number): boolean {
  return typeof t.overdue === 'boolean' ? t.overdue : Date.parse(t.dueAt) < nowMs;
}

function QueueRow({ task: t, nowMs, selected, onSelect }: { task: QueueTask; nowMs: number; selected: boolean; onSelect: (on: boolean) => void }) {
  const overdue = isOverdue(t, nowMs);
  const days = daysUntil(t.dueAt, nowMs);
  return (
    <li className={'wm-task-row' + (overdue ? ' wm-is-overdue' : '') + (selected ? ' wm-selected' : '')} data-testid="queue-row" data-task-id={t.id}>
      <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.target.checked)} aria-label={`Select ${t.title}`} style={{ marginTop: 3 }} />
      <div style={{ minWidth: 0 }}>
        <div className="wm-task-title"><Link to={`/tasks/${encodeURIComponent(t.id)}`}>{t.title}</Link>{t.flaggedRed && <span className="wm-flag" title="Flagged for escalation"> ⚑ Flagged</span>}</div>
        <div className="wm-task-reason">{arrows(t.reasonText)}</div>
        <div className="wm-task-meta">
          <PriorityBadge priority={t.priority} />
          <TypeBadge type={t.type} />
          <Link to={`/accounts/${encodeURIComponent(t.account?.id ?? t.accountId)}`}>{t.account?.name ?? t.accountId}</Link>
          {t.account?.tier && <span>{humanize(t.account.tier)}</span>}
          {t.account?.mrr != null && <span>{formatMoney(t.account.mrr)} MRR</span>}
          <span>· {t.playbookName ?? t.playbookId}</span>
        </div>
      </div>
      <div className="wm-task-due">
        <div className={overdue ? 'wm-overdue' : ''}>{overdue ? 'Overdue' : 'Due'} {formatDate(t.dueAt)}</div>
        <div className="wm-muted">{relativeDays(days)}</div>
      </div>
    </li>
  );
}

export function SnoozeDialog({ open, busy, nowMs, count, onClose, onSnooze }: { open: boolean; busy: boolean; nowMs: number; count?: number; onClose: () => void; onSnooze: (untilIso: string) => void }) {
  const [date, setDate] = useState(dateInputValue(nowMs + 3 * 86_400_000));
  const [error, setError] = useState<string | null>(null);
  function submit(e: FormEvent) {
    e.preventDefault();
    const t = Date.parse(date + 'T08:00:00.000Z');
    if (Number.isNaN(t)) { setError('Pick a date.'); return; }
    if (t <= nowMs) { setError('Pick a date in the future.'); return; }
    setError(null);
    onSnooze(new Date(t).toISOString());
  }
  return (
    <Modal title={count && count > 1 ? `Snooze ${count} tasks` : 'Snooze task'} open={open} onClose={onClose}>
      <form onSubmit={submit}>
        <div className="wm-muted">Snoozed tasks leave the queue and come back on the morning of the chosen date.</div>
        <label className="wm-label">Until
          <input className="wm-input" type="date" value={date} min={dateInputValue(nowMs + 86_400_000)} onChange={(e) => setDate(e.target.value)} required />
        </label>
        <div className="wm-actions">
          {[1, 3, 7, 14].map((d) => (
            <button type="button" key={d} className="wm-btn wm-btn-small" onClick={() => setDate(dateInputValue(nowMs + d * 86_400_000))}>{d === 1 ? 'Tomorrow' : `${d} days`}</button>
          ))}
        </div>
        {error && <div className="wm-error" role="alert">{error}</div>}
        <div className="wm-actions" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="wm-btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy}>Snooze</button>
        </div>
      </form>
    </Modal>
  );
}
