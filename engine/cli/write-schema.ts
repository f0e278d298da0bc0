/**
 * `npm run schema`: writes playbooks/schema/waymark.schema.json from the TypeBox types.
 * `--check` exits 1 (writing nothing) when the committed file is out of date, for CI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText, SCHEMA_PATH } from '../schema/json-schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const target = resolve(root, SCHEMA_PATH);
const text = jsonSchemaText();
let current: string | null = null;
try {
  current = readFileSync(target, 'utf8');
} catch {
  current = null;
}

if (process.argv.includes('--check')) {
  if (current === text) {
    console.log(`${SCHEMA_PATH} is up to date`);
  } else {
    console.error(`${SCHEMA_PATH} is out of date: run npm run schema`);
    process.exitCode = 1;
  }
} else if (current === text) {
  console.log(`${SCHEMA_PATH} unchanged`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${SCHEMA_PATH} (${text.length} bytes)`);
}
