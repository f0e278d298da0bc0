/** Every validation problem of the draft; clicking one focuses the node or connection it is about. */
import type { Problem } from './engine-bridge.js';
import { labelOf, type Doc } from './graph-model.js';

export function ProblemsPanel({ problems, doc, onFocus }: { problems: Problem[]; doc: Doc; onFocus: (p: Problem) => void }) {
  if (problems.length === 0) {
    return <div className="wmd-form"><h2>Problems</h2><p className="wmd-ok-text">No problems: this draft can be published.</p></div>;
  }
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <div className="wmd-form">
      <h2>Problems</h2>
      <ul className="wmd-problems">
        {sorted.map((p, i) => (
          <li key={i}>
            <button type="button" className={`wmd-problem wmd-sev-${p.severity}`} onClick={() => onFocus(p)}>
              <span className="wmd-sev-badge">{p.severity === 'error' ? 'Error' : 'Warning'}</span>
              <span className="wmd-problem-where">{p.nodeId ? labelOf(doc, p.nodeId) : p.edgeId ? `Connection ${p.edgeId}` : p.path ? `Settings ${p.path}` : 'Definition'}</span>
              <span className="wmd-problem-msg">{p.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
