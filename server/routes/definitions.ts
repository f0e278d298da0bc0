/**
 * /api/definitions...: the library of drafts (files in playbooks/) and published versions.
 * Viewers read; authors save, create, duplicate and archive; publishers publish.
 */
import { explainJourneyStop, explainNotEntered, type JourneyStop, type NotEntered } from '../definitions/why.js';
import { Router, type Request } from 'express';
import type { ServerContext, AuthedUser } from '../context.js';
import type { Definition } from '../../engine/schema/definitions.js';
import type { AccountState } from '../../engine/types.js';
import type { AccountRecord } from '../store/types.js';
import { loadAccounts, loadTasks, isChurned } from '../analytics/load.js';
import { HttpError, notFound, conflict, badRequest } from '../http/errors.js';
import { assertValid } from '../http/validate.js';
import { buildLibraryInput, getArchived, setArchived, touchLibrary, problemsOf, hashOf } from '../library.js';
import { compileLibrary, formatDefinition, migrateInstances, simulate, type Problem } from '../definitions/engine.js';
import { triggerSummary } from '../definitions/summary.js';
import { diffDefinitions } from '../definitions/diff.js';
import {
  BLANK_SAMPLES, allInstances, blankDefinition, checkDefinition, checkDraftText, counts, draftHash, files,
  formatOrReject, latestVersion, requireDefinition, requireSafeId, type ParsedDraft,
} from '../definitions/service.js';

const KIND_ORDER: Record<string, number> = { fields: 0, scorecard: 1, journey: 2, playbook: 3 };
const PREVIEW_MAX_ACCOUNTS = 5000;
/** Account-days simulated at a daily step before the step grows. */
const PREVIEW_LOOK_BUDGET = 60_000;

const definitionBody = {
  type: 'object', required: ['definition'], additionalProperties: false,
  properties: { definition: { type: 'object' } },
};
const createBody = {
  type: 'object', additionalProperties: false,
  properties: {
    definition: { type: 'object' },
    from: { type: 'string', minLength: 1, maxLength: 80 },
    id: { type: 'string', minLength: 1, maxLength: 80 },
    name: { type: 'string', minLength: 1, maxLength: 500 },
  },
};
const duplicateBody = {
  type: 'object', required: ['newId'], additionalProperties: false,
  properties: { newId: { type: 'string', minLength: 1, maxLength: 80 }, name: { type: 'string', minLength: 1, maxLength: 500 } },
};
const publishBody = {
  type: 'object', required: ['message'], additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 2000 },
    migrate: {
      type: 'object', required: ['nodeMap'], additionalProperties: false,
      properties: { nodeMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 80 } } },
    },
  },
};
const previewBody = {
  type: 'object', additionalProperties: false,
  properties: {
    definition: { type: 'object' },
    accountIds: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: PREVIEW_MAX_ACCOUNTS },
    days: { type: 'integer', minimum: 1, maximum: 365 },
  },
};

function user(res: { locals: Record<string, unknown> }): AuthedUser {
  return res.locals.user as AuthedUser;
}

function problems422(message: string, problems: Problem[]): HttpError {
  const errors = problems.filter((p) => p.severity === 'error');
  return new HttpError(422, message, errors.map((p) => ({ path: p.path || '/', message: p.message })), { problems });
}

function param(req: Request, name: string): string {
  return requireSafeId(req.params[name], name);
}

