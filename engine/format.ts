/**
 * Stable text for definition files, so git diffs show only what changed.
 *
 * - `formatDefinition`: canonical key order (the order of the format's schema, with a node's
 *   id, kind and label first; unknown keys last, alphabetically), 2-space JSON, trailing newline.
 *   `layout` comes last and its positions follow the order of the nodes (or stages), so moving
 *   a node in the editor is a diff of its own. Other maps (tiers, flags...) are sorted by key,
 *   so the text never depends on the order an editor happened to build an object in.
 * - `parseDefinitionText`: JSON with syntax errors reported by line and column.
 * - `contentHash`: sha-256 hex of a text, in plain TypeScript (runs in the browser too).
 * Pure: no I/O.
 */
import { buildJsonSchema } from './schema/json-schema.js';
import type { Definition } from './schema/definitions.js';
import type { Problem } from './validate/problem.js';

type Json = Record<string, any>;

/** Parse problems are validation Problems (engine/validate/problem.ts) with a line and column. */
export type ParseProblem = Problem;

const KINDS = ['playbook', 'journey', 'scorecard', 'fields'];

let schemaDoc: Json | null = null;
function schema(): Json {
  return (schemaDoc ??= buildJsonSchema());
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolve(s: Json | undefined): Json | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 20; i++) {
    const name = cur.$ref.replace('#/definitions/', '');
    cur = schema().definitions[name];
  }
  return cur;
}

/** For a tagged union (enum on the tag + if/then per value): the branch for this value, if any. */
function branchFor(s: Json, value: Json): Json | undefined {
  if (!Array.isArray(s.allOf)) return undefined;
  for (const part of s.allOf) {
    const cond = part?.if?.properties;
    if (!isObj(cond)) continue;
    const [key] = Object.keys(cond);
    if (key !== undefined && value[key] === cond[key].const) return resolve(part.then);
  }
  return undefined;
}

/** Node ids first: a playbook node reads `id, kind, label, <body>`. */
const NODE_LEAD = ['id', 'kind', 'label'];

interface Ctx {
  /** Ids in display order for layout.nodes: trigger, then nodes (or stages). */
  layoutOrder?: string[];
  /** Measure ids in order, for a scorecard's tier overrides. */
  measureOrder?: string[];
}

function orderObject(value: Json, keys: string[]): string[] {
  const own = Object.keys(value);
  const known = keys.filter((k) => Object.prototype.hasOwnProperty.call(value, k));
  const unknown = own.filter((k) => !keys.includes(k)).sort();
  return [...known, ...unknown];
}

function canon(value: unknown, s: Json | undefined, ctx: Ctx, lead: string[] = []): unknown {
  if (Array.isArray(value)) {
    const items = resolve(s?.items);
    const isNodes = s?.items?.$ref === '#/definitions/PlaybookNode';
    return value.map((v) => canon(v, items, ctx, isNodes ? NODE_LEAD : []));
  }
  if (!isObj(value)) return value;
  const sch = resolve(s);
  if (!sch || (!sch.properties && !sch.patternProperties && !sch.allOf)) return copy(value);
  const branch = branchFor(sch, value);
  // The chosen branch's order wins (its properties include the tag itself).
  const props: Json = { ...(branch?.properties ?? {}) };
  for (const [k, v] of Object.entries(sch.properties ?? {})) if (!(k in props)) props[k] = v;
  const pattern = sch.patternProperties ?? branch?.patternProperties;
  const patternSchema = pattern ? (Object.values(pattern)[0] as Json) : undefined;
  let keys: string[];
  if (patternSchema && !sch.properties) {
    // A record: keys in a fixed order so the text does not depend on who wrote it last.
    // Layout positions follow the graph; tier overrides follow the scorecard's measures.
    keys = Object.keys(value);
    if (s === LAYOUT_NODES) keys = orderedKeys(keys, ctx.layoutOrder ?? []);
    else if (s === schema().definitions.TierOverride?.properties?.measures) keys = orderedKeys(keys, ctx.measureOrder ?? []);
    else keys = keys.sort();
  } else {
    const order = [...lead, ...Object.keys(props).filter((k) => !lead.includes(k))];
    keys = orderObject(value, order);
  }
  const out: Json = {};
  for (const k of keys) {
    const sub = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : patternSchema;
    const child = k === 'nodes' && sch === schema().definitions.Layout ? LAYOUT_NODES : sub;
    define(out, k, canon(value[k], child, ctx));
  }
  return out;
}

