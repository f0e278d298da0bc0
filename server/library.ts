/**
 * The definitions the worker runs. Published versions live in the store (immutable);
 * the files in playbooks/ are drafts. current() is the newest version of everything,
 * plus older playbook versions that still have active runs (those finish on the version
 * they started on). Archived playbooks keep finishing their runs but start no new ones.
 */
import type { Store, DefinitionVersion } from './store/types.js';
import type { Clock } from './clock.js';
import type { LibraryService } from './context.js';
import type { Definition, Fields, Journey, Playbook, Scorecard } from '../engine/schema/definitions.js';
import { compileLibrary, contentHash, formatDefinition, parseDefinitionText, validateLibrary, type CompiledLibrary, type LibraryInput, type Problem } from './definitions/engine.js';
import { DraftFiles } from './definitions/files.js';

const ARCHIVED_KEY = 'definitions.archived';
const IMPORTED_KEY = 'library.imported';
/** Bumped (as a timestamp) on every publish/archive, so other processes notice and reload. */
const STAMP_KEY = 'library.stamp';

export const SYSTEM_AUTHOR = 'system';

export async function getArchived(store: Store): Promise<Set<string>> {
  const raw = await store.getMeta(ARCHIVED_KEY);
  if (!raw) return new Set();
  try {
    const list = JSON.parse(raw);
    return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export async function setArchived(store: Store, ids: Set<string>): Promise<void> {
  await store.setMeta(ARCHIVED_KEY, JSON.stringify([...ids].sort()));
}

/** Marks the published library as changed, for other processes (see refreshIfChanged). */
export async function touchLibrary(store: Store, clock: Clock): Promise<void> {
  await store.setMeta(STAMP_KEY, `${clock.now().toISOString()}#${Math.random().toString(36).slice(2)}`);
}

const EMPTY_FIELDS: Fields = { kind: 'fields', id: 'fields', name: 'Data dictionary', fields: [] };

/** An archived playbook keeps running its instances but no longer starts: its trigger becomes manual-only. */
function stopNewRuns(def: Playbook): Playbook {
  return { ...def, trigger: { type: 'manual' } };
}

/** The problems a DefinitionError carries, or one problem with its message. */
export function problemsOf(err: unknown): Problem[] {
  const p = (err as { problems?: unknown }).problems;
  if (Array.isArray(p)) return p as Problem[];
  return [{ path: '', severity: 'error', message: (err as Error).message ?? String(err) }];
}

/**
 * Builds the LibraryInput from published versions: newest of each (archived journeys and
 * scorecards left out), older playbook versions that still have active instances.
 * `override` swaps in an unpublished definition (previews and publish checks).
 */
export async function buildLibraryInput(store: Store, opts: { override?: Definition; overrideVersion?: number; onlyPlaybook?: string } = {}): Promise<LibraryInput> {
  const latest = await store.latestVersions();
  const archived = await getArchived(store);
  let fields: Fields | null = null;
  const scorecards: Scorecard[] = [];
  const journeys: LibraryInput['journeys'] = [];
  const playbooks: LibraryInput['playbooks'] = [];
  const o = opts.override;
  const byId = new Map<string, DefinitionVersion>();
  for (const v of latest) byId.set(v.definitionId, v);

  for (const v of [...latest].sort((a, b) => a.definitionId.localeCompare(b.definitionId))) {
    if (o && v.definitionId === o.id) continue;
    const def = v.content;
    if (archived.has(v.definitionId) && def.kind !== 'playbook') continue;
    switch (def.kind) {
      case 'fields':
        // One dictionary; the one named "fields" wins if there are several.
        if (!fields || def.id === 'fields') fields = def;
        break;
      case 'scorecard': scorecards.push(def); break;
      case 'journey': journeys.push({ def, version: v.version }); break;
      case 'playbook': {
        if (opts.onlyPlaybook !== undefined && opts.onlyPlaybook !== def.id) break;
        playbooks.push({ def: archived.has(def.id) ? stopNewRuns(def) : def, version: v.version });
        // Older versions still finishing their runs.
        const all = await store.listVersions(def.id);
        for (const older of all) {
          if (older.version >= v.version) continue;
          const active = await store.listInstances({ playbookId: def.id, version: older.version, status: 'active' }, { limit: 1, offset: 0 });
          if (active.total === 0) continue;
          const full = await store.getVersion(def.id, older.version);
          if (full && full.content.kind === 'playbook') playbooks.push({ def: archived.has(def.id) ? stopNewRuns(full.content) : full.content, version: older.version });
        }
        break;
      }
    }
  }
  if (o) {
    const version = opts.overrideVersion ?? (byId.get(o.id)?.version ?? 0) + 1;
    switch (o.kind) {
      case 'fields': fields = o; break;
      case 'scorecard': scorecards.push(o); break;
      case 'journey': journeys.push({ def: o, version }); break;
      case 'playbook': {
        if (opts.onlyPlaybook === undefined || opts.onlyPlaybook === o.id) playbooks.push({ def: o, version });
        // Runs still on published versions of this playbook keep those versions.
        if (opts.onlyPlaybook === undefined) {
          for (const older of await store.listVersions(o.id)) {
            const active = await store.listInstances({ playbookId: o.id, version: older.version, status: 'active' }, { limit: 1, offset: 0 });
            if (active.total === 0) continue;
            const full = await store.getVersion(o.id, older.version);
            if (full && full.content.kind === 'playbook') playbooks.push({ def: full.content, version: older.version });
          }
        }
        break;
      }
    }
  }
  return { fields: fields ?? EMPTY_FIELDS, scorecards, journeys, playbooks };
}

export interface LibraryServiceImpl extends LibraryService {
  /** Reloads if another process published since this one last loaded. Cheap: one meta read. */
  refreshIfChanged(): Promise<boolean>;
  /** Files skipped by the first-start import, with why (empty after a normal start). */
  importProblems(): Problem[];
  /** Published playbooks the engine refused to compile at the last reload (left out), with why. */
  loadProblems(): Problem[];
  /** Stops polling the store for publishes made by other processes. */
  stop(): void;
}

export async function createLibraryService(opts: { store: Store; clock: Clock; playbooksDir: string; pollMs?: number }): Promise<LibraryServiceImpl> {
  const { store, clock } = opts;
  const files = new DraftFiles(opts.playbooksDir);
  let compiled: CompiledLibrary | null = null;
  let input: LibraryInput | null = null;
  let gen = 0;
  let stamp: string | null = null;
  let skipped: Problem[] = [];
  let loadProblems: Problem[] = [];

  if ((await store.latestVersions()).length === 0 && !(await store.getMeta(IMPORTED_KEY))) {
    skipped = await importDrafts(store, clock, files);
  }

  async function reload(): Promise<void> {
    const s = await store.getMeta(STAMP_KEY);
    const built = await buildLibraryInput(store);
    const { lib, input: next, dropped } = compileTolerant(built);
    if (dropped.length) {
      // Published versions were valid when published; a stricter engine may reject one later.
      // Keep everything else running and say which playbooks were left out, and why.
      console.warn(`[waymark] left out of the running library (fix and republish):\n${dropped.map((p) => `  ${p.file ?? ''} ${p.path} ${p.message}`).join('\n')}`);
    }
    compiled = lib;
    input = next;
    loadProblems = dropped;
    stamp = s;
    gen++;
  }
  await reload();

  let checking = false;
  async function refreshIfChanged(): Promise<boolean> {
    const s = await store.getMeta(STAMP_KEY);
    if (s === stamp) return false;
    await reload();
    return true;
  }
  // Another process (a second server or `npm run worker`) may publish: notice it within pollMs.
  const pollMs = opts.pollMs ?? 5000;
  const timer = pollMs > 0 ? setInterval(() => {
    if (checking) return;
    checking = true;
    refreshIfChanged().catch(() => undefined).finally(() => { checking = false; });
  }, pollMs) : null;
  timer?.unref();

  return {
    current() {
      if (!compiled) throw new Error('Library not loaded');
      return compiled;
    },
    currentInput() {
      if (!input) throw new Error('Library not loaded');
      return input;
    },
    reload,
    generation: () => gen,
    refreshIfChanged,
    importProblems: () => skipped,
    loadProblems: () => loadProblems,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

/**
 * First start: publish every valid draft as version 1 by "system", so the demo runs.
 * Files with errors (or that break the library when compiled together) are skipped
 * and reported; they stay drafts to be fixed in the editor.
 */
async function importDrafts(store: Store, clock: Clock, files: DraftFiles): Promise<Problem[]> {
  const drafts = (await files.list()).filter((f) => !f.archived);
  const problems = validateLibrary(drafts.map((f) => ({ file: f.file, text: f.text })));
  const badFiles = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.file));
  let defs: Definition[] = [];
  for (const f of drafts) {
    if (badFiles.has(f.file)) continue;
    const parsed = parseDefinitionText(f.text, f.file);
    if (parsed.definition && parsed.definition.id === f.id) defs.push(parsed.definition);
    else badFiles.add(f.file);
  }
  const skipped: Problem[] = problems.filter((p) => p.severity === 'error');
  // Compile together; drop what the compiler names until the rest compiles.
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      compileLibrary(toInput(defs));
      break;
    } catch (err) {
      const ps = problemsOf(err);
      const named = new Set(ps.map((p) => (p.file ?? '').replace(/^.*\//, '').replace(/\.json$/, '')).filter(Boolean));
      const before = defs.length;
      defs = defs.filter((d) => !named.has(d.id));
      skipped.push(...ps);
      if (defs.length === before) {
        // The compiler could not say which file: publish only the dictionary, scorecards and journeys.
        defs = defs.filter((d) => d.kind !== 'playbook');
        if (defs.length === before) throw err;
      }
    }
  }
  const now = clock.now().toISOString();
  const order: Record<Definition['kind'], number> = { fields: 0, scorecard: 1, journey: 2, playbook: 3 };
  for (const def of defs.sort((a, b) => order[a.kind] - order[b.kind] || a.id.localeCompare(b.id))) {
    const text = formatDefinition(def);
    // Version 1 only: another process starting on the same empty store may be importing too.
    await store.publishFirstVersion({ definitionId: def.id, kind: def.kind, content: def, hash: await hashOf(text), author: SYSTEM_AUTHOR, message: 'initial import', publishedAt: now });
  }
  await store.setMeta(IMPORTED_KEY, now);
  if (skipped.length) {
    console.warn(`[waymark] initial import skipped invalid definitions:\n${skipped.map((p) => `  ${p.file ?? ''} ${p.path} ${p.message}`).join('\n')}`);
  }
  return skipped;
}

/** The file names (ids) that problems point at. */
function namedIds(problems: Problem[]): Set<string> {
  return new Set(problems.map((p) => (p.file ?? '').replace(/^.*\//, '').replace(/\.json$/, '')).filter(Boolean));
}

/**
 * Compiles; if the engine rejects published playbooks, leaves those out and compiles the rest.
 * Journeys, scorecards and the dictionary are never dropped (playbooks depend on them): if
 * they fail, the error stands.
 */
export function compileTolerant(input: LibraryInput): { lib: CompiledLibrary; input: LibraryInput; dropped: Problem[] } {
  let cur = input;
  const dropped: Problem[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return { lib: compileLibrary(cur), input: cur, dropped };
    } catch (err) {
      const ps = problemsOf(err).filter((p) => p.severity === 'error');
      const named = namedIds(ps);
      const playbooks = cur.playbooks.filter((p) => !named.has(p.def.id));
      if (attempt >= 20 || playbooks.length === cur.playbooks.length) throw err;
      dropped.push(...ps.filter((p) => cur.playbooks.some((x) => named.has(x.def.id) && (p.file ?? '').endsWith(`${x.def.id}.json`))));
      cur = { ...cur, playbooks };
    }
  }
}

export function toInput(defs: Definition[]): LibraryInput {
  const fields = defs.find((d): d is Fields => d.kind === 'fields' && d.id === 'fields') ?? defs.find((d): d is Fields => d.kind === 'fields') ?? EMPTY_FIELDS;
  return {
    fields,
    scorecards: defs.filter((d): d is Scorecard => d.kind === 'scorecard'),
    journeys: defs.filter((d): d is Journey => d.kind === 'journey').map((def) => ({ def, version: 1 })),
    playbooks: defs.filter((d): d is Playbook => d.kind === 'playbook').map((def) => ({ def, version: 1 })),
  };
}

/** contentHash may be sync or async depending on the engine's implementation; accept both. */
export async function hashOf(text: string): Promise<string> {
  return await (contentHash(text) as unknown as string | Promise<string>);
}
