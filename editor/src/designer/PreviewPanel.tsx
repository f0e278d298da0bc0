/**
 * Preview the draft before publishing: the path one account would take (highlighted on the
 * canvas, with each node's reason), or the whole book (counts per node, the tasks that would
 * be created, and the forecast task load per owner per week).
 */
import { useState } from 'react';
import { BarChart, Bar, XAxis, YAxis, Tooltip, Legend, ResponsiveContainer, CartesianGrid } from 'recharts';
import { ApiError } from '../api.js';
import { definitionsApi, fieldList, type AccountLite, type PreviewReport } from './designer-api.js';
import { builderFields, fieldFor, type BuilderField } from './rule-model.js';
import { AccountPicker, accountName } from './AccountPicker.js';
import { accountPath, accountStages, nodeCounts, taskList, forecastRows, bookSummary, weekLabel, type PathStepView, type TaskView, type ForecastRow } from './preview-report.js';
import { TRIGGER_ID, labelOf, type Doc } from './graph-model.js';
import type { Definition } from '../../../engine/schema/definitions.js';

export interface PreviewDecor {
  label: string;
  /** Nodes on the previewed path, with the reason shown there. */
  path: Map<string, string>;
  counts?: Record<string, number>;
}

/** Why an account would not enter (server/definitions/why.ts), sent for the accounts asked about by id. */
interface NotEntered {
  reason: string;
  cause: 'audience' | 'reentry' | 'trigger';
  /** The account's values of the fields the deciding rule reads, keyed by variable path. */
  values: Record<string, unknown>;
}
/** Where an account stays at the end of a journey preview, and what keeps each way out shut (server/definitions/why.ts). */
interface JourneyStop {
  stage: string | null;
  stageName: string | null;
  reason: string;
  ways: { to: string; toName: string; blockedBy: 'when' | 'exit' | 'entry'; needs: string; text: string; values: Record<string, unknown> }[];
  values: Record<string, unknown>;
}
type PreviewWithWhy = PreviewReport & { notEntered?: Record<string, NotEntered>; stays?: Record<string, JourneyStop> };

/** A readable label for a variable path: the dictionary's label, else a plain reading of the path. */
function labelFor(path: string, fields: BuilderField[]): string {
  const f = fieldFor(path, fields);
  if (f.group !== 'Unknown') return f.label;
  const m = /^journey\.([^.]+)\.(stage|daysInStage)$/.exec(path) ?? /^health\.measures\.([^.]+)\.(value|color)$/.exec(path);
  if (m) return path.startsWith('journey.') ? `Journey ${m[1]}: ${m[2] === 'stage' ? 'stage' : 'days in stage'}` : `Measure ${m[1]}: ${m[2] === 'value' ? 'value' : 'colour'}`;
  return path;
}

function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'not set';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(showValue).join(', ') : 'none';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const COLORS = ['#2f6fde', '#2f855a', '#b7791f', '#c8372d', '#7c3aed', '#0e7490', '#be185d', '#4d7c0f', '#9a3412', '#475569'];

/**
 * `fields` labels the values behind a "would not enter" reason; without it the panel reads the
 * field dictionary itself (journey and measure paths then read plainly from the path).
 */
/** The steps an account takes, node by node (playbook) or stage by stage (journey). */
function PathSteps({ doc, steps }: { doc: Doc; steps: PathStepView[] }) {
  return (
    <ol className="wmd-path">
      {steps.map((s, i) => (
        <li key={i}><strong>{labelOf(doc, s.nodeId || TRIGGER_ID)}</strong> <span className="wm-muted wm-small">{s.at.slice(0, 10)}</span>
          <div className="wm-small">{[s.outcome, s.detail].filter(Boolean).join(' — ')}</div></li>
      ))}
    </ol>
  );
}

/** The account's values of the fields a deciding rule read, under their dictionary labels. */
function WhyValues({ name, values, labels }: { name: string; values: Record<string, unknown>; labels: BuilderField[] }) {
  if (Object.keys(values).length === 0) return null;
  return (
    <dl className="wm-small wmd-why-values" aria-label={`Values of ${name}`}>
      {Object.entries(values).map(([k, v]) => (
        <div key={k}><dt style={{ display: 'inline' }}>{labelFor(k, labels)}:</dt> <dd style={{ display: 'inline', margin: 0 }}>{showValue(v)}</dd></div>
      ))}
    </dl>
  );
}

