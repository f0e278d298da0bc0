import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { analyzeTemplate, renderTemplate, renderTemplateHtml, formatDate, formatMoney } from '../engine/templates/index.js';
import { buildConditionData, type VarScope } from '../engine/conditions/index.js';
import type { FieldDef } from '../engine/schema/definitions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fields: FieldDef[] = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/conditions/fields.json'), 'utf8'));
const scope: VarScope = { fields };
const NOW = Date.parse('2026-11-22T09:00:00.000Z');

const data = buildConditionData({
  fields: { name: 'Acme <Corp> & "Sons"', tier: 'tier-1', mrr: 4200, renewalDate: '2027-02-14', lastCsmUpdateAt: '2026-11-12T15:00:00.000Z', nps: 3, products: ['analytics', 'reports'], adminSelfSufficient: true },
  tags: [],
  flags: {},
  health: { scorecardId: 'health', score: 38, color: 'red', measures: {}, at: '2026-11-22T00:00:00.000Z' },
  event: { id: 'e1', accountId: 'a1', type: 'nps.response', occurredAt: '2026-11-22T08:00:00.000Z', data: { score: 3, comment: '<script>alert(1)</script>' } },
});

describe('renderTemplate', () => {
  it('fills merge fields and helpers', () => {
    const text = 'Renewal for {{account.name}} on {{date account.renewalDate}} (in {{days_until account.renewalDate}} days), MRR {{money account.mrr}}, health {{health.color}} {{health.score}}';
    expect(renderTemplate(text, data, NOW)).toBe('Renewal for Acme <Corp> & "Sons" on 14 February 2027 (in 83 days), MRR $4,200, health red 38');
    expect(renderTemplate('Last update {{ days_since account.lastCsmUpdateAt }} days ago', data, NOW)).toBe('Last update 9 days ago');
    expect(renderTemplate('NPS {{event.data.score}} on {{now}}', data, NOW)).toBe('NPS 3 on 22 November 2026');
    expect(renderTemplate('{{account.products}} / {{account.adminSelfSufficient}}', data, NOW)).toBe('analytics, reports / yes');
  });

  it('renders missing values and unknown fields as empty text', () => {
    expect(renderTemplate('[{{account.primaryContactEmail}}][{{account.nope}}][{{days_until account.nope}}][{{money account.name}}]', data, NOW)).toBe('[][][][]');
    expect(renderTemplate('[{{account.constructor}}][{{health.__proto__}}]', data, NOW)).toBe('[][]');
  });

  it('shows the | default "..." text when the value is missing, and the value when it is there', () => {
    const none = buildConditionData({ fields: { name: 'Kestrel Education' }, tags: [], flags: {} });
    const stale = 'No CSM update for {{days_since account.lastCsmUpdateAt | default "a while"}}';
    expect(renderTemplate(stale, none, NOW)).toBe('No CSM update for a while');
    expect(renderTemplate(stale, data, NOW)).toBe('No CSM update for 9');
    expect(renderTemplate('Hi {{ account.primaryContactName|default \'there\' }},', none, NOW)).toBe('Hi there,');
    expect(renderTemplate('MRR {{money account.mrr | default "not recorded"}}', none, NOW)).toBe('MRR not recorded');
    expect(renderTemplate('{{health.color | default "not scored"}} / {{date account.renewalDate | default "no date"}}', none, NOW)).toBe('not scored / no date');
    expect(renderTemplate('{{date account.renewalDate | default "no date"}}', data, NOW)).toBe('14 February 2027');
    // a present zero or "no" is a value, not missing
    const zero = buildConditionData({ fields: { bugTickets: 0, adminSelfSufficient: false }, tags: [], flags: {} });
    expect(renderTemplate('{{account.bugTickets | default "none recorded"}} {{account.adminSelfSufficient | default "?"}}', zero, NOW)).toBe('0 no');
    // the fallback is text too: escaped in HTML
    expect(renderTemplateHtml('{{account.executiveSponsor | default "<unknown>"}}', none, NOW)).toBe('&lt;unknown&gt;');
  });

  it('keeps text without merge fields, and an unclosed {{ as typed', () => {
    expect(renderTemplate('Hello', data, NOW)).toBe('Hello');
    expect(renderTemplate('Hi {{account.name', data, NOW)).toBe('Hi {{account.name');
  });
});

describe('renderTemplateHtml', () => {
  it('escapes every value and the literal text, and turns newlines into <br>', () => {
    const html = renderTemplateHtml('<b>Hi</b> {{account.name}},\nYou said: {{event.data.comment}}\r\nThanks & bye', data, NOW);
    expect(html).toBe('&lt;b&gt;Hi&lt;/b&gt; Acme &lt;Corp&gt; &amp; &quot;Sons&quot;,<br>You said: &lt;script&gt;alert(1)&lt;/script&gt;<br>Thanks &amp; bye');
    expect(html).not.toContain('<script>');
  });

  it('escapes a value that itself contains newlines', () => {
    const d = buildConditionData({ fields: { name: "O'Brien\n<i>" }, tags: [], flags: {} });
    expect(renderTemplateHtml('{{account.name}}', d, NOW)).toBe('O&#39;Brien<br>&lt;i&gt;');
  });
});

