/**
 * One task (C2, O3): why it exists, its checklist, the account's context, the email draft
 * rendered with the account's data, and the actions a CSM takes on it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import { useApi } from './useApi.js';
import { Link, navigate } from './router.js';
import { Async, Card, Empty, ErrorBox, Field, Modal, PageHeader, PriorityBadge, TypeBadge, useToast, Loading } from './ui.js';
import { arrows, daysUntil, formatDate, formatDateTime, formatMoney, formatValue, humanize, relativeDays } from './format.js';
import { ActivityForm } from './ActivityForm.js';
import { HealthMeasures, Timeline } from './AccountParts.js';
import { SnoozeDialog } from './QueuePage.js';
import { useAuth, canWork } from './auth.js';
import { accountName, type AccountDetail, type TaskDetail, type UserSummary } from './types.js';
import type { Account, Reason, Task, TimelineEntry } from '../../../engine/types.js';

/** The audit answer, read defensively: the reason plus whatever extra the server adds. */
interface Audit {
  reasonText?: string;
  source?: string | null;
  definition?: { id?: string; name?: string; version?: number; kind?: string | null };
  node?: { id?: string; label?: string | null; kind?: string | null };
  trigger?: string | null;
  conditionText?: string | null;
  condition?: unknown;
  values?: Record<string, unknown>;
  at?: string;
  history?: { at: string; by?: string | null; action?: string; note?: string | null }[];
}

function unwrapAccount(a: TaskDetail['account']): Account | null {
  if (!a) return null;
  return 'fields' in a ? a : (a as { account: Account }).account ?? null;
}

/** Plain text of the server's escaped email HTML (for the clipboard). */
export function htmlToText(html: string): string {
  const withBreaks = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h\d)>/gi, '\n');
  if (typeof DOMParser !== 'undefined') {
    const doc = new DOMParser().parseFromString(withBreaks, 'text/html');
    return (doc.body.textContent ?? '').trim();
  }
  return withBreaks.replace(/<[^>]*>/g, '').trim();
}

