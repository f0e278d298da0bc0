/**
 * The OpenAPI 3.1 description of the whole API, served at /api/openapi.json. Each route
 * module exports its own path objects (with the request schemas it validates against),
 * so the document and the code stay side by side; a test checks they match.
 */
import { authOpenApi } from './routes/auth.js';
import { usersOpenApi } from './routes/users.js';
import { accountsOpenApi } from './routes/accounts.js';
import { eventsOpenApi } from './routes/events.js';
import { tasksOpenApi } from './routes/tasks.js';
import { timelineOpenApi } from './routes/timeline.js';
import { playbookStartOpenApi } from './routes/playbook-start.js';
import { incidentsOpenApi } from './routes/incidents.js';
import { definitionsOpenApi } from './routes/definitions.js';
import { analyticsOpenApi } from './routes/analytics.js';

const errorSchema = {
  type: 'object', required: ['error'],
  properties: {
    error: {
      type: 'object', required: ['message'],
      properties: {
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', description: 'JSON pointer to the offending value' }, message: { type: 'string' } } } },
      },
    },
  },
};

const coreOpenApi = {
  '/api/health': { get: { tags: ['operations'], summary: 'Liveness: store kind, server time, library generation', security: [], responses: { 200: { description: '{ status: "ok", store, time, libraryGeneration }' } } } },
  '/api/openapi.json': { get: { tags: ['operations'], summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1 document' } } } },
};

/** Merges path objects; the same path from two modules keeps both sets of methods. */
function mergePaths(...parts: Record<string, object>[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [p, ops] of Object.entries(part)) {
      // Route modules may write Express-style ":id"; OpenAPI wants "{id}".
      const key = p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      out[key] = { ...(out[key] ?? {}), ...(ops as Record<string, unknown>) };
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function buildOpenApi(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Waymark API',
      version: '0.1.0',
      description: 'Playbook and journey engine for customer-success teams. JSON under /api. Sign in with POST /api/auth/login (cookie wm_session) or send Authorization: Bearer <token> (POST /api/tokens). Roles: viewer < csm < author < publisher < admin. Errors: { error: { message, details?: [{ path, message }] } }.',
    },
    servers: [{ url: '/' }],
    security: [{ session: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'wm_session' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from POST /api/tokens' },
      },
      schemas: { Error: errorSchema },
      responses: { Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    },
    paths: mergePaths(coreOpenApi, authOpenApi, usersOpenApi, accountsOpenApi, timelineOpenApi, playbookStartOpenApi, eventsOpenApi, tasksOpenApi, incidentsOpenApi, definitionsOpenApi as Record<string, object>, analyticsOpenApi as Record<string, object>),
  };
}