/** Marker schema object for layout.nodes (so the record knows to use the graph's order). */
const LAYOUT_NODES: Json = {};
Object.defineProperty(LAYOUT_NODES, 'patternProperties', { get: () => schema().definitions.Layout.properties.nodes.patternProperties, enumerable: true });

function orderedKeys(keys: string[], order: string[]): string[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const known = keys.filter((k) => rank.has(k)).sort((a, b) => rank.get(a)! - rank.get(b)!);
  const rest = keys.filter((k) => !rank.has(k)).sort();
  return [...known, ...rest];
}

/** Own data property even for "__proto__" (JSON.parse makes those own properties too). */
function define(o: Json, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (!isObj(v)) return v;
  const out: Json = {};
  for (const k of Object.keys(v)) define(out, k, copy(v[k]));
  return out;
}

/** The definition with keys in canonical order (a new object; the input is not changed). */
export function canonicalize(def: unknown): unknown {
  if (!isObj(def)) return def;
  const ctx: Ctx = {};
  if (def.kind === 'playbook' && Array.isArray(def.nodes)) {
    ctx.layoutOrder = ['trigger', ...def.nodes.map((n: unknown) => (isObj(n) && typeof n.id === 'string' ? n.id : '')).filter(Boolean)];
  } else if (def.kind === 'journey' && Array.isArray(def.stages)) {
    ctx.layoutOrder = def.stages.map((n: unknown) => (isObj(n) && typeof n.id === 'string' ? n.id : '')).filter(Boolean);
  } else if (def.kind === 'scorecard' && Array.isArray(def.measures)) {
    ctx.measureOrder = def.measures.map((m: unknown) => (isObj(m) && typeof m.id === 'string' ? m.id : '')).filter(Boolean);
  }
  return canon(def, schema(), ctx);
}

/** Canonical file text: canonical key order, 2-space indent, trailing newline. */
export function formatDefinition(def: Definition | unknown): string {
  return JSON.stringify(canonicalize(def), null, 2) + '\n';
}

// ---------- parsing with positions ----------

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Finds the first JSON syntax error (JSON.parse's messages differ between engines and often
 * lack a position). Returns null if the text is valid JSON.
 */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | null {
  return scanJson(text).error;
}

/** A key given twice in one object (JSON.parse silently keeps the last). */
export interface DuplicateKey {
  offset: number;
  key: string;
  /** Slash path of the object holding it. */
  path: string;
}

