/**
 * `npm run schema`: writes playbooks/schema/waymark.schema.json from the TypeBox types, and the
 * precompiled validator engine/validate/schema-validator.generated.ts from that schema.
 * `--check` exits 1 (writing nothing) when a committed file is out of date, for CI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText, SCHEMA_PATH } from '../schema/json-schema.js';
import { VALIDATOR_PATH, validatorSource } from '../validate/validator-source.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const check = process.argv.includes('--check');
let stale = 0;

for (const [path, text] of [[SCHEMA_PATH, jsonSchemaText()], [VALIDATOR_PATH, validatorSource()]] as const) {
  const target = resolve(root, path);
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = null;
  }
  if (current === text) {
    console.log(`${path} is up to date`);
  } else if (check) {
    console.error(`${path} is out of date: run npm run schema`);
    stale++;
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${path} (${text.length} bytes)`);
  }
}
if (stale) process.exitCode = 1;
