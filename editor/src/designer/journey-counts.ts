/**
 * Accounts in each stage of a journey now, from the same source as the Analytics funnel
 * (GET /api/analytics/funnel, which leaves churned accounts out), so the editor's stage counts
 * and Analytics' "In stage now" column always agree.
 */
import { useEffect, useState } from 'react';
import type { Journey } from '../../../engine/schema/definitions.js';
import { definitionsApi } from './designer-api.js';
import { funnelRows } from '../app/analytics-data.js';

/** Wording shared with the Analytics funnel's "In stage now" column. */
export const STAGE_COUNT_LABEL = 'In stage now: accounts in this stage today (churned accounts left out, as on Analytics)';

/** Stage id -> accounts in it now, from a funnel response; null when it holds no counts. */
export function stageCountsFromFunnel(data: unknown): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const r of funnelRows(data)) if (r.id && r.current !== null) out[r.id] = r.current;
  return Object.keys(out).length ? out : null;
}

export function useJourneyCounts(journey: Journey | null, live: boolean): Record<string, number> | null {
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  const key = journey ? `${journey.id}:${journey.stages.map((s) => s.id).join(',')}` : '';
  useEffect(() => {
    if (!journey || !live) { setCounts(null); return; }
    let current = true;
    definitionsApi.funnel(journey.id).then(
      (data) => { if (current) setCounts(stageCountsFromFunnel(data)); },
      () => { if (current) setCounts(null); },
    );
    return () => { current = false; };
  }, [key, live]); // eslint-disable-line react-hooks/exhaustive-deps
  return counts;
}
