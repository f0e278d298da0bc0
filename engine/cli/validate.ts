/**
 * `npm run validate [files or folders...] [--json]`: checks definition files the way the
 * engine loads them. Default: every playbooks/*.json. Prints `file: path (node x): message`
 * (or `(edge e)` for a problem on an edge)
 * per problem and a summary; exits 1 on any error (warnings alone exit 0), 2 on bad usage.
 *
 * Files are checked against the library around them: the other definitions in their folder
 * and, when that folder has no data dictionary, playbooks/ (fields.json, journeys, scorecards).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateLibrary, type LibraryFile, type Problem } from '../validate/index.js';

const USAGE = `Usage: npm run validate -- [--json] [file.json | folder ...]
Checks Waymark definition files (default: every playbooks/*.json).
  --json   print the problems as JSON instead of text`;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function defaultDir(): string {
  const fromCwd = resolve('playbooks');
  return existsSync(fromCwd) ? fromCwd : resolve(repoRoot, 'playbooks');
}

function jsonFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.json'))
    .sort()
    .map((f) => resolve(dir, f))
    .filter((f) => statSync(f).isFile());
}

function read(file: string): string {
  return readFileSync(file, 'utf8');
}

function display(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Very deep rule paths are shortened in the text output (--json keeps them whole). */
function shortPath(path: string): string {
  const parts = path.split('/');
  return path.length <= 100 || parts.length <= 10 ? path : [...parts.slice(0, 4), '...', ...parts.slice(-4)].join('/');
}

export function formatProblem(p: Problem): string {
  const where = [shortPath(p.path), p.edgeId !== undefined ? `(edge ${p.edgeId})` : p.nodeId !== undefined ? `(node ${p.nodeId})` : ''].filter(Boolean).join(' ');
  return `${p.file ?? '(library)'}: ${where ? where + ': ' : ''}${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function main(argv: string[]): number {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknownFlag = args.find((a) => a.startsWith('-'));
  if (unknownFlag) {
    console.error(`validate: unknown option ${unknownFlag}\n${USAGE}`);
    return 2;
  }

  const problems: Problem[] = [];
  const targets: string[] = [];
  const missing: string[] = [];
  if (args.length === 0) targets.push(...jsonFilesIn(defaultDir()));
  for (const a of args) {
    const p = resolve(a);
    if (!existsSync(p)) {
      problems.push({ file: a, path: '', severity: 'error', message: 'file not found' });
      missing.push(a);
    }
    else if (statSync(p).isDirectory()) targets.push(...jsonFilesIn(p));
    else targets.push(p);
  }
  const unique = [...new Set(targets)];

  // The library the targets live in: their folders, plus playbooks/ when those have no dictionary.
  const library = new Map<string, LibraryFile>();
  const add = (file: string) => {
    if (library.has(file)) return;
    try {
      library.set(file, { file: display(file), text: read(file) });
    } catch (e) {
      problems.push({ file: display(file), path: '', severity: 'error', message: `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  };
  unique.forEach(add);
  for (const dir of new Set(unique.map((f) => dirname(f)))) jsonFilesIn(dir).forEach(add);
  const hasDictionary = [...library.values()].some((f) => /"kind"\s*:\s*"fields"/.test(f.text));
  if (!hasDictionary) {
    const fallback = defaultDir();
    if (existsSync(fallback)) {
      for (const f of jsonFilesIn(fallback)) {
        if (library.has(f) || [...library.values()].some((x) => basename(x.file) === basename(f))) continue;
        const text = read(f);
        if (/"kind"\s*:\s*"(fields|journey|scorecard)"/.test(text)) library.set(f, { file: display(f), text });
      }
    }
  }

  const shown = new Set([...missing, ...unique.map(display)]);
  problems.push(...validateLibrary([...library.values()]).filter((p) => p.file === undefined || shown.has(p.file)));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const filesWithProblems = new Set(problems.map((p) => p.file)).size;

  if (json) {
    console.log(JSON.stringify({ files: [...shown], errors, warnings, problems }, null, 2));
  } else {
    for (const p of problems) console.log(formatProblem(p));
    const summary = problems.length === 0
      ? `${plural(shown.size, 'file')} checked: no problems`
      : `${plural(shown.size, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(filesWithProblems, 'file')}`;
    console.log(summary);
  }
  return errors > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  // A bug here must not print a stack trace at the team's CI; say what failed instead.
  console.error(`validate: internal error: ${(e as Error)?.message ?? String(e)}`);
  process.exitCode = 2;
}