export function definitionsRouter(ctx: ServerContext): Router {
  const r = Router();
  const viewer = ctx.requireRole('viewer');
  const author = ctx.requireRole('author');
  const publisher = ctx.requireRole('publisher');
  const drafts = files(ctx);

  /** The draft file (active or archived) parsed and checked, or null. */
  async function loadDraft(id: string): Promise<ParsedDraft | null> {
    const f = await drafts.find(id);
    return f ? checkDraftText(ctx, f) : null;
  }

  /** When the app last saved a draft: kept in the store, so it survives a clone (file mtimes do not). */
  async function markSaved(id: string): Promise<void> {
    await ctx.store.setMeta(`${SAVED_META}${id}`, ctx.clock.now().toISOString());
  }
  /** "Last change": the later of the app's last save and the last publish; the file time only when neither is known. */
  async function lastChange(id: string, mtime: string | null, publishedAt: string | null, changedSincePublish: boolean): Promise<string> {
    const saved = await ctx.store.getMeta(`${SAVED_META}${id}`);
    const known = [saved, publishedAt].filter((x): x is string => Boolean(x)).sort();
    if (saved || (publishedAt && !changedSincePublish)) return known[known.length - 1];
    return mtime ?? publishedAt ?? new Date(0).toISOString();
  }

  async function describe(id: string) {
    const [draft, live, archived] = await Promise.all([loadDraft(id), latestVersion(ctx, id), getArchived(ctx.store)]);
    if (!draft && !live) throw notFound(`No definition "${id}" (no playbooks/${id}.json and no published version)`);
    const definition = draft ? draft.definition : live!.content;
    const problems = draft ? draft.problems : [];
    const hash = draft ? await draftHash(draft) : live!.hash;
    return {
      id,
      file: draft?.file.file ?? null,
      definition,
      /** The file as it is on disk (useful when it does not parse). */
      text: draft ? draft.file.text : formatDefinition(live!.content),
      problems,
      liveVersion: live?.version ?? null,
      liveHash: live?.hash ?? null,
      draftChanged: live ? hash !== live.hash : true,
      updatedAt: await lastChange(id, draft?.file.mtime ?? null, live?.publishedAt ?? null, live ? hash !== live.hash : true),
      archived: archived.has(id) || Boolean(draft?.file.archived),
    };
  }

  // ---------- list ----------
  r.get('/definitions', viewer, async (_req, res) => {
    const [fileList, latest, archived] = await Promise.all([drafts.list(), ctx.store.latestVersions(), getArchived(ctx.store)]);
    const live = new Map(latest.map((v) => [v.definitionId, v]));
    const input = ctx.library.currentInput();
    const sctx = { fields: input.fields.fields, journeys: input.journeys.map((j) => j.def) };
    const items = [];
    const seen = new Set<string>();
    for (const f of fileList) {
      if (seen.has(f.id)) continue; // an active file shadows an archived copy
      seen.add(f.id);
      const d = checkDraftText(ctx, f);
      const v = live.get(f.id);
      const def = d.definition;
      const changed = v ? (await draftHash(d)) !== v.hash : true;
      items.push({
        id: f.id,
        file: f.file,
        kind: def?.kind ?? rawKind(f.text),
        name: def?.name ?? f.id,
        triggerSummary: def ? triggerSummary(def, sctx) : 'The file cannot be read: fix the problems listed',
        status: v ? 'live' : 'draft',
        liveVersion: v?.version ?? null,
        draftChanged: changed,
        updatedAt: await lastChange(f.id, f.mtime, v?.publishedAt ?? null, changed),
        publishedAt: v?.publishedAt ?? null,
        problems: counts(d.problems),
        archived: f.archived || archived.has(f.id),
      });
    }
    // Published definitions whose file was deleted still run: list them too.
    for (const v of latest) {
      if (seen.has(v.definitionId)) continue;
      items.push({
        id: v.definitionId, file: null, kind: v.kind, name: v.content.name, triggerSummary: triggerSummary(v.content, sctx),
        status: 'live', liveVersion: v.version, draftChanged: false, updatedAt: v.publishedAt, publishedAt: v.publishedAt,
        problems: { errors: 0, warnings: 0 }, archived: archived.has(v.definitionId),
      });
    }
    items.sort((a, b) => Number(a.archived) - Number(b.archived) || (KIND_ORDER[a.kind ?? ''] ?? 9) - (KIND_ORDER[b.kind ?? ''] ?? 9) || a.name.localeCompare(b.name));
    res.json({ items });
  });

  // ---------- read ----------
  r.get('/definitions/:id', viewer, async (req, res) => {
    res.json(await describe(param(req, 'id')));
  });

  // ---------- validate ----------
  r.post('/validate', viewer, async (req, res) => {
    const body = assertValid<{ definition: unknown }>(definitionBody, req.body);
    res.json({ problems: checkDefinition(ctx, body.definition) });
  });

  // ---------- save draft ----------
  r.put('/definitions/:id', author, async (req, res) => {
    const id = param(req, 'id');
    const body = assertValid<{ definition: unknown }>(definitionBody, req.body);
    const def = requireDefinition(body.definition, id);
    if (!(await drafts.read(id)) && (await drafts.read(id, true))) throw conflict(`"${id}" is archived; duplicate it to work on a copy`);
    const text = formatOrReject(def);
    await drafts.write(id, text);
    await markSaved(id);
    res.json(await describe(id));
  });

  // ---------- create ----------
  r.post('/definitions', author, async (req, res) => {
    const body = assertValid<{ definition?: unknown; from?: string; id?: string; name?: string }>(createBody, req.body ?? {});
    let def: Definition;
    if (body.definition !== undefined) {
      if (body.from !== undefined) throw badRequest('Give either definition or from, not both');
      def = requireDefinition(body.definition);
      if (body.id !== undefined || body.name !== undefined) def = { ...def, ...(body.id ? { id: body.id } : {}), ...(body.name ? { name: body.name } : {}) } as Definition;
    } else {
      const from = body.from ?? 'blank-playbook';
      const id = requireSafeId(body.id, 'id');
      const name = body.name ?? titleFromId(id);
      if (BLANK_SAMPLES[from]) def = blankDefinition(BLANK_SAMPLES[from], id, name);
      else {
        requireSafeId(from, 'from');
        const src = await describe(from).catch(() => null);
        if (!src || !src.definition) throw notFound(`No sample or definition "${from}" to start from (blank samples: ${Object.keys(BLANK_SAMPLES).join(', ')})`);
        def = { ...src.definition, id, name } as Definition;
      }
    }
    requireSafeId(def.id, 'definition/id');
    await assertFree(def.id);
    await drafts.write(def.id, formatOrReject(def));
    await markSaved(def.id);
    res.status(201).json(await describe(def.id));
  });

  async function assertFree(id: string): Promise<void> {
    if ((await drafts.find(id)) || (await ctx.store.listVersions(id)).length > 0) {
      throw conflict(`A definition with id "${id}" already exists; choose another id`);
    }
  }

  // ---------- duplicate ----------
  r.post('/definitions/:id/duplicate', author, async (req, res) => {
    const id = param(req, 'id');
    const body = assertValid<{ newId: string; name?: string }>(duplicateBody, req.body);
    const newId = requireSafeId(body.newId, 'newId');
    const src = await describe(id);
    if (!src.definition) throw new HttpError(422, `"${id}" cannot be read, so it cannot be duplicated: fix its problems first`);
    await assertFree(newId);
    const def = { ...src.definition, id: newId, name: body.name ?? `${src.definition.name} (copy)` } as Definition;
    await drafts.write(newId, formatDefinition(def));
    await markSaved(newId);
    res.status(201).json(await describe(newId));
  });

  // ---------- archive ----------
  r.post('/definitions/:id/archive', author, async (req, res) => {
    const id = param(req, 'id');
    const cur = await describe(id);
    if (cur.archived) throw conflict(`"${id}" is already archived`);
    const kind = cur.definition?.kind;
    if (kind === 'fields') throw badRequest('The data dictionary cannot be archived: every definition reads it');
    const archived = await getArchived(ctx.store);
    let reEvaluating = 0;
    if (cur.liveVersion !== null) {
      archived.add(id);
      // Leaving out a journey or scorecard must not break what references it.
      try {
        compileLibrary(await buildLibraryInputWithArchived(id));
      } catch (err) {
        throw new HttpError(409, `"${id}" is used by other live definitions; change them first`, problemsOf(err).filter((p) => p.severity === 'error').map((p) => ({ path: `${p.file ?? ''}${p.path}`, message: p.message })));
      }
      await setArchived(ctx.store, archived);
      await touchLibrary(ctx.store, ctx.clock);
      await ctx.library.reload();
      // The live library changed: every account is looked at again now, not at its next due time.
      reEvaluating = await ctx.store.markDue(ctx.clock.now().toISOString());
      ctx.kickWorker();
    }
    if (await drafts.read(id)) await drafts.archive(id);
    const active = kind === 'playbook' ? (await allInstances(ctx, id, 'active')).length : 0;
    const again = reEvaluating ? `; the book (${plural(reEvaluating, 'account')}) is being re-evaluated now` : '';
    res.json({ id, archived: true, activeRuns: active, reEvaluating, message: kind === 'playbook' ? `No new runs will start; ${active} running instance${active === 1 ? '' : 's'} will finish on their version${again}` : `Archived${again}` });
  });

  async function buildLibraryInputWithArchived(id: string) {
    // getArchived reads the store; simulate the new set by filtering the built input.
    const input = await buildLibraryInput(ctx.store);
    return {
      ...input,
      journeys: input.journeys.filter((j) => j.def.id !== id),
      scorecards: input.scorecards.filter((s) => s.id !== id),
      playbooks: input.playbooks.map((p) => (p.def.id === id ? { ...p, def: { ...p.def, trigger: { type: 'manual' as const } } } : p)),
    };
  }

  // ---------- publish ----------
  r.post('/definitions/:id/publish', publisher, async (req, res) => {
    const id = param(req, 'id');
    const body = assertValid<{ message: string; migrate?: { nodeMap: Record<string, string> } }>(publishBody, req.body);
    const f = await drafts.read(id);
    if (!f) {
      if (await drafts.read(id, true)) throw conflict(`"${id}" is archived and cannot be published`);
      throw notFound(`No draft playbooks/${id}.json to publish`);
    }
    const draft = checkDraftText(ctx, f);
    const errors = draft.problems.filter((p) => p.severity === 'error');
    if (!draft.definition || errors.length) {
      throw problems422(`"${id}" has ${errors.length} problem${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before publishing`, draft.problems);
    }
    const def = draft.definition;
    const text = formatDefinition(def);
    const hash = await hashOf(text);
    const live = await latestVersion(ctx, id);
    if (live && live.hash === hash) throw conflict(`Nothing to publish: the draft is the same as live version ${live.version}`);
    const nextVersion = (live?.version ?? 0) + 1;

    // The whole library must still compile with this version in it.
    try {
      compileLibrary(await buildLibraryInput(ctx.store, { override: def, overrideVersion: nextVersion }));
    } catch (err) {
      throw problems422(`"${id}" cannot go live with the rest of the library`, problemsOf(err));
    }

    // Migration is checked before anything is written, so a bad node map publishes nothing.
    const nodeMap = body.migrate?.nodeMap;
    let toMigrate: Awaited<ReturnType<typeof allInstances>> = [];
    if (nodeMap) {
      if (def.kind !== 'playbook') throw badRequest('Only playbook runs can be migrated', [{ path: '/migrate', message: `"${id}" is a ${def.kind}` }]);
      const nodeIds = new Set(def.nodes.map((n) => n.id));
      const bad: Problem[] = [];
      for (const [from, to] of Object.entries(nodeMap)) {
        if (!nodeIds.has(to)) bad.push({ path: `/migrate/nodeMap/${from}`, severity: 'error', message: `node "${to}" does not exist in the new version` });
      }
      toMigrate = (await allInstances(ctx, id, 'active')).filter((i) => i.version < nextVersion);
      for (const inst of toMigrate) {
        const at = inst.nodeId;
        if (at && !nodeMap[at] && !nodeIds.has(at)) {
          bad.push({ path: `/migrate/nodeMap/${at}`, severity: 'error', message: `runs are waiting at node "${at}", which the new version does not have: map it to a node of the new version` });
        }
      }
      const dry = migrateInstances(toMigrate, nextVersion, nodeMap);
      for (const m of dry.problems) bad.push({ path: '/migrate', severity: 'error', message: m });
      if (bad.length) throw problems422('The runs cannot be migrated with this node map; nothing was published', dedupeProblems(bad));
    }

    const now = ctx.clock.now().toISOString();
    const v = await ctx.store.publishVersion({ definitionId: id, kind: def.kind, content: def, hash, author: user(res).id, message: body.message, publishedAt: now });
    let migrated = 0;
    if (nodeMap && toMigrate.length) {
      const { migrated: moved } = migrateInstances(toMigrate, v.version, nodeMap);
      await ctx.store.saveInstances(moved);
      migrated = moved.length;
    }
    await touchLibrary(ctx.store, ctx.clock);
    await ctx.library.reload();
    // Every account is looked at again under the new version (new triggers, changed stages).
    const reEvaluating = await ctx.store.markDue(now);
    ctx.kickWorker();

    const active = def.kind === 'playbook' ? await allInstances(ctx, id, 'active') : [];
    const onNew = new Set(active.filter((i) => i.version === v.version).map((i) => i.accountId));
    const onOlder = active.filter((i) => i.version !== v.version);
    res.status(201).json({
      id, version: v.version, publishedAt: v.publishedAt, hash: v.hash, author: v.author, message: v.message,
      migrated,
      accountsInLiveVersion: onNew.size,
      runsOnOlderVersions: onOlder.length,
      // The worker picks the whole book up now; runs start as it gets through it (seconds, not the next due time).
      reEvaluating,
      summary: publishSummary(def.kind, v.version, reEvaluating, onNew.size, migrated, onOlder.length),
    });
  });

  // ---------- versions ----------
  r.get('/definitions/:id/versions', viewer, async (req, res) => {
    const id = param(req, 'id');
    const items = await ctx.store.listVersions(id);
    if (items.length === 0 && !(await drafts.find(id))) throw notFound(`No definition "${id}"`);
    // Newest first, as a history reads.
    res.json({ items: [...items].sort((a, b) => b.version - a.version).map((v) => ({ version: v.version, author: v.author, message: v.message, publishedAt: v.publishedAt, hash: v.hash })) });
  });

  r.get('/definitions/:id/versions/:v', viewer, async (req, res) => {
    const id = param(req, 'id');
    const n = Number(req.params.v);
    if (!Number.isInteger(n) || n < 1) throw badRequest('Invalid version', [{ path: '/v', message: 'must be a whole number from 1' }]);
    const v = await ctx.store.getVersion(id, n);
    if (!v) throw notFound(`"${id}" has no version ${n}`);
    res.json({ ...v, text: formatDefinition(v.content) });
  });

  // ---------- diff ----------
  r.get('/definitions/:id/diff', viewer, async (req, res) => {
    const id = param(req, 'id');
    const versions = await ctx.store.listVersions(id);
    const newest = versions.reduce((m, v) => Math.max(m, v.version), 0);
    const toRaw = String(req.query.to ?? 'draft');
    const fromRaw = String(req.query.from ?? (toRaw === 'draft' ? newest : Math.max(0, Number(toRaw) - 1)));
    const side = async (raw: string, name: string): Promise<{ def: Definition | null; text: string; label: string; ref: number | 'draft' }> => {
      if (raw === 'draft') {
        const d = await loadDraft(id);
        if (!d) throw notFound(`"${id}" has no draft file`);
        return { def: d.definition, text: d.definition ? formatDefinition(d.definition) : d.file.text, label: `draft ${d.file.file}`, ref: 'draft' };
      }
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid diff range', [{ path: `/${name}`, message: 'must be a version number or "draft"' }]);
      if (n === 0) return { def: null, text: '', label: 'nothing (before version 1)', ref: 0 };
      const v = await ctx.store.getVersion(id, n);
      if (!v) throw notFound(`"${id}" has no version ${n}`);
      return { def: v.content, text: formatDefinition(v.content), label: `version ${n}`, ref: n };
    };
    const a = await side(fromRaw, 'from');
    const b = await side(toRaw, 'to');
    res.json({ id, from: a.ref, to: b.ref, ...diffDefinitions(a.def, b.def, a.text, b.text, [a.label, b.label]) });
  });

  // ---------- runs ----------
  r.get('/definitions/:id/runs', viewer, async (req, res) => {
    const id = param(req, 'id');
    const [active, incidents, versions] = await Promise.all([allInstances(ctx, id, 'active'), allInstances(ctx, id, 'incident'), ctx.store.listVersions(id)]);
    if (versions.length === 0 && !(await drafts.find(id))) throw notFound(`No definition "${id}"`);
    const newestVersion = versions.reduce((m, v) => Math.max(m, v.version), 0);
    if (versions[0]?.kind === 'journey') {
      // A journey has no runs: its equivalent is how many accounts sit in each stage now.
      const live = await ctx.store.getVersion(id, newestVersion);
      const stages = live?.content.kind === 'journey' ? live.content.stages : [];
      const nodes = [];
      for (const st of stages) {
        const page = await ctx.store.listAccounts({ journey: id, stage: st.id }, { limit: 0, offset: 0 });
        nodes.push({ nodeId: st.id, label: st.name, count: page.total });
      }
      const total = nodes.reduce((n, x) => n + x.count, 0);
      res.json({ id, liveVersion: newestVersion, total, incidents: 0, items: [{ version: newestVersion, live: true, active: total, incidents: 0, nodes }] });
      return;
    }
    const byVersion = new Map<number, { version: number; active: number; incidents: number; nodes: Map<string, number> }>();
    const bucket = (v: number) => {
      let b = byVersion.get(v);
      if (!b) byVersion.set(v, (b = { version: v, active: 0, incidents: 0, nodes: new Map() }));
      return b;
    };
    for (const i of active) {
      const b = bucket(i.version);
      b.active++;
      const node = i.nodeId ?? '(starting)';
      b.nodes.set(node, (b.nodes.get(node) ?? 0) + 1);
    }
    for (const i of incidents) bucket(i.version).incidents++;
    const labels = new Map<number, Map<string, string>>();
    for (const v of byVersion.keys()) {
      const full = await ctx.store.getVersion(id, v);
      const m = new Map<string, string>();
      if (full?.content.kind === 'playbook') for (const n of full.content.nodes) m.set(n.id, n.label ?? n.id);
      labels.set(v, m);
    }
    const newest = versions.reduce((m, v) => Math.max(m, v.version), 0);
    res.json({
      id,
      liveVersion: newest || null,
      total: active.length,
      incidents: incidents.length,
      items: [...byVersion.values()].sort((a, b) => b.version - a.version).map((b) => ({
        version: b.version,
        live: b.version === newest,
        active: b.active,
        incidents: b.incidents,
        nodes: [...b.nodes.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([nodeId, count]) => ({ nodeId, label: labels.get(b.version)?.get(nodeId) ?? nodeId, count })),
      })),
    });
  });

  // ---------- preview ----------
  r.post('/definitions/:id/preview', viewer, async (req, res) => {
    const id = param(req, 'id');
    const body = assertValid<{ definition?: unknown; accountIds?: string[]; days?: number }>(previewBody, req.body ?? {});
    const days = body.days ?? 90;
    let def: Definition;
    if (body.definition !== undefined) def = requireDefinition(body.definition, id);
    else {
      const d = await describe(id);
      if (!d.definition) throw problems422(`"${id}" cannot be read; fix its problems to preview it`, d.problems);
      def = d.definition;
    }
    const problems = checkDefinition(ctx, def, `${id}.json`);
    if (problems.some((p) => p.severity === 'error')) throw problems422(`"${id}" has problems; fix them to preview it`, problems);

    let lib;
    let previewVersion = 0;
    try {
      // The whole live library with the draft in place of its live version; for a playbook the
      // report covers only that playbook's runs and tasks (simulate's playbooks filter).
      const input = await buildLibraryInput(ctx.store, { override: def });
      previewVersion = Math.max(0, ...input.playbooks.filter((p) => p.def.id === id).map((p) => p.version), ...input.journeys.filter((j) => j.def.id === id).map((j) => j.version));
      lib = compileLibrary(input);
    } catch (err) {
      throw problems422(`"${id}" cannot be previewed with the rest of the library`, problemsOf(err));
    }

    const records = await previewAccounts(body.accountIds);
    const accountIds = new Set(records.map((a) => a.account.id));
    const states: Record<string, AccountState> = {};
    for (const a of records) if (a.state) states[a.account.id] = a.state;
    // Start from production: current engine state, open tasks (so an open CTA of the same
    // kind is refreshed, not duplicated) and the runs of this playbook already under way.
    const openTasks = (await loadTasks(ctx.store, { status: 'open' })).filter((t) => accountIds.has(t.accountId));
    const instances = def.kind === 'playbook' ? (await allInstances(ctx, id, 'active')).filter((i) => accountIds.has(i.accountId)) : [];
    const users = await ctx.store.listUsers();
    const names: Record<string, string> = {};
    for (const u of users) names[u.id] = u.name;
    const start = ctx.clock.now().toISOString();
    // Daily looks, coarsened for long previews of big books so one stays within seconds
    // (the report says which step it used).
    const stepHours = 24 * Math.min(7, Math.max(1, Math.ceil((records.length * days) / PREVIEW_LOOK_BUDGET)));
    const report = simulate(lib, {
      accounts: records.map((a) => a.account), start, days, stepHours, owners: names, states, tasks: openTasks, instances,
      ...(def.kind === 'playbook' ? { playbooks: [def.id] } : {}),
    });
    // For accounts asked for by id that would not enter the playbook, say why (the first check that stops it).
    let notEntered: Record<string, NotEntered> | undefined;
    if (def.kind === 'playbook' && body.accountIds) {
      notEntered = {};
      const entered = new Set(report.accounts.filter((a) => a.runs.some((r) => r.playbookId === def.id)).map((a) => a.accountId));
      const fields = ctx.library.currentInput().fields?.fields ?? [];
      for (const a of records) {
        if (!entered.has(a.account.id)) notEntered[a.account.id] = explainNotEntered(lib, def, a.account, a.state, start, days, fields);
      }
    }
    // For accounts asked for by id in a journey preview, say where each stays and what keeps it there.
    let stays: Record<string, JourneyStop> | undefined;
    if (def.kind === 'journey' && body.accountIds) {
      stays = {};
      const fields = ctx.library.currentInput().fields?.fields ?? [];
      for (const a of records) {
        const moves = report.accounts.find((x) => x.accountId === a.account.id)?.stageChanges.filter((c) => c.journeyId === def.id) ?? [];
        const finalStage = moves.length ? moves[moves.length - 1].to : a.state?.journeys?.[def.id]?.stage ?? null;
        stays[a.account.id] = explainJourneyStop(lib, def, a.account, a.state, finalStage, start, days, fields);
      }
    }
    res.json({ ...report, id, kind: def.kind, version: previewVersion, accountsSimulated: records.length, ownerNames: names, ...(notEntered ? { notEntered } : {}), ...(stays ? { stays } : {}) });
  });

  async function previewAccounts(ids: string[] | undefined): Promise<AccountRecord[]> {
    if (ids) {
      const unique = [...new Set(ids)];
      const page = await ctx.store.listAccounts({ ids: unique }, { limit: unique.length, offset: 0 });
      const found = new Set(page.items.map((a) => a.account.id));
      const missing = unique.filter((x) => !found.has(x));
      if (missing.length) throw notFound(`Unknown account${missing.length === 1 ? '' : 's'}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
      return page.items;
    }
    // The whole book, less churned accounts (nothing runs for them).
    const all = await loadAccounts(ctx.store, {});
    return all.filter((a) => !isChurned(a)).slice(0, PREVIEW_MAX_ACCOUNTS);
  }

  return r;
}

const SAVED_META = 'definition-saved-at:';

function dedupeProblems(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => (seen.has(p.path + p.message) ? false : (seen.add(p.path + p.message), true)));
}

function rawKind(text: string): string | null {
  try {
    const k = (JSON.parse(text) as { kind?: unknown }).kind;
    return typeof k === 'string' ? k : null;
  } catch {
    return null;
  }
}

/** Words written as acronyms in names made from ids ("csm-handoff" -> "CSM handoff"). */
const ACRONYMS = new Set(['cs', 'csm', 'nps', 'ebr', 'qbr', 'mrr', 'arr', 'sla', 'crm', 'api']);

function titleFromId(id: string): string {
  const s = id.split(/[-_]+/).filter(Boolean).map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  return s ? s[0].toUpperCase() + s.slice(1) : id;
}

// ---------- OpenAPI (merged into /api/openapi.json by server/openapi.ts) ----------

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const json = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' }, description: 'Definition id (the file name without .json)' };
const body = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const common = { '401': err('Not signed in'), '403': err('Missing role') };

export const definitionsOpenApi: Record<string, object> = {
  '/api/definitions': {
    get: {
      tags: ['definitions'], summary: 'The library: every file in playbooks/ with kind, trigger, live/draft state and problem counts (viewer)',
      responses: { '200': json('Definitions', { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: {
        id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, triggerSummary: { type: 'string' },
        status: { enum: ['draft', 'live'] }, liveVersion: { type: ['integer', 'null'] }, draftChanged: { type: 'boolean' },
        updatedAt: { type: 'string', format: 'date-time' }, problems: { type: 'object', properties: { errors: { type: 'integer' }, warnings: { type: 'integer' } } }, archived: { type: 'boolean' },
      } } } } }), ...common },
    },
    post: {
      tags: ['definitions'], summary: 'Create a draft (author): { definition } or { from: "blank-playbook" | "blank-journey" | "blank-scorecard" | <existing id>, id, name }',
      requestBody: body(createBody), responses: { '201': json('The new draft'), '400': err('Invalid body'), '404': err('Unknown sample'), '409': err('Id taken'), ...common },
    },
  },
  '/api/definitions/{id}': {
    get: { tags: ['definitions'], summary: 'A definition: draft, problems, live version, draftChanged (viewer)', parameters: [idParam], responses: { '200': json('The definition'), '404': err('Unknown'), ...common } },
    put: {
      tags: ['definitions'], summary: 'Save the draft to playbooks/<id>.json with stable formatting (author); saved even with problems, which are returned',
      parameters: [idParam], requestBody: body(definitionBody), responses: { '200': json('Saved, with problems'), '400': err('Not a definition or id mismatch'), '409': err('Archived'), ...common },
    },
  },
  '/api/validate': {
    post: { tags: ['definitions'], summary: 'Check a definition against the live library (viewer)', requestBody: body(definitionBody), responses: { '200': json('Problems', { type: 'object', properties: { problems: { type: 'array' } } }), ...common } },
  },
  '/api/definitions/{id}/duplicate': {
    post: { tags: ['definitions'], summary: 'Copy a definition under a new id (author)', parameters: [idParam], requestBody: body(duplicateBody), responses: { '201': json('The copy'), '409': err('Id taken'), ...common } },
  },
  '/api/definitions/{id}/archive': {
    post: { tags: ['definitions'], summary: 'Move the file to playbooks/archive/ and stop new runs; versions and running instances are kept (author)', parameters: [idParam], responses: { '200': json('Archived'), '409': err('Already archived or still referenced'), ...common } },
  },
  '/api/definitions/{id}/publish': {
    post: {
      tags: ['definitions'], summary: 'Publish the draft as a new immutable version (publisher); running instances stay on their version unless migrate.nodeMap moves them',
      parameters: [idParam], requestBody: body(publishBody),
      responses: { '201': json('The new version', { type: 'object', properties: { version: { type: 'integer' }, migrated: { type: 'integer' }, accountsInLiveVersion: { type: 'integer' }, runsOnOlderVersions: { type: 'integer' } } }), '409': err('No changes or archived'), '422': err('The draft has problems (error.problems lists them)'), ...common },
    },
  },
  '/api/definitions/{id}/versions': {
    get: { tags: ['definitions'], summary: 'Published versions, newest first (viewer)', parameters: [idParam], responses: { '200': json('Versions'), '404': err('Unknown'), ...common } },
  },
  '/api/definitions/{id}/versions/{v}': {
    get: { tags: ['definitions'], summary: 'One published version with its formatted text (viewer)', parameters: [idParam, { name: 'v', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }], responses: { '200': json('The version'), '404': err('Unknown'), ...common } },
  },
  '/api/definitions/{id}/diff': {
    get: {
      tags: ['definitions'], summary: 'Diff two versions, or a version and the draft: nodes/edges added, removed, changed by id, and a unified text diff (viewer)',
      parameters: [idParam, { name: 'from', in: 'query', schema: { type: 'string' }, description: 'Version number, 0 for nothing, or "draft"; default: the live version' }, { name: 'to', in: 'query', schema: { type: 'string' }, description: 'Version number or "draft" (default)' }],
      responses: { '200': json('The diff'), '404': err('Unknown version'), ...common },
    },
  },
  '/api/definitions/{id}/runs': {
    get: { tags: ['definitions'], summary: 'Active runs per version and node (viewer)', parameters: [idParam], responses: { '200': json('Runs'), ...common } },
  },
  '/api/definitions/{id}/preview': {
    post: {
      tags: ['definitions'], summary: 'Simulate the draft (or the given definition) over chosen accounts or the whole book for N days (default 90, max 365): paths, entries per node, tasks, forecast per owner per week (viewer)',
      parameters: [idParam], requestBody: body(previewBody), responses: { '200': json('SimulationReport'), '404': err('Unknown account'), '422': err('The definition has problems'), ...common },
    },
  },
};

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** What the publisher reads after publishing: what is live and what happens to the book now. */
export function publishSummary(kind: string, version: number, reEvaluating: number, inLive: number, migrated: number, onOlder: number): string {
  const live = `Version ${version} is live.`;
  const book = reEvaluating
    ? ` The book (${plural(reEvaluating, 'account')}) is being re-evaluated now: accounts that qualify enter within moments, not at their next due time.`
    : '';
  if (kind !== 'playbook') return `${live}${book}`;
  const moved = migrated ? ` ${plural(migrated, 'run')} moved from older versions${inLive ? `; ${plural(inLive, 'account')} in it so far` : ''}.` : '';
  const older = onOlder ? ` ${plural(onOlder, 'run')} stay${onOlder === 1 ? 's' : ''} on older versions.` : '';
  return `${live}${book}${moved}${older}`;
}
