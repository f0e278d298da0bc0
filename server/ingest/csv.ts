/**
 * CSV account import: the header row names fields (and "id"; "tags" split on ';';
 * "flag.<name>" or "flags.<name>" columns are booleans, as `npm run simulate` reads them). Cells are coerced per the dictionary; a bad row
 * is reported by row number (the header is row 1), field and reason; the rest are kept.
 * Parsed as a stream and stored in chunks so a large file never sits in memory whole.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { FieldDef } from '../../engine/schema/definitions.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { coerceCell, dictionaryOf } from './dictionary.js';
import { checkAccountRecords, checkOwners } from './accounts.js';

export interface CsvRejection { row: number; field: string | null; message: string }
export interface CsvImportResult { rows: number; accepted: number; inserted: number; updated: number; rejected: CsvRejection[] }

const CHUNK = 1000;
/** Keep the response small on a file full of errors. */
const MAX_REPORTED = 5000;

interface Column { header: string; kind: 'id' | 'tags' | 'flag' | 'field'; field?: FieldDef; flag?: string }

function planColumns(headers: string[], fields: FieldDef[]): Column[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const cols = headers.map((raw, i): Column => {
    const h = raw.trim();
    if (seen.has(h)) problems.push({ path: `/header/${i}`, message: `column "${h}" appears twice` });
    seen.add(h);
    if (h === 'id') return { header: h, kind: 'id' };
    if (h === 'tags') return { header: h, kind: 'tags' };
    const flag = /^flags?\.([a-z0-9][a-z0-9_-]*)$/.exec(h);
    if (flag) return { header: h, kind: 'flag', flag: flag[1] };
    const f = byName.get(h);
    if (!f) problems.push({ path: `/header/${i}`, message: `"${h}" is not a field of the data dictionary` });
    else if (f.derived !== undefined) problems.push({ path: `/header/${i}`, message: `"${h}" is a derived field: it is computed, not imported` });
    return { header: h, kind: 'field', field: f };
  });
  if (!seen.has('id')) problems.push({ path: '/header', message: 'the header row needs an "id" column' });
  if (problems.length) throw new HttpError(400, 'The CSV header row is not usable', problems);
  return cols;
}

export async function importCsv(ctx: ServerContext, input: Readable, onProgress?: (rows: number) => void): Promise<CsvImportResult> {
  const fields = dictionaryOf(ctx);
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: false, info: true });
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);

  const result: CsvImportResult = { rows: 0, accepted: 0, inserted: 0, updated: 0, rejected: [] };
  let columns: Column[] | null = null;
  let batch: { row: number; record: Record<string, unknown> }[] = [];
  const reject = (r: CsvRejection) => {
    if (result.rejected.length < MAX_REPORTED) result.rejected.push(r);
  };

  const flush = async () => {
    if (!batch.length) return;
    const current = batch;
    batch = [];
    const checked = checkAccountRecords(fields, current.map((b) => b.record));
    const owners = await checkOwners(ctx, checked.upserts);
    const upserts = owners.kept;
    for (const r of [...checked.rejected, ...owners.rejected]) reject({ row: current[r.index].row, field: r.path.split('/')[1] || null, message: r.message });
    if (upserts.length) {
      const s = await ctx.store.upsertAccounts(upserts.map((u) => u.upsert), ctx.clock.now().toISOString());
      result.inserted += s.inserted;
      result.updated += s.updated;
      result.accepted += upserts.length;
      ctx.kickWorker();
    }
    onProgress?.(result.rows);
  };

  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
      const cells = item.record;
      if (!columns) {
        columns = planColumns(cells, fields);
        continue;
      }
      result.rows++;
      // Records are counted like spreadsheet rows: the header is row 1, the first account row 2.
      const row = item.info.records;
      if (cells.length !== columns.length) {
        reject({ row, field: null, message: `has ${cells.length} cells but the header has ${columns.length} columns` });
        continue;
      }
      const record: Record<string, unknown> = {};
      const flags: Record<string, boolean> = {};
      let bad = false;
      columns.forEach((c, i) => {
        const raw = cells[i] ?? '';
        if (c.kind === 'id') { record.id = raw.trim(); return; }
        if (raw.trim() === '') return; // empty cell: leave the stored value alone
        if (c.kind === 'tags') { record.tags = raw.split(';').map((t) => t.trim()).filter(Boolean); return; }
        if (c.kind === 'flag') {
          const v = coerceCell({ name: c.flag!, type: 'boolean', label: c.flag! }, raw);
          if (v.ok) flags[c.flag!] = v.value as boolean;
          else { bad = true; reject({ row, field: c.header, message: v.message }); }
          return;
        }
        const v = coerceCell(c.field!, raw);
        if (v.ok) record[c.header] = v.value;
        else { bad = true; reject({ row, field: c.header, message: v.message }); }
      });
      if (Object.keys(flags).length) record.flags = flags;
      if (!record.id) { reject({ row, field: 'id', message: 'id is empty' }); continue; }
      if (bad) continue;
      batch.push({ row, record });
      if (batch.length >= CHUNK) await flush();
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const err = e as { code?: string; message?: string; lines?: number };
    if (err.code && String(err.code).startsWith('CSV_')) {
      throw new HttpError(400, `The CSV could not be read: ${err.message}`, [{ path: `/row/${err.lines ?? '?'}`, message: err.message ?? 'parse error' }]);
    }
    throw e;
  }
  await flush();
  if (!columns) throw new HttpError(400, 'The CSV is empty: the first row must name the columns (id and field names)');
  // Cell problems are found as rows are read, record problems when a chunk is checked: list them in row order.
  result.rejected.sort((a, b) => a.row - b.row);
  return result;
}
