/** A rule that may not run: `path` is a JSON pointer inside the rule ("" for the root). */
export interface RuleProblem {
  path: string;
  message: string;
}

export class RuleError extends Error {
  readonly path: string;
  readonly problems: RuleProblem[];
  constructor(problems: RuleProblem[]) {
    const first = problems[0] ?? { path: '', message: 'invalid rule' };
    super(first.path ? `${first.message} (at ${first.path})` : first.message);
    this.name = 'RuleError';
    this.path = first.path;
    this.problems = problems;
  }
}

/** Appends one JSON-pointer token (RFC 6901 escaping). */
export function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
