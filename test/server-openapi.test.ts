/**
 * /api/openapi.json documents every real route and nothing else: the Express router stack
 * is walked and compared with the document's paths and methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Mounted } from '../server/app.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** "METHOD /path" for every route in a router's stack (our routers are flat, with full or prefix-relative paths). */
function routesOf(stack: Layer[], prefix: string): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const p of paths) {
      for (const [m, on] of Object.entries(layer.route.methods)) {
        if (on && m !== '_all') out.push(`${m.toUpperCase()} ${(prefix + p).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the error shape and both auth schemes', async () => {
    const doc = (await srv.anon().get('/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.session).toMatchObject({ in: 'cookie', name: 'wm_session' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer' });
    expect(doc.components.schemas.Error.properties.error.properties.details).toBeDefined();
  });

  it('documents exactly the routes the server has', async () => {
    const app = createApp(srv.ctx) as unknown as { router: { stack: Layer[] }; locals: { mounted: Mounted[] } };
    const real = new Set<string>(routesOf(app.router.stack, ''));
    for (const m of app.locals.mounted) for (const r of routesOf((m.router as unknown as { stack: Layer[] }).stack, m.prefix)) real.add(r);
    // Sanity: the walk found the routers' routes, not just the app's own.
    expect(real).toContain('POST /api/accounts/bulk');
    expect(real).toContain('POST /api/definitions/{id}/publish');
    expect(real).toContain('GET /api/health');

    const doc = (await srv.anon().get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'delete', 'patch'].includes(m)) documented.add(`${m.toUpperCase()} ${p}`);
    }
    const undocumented = [...real].filter((r) => !documented.has(r)).sort();
    const phantom = [...documented].filter((r) => !real.has(r)).sort();
    expect(undocumented, 'routes missing from /api/openapi.json').toEqual([]);
    expect(phantom, 'documented paths that do not exist').toEqual([]);
  });

  it('gives the request schema of validated bodies', async () => {
    const doc = (await srv.anon().get('/api/openapi.json')).body;
    const bulk = doc.paths['/api/accounts/bulk'].post.requestBody.content['application/json'].schema;
    expect(bulk.properties.accounts.maxItems).toBe(10_000);
    const snooze = doc.paths['/api/tasks/{id}/snooze'].post.requestBody.content['application/json'].schema;
    expect(snooze.required).toEqual(['until']);
    const events = doc.paths['/api/events'].post.requestBody.content['application/json'].schema;
    expect(events.properties.events.items.required).toEqual(['id', 'accountId', 'type', 'occurredAt', 'data']);
  });
});

