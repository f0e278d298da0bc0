/** Accounts list: search and filter the book (owner, tier, segment, health), paged. */
import { useEffect, useState } from 'react';
import { query } from '../api.js';
import { useApi } from './useApi.js';
import { Link, setSearch, useLocation } from './router.js';
import { Async, Empty, HealthBadge, PageHeader, Pager } from './ui.js';
import { daysUntil, formatDate, formatMoney, humanize, relativeDays } from './format.js';
import { useAuth } from './auth.js';
import { accountName, rowAccount, type AccountRow, type UserSummary } from './types.js';
import { TierSegmentFilters } from './DictionaryFilters.js';

const LIMIT = 50;

/** Churned as the server counts it (server/analytics/load.ts isChurned): the flag, or a churn date. */
export function isChurnedAccount(fields: Record<string, unknown>): boolean {
  return fields.churned === true || (typeof fields.churnedAt === 'string' && !Number.isNaN(Date.parse(fields.churnedAt)));
}

/**
 * "86 accounts match (7 churned)". The churned count is the list's own (churnedTotal, from a count
 * request) when known; otherwise the page's, and with more pages it says "on this page".
 */
export function accountsHeadline(total: number, items: AccountRow[], anyFilter: boolean, paged: boolean, churnedTotal?: number): string {
  const head = `${total.toLocaleString('en-US')} account${total === 1 ? '' : 's'}${anyFilter ? (total === 1 ? ' matches' : ' match') : ''}`;
  const exact = churnedTotal !== undefined;
  const churned = exact ? churnedTotal : items.filter((r) => isChurnedAccount(rowAccount(r).fields ?? {})).length;
  if (churned === 0) return head;
  return `${head} (${churned.toLocaleString('en-US')} churned${paged && !exact ? ' on this page' : ''})`;
}

/** The header for the customers shown: live ones (as the Team page counts), churned ones, or all. */
export function headlineFor(show: string, total: number, items: AccountRow[], filtered: boolean, paged: boolean, churnedTotal?: number): string {
  const n = `${total.toLocaleString('en-US')} `;
  const s = total === 1 ? '' : 's';
  const match = filtered ? (total === 1 ? ' matches' : ' match') : '';
  if (show === 'all') return accountsHeadline(total, items, true, paged, churnedTotal);
  if (show === 'churned') return `${n}churned account${s}${match}`;
  return `${n}live account${s}${match}`;
}

