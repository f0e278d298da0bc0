/**
 * npm run bench [-- --quick] [-- --only conditions,sweep,e2e]
 *
 * Runs each group in its own process (so each has its own peak RSS), prints a table and
 * writes bench/results.json with stable names, so runs can be compared over time.
 * --quick gives the same figures on smaller data, within about a minute, into bench/results-quick.json
 * (so it never overwrites the full run's figures).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const GROUPS = ['conditions', 'sweep', 'e2e'] as const;
type Group = (typeof GROUPS)[number];
type Figures = Record<string, number | string | string[]>;

async function runGroup(group: Group, quick: boolean): Promise<Figures> {
  switch (group) {
    case 'conditions': {
      const { benchConditions } = await import('./conditions.js');
      return benchConditions({ accounts: quick ? 10_000 : 100_000 }) as unknown as Figures;
    }
    case 'sweep': {
      const { benchSweep } = await import('./sweep.js');
      return benchSweep({ accounts: quick ? 10_000 : 100_000 }) as unknown as Figures;
    }
    case 'e2e': {
      const { benchE2e } = await import('./e2e.js');
      return (await benchE2e(quick
        ? { accounts: 5_000, events: 100, queueTasks: 100_000, queueSamples: 100 }
        : { accounts: 100_000, events: 300, queueTasks: 1_000_000, queueSamples: 300 })) as unknown as Figures;
    }
  }
}

/** The stable names of bench/results.json (issue 6), from each group's figures. */
function stableNames(all: Partial<Record<Group, Figures>>, quick: boolean): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const c = all.conditions, s = all.sweep, e = all.e2e;
  if (c) {
    Object.assign(out, {
      'conditions.accounts': c.accounts, 'conditions.rules': c.rules,
      'conditions.ns_per_eval': c.ns_per_eval, 'conditions.json_logic_js_ns_per_eval': c.json_logic_js_ns_per_eval,
      'conditions.handwritten_ns_per_eval': c.handwritten_ns_per_eval,
      'conditions.ratio_vs_json_logic_js': c.ratio_vs_json_logic_js, 'conditions.ratio_vs_handwritten': c.ratio_vs_handwritten,
      'conditions.mismatches': c.mismatches, 'conditions.peak_rss_mb': c.peak_rss_mb,
    });
  }
  if (s) {
    Object.assign(out, {
      'sweep.accounts': s.accounts, 'sweep.accounts_per_s': s.accounts_per_s,
      'sweep.first_pass_accounts_per_s': s.first_pass_accounts_per_s, 'sweep.recheck_accounts_per_s': s.recheck_accounts_per_s,
      // per second of process CPU time: what one core does, whatever else the machine is doing
      'sweep.recheck_cpu_accounts_per_s': s.recheck_cpu_accounts_per_s, 'sweep.first_pass_cpu_accounts_per_s': s.first_pass_cpu_accounts_per_s,
      // the worker's daily pass: each day only the accounts whose nextWakeAt has come (CPU time)
      'sweep.daily_pass_accounts_per_s': s.daily_pass_accounts_per_s, 'sweep.daily_pass_due': s.daily_pass_due,
      'sweep.week_daily_pass_accounts_per_s': s.week_daily_pass_accounts_per_s, 'sweep.week_all_accounts_per_s': s.week_all_accounts_per_s,
      'sweep.week_due_per_day': s.week_due_per_day, 'sweep.days3to8_daily_pass_accounts_per_s': s.days3to8_daily_pass_accounts_per_s,
      'sweep.month_later_daily_pass_accounts_per_s': s.month_later_daily_pass_accounts_per_s, 'sweep.month_later_due_per_day': s.month_later_due_per_day,
      'sweep.peak_rss_mb': s.peak_rss_mb,
    });
  }
  if (e) {
    Object.assign(out, {
      'e2e.accounts': e.accounts,
      [quick ? 'e2e.ingest_s' : 'e2e.ingest_100k_s']: e.ingest_s,
      'e2e.ingest_http_s': e.ingest_http_s, 'e2e.evaluate_s': e.evaluate_s, 'e2e.tasks_stored': e.tasks_stored,
      'e2e.evaluate_engine_s': e.evaluate_engine_s, 'e2e.evaluate_store_s': e.evaluate_store_s, 'e2e.evaluate_cpu_s': e.evaluate_cpu_s,
      // the floor under the total: rows the evaluation writes per account, and what a row costs SQLite itself here
      'e2e.rows_per_account': e.rows_per_account, 'e2e.sqlite_indexed_insert_us': e.sqlite_indexed_insert_us,
      'e2e.sqlite_bare_insert_us': e.sqlite_bare_insert_us, 'e2e.rows_floor_s': e.rows_floor_s,
      'e2e.json_bytes_per_account': e.json_bytes_per_account, 'e2e.json_ns_per_byte': e.json_ns_per_byte, 'e2e.json_floor_s': e.json_floor_s,
      'e2e.event_to_task_p50_ms': e.event_to_task_p50_ms, 'e2e.event_to_task_p99_ms': e.event_to_task_p99_ms,
      'e2e.peak_rss_mb': e.peak_rss_mb,
      'queue.tasks': e.queue_tasks,
      [quick ? 'queue.p99_ms' : 'queue.p99_ms_1m_tasks']: e.queue_store_p99_ms,
      'queue.p50_ms': e.queue_store_p50_ms, 'queue.http_p50_ms': e.queue_http_p50_ms, 'queue.http_p99_ms': e.queue_http_p99_ms,
      // measured in the e2e process, after its other work
      'queue.peak_rss_mb': e.peak_rss_mb,
    });
  }
  return out;
}