export function PreviewPanel({ doc, decor, onDecor, fields }: { doc: Doc; decor: PreviewDecor | null; onDecor: (d: PreviewDecor | null) => void; fields?: BuilderField[] }) {
  const [days, setDays] = useState(90);
  const [account, setAccount] = useState<AccountLite | null>(null);
  const [busy, setBusy] = useState<'one' | 'all' | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [steps, setSteps] = useState<PathStepView[] | null>(null);
  const [why, setWhy] = useState<{ entry: NotEntered; labels: BuilderField[] } | null>(null);
  const [stop, setStop] = useState<{ stop: JourneyStop; labels: BuilderField[] } | null>(null);
  const [book, setBook] = useState<{ summary: string; counts: Record<string, number>; tasks: TaskView[]; rows: ForecastRow[]; owners: string[] } | null>(null);

  const run = async (which: 'one' | 'all') => {
    setBusy(which);
    setError(null);
    try {
      const report: PreviewWithWhy = await definitionsApi.preview(doc.id, { definition: doc as Definition, days, ...(which === 'one' && account ? { accountIds: [account.id] } : {}) });
      if (which === 'one' && account) {
        const s = doc.kind === 'playbook' ? accountPath(report, account.id, doc.id) : accountStages(report, account.id, doc.id);
        setSteps(s);
        const entry = s.length === 0 ? report.notEntered?.[account.id] : undefined;
        const stays = report.stays?.[account.id];
        let labels = fields ?? [];
        if (!fields && Object.keys({ ...entry?.values, ...stays?.values }).length) {
          // Labels are a nicety: if the dictionary cannot be read, the paths show instead.
          labels = builderFields(fieldList(await definitionsApi.fields().catch(() => undefined)));
        }
        setWhy(entry ? { entry, labels } : null);
        setStop(stays ? { stop: stays, labels } : null);
        const path = new Map<string, string>();
        for (const st of s) path.set(st.nodeId || TRIGGER_ID, [st.outcome, st.detail].filter(Boolean).join(': '));
        // A journey account that does not move is still somewhere: mark the stage it stays in.
        if (stays?.stage && !path.has(stays.stage)) path.set(stays.stage, 'stays here');
        const outcome = s.length ? '' : stays?.stage ? `: it stays in ${stays.stageName}` : ': it does not enter';
        onDecor({ label: `Path of ${accountName(account)} over ${days} days${outcome}`, path });
      } else {
        const counts = nodeCounts(report, doc);
        const names = report.ownerNames ?? {};
        const tasks = taskList(report, doc.kind === 'playbook' ? doc.id : undefined, names);
        const { rows, owners } = forecastRows(report);
        setBook({ summary: bookSummary(report, doc, tasks), counts, tasks, rows: rows.map((r) => ({ ...r, week: weekLabel(r.week) })), owners });
        onDecor({ label: `Whole book over ${days} days: accounts reaching each ${doc.kind === 'playbook' ? 'node' : 'stage'}`, path: new Map(), counts });
      }
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="wmd-form wmd-preview">
      <h2>Preview</h2>
      <p className="wm-muted wm-small">Runs the current draft (saved or not) against real account data with a simulated clock. Nothing is written.</p>
      <div className="wmd-row wmd-inline">
        <label className="wm-label" htmlFor="wmd-days">Days ahead</label>
        <input id="wmd-days" className="wm-input wmd-num" type="number" min={1} max={365} value={days} onChange={(e) => setDays(Math.min(365, Math.max(1, Number(e.target.value) || 1)))} />
      </div>
      <section className="wmd-section">
        <h3>One account</h3>
        <AccountPicker value={account} onPick={(a) => { setAccount(a); setSteps(null); setWhy(null); setStop(null); }} />
        <button type="button" className="wm-btn wm-btn-small" disabled={!account || busy !== null} onClick={() => void run('one')}>{busy === 'one' ? 'Running…' : 'Show its path'}</button>
        {steps && account && doc.kind === 'journey' && (
          <>
            {steps.length > 0 && (
              <PathSteps doc={doc} steps={steps} />
            )}
            {steps.length === 0 && !stop?.stop.stage && <p className="wm-muted">{accountName(account)} would not enter this journey in the next {days} days.</p>}
            {steps.length === 0 && stop?.stop.stage && <p className="wm-muted">{accountName(account)} would not move in the next {days} days.</p>}
            {stop && (
              <div className="wmd-not-entered" aria-label={`Why ${accountName(account)} stays`}>
                <p className="wm-small">{stop.stop.stage ? <>Stays in <strong>{stop.stop.stageName}</strong>.</> : stop.stop.reason}</p>
                {stop.stop.ways.length > 0 && (
                  <ul className="wm-small wmd-ways">
                    {stop.stop.ways.map((w) => (
                      <li key={w.to}>To <strong>{w.toName}</strong>: {w.text}.</li>
                    ))}
                  </ul>
                )}
                {stop.stop.stage && stop.stop.ways.length === 0 && <p className="wm-small">{stop.stop.reason}</p>}
                <WhyValues name={accountName(account)} values={stop.stop.values} labels={stop.labels} />
              </div>
            )}
          </>
        )}
        {steps && account && doc.kind !== 'journey' && (
          steps.length === 0 ? (
            <div className="wmd-not-entered">
              <p className="wm-muted">{accountName(account)} would not enter this {doc.kind} in the next {days} days.</p>
              {why && <p className="wm-small">{why.entry.reason}</p>}
              {why && <WhyValues name={accountName(account)} values={why.entry.values ?? {}} labels={why.labels} />}
            </div>
          ) : (
            <PathSteps doc={doc} steps={steps} />
          )
        )}
      </section>
      <section className="wmd-section">
        <h3>Whole book</h3>
        <button type="button" className="wm-btn wm-btn-small" disabled={busy !== null} onClick={() => void run('all')}>{busy === 'all' ? 'Running…' : 'Run on all accounts'}</button>
        {book && (
          <>
            <p className="wm-small" data-testid="book-summary">{book.summary}</p>
            {book.rows.length === 0 && <p className="wm-muted wm-small">No tasks in the forecast for the next {days} days.</p>}
            {book.rows.length > 0 && (
              <div className="wmd-chart" aria-label="Forecast tasks per owner per week">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={book.rows} margin={{ top: 8, right: 8, bottom: 4, left: -18 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="week" tick={{ fontSize: 10 }} tickFormatter={(w) => String(w).replace(/^Week of /, "")} />
                    <YAxis allowDecimals={false} tick={{ fontSize: 10 }} />
                    <Tooltip />
                    <Legend wrapperStyle={{ fontSize: 11 }} />
                    {book.owners.map((o, i) => <Bar key={o} dataKey={o} stackId="a" fill={COLORS[i % COLORS.length]} />)}
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
            {book.tasks.length > 0 && (
              <div className="wm-table-wrap wmd-tasks">
                <table className="wm-table">
                  <thead><tr><th>Task</th><th>Owner</th><th>Due</th></tr></thead>
                  <tbody>{book.tasks.slice(0, 100).map((t, i) => (
                    <tr key={i}><td>{t.title}<div className="wm-muted wm-small">{t.accountName || t.accountId} · {t.priority}</div></td><td>{t.owner}</td><td className="wm-nowrap">{t.dueAt.slice(0, 10)}</td></tr>
                  ))}</tbody>
                </table>
                {book.tasks.length > 100 && <p className="wm-muted wm-small">First 100 of {book.tasks.length}.</p>}
              </div>
            )}
          </>
        )}
      </section>
      {error && (
        <div className="wm-error" role="alert">{error.message}
          {error instanceof ApiError && error.details.length > 0 && <ul>{error.details.map((d, i) => <li key={i}><code>{d.path}</code> {d.message}</li>)}</ul>}
        </div>
      )}
      {decor && <button type="button" className="wm-btn wm-btn-small" onClick={() => onDecor(null)}>Clear the canvas highlight</button>}
    </div>
  );
}
