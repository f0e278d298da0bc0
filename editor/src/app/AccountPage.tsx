/** One account (C4): header facts, health with history, journey position, CTAs, timeline, tags. */
import { useMemo, useState } from 'react';
import { useApi } from './useApi.js';
import { api } from '../api.js';
import { Link } from './router.js';
import { Async, Card, Empty, Field, HealthBadge, PageHeader, PriorityBadge, TypeBadge } from './ui.js';
import { arrows, daysUntil, formatDate, formatMoney, humanize, relativeDays } from './format.js';
import { ActivityForm } from './ActivityForm.js';
import { StartPlaybookForm } from './StartPlaybookForm.js';
import { FilterableTimeline, HealthMeasures, JourneyStages } from './AccountParts.js';
import { canWork, useAuth } from './auth.js';
import { accountName, type AccountDetail, type UserSummary } from './types.js';
import type { Health, Task, TimelineEntry } from '../../../engine/types.js';
import { dictionaryFields } from './DictionaryFilters.js';

export function AccountPage({ id }: { id: string }) {
  const res = useApi<AccountDetail>(`/api/accounts/${encodeURIComponent(id)}`);
  return <Async res={res} label="Loading account…" notFound={
    <Empty title="Account not found">No account has the id “{id}”. <Link to="/accounts">Back to accounts</Link></Empty>}>{(d) => <AccountView detail={d} reload={res.reload} />}</Async>;
}

