/**
 * Moving active runs onto a newly published version. Opt-in at publish time: by default
 * runs keep the version they started on. Each run waiting at node X moves to nodeMap[X]
 * (or X itself when unmapped); with the target definition given, a run whose node would not
 * be a wait in the new version stays where it is and is reported. With `at`, the run's path
 * records the migration.
 */
import type { Playbook } from '../schema/definitions.js';
import type { Instance } from '../types.js';

export function migrateInstances(
  instances: Instance[],
  toVersion: number,
  nodeMap: Record<string, string>,
  opts: { target?: Pick<Playbook, 'id' | 'nodes'>; at?: string } = {},
): { migrated: Instance[]; problems: string[] } {
  const { target, at } = opts;
  const migrated: Instance[] = [];
  const problems: string[] = [];
  const kinds = target ? new Map(target.nodes.map((n) => [n.id, n.kind])) : null;
  for (const inst of instances) {
    if (inst.status !== 'active') continue;
    if (target && inst.playbookId !== target.id) {
      problems.push(`Run ${inst.id} belongs to playbook ${inst.playbookId}, not ${target.id}: not migrated`);
      continue;
    }
    if (inst.version >= toVersion) {
      if (inst.version > toVersion) problems.push(`Run ${inst.id} is on version ${inst.version}, newer than ${toVersion}: not migrated`);
      continue;
    }
    const from = inst.nodeId;
    const to = from === null ? null : Object.prototype.hasOwnProperty.call(nodeMap, from) ? nodeMap[from] : from;
    if (kinds && to !== null) {
      const kind = kinds.get(to);
      if (kind === undefined) {
        problems.push(`Run ${inst.id} (account ${inst.accountId}) waits at "${from}", which maps to "${to}", not a node of version ${toVersion}: left on version ${inst.version}`);
        continue;
      }
      if (kind !== 'wait') {
        problems.push(`Run ${inst.id} (account ${inst.accountId}) waits at "${from}", which maps to "${to}", a ${kind} node in version ${toVersion} (runs can only wait at wait nodes): left on version ${inst.version}`);
        continue;
      }
    }
    const tasks: Record<string, string> = {};
    for (const [node, id] of Object.entries(inst.tasks)) {
      const mapped = Object.prototype.hasOwnProperty.call(nodeMap, node) ? nodeMap[node] : node;
      tasks[mapped] = id;
    }
    const path = at
      ? [...inst.path, { nodeId: to ?? 'trigger', at, outcome: 'migrated', detail: `Moved from version ${inst.version}${from !== to ? ` (node ${from} -> ${to})` : ''} to version ${toVersion}` }]
      : inst.path;
    migrated.push({ ...inst, version: toVersion, nodeId: to, tasks, path });
  }
  return { migrated, problems };
}
