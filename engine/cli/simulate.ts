/**
 * `npm run simulate -- --accounts file.json|file.csv --days 90 [--playbook id] [--account id] [--json]`
 * Loads and validates playbooks/ first (exit 1 with every problem if invalid), then runs the real
 * engine on a virtual clock over the accounts and prints a readable report (or JSON).
 *
 * Options: --start <ISO> (default: today 00:00 UTC), --events <file.json> (a list of events),
 * --step-hours <n> (default 24), --complete-tasks (complete tasks on their due date),
 * --dir <folder> (definitions, default playbooks/).
 * Accounts JSON: a list of accounts ({ id, fields, tags?, flags? } or flat { id, name, tier, ... }),
 * or { accounts: [...], events?: [...] }. CSV: a header row; `id` plus dictionary field names,
 * `tags` separated by `;`, `flag.<name>` (or `flags.<name>`) columns.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { validateLibrary, type Problem } from '../validate/index.js';
import { compileLibrary, type LibraryInput } from '../runtime/index.js';
import { simulate, formatReport } from '../simulate/index.js';
import type { Account, AccountEvent } from '../types.js';
import type { Definition, FieldDef, Fields, Journey, Playbook, Scorecard } from '../schema/definitions.js';

const USAGE = `Usage: npm run simulate -- --accounts <file.json|file.csv> [--days 90] [--playbook <id>] [--account <id>] [--json]
  [--start <ISO time>] [--events <file.json>] [--step-hours <n>] [--complete-tasks] [--dir <playbooks folder>]`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  const flags = new Set(['json', 'complete-tasks', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') {
      out.help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2);
    if (flags.has(name)) {
      out[name] = true;
      continue;
    }
    if (!['accounts', 'days', 'playbook', 'account', 'start', 'events', 'step-hours', 'dir'].includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}

export function loadLibraryDir(dir: string): { input: LibraryInput; problems: Problem[] } {
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.json')).sort().map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
  const problems = validateLibrary(files);
  const input: LibraryInput = { fields: undefined as unknown as Fields, scorecards: [], journeys: [], playbooks: [] };
  for (const f of files) {
    let def: Definition;
    try {
      def = JSON.parse(f.text) as Definition;
    } catch {
      continue; // reported by validateLibrary
    }
    if (def.kind === 'fields') input.fields = def;
    else if (def.kind === 'scorecard') input.scorecards.push(def as Scorecard);
    else if (def.kind === 'journey') input.journeys.push({ def: def as Journey, version: 1 });
    else if (def.kind === 'playbook') input.playbooks.push({ def: def as Playbook, version: 1 });
  }
  return { input, problems };
}

function convert(field: FieldDef | undefined, raw: string, where: string): unknown {
  const v = raw.trim();
  if (v === '') return undefined;
  if (!field) return v;
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = Number(v.replace(/[$,]/g, ''));
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n))) throw new Error(`${where}: ${field.name} must be ${field.type === 'integer' ? 'a whole number' : 'a number'}, got "${raw}"`);
      return n;
    }
    case 'boolean': {
      const b = v.toLowerCase();
      if (['true', 'yes', '1', 'y'].includes(b)) return true;
      if (['false', 'no', '0', 'n'].includes(b)) return false;
      throw new Error(`${where}: ${field.name} must be true or false, got "${raw}"`);
    }
    case 'date': {
      const t = Date.parse(v);
      if (!Number.isFinite(t)) throw new Error(`${where}: ${field.name} must be a date such as 2027-02-14, got "${raw}"`);
      return new Date(t).toISOString();
    }
    case 'list':
      return v.split(';').map((s) => s.trim()).filter(Boolean);
    default:
      return v;
  }
}

function toAccount(rec: Record<string, unknown>, fields: Map<string, FieldDef>, where: string): Account {
  const id = rec.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`${where}: every account needs an id`);
  if (rec.fields && typeof rec.fields === 'object') {
    return { id: String(id), fields: rec.fields as Record<string, unknown>, tags: Array.isArray(rec.tags) ? (rec.tags as string[]) : [], flags: (rec.flags as Record<string, boolean>) ?? {}, ...(Array.isArray(rec.tickets) ? { tickets: rec.tickets as Account['tickets'] } : {}) };
  }
  const acc: Account = { id: String(id), fields: {}, tags: [], flags: {} };
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'id') continue;
    if (k === 'tags') acc.tags = Array.isArray(v) ? (v as string[]) : String(v ?? '').split(/[;|]/).map((s) => s.trim()).filter(Boolean);
    else if (k === 'flags' && v && typeof v === 'object') acc.flags = v as Record<string, boolean>;
    else if (/^flags?\./.test(k)) {
      const b = typeof v === 'boolean' ? v : convert({ name: k, type: 'boolean', label: k }, String(v ?? ''), where);
      if (b !== undefined) acc.flags[k.slice(k.indexOf('.') + 1)] = b as boolean;
    } else {
      const value = typeof v === 'string' ? convert(fields.get(k), v, where) : v;
      if (value !== undefined) acc.fields[k] = value;
    }
  }
  return acc;
}

function loadAccounts(file: string, fields: FieldDef[]): { accounts: Account[]; events: AccountEvent[] } {
  const text = readFileSync(file, 'utf8');
  const byName = new Map(fields.map((f) => [f.name, f]));
  if (file.toLowerCase().endsWith('.csv')) {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: false }) as Record<string, string>[];
    return { accounts: rows.map((r, i) => toAccount(r, byName, `${file} row ${i + 2}`)), events: [] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(data) ? data : (data as { accounts?: unknown }).accounts;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list of accounts or { "accounts": [...] }`);
  const events = Array.isArray((data as { events?: unknown }).events) ? ((data as { events: AccountEvent[] }).events) : [];
  return { accounts: list.map((r, i) => toAccount(r as Record<string, unknown>, byName, `${file} /${Array.isArray(data) ? '' : 'accounts/'}${i}`)), events };
}

function defaultDir(): string {
  const fromCwd = resolve('playbooks');
  return existsSync(fromCwd) ? fromCwd : resolve(dirname(fileURLToPath(import.meta.url)), '../../playbooks');
}

export function main(argv: string[]): number {
  let args: Record<string, string | true>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`simulate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof args.accounts !== 'string') {
    console.error(`simulate: --accounts is required\n${USAGE}`);
    return 2;
  }
  const days = args.days === undefined ? 90 : Number(args.days);
  const stepHours = args['step-hours'] === undefined ? 24 : Number(args['step-hours']);
  if (!Number.isInteger(days) || days < 1 || days > 3660) {
    console.error(`simulate: --days must be a whole number from 1 to 3660, got ${args.days}`);
    return 2;
  }
  if (!(stepHours > 0)) {
    console.error(`simulate: --step-hours must be a positive number, got ${args['step-hours']}`);
    return 2;
  }
  const start = typeof args.start === 'string' ? args.start : new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
  if (!Number.isFinite(Date.parse(start))) {
    console.error(`simulate: --start must be an ISO date/time, got ${start}`);
    return 2;
  }

  const dir = typeof args.dir === 'string' ? resolve(args.dir) : defaultDir();
  const { input, problems } = loadLibraryDir(dir);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    console.error(`simulate: the definitions in ${dir} have ${errors.length} error(s); fix them first (npm run validate):`);
    for (const p of errors) console.error(`  ${p.file ?? '(library)'}: ${p.path}${p.nodeId ? ` (node ${p.nodeId})` : ''}: ${p.message}`);
    return 1;
  }
  if (typeof args.playbook === 'string' && !input.playbooks.some((p) => p.def.id === args.playbook)) {
    console.error(`simulate: no playbook "${args.playbook}" in ${dir} (have: ${input.playbooks.map((p) => p.def.id).join(', ')})`);
    return 2;
  }
  let accounts: Account[];
  let events: AccountEvent[];
  try {
    ({ accounts, events } = loadAccounts(resolve(args.accounts), input.fields.fields));
    if (typeof args.events === 'string') {
      const more = JSON.parse(readFileSync(resolve(args.events), 'utf8'));
      if (!Array.isArray(more)) throw new Error(`${args.events}: expected a list of events`);
      events = events.concat(more as AccountEvent[]);
    }
  } catch (e) {
    console.error(`simulate: ${(e as Error).message}`);
    return 1;
  }
  if (typeof args.account === 'string' && !accounts.some((a) => a.id === args.account)) {
    console.error(`simulate: no account "${args.account}" in ${args.accounts}`);
    return 2;
  }
  const lib = compileLibrary(input);
  const report = simulate(lib, {
    accounts: typeof args.account === 'string' ? accounts.filter((a) => a.id === args.account) : accounts,
    events, start, days, stepHours,
    completeTasksAfterDue: args['complete-tasks'] === true,
    playbooks: typeof args.playbook === 'string' ? [args.playbook] : undefined,
  });
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else process.stdout.write(formatReport(report, { accountId: typeof args.account === 'string' ? args.account : undefined }));
  return report.incidents.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