/** Older timeline pages, fetched on demand after the newest entries the account detail carries. */
function useOlderTimeline(accountId: string, firstCount: number) {
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function load(offset: number) {
    setLoading(true);
    setError(null);
    try {
      const page = await api.get<{ items: TimelineEntry[]; total: number }>(`/api/accounts/${encodeURIComponent(accountId)}/timeline?limit=100&offset=${Math.max(offset, firstCount)}`);
      setEntries((prev) => {
        const seen = new Set(prev.map((e) => e.id));
        return prev.concat(page.items.filter((e) => !seen.has(e.id)));
      });
      setTotal(page.total);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }
  return { entries, total, loading, error, load };
}

function AccountView({ detail, reload }: { detail: AccountDetail; reload: () => void }) {
  const { user } = useAuth();
  const users = useApi<{ items: UserSummary[] }>('/api/users');
  const dictionary = useApi<unknown>('/api/fields');
  const labels = fieldLabels(dictionary.data);
  const names = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  const a = detail.account;
  const f = a.fields ?? {};
  const nowMs = Date.now();
  const renewal = daysUntil(f.renewalDate, nowMs);
  const health: Health | null = detail.health ?? detail.state?.health ?? null;
  const ownerName = typeof f.owner === 'string' ? users.data?.items.find((u) => u.id === f.owner)?.name ?? f.owner : '—';
  const firstPage: TimelineEntry[] = Array.isArray(detail.timeline) ? detail.timeline : detail.timeline?.items ?? [];
  const older = useOlderTimeline(a.id, firstPage.length);
  // The playbook list is read only once the "start a playbook" panel is opened.
  const [startOpen, setStartOpen] = useState(false);
  const timeline = useMemo(() => {
    // A page fetched before a new entry was logged may repeat one already shown.
    const seen = new Set(firstPage.map((e) => e.id));
    return firstPage.concat(older.entries.filter((e) => !seen.has(e.id)));
  }, [firstPage, older.entries]);
  const timelineTotal = Math.max(detail.timelineTotal ?? 0, older.total ?? 0);
  const healthHistory = useMemo(() => {
    const fromDetail = detail.healthHistory ?? [];
    if (fromDetail.length) return fromDetail;
    // Without a history route, health changes on the timeline carry it.
    return timeline.filter((e) => e.kind === 'health');
  }, [detail, timeline]);
  const flags = Object.entries(a.flags ?? {}).filter(([, v]) => v);

  return (
    <>
      <div className="wm-small" style={{ marginBottom: 8 }}><Link to="/accounts">← Accounts</Link></div>
      <PageHeader title={accountName(a)} subtitle={<span style={{ display: 'inline-flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <HealthBadge color={health?.color} score={health?.score} />
        {Object.values(detail.state?.journeys ?? {}).map((pos) => (
          <span key={pos.stage} className="wm-badge" data-testid="header-stage" title={`In this stage since ${formatDate(pos.enteredAt)}`}>{humanize(pos.stage)}</span>
        ))}
        <span>{a.id}</span>
      </span>} />
      {f.churned === true && (
        <div className="wm-banner wm-banner-danger" role="status">This account churned{typeof f.churnedAt === 'string' ? ` on ${formatDate(f.churnedAt)}` : ''}.</div>
      )}
      <div className="wm-grid wm-grid-4" style={{ marginBottom: 16 }}>
        <Stat label="Tier · segment" value={`${humanize(f.tier)} · ${humanize(f.segment)}`} />
        <Stat label="MRR" value={formatMoney(f.mrr)} />
        <Stat label="Renewal" value={formatDate(f.renewalDate)} sub={renewal !== null ? relativeDays(renewal) : undefined} warn={renewal !== null && renewal >= 0 && renewal <= 90} />
        <Stat label="Owner" value={String(ownerName)} />
      </div>
      <div className="wm-grid wm-grid-main">
        <div>
          <Card title={`Open CTAs (${detail.openTasks.length})`}>
            <TaskTable tasks={detail.openTasks} nowMs={nowMs} empty="No open CTAs on this account." />
            {canWork(user) && (f.owner === user?.id || user?.roles.some((r) => r === 'publisher' || r === 'admin')) && (
              <details style={{ marginTop: 12 }} onToggle={(e) => setStartOpen((e.target as HTMLDetailsElement).open)}>
                <summary className="wm-btn wm-btn-small" style={{ display: 'inline-flex' }}>Start a playbook by hand</summary>
                {startOpen && <div style={{ marginTop: 10 }}><StartPlaybookForm accountId={a.id} accountName={String(f.name ?? a.id)} onStarted={reload} /></div>}
              </details>
            )}
          </Card>
          <Card title="Timeline">
            {canWork(user) && (
              <details style={{ marginBottom: 12 }}>
                <summary className="wm-btn wm-btn-small" style={{ display: 'inline-flex' }}>Log a meeting, call, email, note or EBR</summary>
                <div style={{ marginTop: 10 }}><ActivityForm accountId={a.id} onLogged={reload} /></div>
              </details>
            )}
            <FilterableTimeline entries={timeline} names={names} />
            {timelineTotal > timeline.length && (
              <div className="wm-actions wm-small" style={{ marginTop: 6, alignItems: 'center' }}>
                <span className="wm-muted">Showing the newest {timeline.length} of {timelineTotal} entries.</span>
                <button type="button" className="wm-btn wm-btn-small" disabled={older.loading} onClick={() => older.load(timeline.length)}>
                  {older.loading ? 'Loading…' : 'Load older entries'}
                </button>
                {older.error && <span role="alert" style={{ color: "#8a2219" }}>Could not load older entries: {older.error}</span>}
              </div>
            )}
          </Card>
          <Card title={`Past CTAs (${detail.pastTasks.length})`}>
            <TaskTable tasks={detail.pastTasks} nowMs={nowMs} past empty="No past CTAs." />
          </Card>
        </div>
        <div>
          <Card title="Health"><HealthMeasures health={health} computedAt={detail.state?.lastEvaluatedAt} coverage={detail.healthCoverage} />
            {healthHistory.length > 0 && (
              <>
                <h3>History</h3>
                <ul className="wm-small" style={{ margin: 0, paddingLeft: 18 }}>
                  {healthHistory.slice(0, 8).map((h, i) => 'score' in h
                    ? <li key={i}>{formatDate(h.at)}: {h.color} ({Math.round(h.score)})</li>
                    : <li key={i}>{formatDate(h.at)}: {arrows((h as TimelineEntry).text)}</li>)}
                </ul>
              </>
            )}
          </Card>
          <Card title="Journey"><JourneyStages journeys={detail.state?.journeys} /></Card>
          <Card title="Tags and flags">
            {a.tags.length === 0 && flags.length === 0 ? <div className="wm-muted">No tags.</div> : (
              <div className="wm-tags">
                {a.tags.map((t) => <span key={t} className="wm-badge">{t}</span>)}
                {flags.map(([k]) => <span key={k} className="wm-badge wm-health-yellow">⚑ {humanize(k)}</span>)}
              </div>
            )}
          </Card>
          <Card title="Details">
            <dl className="wm-kvs">
              {Object.entries(f).filter(([k]) => !['name', 'tier', 'segment', 'mrr', 'renewalDate', 'owner'].includes(k)).map(([k, v]) => (
                <Field key={k} label={labels.get(k) ?? humanize(k)}>{v === null || v === undefined || v === '' ? '—' : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? formatDate(v) : typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}</Field>
              ))}
            </dl>
          </Card>
        </div>
      </div>
    </>
  );
}

/** Field name -> label from the data dictionary (GET /api/fields). */
function fieldLabels(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of dictionaryFields(data)) if (typeof f?.name === 'string' && typeof f.label === 'string') out.set(f.name, f.label);
  return out;
}

function Stat({ label, value, sub, warn }: { label: string; value: string; sub?: string; warn?: boolean }) {
  return (
    <div className="wm-stat">
      <div className="wm-stat-label">{label}</div>
      <div className="wm-stat-value" style={{ fontSize: 18 }}>{value}</div>
      {sub && <div className={'wm-small ' + (warn ? 'wm-overdue' : 'wm-muted')}>{sub}</div>}
    </div>
  );
}

function TaskTable({ tasks, nowMs, past, empty }: { tasks: Task[]; nowMs: number; past?: boolean; empty: string }) {
  // Past CTAs come ten at a time; open ones are all shown (a reload may bring more than the first render had).
  const [shown, setShown] = useState(10);
  if (tasks.length === 0) return <Empty title={empty} />;
  return (
    <div className="wm-table-wrap">
      <table className="wm-table">
        <thead><tr><th>Task</th><th>Type</th><th>Priority</th><th>{past ? 'Closed' : 'Due'}</th><th>Reason</th></tr></thead>
        <tbody>
          {(past ? tasks.slice(0, shown) : tasks).map((t) => {
            const overdue = !past && Date.parse(t.dueAt) < nowMs;
            return (
              <tr key={t.id}>
                <td><Link to={`/tasks/${encodeURIComponent(t.id)}`}>{t.title}</Link>{t.flaggedRed && <span className="wm-flag"> ⚑</span>}</td>
                <td><TypeBadge type={t.type} /></td>
                <td><PriorityBadge priority={t.priority} /></td>
                <td className={'wm-nowrap' + (overdue ? ' wm-overdue' : '')}>
                  {past ? `${t.status === 'done' ? 'Done' : 'Closed'} ${formatDate(t.completedAt ?? t.updatedAt)}` : `${overdue ? 'Overdue ' : ''}${formatDate(t.dueAt)}`}
                </td>
                <td>{arrows(t.reasonText)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {past && tasks.length > shown && (
        <button type="button" className="wm-btn wm-btn-small" style={{ marginTop: 8 }} onClick={() => setShown((n) => n + 10)}>Show {Math.min(10, tasks.length - shown)} more of {tasks.length - shown}</button>
      )}
    </div>
  );
}
