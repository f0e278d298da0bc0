/** A readable text rendering of a SimulationReport (the CLI prints it; pure). */
import type { SimulationReport } from './simulate.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatReport(report: SimulationReport, opts: { accountId?: string; maxAccounts?: number } = {}): string {
  const out: string[] = [];
  const day = (iso: string) => iso.slice(0, 10);
  out.push(`Simulation ${day(report.start)} -> ${day(report.end)} (${report.days} days, every ${report.stepHours}h): ${report.accounts.length} accounts, ${report.evaluations} evaluations`);
  out.push(`Tasks created: ${report.tasksCreated} (refreshed instead of duplicated: ${report.tasksRefreshed}, closed: ${report.tasksClosed}); stage changes: ${report.stageChanges}`);
  const types = Object.entries(report.tasksByType).sort();
  if (types.length) out.push(`By type: ${types.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push('');
  out.push('Playbooks');
  for (const p of report.playbooks) {
    out.push(`  ${p.playbookId} - ${p.name}: ${p.accounts} accounts, ${p.runs} runs (${p.completed} completed, ${p.exited} exited, ${p.active} still active), ${p.tasks} tasks`);
    for (const [node, n] of Object.entries(p.entered)) {
      const outcomes = Object.entries(p.outcomes[node] ?? {}).map(([o, c]) => `${o} ${c}`).join(', ');
      out.push(`    ${pad(node, 24)} ${String(n).padStart(5)} accounts  ${outcomes}`);
    }
  }
  if (report.forecast.owners.length) {
    out.push('');
    out.push('Forecast: tasks per owner per week');
    const weeks = report.forecast.weeks;
    out.push(`  ${pad('owner', 24)} ${weeks.map((w) => w.slice(5).padStart(4)).join(' ')}  total`);
    for (const o of report.forecast.owners) {
      out.push(`  ${pad(o.name, 24)} ${weeks.map((w) => String(o.weeks[w] ?? 0).padStart(4)).join(' ')}  ${String(o.total).padStart(5)}`);
    }
  }
  const accounts = opts.accountId ? report.accounts.filter((a) => a.accountId === opts.accountId) : report.accounts.slice(0, opts.maxAccounts ?? 5);
  for (const a of accounts) {
    out.push('');
    out.push(`Account ${a.accountId} (${a.name}), owner ${a.owner ?? '-'}, health ${a.health ? `${a.health.color} ${a.health.score}` : '-'}`);
    for (const c of a.stageChanges) out.push(`  ${day(c.at)} stage ${c.journeyId}: ${c.from ?? '(start)'} -> ${c.to}: ${c.reasonText}`);
    for (const r of a.runs) {
      out.push(`  run ${r.playbookId} v${r.version} from ${day(r.startedAt)}: ${r.status}${r.endReason ? ` (${r.endReason})` : r.waitingAt ? ` at ${r.waitingAt} until ${r.wakeAt}` : ''}`);
      for (const s of r.path) {
        const values = s.values ? ` ${JSON.stringify(s.values)}` : '';
        out.push(`    ${day(s.at)} ${pad(s.nodeId, 22)} ${s.outcome}${s.detail ? ` - ${s.detail}` : ''}${values}`);
      }
    }
    for (const t of a.tasks) out.push(`  task ${day(t.createdAt)} [${t.type}/${t.priority}] ${t.title} -> ${t.owner}, due ${day(t.dueAt)} (${t.status}): ${t.reasonText}`);
    if (a.incident) out.push(`  INCIDENT ${a.incident}`);
  }
  if (!opts.accountId && report.accounts.length > accounts.length) out.push('', `(${report.accounts.length - accounts.length} more accounts; use --account <id> or --json)`);
  if (report.incidents.length) out.push('', `Incidents: ${report.incidents.length}`, ...report.incidents.map((i) => `  ${i.accountId}: ${i.message}`));
  return out.join('\n') + '\n';
}
