/** The committed JSON Schema is exactly what the TypeBox types generate, and it checks the samples. */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, jsonSchemaText } from '../engine/schema/json-schema.js';
import { validate as precompiled } from '../engine/validate/schema-validator.generated.js';
import { validatorSource } from '../engine/validate/validator-source.js';

const SCHEMA_FILE = new URL('../playbooks/schema/waymark.schema.json', import.meta.url);
const DIR = new URL('../playbooks/', import.meta.url);

describe('playbooks/schema/waymark.schema.json', () => {
  it('equals what npm run schema generates (run it after changing engine/schema/definitions.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(jsonSchemaText());
  });

  it('is generated the same way every time', () => {
    expect(jsonSchemaText()).toBe(jsonSchemaText());
  });

  it('compiles in ajv strict mode and accepts every sample', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.json'))) {
      const ok = validate(JSON.parse(readFileSync(new URL(f, DIR), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  }, 60_000);

  it('picks the schema by kind (if/then), so editors complete the fields of each kind', () => {
    const doc = buildJsonSchema();
    expect(doc.properties.kind.enum).toEqual(['playbook', 'journey', 'scorecard', 'fields']);
    expect(doc.allOf.map((x: any) => [x.if.properties.kind.const, x.then.$ref])).toEqual([
      ['playbook', '#/definitions/Playbook'],
      ['journey', '#/definitions/Journey'],
      ['scorecard', '#/definitions/Scorecard'],
      ['fields', '#/definitions/Fields'],
    ]);
    // node kinds and trigger types are tagged the same way
    expect(doc.definitions.PlaybookNode.properties.kind.enum).toEqual(['condition', 'wait', 'task', 'update', 'end']);
    expect(doc.definitions.Trigger.properties.type.enum).toEqual(['condition', 'event', 'stage', 'schedule', 'manual']);
    expect(doc.definitions.TaskSpec.properties.priority.enum).toEqual(['urgent', 'high', 'medium', 'low']);
  });

  it('reports only the errors of the chosen kind (no noise from the other alternatives)', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(buildJsonSchema());
    validate({ kind: 'playbook', id: 'x', name: 'X', trigger: { type: 'event' }, reentry: { policy: 'once' }, nodes: [], edges: [] });
    const real = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    expect(real.map((e) => [e.instancePath, e.keyword, (e.params as any).missingProperty])).toEqual([['/trigger', 'required', 'eventType']]);
  }, 60_000);

  it('rejects a file of unknown kind', () => {
    const validate = new Ajv({ strict: true }).compile(buildJsonSchema());
    expect(validate({ kind: 'flow' })).toBe(false);
    expect(validate({})).toBe(false);
  }, 60_000);
});

describe('engine/validate/schema-validator.generated.ts (the precompiled validator)', () => {
  const file = new URL('../engine/validate/schema-validator.generated.ts', import.meta.url);

  it('equals what npm run schema generates', () => {
    expect(readFileSync(file, 'utf8')).toBe(validatorSource());
  }, 30_000);

  it('needs no eval and no ajv at run time (a strict Content-Security-Policy allows it)', () => {
    const src = readFileSync(file, 'utf8');
    expect(src).not.toMatch(/new Function|\beval\(|\brequire\(|^import /m);
  });

  it('gives the same verdict and errors as ajv compiling the schema at run time', () => {
    const live = new Ajv({ allErrors: true, strict: true, verbose: true, unicode: false, logger: false }).compile(buildJsonSchema());
    const inputs: unknown[] = [];
    const walk = (dir: URL) => {
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isDirectory()) walk(new URL(`${f.name}/`, dir));
        else if (f.name.endsWith('.json')) inputs.push(JSON.parse(readFileSync(new URL(f.name, dir), 'utf8')));
      }
    };
    walk(DIR);
    walk(new URL('./fixtures/invalid/', import.meta.url));
    inputs.push({}, { kind: 'playbook' }, { kind: 'journey', stages: [] }, null, [], 'x');
    const strip = (errs: any[] | null | undefined) => (errs ?? []).map((e) => [e.instancePath, e.keyword, JSON.stringify(e.params)]);
    for (const input of inputs) {
      const a = live(input);
      const b = (precompiled as any)(input);
      expect(b).toBe(a);
      expect(strip((precompiled as any).errors)).toEqual(strip(live.errors));
    }
  }, 60_000);
});

