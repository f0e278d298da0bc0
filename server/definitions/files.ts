/**
 * The draft files in playbooks/: listing, reading and atomic writing.
 *
 * Drafts are what CS ops version in git, so writes go through formatDefinition
 * (stable key order) and land with a temp file + rename, so a crash never leaves a
 * half-written file for git or the validator to trip on.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Same rule as the schema's Id: lower-case letters, digits, - and _; no dots or slashes, so no traversal. */
const SAFE_ID = /^[a-z0-9][a-z0-9_-]{0,79}$/;

export const ARCHIVE_DIR = 'archive';

export function isSafeId(id: unknown): id is string {
  return typeof id === 'string' && SAFE_ID.test(id);
}

export interface DraftFile {
  id: string;
  /** Path relative to the playbooks dir, e.g. "renewal-90.json" or "archive/old.json". */
  file: string;
  text: string;
  mtime: string;
  archived: boolean;
}

export class DraftFiles {
  constructor(readonly dir: string) {}

  pathFor(id: string, archived = false): string {
    if (!isSafeId(id)) throw new Error(`Unsafe definition id "${String(id)}"`);
    return archived ? path.join(this.dir, ARCHIVE_DIR, `${id}.json`) : path.join(this.dir, `${id}.json`);
  }

  relFile(id: string, archived = false): string {
    return archived ? `${ARCHIVE_DIR}/${id}.json` : `${id}.json`;
  }

  /** Every *.json in the dir (and archive/), sorted by file name. Files whose names are not safe ids are skipped. */
  async list(): Promise<DraftFile[]> {
    const out: DraftFile[] = [];
    for (const archived of [false, true]) {
      const dir = archived ? path.join(this.dir, ARCHIVE_DIR) : this.dir;
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const name of names.sort()) {
        if (!name.endsWith('.json')) continue;
        const id = name.slice(0, -'.json'.length);
        if (!isSafeId(id)) continue;
        const f = await this.read(id, archived);
        if (f) out.push(f);
      }
    }
    return out;
  }

  async read(id: string, archived = false): Promise<DraftFile | null> {
    const p = this.pathFor(id, archived);
    try {
      const [text, st] = await Promise.all([fs.readFile(p, 'utf8'), fs.stat(p)]);
      if (!st.isFile()) return null;
      return { id, file: this.relFile(id, archived), text, mtime: st.mtime.toISOString(), archived };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** The draft, active first, then archived. */
  async find(id: string): Promise<DraftFile | null> {
    return (await this.read(id, false)) ?? (await this.read(id, true));
  }

  /** Atomic write: temp file in the same dir, then rename over the target. */
  async write(id: string, text: string, archived = false): Promise<DraftFile> {
    const target = this.pathFor(id, archived);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.writeFile(tmp, text, 'utf8');
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const f = await this.read(id, archived);
    if (!f) throw new Error(`File ${target} vanished after writing`);
    return f;
  }

  /** Moves playbooks/<id>.json to playbooks/archive/<id>.json. */
  async archive(id: string): Promise<void> {
    const to = this.pathFor(id, true);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(this.pathFor(id, false), to);
  }
}
