/** How each node kind looks on the canvas, with its handles (yes/no, timeout). */
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import type { Branch } from '../../../engine/schema/definitions.js';
import type { CanvasKind } from './graph-model.js';

export interface NodeData extends Record<string, unknown> {
  kind: CanvasKind;
  title: string;
  summary: string;
  handles: (Branch | undefined)[];
  problems: string[];
  warnings: string[];
  /** Preview: on the previewed account's path, with the reason there. */
  onPath?: boolean;
  reason?: string;
  /** Preview of the whole book, or live accounts per stage. */
  count?: number | null;
  countLabel?: string;
  diff?: 'added' | 'removed' | 'changed';
  initial?: boolean;
}

export type CanvasNodeType = Node<NodeData>;

export const KIND_META: Record<CanvasKind, { label: string; icon: string; hint: string }> = {
  trigger: { label: 'Trigger', icon: '⚡', hint: 'What starts the playbook' },
  condition: { label: 'Condition', icon: '◇', hint: 'Branch yes / no on account data' },
  wait: { label: 'Wait', icon: '◔', hint: 'A duration, a date, a task or an event' },
  task: { label: 'Task / CTA', icon: '☑', hint: 'Create a task for the team' },
  update: { label: 'Update account', icon: '✎', hint: 'Set stage, tags or flags' },
  end: { label: 'End', icon: '■', hint: 'The run ends here' },
  stage: { label: 'Stage', icon: '▭', hint: 'A journey stage' },
};

const BRANCH_LABEL: Record<string, string> = { yes: 'Yes', no: 'No', timeout: 'Timeout', out: '' };

function WaymarkNode({ data, selected }: NodeProps<CanvasNodeType>) {
  const meta = KIND_META[data.kind];
  const classes = ['wmd-node', `wmd-node-${data.kind}`];
  if (selected) classes.push('wmd-selected');
  if (data.problems.length) classes.push('wmd-invalid');
  else if (data.warnings.length) classes.push('wmd-warned');
  if (data.onPath) classes.push('wmd-onpath');
  if (data.diff) classes.push(`wmd-diff-${data.diff}`);
  const title = [...data.problems, ...data.warnings].join('\n') || undefined;
  const outs = data.handles;
  return (
    <div className={classes.join(' ')} title={title} data-testid={`node-${data.kind}`}>
      {data.kind !== 'trigger' && <Handle type="target" position={Position.Top} id="in" className="wmd-handle" />}
      <div className="wmd-node-head">
        <span className="wmd-node-icon" aria-hidden="true">{meta.icon}</span>
        <span className="wmd-node-kind">{meta.label}{data.initial ? ' · start' : ''}</span>
        {data.count != null && <span className="wmd-count" title={data.countLabel}>{data.count}</span>}
        {data.problems.length > 0 && <span className="wmd-node-flag" aria-label={`${data.problems.length} problem(s)`}>!</span>}
      </div>
      <div className="wmd-node-title">{data.title}</div>
      {data.summary && <div className="wmd-node-summary">{data.summary}</div>}
      {data.onPath && data.reason && <div className="wmd-node-reason" title={data.reason}>{data.reason}</div>}
      {data.problems.length > 0 && <div className="wmd-node-problem">{data.problems[0]}</div>}
      {data.kind === 'stage' && <Handle type="source" position={Position.Bottom} id="out" className="wmd-handle" />}
      {/* Transitions back up the journey leave and enter on the right (routing only, not for new connections). */}
      {data.kind === 'stage' && <Handle type="source" position={Position.Right} id="back" className="wmd-handle wmd-handle-back" isConnectable={false} style={{ top: '35%' }} />}
      {data.kind === 'stage' && <Handle type="target" position={Position.Right} id="back-in" className="wmd-handle wmd-handle-back" isConnectable={false} style={{ top: '65%' }} />}
      {data.kind !== 'stage' && outs.map((b, i) => {
        const id = b ?? 'out';
        const left = outs.length === 1 ? 50 : 25 + (50 * i) / (outs.length - 1);
        return (
          <Handle key={id} type="source" position={Position.Bottom} id={id} className={`wmd-handle wmd-handle-${id}`} style={{ left: `${left}%` }}>
            {BRANCH_LABEL[id] && <span className={`wmd-handle-label wmd-handle-label-${id}`}>{BRANCH_LABEL[id]}</span>}
          </Handle>
        );
      })}
    </div>
  );
}

export const nodeTypes = { waymark: WaymarkNode };