/** One pass over JSON text: the first syntax error, and keys repeated within an object. */
export function scanJson(text: string): { error: { offset: number; message: string } | null; duplicates: DuplicateKey[] } {
  const duplicates: DuplicateKey[] = [];
  const path: string[] = [];
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const describe = (at: number) => {
    if (at >= n) return 'the end of the file';
    const c = text[at];
    if (c === '/' && (text[at + 1] === '/' || text[at + 1] === '*')) return 'a comment (JSON has no comments)';
    if (c === "'") return "a single quote (JSON strings use double quotes)";
    return `'${c}'`;
  };
  class Fail {
    constructor(readonly offset: number, readonly message: string) {}
  }
  const fail = (message: string, at = i): never => {
    throw new Fail(at, message);
  };
  const str = () => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in string (expected 4 hex digits)');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape \\${e ?? ''} in string`);
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail(c === '\n' ? 'string not closed before the end of the line' : 'control character in string (escape it)');
      i++;
    }
    fail('string not closed before the end of the file', start);
  };
  const num = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(`invalid number`);
    i += m![0].length;
    if (i < n && /[0-9.eE]/.test(text[i])) fail('invalid number');
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail('nested too deeply');
    ws();
    if (i >= n) fail('unexpected end of the file: a value is missing');
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      const seen = new Set<string>();
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before }' : `expected a property name in double quotes, found ${describe(i)}`);
        const keyStart = i;
        str();
        const key = JSON.parse(text.slice(keyStart, i)) as string;
        if (seen.has(key)) duplicates.push({ offset: keyStart, key, path: path.join('/') });
        seen.add(key);
        ws();
        if (text[i] !== ':') fail(`expected ':' after the property name, found ${describe(i)}`);
        i++;
        path.push(key);
        value(depth + 1);
        path.pop();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i >= n ? 'unexpected end of the file: an object is not closed with }' : `expected ',' or '}' after a property value, found ${describe(i)}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        ws();
        if (text[i] === ']') fail('trailing comma before ]');
        path.push(String(index));
        value(depth + 1);
        path.pop();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i >= n ? 'unexpected end of the file: a list is not closed with ]' : `expected ',' or ']' after a list item, found ${describe(i)}`);
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected a value, found ${describe(i)}`);
  };
  try {
    value(0);
    ws();
    if (i < n) fail(`unexpected ${describe(i)} after the end of the JSON value`);
    return { error: null, duplicates };
  } catch (e) {
    if (e instanceof Fail) return { error: { offset: e.offset, message: e.message }, duplicates };
    throw e;
  }
}

/** Parses a definition file's text. Never throws; problems say what is wrong and where. */
export function parseDefinitionText(text: string, file?: string): { definition?: Definition; problems: ParseProblem[] } {
  const at = (p: Omit<ParseProblem, 'file'>): ParseProblem => (file === undefined ? p : { file, ...p });
  if (typeof text !== 'string') return { problems: [at({ path: '', severity: 'error', message: 'not a text file' })] };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return { problems: [at({ path: '', severity: 'error', message: 'the file is empty' })] };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    const found = findJsonSyntaxError(body);
    if (found) {
      const { line, column } = lineColumn(body, found.offset);
      return { problems: [at({ path: '', severity: 'error', message: `invalid JSON at line ${line}, column ${column}: ${found.message}`, line, column })] };
    }
    return { problems: [at({ path: '', severity: 'error', message: `invalid JSON: ${(e as Error).message}` })] };
  }
  if (!isObj(value)) {
    const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    return { problems: [at({ path: '', severity: 'error', message: `expected a definition object with a "kind", found ${what}` })] };
  }
  // JSON.parse keeps the last of a repeated key; a hand-edited file may not mean that.
  const warnings: ParseProblem[] = scanJson(body).duplicates.map((d) => {
    const { line, column } = lineColumn(body, d.offset);
    return at({ path: d.path ? `${d.path}/${d.key}` : d.key, severity: 'warning', message: `key "${d.key}" appears twice in the same object (line ${line}, column ${column}): only the last one counts`, line, column });
  });
  if (!KINDS.includes(value.kind as string)) {
    const msg = value.kind === undefined
      ? 'missing required field kind (one of playbook, journey, scorecard, fields)'
      : `unknown kind ${JSON.stringify(value.kind)}: expected one of playbook, journey, scorecard, fields`;
    return { problems: [at({ path: 'kind', severity: 'error', message: msg })] };
  }
  return { definition: value as Definition, problems: warnings };
}

// ---------- sha-256 ----------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** SHA-256 of the text's UTF-8 bytes, as 64 lower-case hex digits. */
export function contentHash(text: string): string {
  const bytes = utf8(text);
  const bitLen = bytes.length * 8;
  const total = Math.ceil((bytes.length + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(bytes);
  buf[bytes.length] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(total - 8, Math.floor(bitLen / 0x100000000));
  view.setUint32(total - 4, bitLen >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(off + t * 4);
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15], b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t] + w[t]) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  let hex = '';
  for (const x of h) hex += x.toString(16).padStart(8, '0');
  return hex;
}
