/**
 * The definitions API as the designer uses it (docs/ARCHITECTURE.md, REST API), with the
 * response shapes it relies on. Responses are read defensively where the server may
 * leave optional parts out.
 */
import { api, query } from '../api.js';
import type { Definition, FieldDef, Journey, Fields } from '../../../engine/schema/definitions.js';
import type { Problem } from '../../../engine/validate/index.js';
import type { SimulationReport } from '../../../engine/simulate/index.js';

export type { Problem };

export interface DefinitionSummary {
  id: string;
  kind: Definition['kind'];
  name: string;
  triggerSummary: string;
  status: 'draft' | 'live';
  liveVersion: number | null;
  draftChanged: boolean;
  updatedAt: string | null;
  problems: { errors: number; warnings: number };
  archived: boolean;
}

export interface DefinitionRecord {
  definition: Definition;
  problems: Problem[];
  liveVersion: number | null;
  draftChanged: boolean;
}

export interface VersionInfo {
  version: number;
  author: string;
  message: string;
  publishedAt: string;
  hash: string;
}

export interface IdChanges { added: string[]; removed: string[]; changed: string[] }
export interface DiffResult {
  from: unknown;
  to: unknown;
  nodes: IdChanges;
  edges: IdChanges;
  settings?: string[];
  layoutChanged?: boolean;
  textDiff: string;
}

export interface AccountLite {
  id: string;
  fields: Record<string, unknown>;
  tags?: string[];
  flags?: Record<string, boolean>;
}

/** What the preview route returns: the engine's SimulationReport plus the route's extras. */
export type PreviewReport = SimulationReport & { id: string; kind: string; ownerNames: Record<string, string> };

/** Active runs per version and node (GET /api/definitions/:id/runs). */
export interface RunsInfo {
  liveVersion: number | null;
  total: number;
  incidents: number;
  items: { version: number; live: boolean; active: number; incidents: number; nodes: { nodeId: string; label: string; count: number }[] }[];
}

export interface UserLite { id: string; name: string; email?: string; teamRole?: string }

export const definitionsApi = {
  list: () => api.get<{ items: DefinitionSummary[] }>('/api/definitions'),
  read: (id: string) => api.get<DefinitionRecord>(`/api/definitions/${encodeURIComponent(id)}`),
  create: (definition: Definition) => api.post<DefinitionRecord>('/api/definitions', { definition }),
  save: (id: string, definition: Definition) => api.put<{ problems?: Problem[] }>(`/api/definitions/${encodeURIComponent(id)}`, { definition }),
  duplicate: (id: string, newId: string, name: string) => api.post<unknown>(`/api/definitions/${encodeURIComponent(id)}/duplicate`, { newId, name }),
  archive: (id: string) => api.post<unknown>(`/api/definitions/${encodeURIComponent(id)}/archive`, {}),
  publish: (id: string, message: string, nodeMap?: Record<string, string>) =>
    api.post<{ version: number }>(`/api/definitions/${encodeURIComponent(id)}/publish`, nodeMap ? { message, migrate: { nodeMap } } : { message }),
  validate: (definition: Definition) => api.post<{ problems: Problem[] }>('/api/validate', { definition }),
  versions: (id: string) => api.get<{ items: VersionInfo[] }>(`/api/definitions/${encodeURIComponent(id)}/versions`),
  version: (id: string, v: number) => api.get<{ definition?: Definition; content?: Definition } & Record<string, unknown>>(`/api/definitions/${encodeURIComponent(id)}/versions/${v}`),
  diff: (id: string, from: number | 'draft', to: number | 'draft') =>
    api.get<DiffResult>(`/api/definitions/${encodeURIComponent(id)}/diff${query({ from, to })}`),
  runs: (id: string) => api.get<RunsInfo>(`/api/definitions/${encodeURIComponent(id)}/runs`),
  preview: (id: string, body: { definition?: Definition; accountIds?: string[]; days: number }) =>
    api.post<PreviewReport>(`/api/definitions/${encodeURIComponent(id)}/preview`, body),
  fields: () => api.get<Fields | FieldDef[] | { fields: FieldDef[] }>('/api/fields'),
  accounts: (q: string, limit = 8) => api.get<{ items: AccountLite[]; total: number }>(`/api/accounts${query({ q, limit })}`),
  funnel: (journey: string) => api.get<unknown>(`/api/analytics/funnel${query({ journey })}`),
  users: () => api.get<{ items: UserLite[] }>('/api/users'),
};

/** /api/fields may answer with the dictionary file or just its field list. */
export function fieldList(res: Fields | FieldDef[] | { fields: FieldDef[] } | undefined): FieldDef[] {
  if (!res) return [];
  if (Array.isArray(res)) return res;
  return Array.isArray(res.fields) ? res.fields : [];
}

/** The version route may return the definition under `definition` or `content`. */
export function versionDefinition(res: { definition?: Definition; content?: Definition } | undefined): Definition | undefined {
  return res?.definition ?? res?.content;
}

export type { Journey };
