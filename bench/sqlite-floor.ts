/**
 * What one row costs SQLite on this machine, apart from anything Waymark does: rows of the
 * shape of a small audit entry inserted through better-sqlite3 into a fresh WAL file with the
 * store's settings, 2,500 per transaction, (a) with no index and (b) with one index on a
 * random text key (as a row found by its hashed id). The end-to-end figure cannot go below
 * rows written per account x accounts x this cost, so the bench prints that floor beside it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteFloor {
  /** Microseconds per inserted row, commit included. */
  bare_insert_us: number;
  indexed_insert_us: number;
}

function timeInserts(indexed: boolean, rows: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-floor-'));
  const db = new Database(path.join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -262144');
    db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL)');
    if (indexed) db.exec('CREATE INDEX t_by_id ON t(id)');
    const insert = db.prepare('INSERT INTO t (id, at, kind, json) VALUES (?, ?, ?, ?)');
    const batch = db.transaction((from: number, to: number) => {
      // A multiplicative hash spreads the keys as hashed ids are spread.
      for (let i = from; i < to; i++) insert.run(`x_${((i * 2654435761) >>> 0).toString(36)}`, '2026-11-22T06:00:00.000Z', 'created', '{}');
    });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < rows; i += 2500) batch(i, Math.min(rows, i + 2500));
    return Number(process.hrtime.bigint() - t0) / rows / 1000;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Best of three runs of each (a loaded machine adds time, never removes it). */
export function measureSqliteFloor(rows = 50_000): SqliteFloor {
  const best = (indexed: boolean) => Math.min(...[0, 1, 2].map(() => timeInserts(indexed, rows)));
  const round = (x: number) => Math.round(x * 100) / 100;
  return { bare_insert_us: round(best(false)), indexed_insert_us: round(best(true)) };
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(measureSqliteFloor());
