/** Live accounts per stage of a journey, from the accounts API (one count per stage). */
import { useEffect, useState } from 'react';
import type { Journey } from '../../../engine/schema/definitions.js';
import { definitionsApi } from './designer-api.js';

export function useJourneyCounts(journey: Journey | null, live: boolean): Record<string, number> | null {
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  const key = journey ? `${journey.id}:${journey.stages.map((s) => s.id).join(',')}` : '';
  useEffect(() => {
    if (!journey || !live) { setCounts(null); return; }
    let current = true;
    Promise.all(journey.stages.map((s) => definitionsApi.accountsInStage(journey.id, s.id).then((r) => [s.id, r.total] as const, () => [s.id, NaN] as const)))
      .then((pairs) => {
        if (!current) return;
        const out: Record<string, number> = {};
        for (const [id, n] of pairs) if (Number.isFinite(n)) out[id] = n;
        setCounts(Object.keys(out).length ? out : null);
      });
    return () => { current = false; };
  }, [key, live]); // eslint-disable-line react-hooks/exhaustive-deps
  return counts;
}
