/**
 * Analytics (L7): journey funnel with conversion and time in stage vs target, health mix with the
 * retention it implies, CTA volume by type over time, and MRR churn by month. Every chart has a
 * table of the same numbers under it (readable without hovering, and by screen readers).
 */
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ComposedChart, Legend, Line, LineChart, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { query } from '../api.js';
import { useApi } from './useApi.js';
import { setSearch, useLocation } from './router.js';
import { Async, Card, Empty, PageHeader } from './ui.js';
import { formatFixed, formatMonth, formatMoney, formatNumber, formatPercent, formatWeek, humanize } from './format.js';
import { churnRows, ctaVolume, funnelRows, healthMix } from './analytics-data.js';
import type { UserSummary } from './types.js';
import { TierSegmentFilters } from './DictionaryFilters.js';

const TYPE_COLORS: Record<string, string> = { risk: '#c8372d', opportunity: '#2f855a', lifecycle: '#2f6fde', activity: '#7b5cc4' };
const HEALTH_COLORS: Record<string, string> = { green: '#2f855a', yellow: '#d69e2e', red: '#c8372d' };
const EXTRA_COLORS = ['#4a5568', '#dd6b20', '#319795', '#b83280'];

interface DefinitionSummary { id: string; kind: string; name: string; archived?: boolean }

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : formatPercent(v, 0);
}

