/** Account context pieces shared by the task page and the account page. */
import { useState } from 'react';
import type { Health, JourneyPosition, TimelineEntry } from '../../../engine/types.js';
import type { HealthCoverage } from '../../../engine/health/compute.js';
import { arrows, formatDate, formatDateTime, formatNumber, humanize } from './format.js';
import { Empty, HealthBadge } from './ui.js';

const COLOR_VAR: Record<string, string> = { green: 'var(--wm-ok)', yellow: 'var(--wm-warn)', red: 'var(--wm-danger)' };

/**
 * health.at is when the score last changed (the engine keeps the old object while nothing
 * moves); computedAt, the account's last evaluation, is when it was last checked.
 */
export function HealthMeasures({ health, computedAt, coverage }: { health: Health | null | undefined; computedAt?: string | null; coverage?: HealthCoverage | null }) {
  if (!health && !computedAt) return <Empty title="No health score yet">It appears after the account's first evaluation.</Empty>;
  if (!health) return <NotScored computedAt={computedAt!} coverage={coverage ?? null} />;
  const measures = Object.entries(health.measures ?? {});
  return (
    <div>
      <div style={{ display: 'flex', alignItems: 'center', gap: 10, marginBottom: 8 }}>
        <HealthBadge color={health.color} score={health.score} />
        <span className="wm-muted wm-small" data-testid="health-when">
          {!computedAt ? `Score changed on ${formatDate(health.at)}`
            : computedAt.slice(0, 10) === health.at.slice(0, 10) ? `Computed ${formatDateTime(computedAt)}`
            : `Computed ${formatDateTime(computedAt)} · unchanged since ${formatDate(health.at)}`}
        </span>
      </div>
      {measures.length > 0 && (
        <table className="wm-table wm-measures">
          <thead><tr><th>Measure</th><th className="wm-num">Value</th><th>Colour</th><th className="wm-num">Weight</th></tr></thead>
          <tbody>
            {measures.map(([id, m]) => (
              <tr key={id}>
                <td>{m.name || humanize(id)}</td>
                <td className="wm-num">{m.value === null ? <span className="wm-muted">no data</span> : formatNumber(m.value, 2)}</td>
                <td>{m.color ? <span className={`wm-badge wm-health-${m.color}`}><span className="wm-dot" />{m.color}</span> : '—'}</td>
                <td className="wm-num">{formatNumber(m.weight)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** An evaluated account without a score: the engine found too little data. Says so, and which measures lack it. */
function NotScored({ computedAt, coverage }: { computedAt: string; coverage: HealthCoverage | null }) {
  const share = coverage ? coverage.minCoverage : 0.5;
  const needed = share === 0.5 ? 'half' : `${Math.round(share * 100)}%`;
  return (
    <Empty title="Not scored: too little data">
      Evaluated {formatDateTime(computedAt)}, but less than {needed} of the scorecard's measure weight has data, so there is no health score.
      {coverage && coverage.missing.length > 0 && (
        <span style={{ display: 'block', marginTop: 6 }} data-testid="health-missing">
          No data for: {coverage.missing.map((m) => `${m.name} (weight ${formatNumber(m.weight)})`).join(', ')}.
        </span>
      )}
    </Empty>
  );
}

export function JourneyStages({ journeys, stageNames }: { journeys: Record<string, JourneyPosition> | undefined; stageNames?: Record<string, string> }) {
  const entries = Object.entries(journeys ?? {});
  if (entries.length === 0) return <Empty title="Not on a journey yet" />;
  return (
    <div>
      {entries.map(([jid, pos]) => (
        <div key={jid} style={{ marginBottom: 12 }}>
          <div style={{ display: 'flex', gap: 8, alignItems: 'baseline', marginBottom: 6 }}>
            <span className="wm-muted wm-small">{humanize(jid)}</span>
            <strong>{stageNames?.[pos.stage] ?? humanize(pos.stage)}</strong>
            <span className="wm-muted wm-small">since {formatDate(pos.enteredAt)}</span>
          </div>
          {pos.history?.length > 0 && (
            <ol className="wm-stage-history" reversed>
              {pos.history.slice().sort((a, b) => (a.at < b.at ? 1 : -1)).map((h, i) => (
                <li key={i}>
                  <div><span className="wm-muted wm-small">{formatDate(h.at)}</span>{' '}
                    {h.from ? (stageNames?.[h.from] ?? humanize(h.from)) : <span className="wm-muted">Start</span>} → <strong>{stageNames?.[h.to] ?? humanize(h.to)}</strong></div>
                  {h.reasonText && <div className="wm-muted wm-small">{arrows(h.reasonText)}</div>}
                </li>
              ))}
            </ol>
          )}
        </div>
      ))}
    </div>
  );
}

const KIND_LABEL: Record<string, string> = { stage: 'Stage', task: 'Task', playbook: 'Playbook', health: 'Health', event: 'Event', activity: 'Activity', account: 'Account' };

/** Timeline entries, newest first (time order), with who and what kind. */
/** The account timeline with a filter by kind and a page at a time (accounts gather hundreds of entries). */
export function FilterableTimeline({ entries, names, pageSize = 25 }: { entries: TimelineEntry[]; names?: Map<string, string>; pageSize?: number }) {
  const [kind, setKind] = useState<string>('');
  const [shown, setShown] = useState(pageSize);
  const kinds = [...new Set(entries.map((e) => e.kind))].sort();
  const filtered = kind ? entries.filter((e) => e.kind === kind) : entries;
  return (
    <div>
      {kinds.length > 1 && (
        <div className="wm-actions" role="group" aria-label="Show" style={{ marginBottom: 8 }}>
          {['', ...kinds].map((k) => (
            <button key={k || 'all'} type="button" className="wm-btn wm-btn-small" aria-pressed={kind === k}
              style={kind === k ? { background: 'var(--wm-accent-soft)', borderColor: 'var(--wm-accent)' } : undefined}
              onClick={() => { setKind(k); setShown(pageSize); }}>
              {k ? (k === 'activity' ? 'Activities' : KIND_LABEL[k] ?? humanize(k)) : 'All'} <span className="wm-muted">{k ? entries.filter((e) => e.kind === k).length : entries.length}</span>
            </button>
          ))}
        </div>
      )}
      <Timeline entries={filtered} limit={shown} names={names} />
      {filtered.length > shown && (
        <button type="button" className="wm-btn wm-btn-small" style={{ marginTop: 8 }} onClick={() => setShown((n) => n + pageSize)}>
          {filtered.length - shown <= pageSize ? `Show the remaining ${filtered.length - shown}` : `Show ${pageSize} more (${filtered.length - shown} not shown)`}
        </button>
      )}
    </div>
  );
}

export function Timeline({ entries, limit, names }: { entries: TimelineEntry[]; limit?: number; names?: Map<string, string> }) {
  // Newest first; at the same instant, what a person logged comes before engine entries.
  const sorted = entries.slice().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : (b.kind === 'activity' ? 1 : 0) - (a.kind === 'activity' ? 1 : 0)));
  const shown = limit ? sorted.slice(0, limit) : sorted;
  if (shown.length === 0) return <Empty title="Nothing on the timeline yet" />;
  return (
    <ol className="wm-timeline" aria-label="Timeline" reversed>
      {shown.map((e) => (
        <li key={e.id} data-kind={e.kind} data-subtype={e.subtype}>
          <div className="wm-when" title={formatDateTime(e.at)}>{formatDate(e.at)}</div>
          <div>
            <span className="wm-kind">{e.kind === 'activity' && e.subtype ? (e.subtype === 'ebr' ? 'EBR' : humanize(e.subtype)) : (KIND_LABEL[e.kind] ?? humanize(e.kind))}</span>
            <span>{arrows(e.text)}</span>
            {e.by && <span className="wm-muted wm-small"> — {names?.get(e.by) ?? e.by}</span>}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function healthColorVar(color: string | null | undefined): string {
  return (color && COLOR_VAR[color]) || 'var(--wm-muted)';
}
