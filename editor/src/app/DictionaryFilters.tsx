/**
 * Tier and segment pickers whose values come from the data dictionary (GET /api/fields), so a
 * team's own tiers and coverage models show up without a code change.
 */
import { useApi } from './useApi.js';
import { humanize } from './format.js';

interface FieldLike { name?: unknown; label?: unknown; values?: unknown }

/** The field list of GET /api/fields, whatever way it is wrapped. */
export function dictionaryFields(data: unknown): FieldLike[] {
  const d = data as { fields?: unknown; definition?: { fields?: unknown }; items?: unknown } | undefined;
  const list = Array.isArray(d?.fields) ? d!.fields : Array.isArray(d?.definition?.fields) ? d!.definition!.fields : Array.isArray(d?.items) ? d!.items : [];
  return list as FieldLike[];
}

/** The allowed values of an enum field, or none while the dictionary loads. */
export function enumValues(data: unknown, name: string): string[] {
  const f = dictionaryFields(data).find((x) => x?.name === name);
  return Array.isArray(f?.values) ? f!.values.filter((v): v is string => typeof v === 'string') : [];
}

const PICKERS = [
  { key: 'tier', label: 'Tier', all: 'All tiers' },
  { key: 'segment', label: 'Segment', all: 'All segments' },
] as const;

export function TierSegmentFilters({ tier, segment, onChange }: { tier?: string; segment?: string; onChange: (key: 'tier' | 'segment', value: string) => void }) {
  const dictionary = useApi<unknown>('/api/fields');
  const current = { tier, segment };
  return (
    <>
      {PICKERS.map(({ key, label, all }) => {
        const values = enumValues(dictionary.data, key);
        const value = current[key] ?? '';
        // A value from the address that the dictionary does not have (an old link, a typo) stays
        // visible as what filters the page, rather than the picker showing "all" over an empty page.
        const unknown = value !== '' && dictionary.data !== undefined && !values.includes(value);
        return (
          <label className="wm-label" key={key}>{label}
            <select className="wm-select" value={value} onChange={(e) => onChange(key, e.target.value)}>
              <option value="">{all}</option>
              {unknown && <option value={value}>{value} (not a {label.toLowerCase()} in the dictionary)</option>}
              {values.map((v) => <option key={v} value={v}>{humanize(v)}</option>)}
            </select>
          </label>
        );
      })}
    </>
  );
}