export function AccountsPage() {
  const loc = useLocation();
  const { user } = useAuth();
  const f = {
    q: loc.search.get('q') ?? '',
    owner: loc.search.get('owner') ?? '',
    tier: loc.search.get('tier') ?? '',
    segment: loc.search.get('segment') ?? '',
    health: loc.search.get('health') ?? '',
    /** '' live customers (as the Team page and analytics count them), 'churned', or 'all'. */
    show: loc.search.get('show') ?? '',
    sort: loc.search.get('sort') ?? '',
    offset: Number(loc.search.get('offset') ?? 0) || 0,
  };
  const [q, setQ] = useState(f.q);
  useEffect(() => setQ(f.q), [f.q]);
  // Search as the user types, without a request per keystroke.
  useEffect(() => {
    if (q === f.q) return;
    const t = setTimeout(() => setSearch({ ...f, q, offset: undefined }), 300);
    return () => clearTimeout(t);
  }, [q]); // eslint-disable-line react-hooks/exhaustive-deps

  const churnedParam = f.show === 'all' ? undefined : f.show === 'churned' ? 'true' : 'false';
  const res = useApi<{ items: AccountRow[]; total: number }>('/api/accounts' + query({ ...f, show: undefined, churned: churnedParam, sort: f.sort || undefined, offset: f.offset || undefined, limit: LIMIT }));
  // With churned accounts shown too, how many of all the matches are churned (one count request).
  const churnedCount = useApi<{ total: number }>(f.show === 'all' ? '/api/accounts' + query({ ...f, show: undefined, sort: undefined, offset: undefined, churned: 'true', limit: 1 }) : null);
  const users = useApi<{ items: UserSummary[] }>('/api/users');
  const names = new Map((users.data?.items ?? []).map((u) => [u.id, u.name]));
  const owners = (users.data?.items ?? []).filter((u) => u.roles.includes('csm')).sort((a, b) => a.name.localeCompare(b.name));
  const set = (k: string, v: string) => setSearch({ ...f, [k]: v, offset: undefined });
  const nowMs = Date.now();
  const anyFilter = !!(f.q || f.owner || f.tier || f.segment || f.health || f.show);

  return (
    <>
      <PageHeader title="Accounts" subtitle={res.data ? headlineFor(f.show, res.data.total, res.data.items, !!(f.q || f.owner || f.tier || f.segment || f.health), res.data.total > res.data.items.length, churnedCount.data?.total) : 'Your customer book'} />
      <form className="wm-filters" role="search" onSubmit={(e) => { e.preventDefault(); setSearch({ ...f, q, offset: undefined }); }}>
        <label className="wm-label">Search
          <input className="wm-input" type="search" value={q} placeholder="Name or id" onChange={(e) => setQ(e.target.value)} />
        </label>
        <label className="wm-label">Owner
          <select className="wm-select" value={f.owner} onChange={(e) => set('owner', e.target.value)}>
            <option value="">Everyone</option>
            {user.roles.includes('csm') && <option value={user.id}>Me</option>}
            {owners.filter((o) => o.id !== user.id).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <TierSegmentFilters tier={f.tier} segment={f.segment} onChange={set} />
        <label className="wm-label">Health
          <select className="wm-select" value={f.health} onChange={(e) => set('health', e.target.value)}>
            <option value="">Any health</option>
            <option value="green">Healthy (green)</option>
            <option value="yellow">At risk (yellow)</option>
            <option value="red">Unhealthy (red)</option>
          </select>
        </label>
        <label className="wm-label">Customers
          <select className="wm-select" value={f.show} onChange={(e) => set('show', e.target.value)}>
            <option value="">Live customers</option>
            <option value="churned">Churned only</option>
            <option value="all">All, churned too</option>
          </select>
        </label>
        <label className="wm-label">Sort by
          <select className="wm-select" value={f.sort} onChange={(e) => set('sort', e.target.value)}>
            <option value="">Name</option>
            <option value="renewal">Renewal date, soonest first</option>
            <option value="mrr">MRR, largest first</option>
            <option value="health">Health, lowest first</option>
          </select>
        </label>
        {anyFilter && <button type="button" className="wm-btn" onClick={() => { setQ(''); setSearch({ sort: f.sort || undefined }); }}>Clear</button>}
      </form>
      <section className="wm-card wm-list-card">
        <Async res={res} label="Loading accounts…">
          {(data) => data.items.length === 0 ? <Empty title={anyFilter ? 'No accounts match these filters' : 'No accounts yet'}>{anyFilter ? 'Try a broader search.' : 'Load accounts through the API or a CSV import.'}</Empty> : (
            <>
              <div className="wm-table-wrap">
                <table className="wm-table">
                  <thead><tr><th>Account</th><th>Tier</th><th>Segment</th><th className="wm-num">MRR</th><th>Renewal</th><th>Health</th><th>Stage</th><th>Owner</th></tr></thead>
                  <tbody>
                    {data.items.map((row) => {
                      const a = rowAccount(row);
                      const state = row.state ?? null;
                      const h = (row.health ?? state?.health) as { color?: string; score?: number } | null | undefined;
                      const stage = Object.values((row.journeys as Record<string, { stage: string }> | undefined) ?? state?.journeys ?? {})[0]?.stage;
                      const rd = daysUntil(a.fields.renewalDate, nowMs);
                      const churned = isChurnedAccount(a.fields);
                      return (
                        <tr key={a.id} className={churned ? 'wm-row-churned' : undefined}>
                          <td><Link to={`/accounts/${encodeURIComponent(a.id)}`}>{accountName(a)}</Link>
                            {churned && <> <span className="wm-badge wm-badge-churned" title="This customer has churned: no playbooks run for it and the Team page leaves it out">Churned</span></>}</td>
                          <td>{humanize(a.fields.tier)}</td>
                          <td>{humanize(a.fields.segment)}</td>
                          <td className="wm-num">{formatMoney(a.fields.mrr)}</td>
                          <td className="wm-nowrap">{formatDate(a.fields.renewalDate)}{rd !== null && <div className={'wm-small ' + (!churned && rd >= 0 && rd <= 90 ? 'wm-overdue' : 'wm-muted')}>{relativeDays(rd)}</div>}</td>
                          <td><HealthBadge color={h?.color} score={h?.score} /></td>
                          <td>{stage ? humanize(stage) : <span className="wm-muted">—</span>}</td>
                          <td>{typeof a.fields.owner === 'string' ? names.get(a.fields.owner) ?? a.fields.owner : '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Pager offset={f.offset} limit={LIMIT} total={data.total} onChange={(o) => setSearch({ ...f, offset: o || undefined })} />
            </>
          )}
        </Async>
      </section>
    </>
  );
}