const TARGETS: Record<string, [string, (v: number) => boolean]> = {
  'conditions.ratio_vs_json_logic_js': ['>= 20x', (v) => v >= 20],
  'conditions.ratio_vs_handwritten': ['<= 2x', (v) => v <= 2],
  'conditions.mismatches': ['0', (v) => v === 0],
  'sweep.accounts_per_s': ['>= 500,000/s', (v) => v >= 500_000],
  'e2e.ingest_100k_s': ['< 10 s', (v) => v < 10],
  'e2e.event_to_task_p99_ms': ['< 20 ms', (v) => v < 20],
  'queue.p99_ms_1m_tasks': ['< 10 ms', (v) => v < 10],
};

async function main(): Promise<void> {
  const runStarted = Date.now();
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const groupArg = args.indexOf('--group');
  if (groupArg >= 0) {
    // child mode: one group, figures as JSON on the last line
    const figures = await runGroup(args[groupArg + 1] as Group, quick);
    process.stdout.write(`\n${JSON.stringify(figures)}\n`);
    return;
  }
  if (args.includes('--reformat')) {
    // Re-derives the stable names from the groups already in bench/results.json (after adding a name).
    const file = path.join(here, 'results.json');
    const prev = JSON.parse(fs.readFileSync(file, 'utf8'));
    prev.figures = Object.fromEntries(Object.entries(stableNames(prev.groups, prev.mode === 'quick')).filter(([, v]) => v !== undefined));
    fs.writeFileSync(file, JSON.stringify(prev, null, 2) + '\n');
    console.table(prev.figures);
    return;
  }
  const onlyArg = args.indexOf('--only');
  const groups = onlyArg >= 0 ? (args[onlyArg + 1].split(',') as Group[]) : [...GROUPS];
  const results: Partial<Record<Group, Figures>> = {};
  for (const g of groups) {
    process.stderr.write(`[bench] ${g}${quick ? ' (quick)' : ''}...\n`);
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'run.ts'), '--group', g, ...(quick ? ['--quick'] : [])], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024,
    });
    const last = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !last.startsWith('{')) {
      console.error(`[bench] ${g} failed (exit ${child.status})\n${child.stdout.slice(-2000)}`);
      process.exitCode = 1;
      continue;
    }
    results[g] = JSON.parse(last);
    process.stderr.write(`[bench] ${g} done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }
  const figures = Object.fromEntries(Object.entries(stableNames(results, quick)).filter(([, v]) => v !== undefined));
  const rows = Object.entries(figures).map(([name, value]) => {
    const t = TARGETS[name];
    return { name, value, target: t?.[0] ?? '', met: t && typeof value === 'number' ? (t[1](value) ? 'yes' : 'NO') : '' };
  });
  console.table(rows);
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, load_avg_1m: Math.round(os.loadavg()[0] * 100) / 100 };
  const durationS = Math.round((Date.now() - runStarted) / 1000);
  const out = { mode: quick ? 'quick' : 'full', at: new Date().toISOString(), duration_s: durationS, machine, figures, groups: results };
  // A quick run never overwrites the full run's figures (the ones kept in git to compare against).
  const outName = quick ? 'results-quick.json' : 'results.json';
  fs.writeFileSync(path.join(here, outName), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote bench/${outName} after ${durationS} s (${machine.cpus} cores, ${machine.cpu}, Node ${machine.node}, load ${machine.load_avg_1m})`);
}

await main();