export function AnalyticsPage() {
  const loc = useLocation();
  const f = {
    journey: loc.search.get('journey') ?? '',
    owner: loc.search.get('owner') ?? '',
    tier: loc.search.get('tier') ?? '',
    segment: loc.search.get('segment') ?? '',
  };
  const set = (k: string, v: string) => setSearch({ ...f, [k]: v });
  const segmentFilters = { owner: f.owner, tier: f.tier, segment: f.segment };
  const defs = useApi<{ items: DefinitionSummary[] }>('/api/definitions');
  const users = useApi<{ items: UserSummary[] }>('/api/users');
  const journeys = (defs.data?.items ?? []).filter((d) => d.kind === 'journey' && !d.archived);
  // The funnel starts at once (not after the journey list): without a chosen journey the
  // server answers for its default one and says which, and the picker shows that.
  const funnel = useApi<unknown>('/api/analytics/funnel' + query({ journey: f.journey || undefined, ...segmentFilters }));
  const funnelJourney = funnel.data && typeof (funnel.data as { journeyId?: unknown }).journeyId === 'string' ? (funnel.data as { journeyId: string }).journeyId : '';
  const journey = f.journey || funnelJourney || journeys[0]?.id || '';
  const owners = (users.data?.items ?? []).filter((u) => u.roles.includes('csm')).sort((a, b) => a.name.localeCompare(b.name));
  const ownerName = (id: string) => users.data?.items.find((u) => u.id === id)?.name ?? id;

  const health = useApi<unknown>('/api/analytics/health-mix' + query(segmentFilters));
  const range = useMemo(() => volumeRange(Date.now()), []);
  const volume = useApi<unknown>('/api/analytics/cta-volume' + query({ from: range.from, to: range.to, interval: 'week', ...segmentFilters }));
  const churn = useApi<unknown>('/api/analytics/churn' + query({ months: 12, ...segmentFilters }));

  return (
    <>
      <PageHeader title="Analytics" subtitle="How accounts move through the journey, how healthy the book is, and what it costs. The CSM, tier and segment filters apply to every section." />
      <div className="wm-filters" role="group" aria-label="Filters">
        <label className="wm-label">Journey
          <select className="wm-select" value={journey} onChange={(e) => set('journey', e.target.value)} disabled={journeys.length === 0}>
            {journeys.length === 0 && <option value="">{defs.loading ? 'Loading…' : 'No journeys'}</option>}
            {journeys.map((j) => <option key={j.id} value={j.id}>{j.name}</option>)}
          </select>
        </label>
        <label className="wm-label">CSM
          <select className="wm-select" value={f.owner} onChange={(e) => set('owner', e.target.value)}>
            <option value="">All CSMs</option>
            {owners.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <TierSegmentFilters tier={f.tier} segment={f.segment} onChange={set} />
      </div>

      <Card title="Journey funnel">
        <Async res={funnel} label="Loading the funnel…">{(d) => <FunnelSection data={d} />}</Async>
      </Card>

      <div className="wm-grid wm-grid-2">
        <Card title="Health mix and expected retention">
          <Async res={health} label="Loading health mix…">{(d) => <HealthSection data={d} />}</Async>
        </Card>
        <Card title="MRR churn by month">
          <Async res={churn} label="Loading churn…">{(d) => <ChurnSection data={d} />}</Async>
        </Card>
      </div>

      <Card title={`CTA volume by type, weekly (12 full weeks from ${formatWeek(range.from).replace('Week of ', '')} and this week so far)`}>
        <Async res={volume} label="Loading CTA volume…">{(d) => <VolumeSection data={d} ownerName={ownerName} currentWeek={range.currentWeek} />}</Async>
      </Card>
    </>
  );
}

/**
 * Twelve full Monday-to-Sunday weeks (UTC, as the server buckets them) and the current week so
 * far: starting at a Monday keeps the first bar from being a partial week.
 */
export function volumeRange(nowMs: number): { from: string; to: string; currentWeek: string } {
  const DAY = 86_400_000;
  const today = Math.floor(nowMs / DAY) * DAY;
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  return { from: new Date(monday - 12 * 7 * DAY).toISOString(), to: new Date(nowMs).toISOString(), currentWeek: new Date(monday).toISOString().slice(0, 10) };
}

/** Average width of one character of an 11 px axis label, to fit a stage name in its band. */
const TICK_CHAR_PX = 6.4;

/**
 * Splits a stage name into at most two lines of maxChars, the last cut with an ellipsis when the
 * name is longer: side by side, full names ran together ("OnboardingInitial valueAdoption").
 */
export function tickLines(name: string, maxChars: number): string[] {
  const max = Math.max(3, maxChars);
  const lines: string[] = [];
  let line = '';
  for (const word of name.split(/\s+/).filter(Boolean)) {
    if (!line) line = word;
    else if (line.length + 1 + word.length <= max) line += ' ' + word;
    else { lines.push(line); line = word; }
  }
  if (line) lines.push(line);
  const cut = (t: string) => (t.length > max ? t.slice(0, max - 1) + '…' : t);
  if (lines.length <= 2) return lines.map(cut);
  return [cut(lines[0]), cut(lines.slice(1).join(' '))];
}

/** An x-axis stage label that fits its band (wrapped, then abbreviated); the full name is its title. */
function StageTick(props: { x?: number | string; y?: number | string; width?: number | string; visibleTicksCount?: number; payload?: { value?: unknown } }) {
  const name = String(props.payload?.value ?? '');
  const band = Number(props.width) / Math.max(1, props.visibleTicksCount ?? 1);
  const lines = tickLines(name, Number.isFinite(band) ? Math.floor((band - 6) / TICK_CHAR_PX) : name.length);
  return (
    <text className="wm-stage-tick" x={Number(props.x)} y={Number(props.y)} textAnchor="middle" fontSize={11} fill="#5c6675">
      <title>{name}</title>
      {lines.map((l, i) => <tspan key={i} x={Number(props.x)} dy={i === 0 ? '0.9em' : '1.15em'}>{l}</tspan>)}
    </text>
  );
}

function FunnelSection({ data }: { data: unknown }) {
  const rows = funnelRows(data);
  if (rows.length === 0) return <Empty title="No journey data for these filters" />;
  const chart = rows.map((r) => ({ name: r.name, 'In stage now': r.current ?? 0, Entered: r.entered ?? 0, 'Median days': r.medianDays, 'Target days': r.targetDays }));
  return (
    <>
      <div className="wm-grid wm-grid-2">
        <div className="wm-chart wm-funnel-chart" aria-hidden="true">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={chart} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" tick={StageTick} interval={0} height={36} />
              <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
              <Tooltip />
              <Legend />
              <Bar isAnimationActive={false} dataKey="Entered" fill="#a9c3f0" />
              <Bar isAnimationActive={false} dataKey="In stage now" fill="#2f6fde" />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <div className="wm-chart wm-funnel-chart" aria-hidden="true">
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={chart} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" tick={StageTick} interval={0} height={36} />
              <YAxis tick={{ fontSize: 12 }} label={{ value: 'days', angle: -90, position: 'insideLeft', fontSize: 12 }} />
              <Tooltip />
              <Legend />
              <Bar isAnimationActive={false} dataKey="Median days" fill="#7b5cc4" />
              <Line isAnimationActive={false} dataKey="Target days" stroke="#c8372d" strokeDasharray="4 3" dot />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      </div>
      <div className="wm-table-wrap wm-chart-table">
        <table className="wm-table" data-testid="funnel-table">
          <caption>Accounts per stage, conversion to the next stage and median time in stage against the target</caption>
          <thead><tr><th>Stage</th><th className="wm-num">In stage now</th><th className="wm-num">Entered</th><th className="wm-num">Conversion to next</th><th className="wm-num">Median days in stage</th><th className="wm-num">Target days</th><th>Against target</th></tr></thead>
          <tbody>
            {rows.map((r, i) => {
              const over = r.medianDays !== null && r.targetDays !== null && r.medianDays > r.targetDays;
              return (
                <tr key={r.id || i} data-stage={r.id}>
                  <td>{r.name}</td>
                  <td className="wm-num" data-col="current">{formatNumber(r.current)}</td>
                  <td className="wm-num" data-col="entered">{formatNumber(r.entered)}</td>
                  <td className="wm-num" data-col="conversion">{i === rows.length - 1 && r.conversion === null ? '—' : pct(r.conversion)}</td>
                  <td className="wm-num" data-col="medianDays">{formatFixed(r.medianDays, 1)}</td>
                  <td className="wm-num" data-col="targetDays">{formatNumber(r.targetDays)}</td>
                  <td>{r.medianDays === null || r.targetDays === null ? <span className="wm-muted">—</span> : over
                    ? <span className="wm-overdue">{formatFixed(r.medianDays - r.targetDays, 1)} days over</span>
                    : <span style={{ color: 'var(--wm-ok)' }}>within target</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function HealthSection({ data }: { data: unknown }) {
  const mix = healthMix(data);
  if (mix.total === 0) return <Empty title="No health scores for these filters" />;
  const chart = mix.rows.map((r) => ({ name: humanize(r.color), value: r.accounts, color: r.color }));
  return (
    <>
      <div style={{ display: 'flex', gap: 16, alignItems: 'center', flexWrap: 'wrap' }}>
        <div style={{ width: 200, height: 200 }} aria-hidden="true">
          <ResponsiveContainer width="100%" height="100%">
            <PieChart>
              <Pie data={chart} dataKey="value" nameKey="name" innerRadius={50} outerRadius={85} paddingAngle={2} isAnimationActive={false}>
                {chart.map((c) => <Cell key={c.color} fill={HEALTH_COLORS[c.color]} />)}
              </Pie>
              <Tooltip />
            </PieChart>
          </ResponsiveContainer>
        </div>
        <div className="wm-stat" style={{ flex: 1, minWidth: 160 }}>
          <div className="wm-stat-label">Expected retention</div>
          <div className="wm-stat-value" data-testid="expected-retention">{pct(mix.expectedRetention)}</div>
          <div className="wm-muted wm-small">share of each health band × its expected renewal rate, over {mix.total.toLocaleString('en-US')} accounts</div>
          {mix.expectedRetentionMrr !== null && <div className="wm-small" style={{ marginTop: 6 }}>By MRR: <strong>{pct(mix.expectedRetentionMrr)}</strong>{mix.expectedRetainedMrr !== null && <> ({formatMoney(mix.expectedRetainedMrr)} of MRR expected to renew)</>}</div>}
        </div>
      </div>
      <div className="wm-table-wrap wm-chart-table">
      <table className="wm-table">
        <thead><tr><th>Health</th><th className="wm-num">Accounts</th><th className="wm-num">Share</th><th className="wm-num">Expected renewal rate</th>{mix.rows.some((r) => r.mrr !== null) && <th className="wm-num">MRR</th>}</tr></thead>
        <tbody>
          {mix.rows.map((r) => (
            <tr key={r.color}>
              <td><span className={`wm-badge wm-health-${r.color}`}><span className="wm-dot" />{humanize(r.color)}</span></td>
              <td className="wm-num">{formatNumber(r.accounts)}</td>
              <td className="wm-num">{pct(r.share)}</td>
              <td className="wm-num">{pct(r.renewalRate)}</td>
              {mix.rows.some((x) => x.mrr !== null) && <td className="wm-num">{formatMoney(r.mrr)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </>
  );
}

function ChurnSection({ data }: { data: unknown }) {
  const { rows, average } = churnRows(data);
  if (rows.length === 0) return <Empty title="No MRR history yet" />;
  const chart = rows.map((r) => ({ month: formatMonth(r.month), 'Churn rate %': r.rate === null ? null : Math.round(r.rate * 10000) / 100 }));
  return (
    <>
      <div className="wm-muted wm-small">Average monthly churn: <strong>{formatPercent(average, 2)}</strong> (MRR cancelled in the month ÷ MRR at its start)</div>
      <div className="wm-chart" style={{ height: 200 }} aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={chart} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="month" tick={{ fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} unit="%" />
            <Tooltip />
            <Line dataKey="Churn rate %" stroke="#c8372d" strokeWidth={2} dot isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="wm-table-wrap" style={{ maxHeight: 260, overflowY: 'auto' }}>
        <table className="wm-table wm-chart-table">
          <thead><tr><th>Month</th><th className="wm-num">MRR at start</th><th className="wm-num">MRR churned</th><th className="wm-num">Churn rate</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.month}>
                <td>{formatMonth(r.month)}{r.partial && <span className="wm-muted wm-small"> (so far)</span>}</td>
                <td className="wm-num">{formatMoney(r.startMrr)}</td>
                <td className="wm-num">{formatMoney(r.churnedMrr)}</td>
                <td className="wm-num">{formatPercent(r.rate, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function VolumeSection({ data, ownerName, currentWeek }: { data: unknown; ownerName: (id: string) => string; currentWeek: string }) {
  const { rows, types, byOwner } = ctaVolume(data);
  if (rows.length === 0) return <Empty title="No CTAs were raised in this period" />;
  const color = (t: string, i: number) => TYPE_COLORS[t] ?? EXTRA_COLORS[i % EXTRA_COLORS.length];
  const weekLabel = (period: string) => formatWeek(period) + (period.slice(0, 10) === currentWeek ? ' (so far)' : '');
  const chart = rows.map((r) => ({ ...r, label: weekLabel(r.period).replace('Week of ', '') }));
  return (
    <>
      <div className="wm-chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={chart} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Legend />
            {types.map((t, i) => <Bar isAnimationActive={false} key={t} dataKey={t} name={humanize(t)} stackId="a" fill={color(t, i)} />)}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="wm-table-wrap">
        <table className="wm-table wm-chart-table">
          <thead><tr><th>Week</th>{types.map((t) => <th key={t} className="wm-num">{humanize(t)}</th>)}<th className="wm-num">Total</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.period}><td>{weekLabel(r.period)}</td>{types.map((t) => <td key={t} className="wm-num">{formatNumber(r[t])}</td>)}<td className="wm-num"><strong>{formatNumber(r.total)}</strong></td></tr>
            ))}
          </tbody>
        </table>
      </div>
      {byOwner.length > 0 && (
        <>
          <h3>By CSM</h3>
          <div className="wm-table-wrap">
          <table className="wm-table">
            <thead><tr><th>CSM</th><th className="wm-num">CTAs</th></tr></thead>
            <tbody>{byOwner.map((o) => <tr key={o.owner}><td>{o.owner.startsWith('role:') ? `Unassigned (${humanize(o.owner.slice(5))} queue)` : o.name === o.owner ? ownerName(o.owner) : o.name}</td><td className="wm-num">{formatNumber(o.count)}</td></tr>)}</tbody>
          </table>
          </div>
        </>
      )}
    </>
  );
}
