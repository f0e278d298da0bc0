/**
 * Test harness for the runtime: small definitions built inline over the sample data
 * dictionary, and a one-account "store" that applies evaluation results the way the real
 * stores do (insert-if-absent tasks, instances by id, state replaced).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileLibrary, evaluate, type CompiledLibrary } from '../../engine/runtime/index.js';
import type { Fields, Journey, Playbook, Scorecard } from '../../engine/schema/definitions.js';
import type { Account, AccountEvent, AccountState, EvaluationResult, Instance, Task } from '../../engine/types.js';
import { PLAYBOOKS_DIR } from './library.js';

export const FIELDS: Fields = JSON.parse(readFileSync(join(PLAYBOOKS_DIR, 'fields.json'), 'utf8'));

export function playbook(p: Partial<Playbook> & Pick<Playbook, 'id' | 'trigger' | 'nodes' | 'edges'>): Playbook {
  return { kind: 'playbook', name: p.id, reentry: { policy: 'once' }, ...p } as Playbook;
}

export function taskNode(id: string, title: string, extra: Record<string, unknown> = {}): Playbook['nodes'][number] {
  return { id, kind: 'task', task: { title, type: 'risk', priority: 'high', owner: { type: 'account-owner' }, dueDays: 3, ...extra } } as Playbook['nodes'][number];
}

/** Edges trigger -> a -> b -> ... (plain edges). */
export function chain(...ids: string[]): Playbook['edges'] {
  const all = ['trigger', ...ids];
  return all.slice(1).map((to, i) => ({ id: `e${i}`, from: all[i], to }));
}

export function libOf(opts: { playbooks?: (Playbook | { def: Playbook; version: number })[]; journeys?: Journey[]; scorecards?: Scorecard[] }): CompiledLibrary {
  return compileLibrary({
    fields: FIELDS,
    scorecards: opts.scorecards ?? [],
    journeys: (opts.journeys ?? []).map((def) => ({ def, version: 1 })),
    playbooks: (opts.playbooks ?? []).map((p) => ('def' in p ? p : { def: p, version: 1 })),
  });
}

export function acct(id: string, fields: Record<string, unknown>, tags: string[] = [], flags: Record<string, boolean> = {}): Account {
  return { id, fields: { name: id, owner: 'u_csm', ...fields }, tags, flags };
}

export const T0 = '2026-11-22T09:00:00.000Z';
export const DAY = 86_400_000;
export function at(days: number, base = T0): string {
  return new Date(Date.parse(base) + days * DAY).toISOString();
}

/** One account as the store would keep it between evaluations. */
export class Book {
  account: Account;
  state: AccountState | null = null;
  instances = new Map<string, Instance>();
  tasks = new Map<string, Task>();
  results: EvaluationResult[] = [];

  constructor(public lib: CompiledLibrary, account: Account) {
    this.account = account;
  }

  input(now: string, extra: { event?: AccountEvent; manual?: { playbookId: string; requestId: string; by: string } } = {}) {
    const active = [...this.instances.values()].filter((i) => i.status === 'active');
    const referenced = new Set(active.flatMap((i) => Object.values(i.tasks)));
    const tasks = [...this.tasks.values()].filter((t) => t.status === 'open' || referenced.has(t.id));
    return { account: this.account, state: this.state, instances: active, tasks, now, ...extra };
  }

  run(now: string, extra: { event?: AccountEvent; manual?: { playbookId: string; requestId: string; by: string } } = {}): EvaluationResult {
    const r = evaluate(this.lib, this.input(now, extra));
    this.apply(r);
    return r;
  }

  apply(r: EvaluationResult): void {
    this.results.push(r);
    this.account = r.account;
    this.state = r.state;
    for (const i of r.instances) this.instances.set(i.id, i);
    for (const e of r.effects) {
      if (e.kind === 'createTask' && !this.tasks.has(e.task.id)) this.tasks.set(e.task.id, e.task);
      if (e.kind === 'updateTask') {
        const t = this.tasks.get(e.taskId)!;
        this.tasks.set(t.id, { ...t, ...e.changes, updatedAt: e.at });
      }
      if (e.kind === 'closeTask') {
        const t = this.tasks.get(e.taskId)!;
        this.tasks.set(t.id, { ...t, status: 'closed', closedReason: e.reason });
      }
    }
  }

  complete(taskId: string, when: string): void {
    const t = this.tasks.get(taskId)!;
    this.tasks.set(taskId, { ...t, status: 'done', completedAt: when, updatedAt: when });
  }

  open(): Task[] {
    return [...this.tasks.values()].filter((t) => t.status === 'open');
  }

  created(r: EvaluationResult): Task[] {
    return r.effects.flatMap((e) => (e.kind === 'createTask' ? [e.task] : []));
  }
}

export function event(id: string, accountId: string, type: string, occurredAt: string, data: Record<string, unknown> = {}): AccountEvent {
  return { id, accountId, type, occurredAt, data };
}