describe('analyzeTemplate', () => {
  const errors = (text: string, s: VarScope = scope) => analyzeTemplate(text, s).errors.map((e) => e.message);

  it('accepts known fields and helpers', () => {
    expect(errors('Renewal in {{days_until account.renewalDate}} days for {{account.name}} ({{money account.mrr}}, {{health.score}}, {{date now}})')).toEqual([]);
    expect(errors('Score {{event.data.score}}', { fields, allowEvent: true })).toEqual([]);
  });

  it('reports an unknown merge field with a did-you-mean', () => {
    expect(errors('Renewal on {{account.renwalDate}}')).toEqual(['unknown merge field account.renwalDate - did you mean account.renewalDate?']);
    expect(errors('{{acount.name}}')).toEqual(['unknown merge field acount.name - did you mean account.name?']);
    expect(errors('{{account.constructor}}')[0]).toMatch(/^unknown merge field account.constructor/);
  });

  it('reports unknown helpers and helpers used on the wrong kind of field', () => {
    expect(errors('{{days_untl account.renewalDate}}')[0]).toMatch(/^unknown helper days_untl - did you mean days_until\?/);
    expect(errors('{{money account.tier}}')).toEqual(['{{money account.tier}}: money needs a number field, not account.tier (a enum field)']);
    expect(errors('{{days_since account.mrr}}')[0]).toMatch(/days_since needs a date field/);
    expect(errors('{{date account.renewalDate extra}}')[0]).toMatch(/too many words/);
  });

  it('accepts a | default "..." fallback and explains a malformed one', () => {
    expect(errors('{{days_since account.lastCsmUpdateAt | default "a while"}} {{account.name|default \'x\'}}')).toEqual([]);
    expect(errors('{{account.nme | default "x"}}')[0]).toMatch(/^unknown merge field account.nme - did you mean account.name\?/);
    for (const bad of ['{{account.name | default}}', '{{account.name | fallback "x"}}', '{{account.name | default x}}', '{{account.name | default "x" "y"}}']) {
      expect(errors(bad), bad).toEqual([`merge field ${bad}: after "|" write default "text to show when the value is missing", e.g. {{days_since account.lastCsmUpdateAt | default "a while"}}`]);
    }
  });

  it('reports event values outside event playbooks, empty and unclosed fields', () => {
    expect(errors('{{event.data.score}}')).toEqual(['event.data.score can only be used in playbooks started by an event or waiting for one']);
    expect(errors('a {{ }} b')[0]).toMatch(/empty merge field/);
    expect(errors('line one\nHi {{account.name')).toEqual(['"{{" at line 2, column 4 is never closed with "}}"']);
  });
});

describe('formatDate', () => {
  it('reads as day, month name and year (UTC), empty when not a date', () => {
    expect(formatDate('2027-02-12')).toBe('12 February 2027');
    expect(formatDate('2026-12-31T23:30:00.000Z')).toBe('31 December 2026');
    expect(formatDate('2027-01-01T00:30:00+02:00')).toBe('31 December 2026');
    expect(formatDate(Date.UTC(2027, 5, 3))).toBe('3 June 2027');
    expect(['soon', '', null, undefined, {}].map(formatDate)).toEqual(['', '', '', '', '']);
  });
});

describe('formatDate and formatMoney against the Date and regex forms they replace', () => {
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  it('formatDate reads as Date#getUTC* give the day', () => {
    fc.assert(fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
      const d = new Date(ms);
      return formatDate(ms) === `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    }), { numRuns: 5000 });
    for (const ms of [-0.5, -86_400_000.5, 0.5, -1, 951_782_400_000]) {
      const d = new Date(ms);
      expect(formatDate(ms)).toBe(`${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`);
    }
  });
  it('formatMoney groups digits as the regex did', () => {
    const reference = (value: number) => {
      const abs = Math.abs(value);
      const [whole, frac] = abs.toFixed(Math.round(abs * 100) % 100 !== 0 ? 2 : 0).split('.');
      return `${value < 0 ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac ? `.${frac}` : ''}`;
    };
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 })), (n) => formatMoney(n) === reference(n)), { numRuns: 5000 });
    expect(formatMoney(1e21)).toBe(reference(1e21));
    expect(formatMoney(999)).toBe('$999');
    expect(formatMoney(1000)).toBe('$1,000');
    expect(formatMoney(123456)).toBe('$123,456');
  });
});

describe('formatMoney', () => {
  it('formats dollars with thousands separators', () => {
    expect([4200, 1234567.5, 0, -80, '950', 'abc', null].map(formatMoney)).toEqual(['$4,200', '$1,234,567.50', '$0', '-$80', '$950', '', '']);
  });
});
