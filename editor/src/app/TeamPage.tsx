/**
 * Team view: per CSM, open and overdue tasks, accounts by health, and stage conversion per step;
 * then the queues of people outside the CSM team (support, management) who also work tasks.
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApi } from './useApi.js';
import { Link } from './router.js';
import { Async, Card, Empty, PageHeader } from './ui.js';
import { formatMoney, formatNumber, formatPercent, humanize } from './format.js';
import { teamRows } from './analytics-data.js';

export function TeamPage() {
  const res = useApi<unknown>('/api/analytics/team');
  return (
    <>
      <PageHeader title="Team" subtitle="Each CSM's workload, book health and how their accounts move through the journey" />
      <Async res={res} label="Loading the team…">{(d) => <TeamView data={d} />}</Async>
    </>
  );
}

interface QueueRow { id: string; name: string; teamRole: string | null; openTasks: number; overdueTasks: number }

/** The `queues` part of the team response, read defensively (older servers leave it out). */
function queueRows(data: unknown): QueueRow[] {
  const raw = (data as { queues?: unknown } | null)?.queues;
  if (!Array.isArray(raw)) return [];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return raw
    .filter((q): q is Record<string, unknown> => typeof q === 'object' && q !== null && typeof (q as { id?: unknown }).id === 'string')
    .map((q) => ({
      id: q.id as string,
      name: typeof q.name === 'string' && q.name ? q.name : (q.id as string),
      teamRole: typeof q.teamRole === 'string' ? q.teamRole : null,
      openTasks: num(q.openTasks),
      overdueTasks: num(q.overdueTasks),
    }));
}

/** People outside the CSM team who work a queue; nothing when there are none. */
function OtherQueues({ queues }: { queues: QueueRow[] }) {
  if (queues.length === 0) return null;
  return (
    <Card title="Other queues">
      <div className="wm-muted wm-small" style={{ marginBottom: 8 }}>Tasks owned by people outside the CSM team, such as support and CS management.</div>
      <div className="wm-table-wrap">
        <table className="wm-table">
          <thead><tr><th>Person</th><th>Team role</th><th className="wm-num">Open tasks</th><th className="wm-num">Overdue</th></tr></thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.id}>
                <td>{q.name}</td>
                <td>{q.teamRole ? humanize(q.teamRole) : '—'}</td>
                <td className="wm-num">{formatNumber(q.openTasks)}</td>
                <td className={'wm-num' + (q.overdueTasks ? ' wm-overdue' : '')}>{formatNumber(q.overdueTasks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function TeamView({ data }: { data: unknown }) {
  const { rows, stages } = teamRows(data);
  const queues = queueRows(data);
  if (rows.length === 0) return <><Empty title="No CSMs with accounts yet" /><OtherQueues queues={queues} /></>;
  const sorted = rows.slice().sort((a, b) => (b.overdue ?? 0) - (a.overdue ?? 0) || a.name.localeCompare(b.name));
  const totals = rows.reduce((t, r) => ({ open: t.open + (r.open ?? 0), overdue: t.overdue + (r.overdue ?? 0), accounts: t.accounts + (r.accounts ?? 0) }), { open: 0, overdue: 0, accounts: 0 });
  const chart = sorted.map((r) => ({ name: r.name.split(' ')[0], Healthy: r.green, 'At risk': r.yellow, Unhealthy: r.red }));
  return (
    <>
      <div className="wm-grid wm-grid-4" style={{ marginBottom: 16 }}>
        <div className="wm-stat"><div className="wm-stat-label">CSMs</div><div className="wm-stat-value">{rows.length}</div></div>
        <div className="wm-stat"><div className="wm-stat-label">Accounts</div><div className="wm-stat-value">{formatNumber(totals.accounts)}</div></div>
        <div className="wm-stat"><div className="wm-stat-label">Open tasks</div><div className="wm-stat-value">{formatNumber(totals.open)}</div></div>
        <div className="wm-stat"><div className="wm-stat-label">Overdue tasks</div><div className="wm-stat-value" style={{ color: totals.overdue ? 'var(--wm-danger)' : undefined }}>{formatNumber(totals.overdue)}</div></div>
      </div>
      <Card title="Workload and book health">
        <div className="wm-table-wrap">
          <table className="wm-table">
            <thead><tr><th>CSM</th><th className="wm-num">Open tasks</th><th className="wm-num">Overdue</th><th className="wm-num">Accounts</th><th className="wm-num">Healthy</th><th className="wm-num">At risk</th><th className="wm-num">Unhealthy</th>{rows.some((r) => r.mrr !== null) && <th className="wm-num">MRR</th>}</tr></thead>
            <tbody>
              {sorted.map((r) => (
                <tr key={r.id}>
                  <td><Link to={`/accounts?owner=${encodeURIComponent(r.id)}`}>{r.name}</Link></td>
                  <td className="wm-num">{formatNumber(r.open)}</td>
                  <td className={'wm-num' + (r.overdue ? ' wm-overdue' : '')}>{formatNumber(r.overdue)}</td>
                  <td className="wm-num">{formatNumber(r.accounts)}</td>
                  <td className="wm-num"><Link to={`/accounts?owner=${encodeURIComponent(r.id)}&health=green`}>{r.green}</Link></td>
                  <td className="wm-num"><Link to={`/accounts?owner=${encodeURIComponent(r.id)}&health=yellow`}>{r.yellow}</Link></td>
                  <td className="wm-num"><Link to={`/accounts?owner=${encodeURIComponent(r.id)}&health=red`}>{r.red}</Link></td>
                  {rows.some((x) => x.mrr !== null) && <td className="wm-num">{formatMoney(r.mrr)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="wm-chart" style={{ marginTop: 12 }} aria-hidden="true">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={chart} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" tick={{ fontSize: 12 }} />
              <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
              <Tooltip />
              <Legend />
              <Bar isAnimationActive={false} dataKey="Healthy" stackId="h" fill="#2f855a" />
              <Bar isAnimationActive={false} dataKey="At risk" stackId="h" fill="#d69e2e" />
              <Bar isAnimationActive={false} dataKey="Unhealthy" stackId="h" fill="#c8372d" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </Card>
      <OtherQueues queues={queues} />
      {stages.length > 0 && (
        <Card title="Stage conversion per CSM">
          <div className="wm-muted wm-small" style={{ marginBottom: 8 }}>Share of each CSM's accounts that entered a stage and moved on to the next one.</div>
          <div className="wm-table-wrap">
            <table className="wm-table">
              <thead><tr><th>CSM</th>{stages.map((s) => <th key={s.id} className="wm-num">{s.name.includes(' → ') ? s.name.split(' → ').map(humanize).join(' → ') : s.name}</th>)}</tr></thead>
              <tbody>
                {sorted.map((r) => (
                  <tr key={r.id}><td>{r.name}</td>{stages.map((s) => <td key={s.id} className="wm-num">{r.conversion[s.id] == null ? '—' : formatPercent(r.conversion[s.id], 0)}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </>
  );
}