export function TaskPage({ id }: { id: string }) {
  const res = useApi<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`);
  return (
    <Async res={res} label="Loading task…" notFound={
      <Empty title="Task not found">
        It may have been closed and removed, or the link is wrong. <Link to="/queue">Back to my queue</Link>
      </Empty>}>
      {(d) => <TaskView detail={d} reload={res.reload} />}
    </Async>
  );
}

function TaskView({ detail, reload }: { detail: TaskDetail; reload: () => void }) {
  const { user } = useAuth();
  const toast = useToast();
  const task = detail.task;
  const account = unwrapAccount(detail.account);
  const accountId = account?.id ?? task.accountId;
  const accountRes = useApi<AccountDetail>(`/api/accounts/${encodeURIComponent(accountId)}`);
  const audit = useApi<Audit>(`/api/tasks/${encodeURIComponent(task.id)}/audit`);
  const users = useApi<{ items: UserSummary[] }>('/api/users');
  const names = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [snoozeOpen, setSnoozeOpen] = useState(false);
  const [reassignOpen, setReassignOpen] = useState(false);
  // Ticked steps show at once; the server's answer (or an error) settles them.
  const [pendingSteps, setPendingSteps] = useState<Record<string, boolean>>({});
  const nowMs = Date.now();

  /** After anything that can change the task on the server (an activity can close it), show its current state. */
  function reloadAll() {
    reload();
    accountRes.reload();
    audit.reload();
  }
  /** A 409 means someone or something closed or completed the task meanwhile: reload it and say so plainly. */
  function failed(e: unknown) {
    if (e instanceof ApiError && e.status === 409) {
      setError(new Error('This task is no longer open: it was closed or completed meanwhile. The page now shows its current state.'));
      setSnoozeOpen(false);
      setReassignOpen(false);
      reloadAll();
    } else {
      setError(e as Error);
    }
  }

  async function toggleStep(stepId: string, title: string, done: boolean) {
    setPendingSteps((p) => ({ ...p, [stepId]: done }));
    setError(null);
    try {
      await api.post(`/api/tasks/${encodeURIComponent(task.id)}/steps/${encodeURIComponent(stepId)}`, { done });
      toast(done ? `Done: ${title}` : `Reopened: ${title}`);
      reload();
      audit.reload();
    } catch (e) {
      failed(e);
      setPendingSteps((p) => { const n = { ...p }; delete n[stepId]; return n; });
    }
  }
  // Once the reloaded task agrees with a pending tick, drop the pending value.
  useEffect(() => {
    setPendingSteps((p) => {
      const left = Object.fromEntries(Object.entries(p).filter(([id, v]) => task.steps.find((s) => s.id === id)?.done !== v));
      return Object.keys(left).length === Object.keys(p).length ? p : left;
    });
  }, [task]);
  const open = task.status === 'open';
  const editable = canWork(user) && open;

  async function act(label: string, path: string, body: unknown, done: string, after?: () => void) {
    setBusy(label);
    setError(null);
    try {
      await api.post(`/api/tasks/${encodeURIComponent(task.id)}${path}`, body);
      toast(done);
      after?.();
      reloadAll();
    } catch (e) {
      failed(e);
    } finally {
      setBusy(null);
    }
  }

  const overdue = open && Date.parse(task.dueAt) < nowMs;
  const stepDone = (s: Task['steps'][number]) => pendingSteps[s.id] ?? s.done;
  const stepsDone = task.steps.filter(stepDone).length;
  const accountDetail = accountRes.data;
  const timeline: TimelineEntry[] = accountDetail ? (Array.isArray(accountDetail.timeline) ? accountDetail.timeline : accountDetail.timeline?.items ?? []) : [];
  const fields = account?.fields ?? {};
  const renewalDays = daysUntil(fields.renewalDate, nowMs);

  return (
    <>
      <div className="wm-small" style={{ marginBottom: 8 }}><Link to="/queue">← My queue</Link></div>
      <PageHeader
        title={task.title}
        subtitle={<span style={{ display: 'inline-flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
          <PriorityBadge priority={task.priority} /><TypeBadge type={task.type} />
          <span>for <Link to={`/accounts/${encodeURIComponent(accountId)}`}>{accountName(account)}</Link></span>
          <span className={overdue ? 'wm-overdue' : ''}>{overdue ? 'Overdue since' : 'Due'} {formatDate(task.dueAt)} ({relativeDays(daysUntil(task.dueAt, nowMs))})</span>
          {task.flaggedRed && <span className="wm-flag">⚑ Flagged for escalation</span>}
        </span>}
        actions={editable ? (
          <>
            <button type="button" className="wm-btn wm-btn-primary" disabled={!!busy} onClick={() => act('complete', '/complete', {}, 'Task completed', () => navigate('/queue'))}>
              {busy === 'complete' ? 'Completing…' : 'Complete'}
            </button>
            <button type="button" className="wm-btn" disabled={!!busy} onClick={() => setSnoozeOpen(true)}>Snooze…</button>
            <button type="button" className="wm-btn" disabled={!!busy} onClick={() => setReassignOpen(true)}>Reassign…</button>
            <button type="button" className={'wm-btn wm-btn-danger' + (task.flaggedRed ? ' wm-active' : '')} aria-pressed={task.flaggedRed} disabled={!!busy}
              onClick={() => act('flag', '/flag', { red: !task.flaggedRed }, task.flaggedRed ? 'Flag removed' : 'Flagged red for escalation')}>
              ⚑ {task.flaggedRed ? 'Flagged red' : 'Flag red'}
            </button>
          </>
        ) : undefined}
      />
      {!open && (
        <div className={'wm-banner ' + (task.status === 'done' ? 'wm-banner-ok' : 'wm-banner-warn')} role="status">
          {task.status === 'done' ? `Completed ${formatDateTime(task.completedAt)}.` : `Closed${task.closedReason ? ': ' + task.closedReason : ''}.`}
        </div>
      )}
      {open && task.snoozedUntil && Date.parse(task.snoozedUntil) > nowMs && (
        <div className="wm-banner wm-banner-warn" role="status">Snoozed until {formatDate(task.snoozedUntil)}; it is hidden from the queue until then.</div>
      )}
      {error && <ErrorBox error={error} />}
      <div className="wm-grid wm-grid-main">
        <div>
          <Card title="Why this task">
            <WhyThisTask task={task} audit={audit} playbookName={detail.playbook?.name} names={names} />
          </Card>
          <Card title={`Checklist${task.steps.length ? ` (${stepsDone} of ${task.steps.length} done)` : ''}`}>
            {task.steps.length === 0 ? <div className="wm-muted">This task has no checklist steps.</div> : (
              <ul className="wm-checklist">
                {task.steps.map((s) => (
                  <li key={s.id}>
                    <label>
                      <input type="checkbox" checked={stepDone(s)} disabled={!editable || !!busy || s.id in pendingSteps}
                        onChange={(e) => toggleStep(s.id, s.title, e.target.checked)} />
                      <span>
                        <span className={stepDone(s) ? 'wm-step-done' : ''}>{s.title}</span>
                        <span className="wm-muted wm-small" style={{ display: 'block' }}>
                          {s.done ? `Done ${formatDate(s.doneAt)}${s.doneBy ? ' by ' + (names.get(s.doneBy) ?? s.doneBy) : ''}` : s.dueAt ? `Due ${formatDate(s.dueAt)}` : ''}
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          {(detail.email ?? task.email) && <EmailDraft email={(detail.email ?? task.email)!} html={detail.emailHtml} accountId={accountId} canSend={canWork(user)} onSent={reloadAll} />}
          {canWork(user) && (
            <Card title="Log an activity">
              <ActivityForm accountId={accountId} onLogged={reloadAll} />
            </Card>
          )}
        </div>
        <div>
          <Card title="Account" actions={<Link to={`/accounts/${encodeURIComponent(accountId)}`} className="wm-small">Open account →</Link>}>
            {account ? (
              <dl className="wm-kvs">
                <Field label="Account">{accountName(account)}</Field>
                <Field label="Tier">{humanize(fields.tier)}</Field>
                <Field label="Segment">{humanize(fields.segment)}</Field>
                <Field label="MRR">{formatMoney(fields.mrr)}</Field>
                <Field label="Renewal">{formatDate(fields.renewalDate)}{renewalDays !== null && <div className="wm-muted wm-small">{relativeDays(renewalDays)}</div>}</Field>
                <Field label="Owner">{typeof fields.owner === 'string' ? names.get(fields.owner) ?? fields.owner : '—'}</Field>
                <Field label="Task owner">{task.owner.startsWith('role:') ? `Unassigned (${humanize(task.owner.slice(5))})` : names.get(task.owner) ?? task.owner}</Field>
                <Field label="Stage">{accountDetail?.state ? Object.values(accountDetail.state.journeys ?? {}).map((p) => humanize(p.stage)).join(', ') || '—' : '—'}</Field>
              </dl>
            ) : <div className="wm-muted">The account could not be loaded.</div>}
          </Card>
          <Card title="Health">
            <HealthMeasures health={detail.health ?? accountDetail?.health ?? accountDetail?.state?.health} computedAt={detail.state?.lastEvaluatedAt ?? accountDetail?.state?.lastEvaluatedAt} coverage={accountDetail?.healthCoverage} />
          </Card>
          <Card title="Recent timeline">
            {accountRes.error ? <ErrorBox error={accountRes.error} onRetry={accountRes.reload} /> : !accountDetail ? <Loading /> : <Timeline entries={timeline} limit={8} names={names} />}
          </Card>
        </div>
      </div>
      <SnoozeDialog open={snoozeOpen} busy={!!busy} nowMs={nowMs} onClose={() => setSnoozeOpen(false)}
        onSnooze={(until) => act('snooze', '/snooze', { until }, `Snoozed until ${formatDate(until)}`, () => setSnoozeOpen(false))} />
      <ReassignDialog open={reassignOpen} current={task.owner} busy={!!busy} onClose={() => setReassignOpen(false)}
        onReassign={(owner, name) => act('reassign', '/reassign', { owner }, `Reassigned to ${name}`, () => setReassignOpen(false))} />
    </>
  );
}

function WhyThisTask({ task, audit, playbookName, names }: { task: Task; audit: { data: Audit | undefined; error: Error | null; loading: boolean }; playbookName?: string; names?: Map<string, string> }) {
  const a = audit.data;
  const reason: Partial<Reason> = task.reason ?? {};
  const values = Object.entries(a?.values ?? reason.values ?? {});
  const source = a?.source ?? reason.source;
  const defId = a?.definition?.id ?? reason.definitionId ?? task.playbookId;
  const conditionText = typeof audit.data?.conditionText === 'string' ? audit.data.conditionText : null;
  return (
    <div className="wm-why">
      <p style={{ margin: '0 0 8px', fontSize: 15 }}>{arrows(task.reasonText)}</p>
      {conditionText && <p style={{ margin: '0 0 8px' }}><span className="wm-muted">Condition: </span>{conditionText}</p>}
      {values.length > 0 && (
        <>
          <div className="wm-muted wm-small">Account values at that moment</div>
          <ul className="wm-values">{values.map(([k, v]) => <li key={k}><strong>{humanize(k)}</strong> {formatValue(v)}</li>)}</ul>
        </>
      )}
      <dl className="wm-kvs" style={{ marginTop: 12 }}>
        <Field label={source === 'journey' ? 'Journey' : source === 'manual' ? 'Source' : 'Playbook'}>{source === 'manual' ? 'Created by hand' : <Link to={`/definitions/${encodeURIComponent(defId)}`}>{a?.definition?.name ?? playbookName ?? defId}</Link>}</Field>
        <Field label="Version">v{a?.definition?.version ?? reason.version ?? task.playbookVersion}</Field>
        <Field label="Node">{a?.node?.label ?? a?.node?.id ?? reason.nodeId ?? task.nodeId}{a?.node?.kind ? <span className="wm-muted"> ({a.node.kind})</span> : null}</Field>
        <Field label="When">{formatDateTime(a?.at ?? reason.at ?? task.createdAt)}</Field>
        <Field label="Trigger" wide>{a?.trigger ?? reason.trigger ?? '—'}</Field>
      </dl>
      {audit.error && <div className="wm-muted wm-small" style={{ marginTop: 8 }}>The audit trail could not be loaded: {audit.error.message}</div>}
      {Array.isArray(audit.data?.history) && audit.data!.history!.length > 0 && (
        <details style={{ marginTop: 10 }}>
          <summary className="wm-small">Task history ({audit.data!.history!.length})</summary>
          <ul className="wm-small" style={{ margin: '6px 0 0', paddingLeft: 18 }}>
            {audit.data!.history!.map((h, i) => <li key={i}>{formatDateTime(h.at)} — {h.note ?? h.action}{h.by ? ` (${names?.get(h.by) ?? h.by})` : ' (engine)'}</li>)}
          </ul>
        </details>
      )}
    </div>
  );
}

function EmailDraft({ email, html, accountId, canSend, onSent }: { email: { to?: string; subject: string; body: string }; html: string | null; accountId: string; canSend: boolean; onSent: () => void }) {
  const toast = useToast();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const text = html ? htmlToText(html) : email.body;
  // The server escapes every merge value; sandbox="" also blocks scripts, forms and navigation.
  const doc = `<!doctype html><html><head><meta charset="utf-8"><style>body{font:14px/1.5 system-ui,sans-serif;color:#1d2330;margin:12px;}</style></head><body>${html ?? ''}</body></html>`;
  async function copy() {
    try {
      await navigator.clipboard.writeText(`Subject: ${email.subject}\n\n${text}`);
      toast('Email copied to the clipboard');
    } catch {
      toast('Copy is blocked by the browser; select the text instead', 'error');
    }
  }
  async function markSent() {
    setError(null);
    try {
      await api.post(`/api/accounts/${encodeURIComponent(accountId)}/activities`, { kind: 'email', summary: `Sent email: ${email.subject}` });
      setSent(true);
      toast('Logged the email on the account timeline');
      onSent();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <Card title="Email draft" actions={
      <div className="wm-actions">
        <button type="button" className="wm-btn wm-btn-small" onClick={copy}>Copy</button>
        {canSend && <button type="button" className="wm-btn wm-btn-small" disabled={sent} onClick={markSent}>{sent ? 'Marked as sent' : 'Mark as sent'}</button>}
      </div>
    }>
      <div className="wm-email-head">
        {email.to && <div><span className="wm-muted">To:</span> {email.to}</div>}
        <div><span className="wm-muted">Subject:</span> <strong>{email.subject}</strong></div>
      </div>
      {html ? <iframe className="wm-email-frame" title="Email draft" sandbox="" srcDoc={doc} /> : <div className="wm-muted">No rendered draft is available for this task.</div>}
      {error && <ErrorBox error={error} />}
    </Card>
  );
}

function ReassignDialog({ open, current, busy, onClose, onReassign }: { open: boolean; current: string; busy: boolean; onClose: () => void; onReassign: (owner: string, name: string) => void }) {
  const users = useApi<{ items: UserSummary[] }>(open ? '/api/users' : null);
  const [owner, setOwner] = useState('');
  const candidates = (users.data?.items ?? []).filter((u) => u.roles.some((r) => r !== 'viewer') && u.id !== current)
    .sort((a, b) => a.name.localeCompare(b.name));
  function submit(e: FormEvent) {
    e.preventDefault();
    const u = candidates.find((c) => c.id === owner);
    if (u) onReassign(u.id, u.name);
  }
  return (
    <Modal title="Reassign task" open={open} onClose={onClose}>
      <form onSubmit={submit}>
        {users.error ? <ErrorBox error={users.error} onRetry={users.reload} /> : !users.data ? <Loading label="Loading people…" /> : (
          <label className="wm-label">New owner
            <select className="wm-select" value={owner} onChange={(e) => setOwner(e.target.value)} required>
              <option value="">Choose a person…</option>
              {candidates.map((u) => <option key={u.id} value={u.id}>{u.name}{u.teamRole ? ` — ${humanize(u.teamRole)}` : ''}</option>)}
            </select>
          </label>
        )}
        <div className="wm-actions" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="wm-btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="wm-btn wm-btn-primary" disabled={busy || !owner}>Reassign</button>
        </div>
      </form>
    </Modal>
  );
}
