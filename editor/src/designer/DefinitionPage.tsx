/**
 * /definitions/:id - loads a definition with what its editor needs (the data dictionary,
 * journeys and scorecards for the field picker and validation) and opens the graph editor.
 */
import { useCallback, useContext, useEffect, useState } from 'react';
import type { Definition, FieldDef, Journey, Scorecard } from '../../../engine/schema/definitions.js';
import { AuthContext, hasRole } from '../app/auth.js';
import { Link } from '../app/router.js';
import { ErrorBox, Loading } from '../app/ui.js';
import { definitionsApi, fieldList, type DefinitionRecord } from './designer-api.js';
import { ensureLayout, type Doc } from './graph-model.js';
import { GraphEditor, type EditorContext } from './GraphEditor.js';
import { formatSafe } from './engine-bridge.js';

interface Loaded { record: DefinitionRecord; fields: FieldDef[]; journeys: Journey[]; scorecards: Scorecard[] }

export function DefinitionPage({ id }: { id: string }) {
  const [state, setState] = useState<Loaded | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [nonce, setNonce] = useState(0);
  const auth = useContext(AuthContext);

  useEffect(() => {
    let current = true;
    setError(null);
    (async () => {
      const [record, fieldsRes, list] = await Promise.all([definitionsApi.read(id), definitionsApi.fields().catch(() => undefined), definitionsApi.list()]);
      let fields = fieldList(fieldsRes);
      if (!fieldsRes) {
        // Without GET /api/fields, the dictionary file of the library serves the same list.
        const dict = list.items.find((d) => d.kind === 'fields' && !d.archived);
        const def = dict ? (await definitionsApi.read(dict.id).catch(() => null))?.definition : null;
        if (def?.kind === 'fields') fields = def.fields;
      }
      // Journeys and scorecards feed the field picker (stages, measures) and the validator.
      const others = list.items.filter((d) => (d.kind === 'journey' || d.kind === 'scorecard') && !d.archived && d.id !== id);
      const defs = await Promise.all(others.map((d) => definitionsApi.read(d.id).then((r) => r.definition, () => null)));
      const journeys = defs.filter((d): d is Journey => d?.kind === 'journey');
      const scorecards = defs.filter((d): d is Scorecard => d?.kind === 'scorecard');
      if (record.definition?.kind === 'journey') journeys.push(record.definition);
      return { record, fields, journeys, scorecards };
    })().then((s) => { if (current) setState(s); }, (e: Error) => { if (current) setError(e); });
    return () => { current = false; };
  }, [id, nonce]);

  const onSaved = useCallback(() => { /* the editor keeps its own state; the library reloads on its next visit */ }, []);

  if (error) return <div className="wmd-page"><BackLink /><ErrorBox error={error} onRetry={() => setNonce((n) => n + 1)} /></div>;
  if (!state) return <Loading label="Opening…" />;
  const def = state.record.definition as Definition | undefined;
  if (!def) {
    return (
      <div className="wmd-page"><BackLink />
        <h1>{id}</h1>
        <ErrorBox error={`playbooks/${id}.json cannot be read: fix it in the file, then reload.`} />
        <ul className="wmd-problems">{state.record.problems.map((p, i) => <li key={i} className={`wmd-sev-${p.severity}`}><code>{p.path}</code> {p.message}</li>)}</ul>
      </div>
    );
  }
  if (def.kind !== 'playbook' && def.kind !== 'journey') {
    return (
      <div className="wmd-page"><BackLink />
        <h1>{def.name}</h1>
        <p className="wm-muted">{def.kind === 'scorecard' ? 'Health scorecards are' : 'The data dictionary is'} edited as files in <code>playbooks/</code>; here is the current draft{state.record.liveVersion ? ` (live v${state.record.liveVersion})` : ''}.</p>
        {state.record.problems.length > 0 && <ul className="wmd-problems">{state.record.problems.map((p, i) => <li key={i} className={`wmd-sev-${p.severity}`}><code>{p.path}</code> {p.message}</li>)}</ul>}
        <pre className="wmd-textdiff wmd-file">{formatSafe(def)}</pre>
      </div>
    );
  }
  const laidOut = ensureLayout(def as Doc);
  const ctx: EditorContext = {
    fields: state.fields, journeys: state.journeys, scorecards: state.scorecards,
    canEdit: auth ? hasRole(auth.user, 'author') : true,
    canPublish: auth ? hasRole(auth.user, 'publisher') : true,
  };
  return <GraphEditor key={`${id}:${nonce}`} record={{ ...state.record, definition: laidOut }} ctx={ctx} onSaved={onSaved} />;
}

function BackLink() {
  return <p><Link to="/library">← Library</Link></p>;
}
