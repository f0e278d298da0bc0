/**
 * `npm run import-csv -- accounts.csv [--url http://localhost:3000] [--token wm_...]`
 * Streams a CSV of accounts to the API in chunks (each with the header row), printing
 * progress, and reports rejected rows by their row number in the whole file.
 * Auth: --token (or WAYMARK_TOKEN), or --email/--password (or WAYMARK_EMAIL/WAYMARK_PASSWORD).
 */
import fs from 'node:fs';
import { parse } from 'csv-parse';

interface Args { file: string; url: string; token?: string; email?: string; password?: string; chunkRows: number }

function usage(msg?: string): never {
  if (msg) console.error(`error: ${msg}\n`);
  console.error('usage: npm run import-csv -- <file.csv> [--url http://localhost:3000] [--token <api token> | --email <email> --password <password>] [--chunk 5000]');
  process.exit(2);
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Args {
  const args: Partial<Args> = { url: env.WAYMARK_URL || 'http://localhost:3000', token: env.WAYMARK_TOKEN, email: env.WAYMARK_EMAIL, password: env.WAYMARK_PASSWORD, chunkRows: 5000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--url') args.url = next();
    else if (a === '--token') args.token = next();
    else if (a === '--email') args.email = next();
    else if (a === '--password') args.password = next();
    else if (a === '--chunk') args.chunkRows = Number(next());
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (!args.file) args.file = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!args.file) usage('no CSV file given');
  if (!Number.isInteger(args.chunkRows) || args.chunkRows! < 1) usage('--chunk must be a positive whole number');
  return args as Args;
}

async function authHeaders(args: Args): Promise<Record<string, string>> {
  if (args.token) return { authorization: `Bearer ${args.token}` };
  if (!args.email || !args.password) usage('give --token, or --email and --password');
  const res = await fetch(`${args.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: args.email, password: args.password }) });
  if (!res.ok) throw new Error(`sign-in failed (${res.status}): ${await res.text()}`);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
}

interface ChunkResult { rows: number; accepted: number; inserted: number; updated: number; rejected: { row: number; field: string | null; message: string }[] }

export async function importFile(args: Args, log: (line: string) => void = (l) => process.stderr.write(l)): Promise<ChunkResult> {
  const headers = { ...(await authHeaders(args)), 'content-type': 'text/csv' };
  const size = fs.statSync(args.file).size;
  const parser = fs.createReadStream(args.file).pipe(parse({ raw: true, info: true, bom: true, relax_column_count: true, skip_empty_lines: true }));
  const total: ChunkResult = { rows: 0, accepted: 0, inserted: 0, updated: 0, rejected: [] };
  let header: string | null = null;
  let lines: string[] = [];
  let firstRecord = 2; // file row number of the chunk's first data row
  let bytes = 0;
  const started = Date.now();

  const send = async () => {
    if (!lines.length) return;
    const body = `${header}\n${lines.join('\n')}\n`;
    const res = await fetch(`${args.url}/api/accounts/import`, { method: 'POST', headers, body });
    const text = await res.text();
    if (!res.ok) throw new Error(`the server refused rows ${firstRecord}-${firstRecord + lines.length - 1} (${res.status}): ${text}`);
    const r = JSON.parse(text) as ChunkResult;
    total.rows += r.rows;
    total.accepted += r.accepted;
    total.inserted += r.inserted;
    total.updated += r.updated;
    // The server numbers rows within the chunk (its header is row 1).
    for (const x of r.rejected) total.rejected.push({ ...x, row: x.row - 2 + firstRecord });
    firstRecord += lines.length;
    lines = [];
    const pct = size ? Math.min(100, Math.round((bytes / size) * 100)) : 100;
    log(`\r${total.rows.toLocaleString('en-US')} rows sent (${pct}%), ${total.accepted.toLocaleString('en-US')} accepted, ${total.rejected.length} rejected, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  for await (const item of parser as AsyncIterable<{ raw: string; info: { bytes: number } }>) {
    bytes = item.info.bytes;
    const raw = item.raw.replace(/\r?\n?$/, '').replace(/\r$/, '');
    if (header === null) { header = raw; continue; }
    lines.push(raw);
    if (lines.length >= args.chunkRows) await send();
  }
  await send();
  log('\n');
  if (header === null) throw new Error('the file is empty');
  return total;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const args = parseArgs(process.argv.slice(2));
  importFile(args).then((r) => {
    console.log(`Imported ${args.file}: ${r.rows} rows, ${r.accepted} accepted (${r.inserted} new, ${r.updated} updated), ${r.rejected.length} problems.`);
    for (const x of r.rejected.slice(0, 200)) console.log(`  row ${x.row}${x.field ? `, ${x.field}` : ''}: ${x.message}`);
    if (r.rejected.length > 200) console.log(`  ... and ${r.rejected.length - 200} more`);
    process.exit(r.rejected.length ? 1 : 0);
  }).catch((e) => {
    console.error(`import failed: ${(e as Error).message}`);
    process.exit(1);
  });
}
