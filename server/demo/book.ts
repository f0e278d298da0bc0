/**
 * The demo book, generated from a seed: ~600 accounts across 3 tiers and 3 coverage
 * segments, owned by 8 CSMs, and a year of what happens to them (usage snapshots, licence
 * roll-out, NPS surveys, support tickets, CSM activities, new signings, hand-offs,
 * renewals). Pure: no store, no clock. server/demo/seed.ts delivers it through ingest.
 */
import type { AccountEvent } from '../../engine/types.js';
import { Rng } from './random.js';
import { CSM_OWNERS, ONBOARDING_OWNERS } from './people.js';

export const DAY = 86_400_000;

const PREFIXES = [
  'Northwind', 'Bluefin', 'Cobalt', 'Evergreen', 'Harbor', 'Juniper', 'Keystone', 'Lumen', 'Meridian', 'Nimbus',
  'Orchard', 'Pinnacle', 'Quarry', 'Redwood', 'Summit', 'Tidewater', 'Upland', 'Vantage', 'Westbrook', 'Yarrow',
  'Alder', 'Beacon', 'Cedar', 'Driftwood', 'Ember', 'Falcon', 'Granite', 'Highland', 'Ironbridge', 'Kestrel',
  'Larkspur', 'Maple', 'Northstar', 'Oakridge', 'Polaris', 'Riverside', 'Silverline', 'Trailhead', 'Verity', 'Willow',
  'Aurora', 'Brightwater', 'Crescent', 'Delta', 'Foxglove', 'Goldleaf', 'Horizon', 'Inland', 'Lakeshore', 'Mosaic',
];
const SUFFIXES = [
  'Logistics', 'Health', 'Analytics', 'Foods', 'Bank', 'Labs', 'Retail', 'Energy', 'Media', 'Systems',
  'Insurance', 'Manufacturing', 'Travel', 'Education', 'Pharma', 'Telecom', 'Realty', 'Capital', 'Robotics', 'Apparel',
  'Freight', 'Clinics', 'Software', 'Hotels', 'Utilities',
];
const FIRST = ['Ana', 'Ben', 'Chloe', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Isabel', 'Jamal', 'Kara', 'Luis', 'Mira', 'Nikolai', 'Olivia', 'Pedro', 'Quinn', 'Rosa', 'Samir', 'Tara', 'Umar', 'Vivian', 'Wei', 'Ximena', 'Yusuf', 'Zoe'];
const LAST = ['Andersen', 'Baker', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Johnson', 'Kowalski', 'Larsen', 'Moreau', 'Nguyen', 'Okoro', 'Patel', 'Quintero', 'Rossi', 'Schmidt', 'Tanaka', 'Ueda', 'Varga', 'Walsh', 'Young', 'Zhang'];
const ACTIVITY = [['meeting', 'Weekly sync'], ['call', 'Check-in call'], ['email', 'Shared the release notes'], ['note', 'Account notes updated'], ['meeting', 'Adoption plan review'], ['ebr', 'Executive business review']] as const;

export interface DemoAccount {
  id: string;
  name: string;
  tier: 'tier-1' | 'tier-2' | 'tier-3';
  segment: 'high-touch' | 'low-touch' | 'tech-touch';
  owner: string;
  mrr: number;
  licensesPurchased: number;
  /** When the account enters the book (the simulation start for existing customers). */
  signAt: string;
  existing: boolean;
  contractStartDate: string;
  /** The first renewal after signAt. */
  renewalDate: string;
  /** Latent account quality 0..1 that drives usage, NPS, tickets and sentiment. */
  quality: number;
}

export type PlanItem =
  | { at: string; kind: 'upsert'; accountId: string; record: Record<string, unknown> }
  | { at: string; kind: 'event'; accountId: string; event: AccountEvent }
  | { at: string; kind: 'renewal'; accountId: string };

/** A plan item before its time is set. */
type PlanItemBody = PlanItem extends infer T ? (T extends PlanItem ? Omit<T, 'at'> : never) : never;

export interface DemoPlan {
  start: string;
  end: string;
  accounts: DemoAccount[];
  /** Everything that happens, oldest first (stable order for equal times). */
  items: PlanItem[];
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

function addYears(date: string, years: number): string {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

/** The year of history: from end - 365 days to end (the real now). */
export function planBook(opts: { accounts: number; seed: number; end: string }): DemoPlan {
  const endMs = Date.parse(opts.end);
  const startMs = endMs - 365 * DAY;
  const rng = new Rng(opts.seed);
  const names = rng.shuffle(PREFIXES.flatMap((p) => SUFFIXES.map((s) => `${p} ${s}`)));
  const csms = CSM_OWNERS.length ? CSM_OWNERS : ['csm-1'];
  const onboarders = ONBOARDING_OWNERS.length ? ONBOARDING_OWNERS : csms;
  const accounts: DemoAccount[] = [];
  const items: PlanItem[] = [];

  for (let i = 0; i < opts.accounts; i++) {
    const r = rng.fork(i + 1);
    const id = `acc-${String(i + 1).padStart(4, '0')}`;
    const name = i < names.length ? names[i] : `${names[i % names.length]} ${Math.floor(i / names.length) + 1}`;
    const tier = r.weighted([['tier-1', 0.15], ['tier-2', 0.35], ['tier-3', 0.5]] as const);
    const segment = tier === 'tier-1' ? r.weighted([['high-touch', 0.9], ['low-touch', 0.1]] as const)
      : tier === 'tier-2' ? r.weighted([['high-touch', 0.2], ['low-touch', 0.7], ['tech-touch', 0.1]] as const)
      : r.weighted([['low-touch', 0.2], ['tech-touch', 0.8]] as const);
    const existing = r.chance(0.8);
    const signMs = existing ? startMs : startMs + Math.floor(r.between(5, 355)) * DAY + r.int(0, 8) * 3_600_000;
    const contractStart = existing ? day(startMs - Math.floor(r.between(20, 3 * 365)) * DAY) : day(signMs);
    let renewal = addYears(contractStart, 1);
    while (renewal <= day(signMs)) renewal = addYears(renewal, 1);
    const mrrRaw = tier === 'tier-1' ? r.between(6000, 30000) : tier === 'tier-2' ? r.between(1500, 6000) : r.between(250, 1500);
    const mrr = Math.round(mrrRaw / 50) * 50;
    const licensesPurchased = Math.max(5, Math.round(mrr / (tier === 'tier-1' ? 45 : tier === 'tier-2' ? 40 : 35)));
    const owner = !existing && r.chance(0.6) ? r.pick(onboarders) : r.chance(0.88) ? r.pick(csms) : r.pick(onboarders);
    const quality = clamp(r.normal(0.64, 0.2), 0.05, 0.98);
    const acc: DemoAccount = { id, name, tier, segment, owner, mrr, licensesPurchased, signAt: iso(signMs), existing, contractStartDate: contractStart, renewalDate: renewal, quality };
    accounts.push(acc);
    planAccount(acc, r, startMs, endMs, items);
  }
  items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { start: iso(startMs), end: iso(endMs), accounts, items };
}

function planAccount(a: DemoAccount, r: Rng, startMs: number, endMs: number, items: PlanItem[]): void {
  const signMs = Date.parse(a.signAt);
  const push = (ms: number, item: PlanItemBody) => {
    if (ms <= endMs) items.push({ ...item, at: iso(ms) } as PlanItem);
  };
  const first = r.pick(FIRST), last = r.pick(LAST);
  const domain = a.name.toLowerCase().replace(/[^a-z]+/g, '') + '.example';
  const drift = r.normal(0, 0.12);
  const dip = r.chance(0.14) ? { from: startMs + r.between(30, 330) * DAY, days: r.between(25, 60), depth: r.between(0.25, 0.45) } : null;
  const rampDays = r.between(25, 80);
  const q = (ms: number) => {
    let v = a.quality + drift * ((ms - startMs) / (365 * DAY));
    if (dip && ms >= dip.from && ms < dip.from + dip.days * DAY) v -= dip.depth;
    if (!a.existing) v *= 0.35 + 0.65 * clamp((ms - signMs) / (rampDays * DAY), 0, 1);
    return clamp(v, 0.02, 1);
  };
  const sentiment = (ms: number) => clamp(Math.round(1 + 4 * q(ms) + r.normal(0, 0.5)), 1, 5);

  // The account as the CRM knows it when it enters the book. An existing customer's data
  // reflects how long it has been one: a few months in, usage has been green for a while
  // (past onboarding); after five months most admins run the product themselves (adopted).
  const ageDays = a.existing ? (signMs - Date.parse(a.contractStartDate + 'T00:00:00Z')) / DAY : 0;
  const mature = a.existing && ageDays >= 90;
  const readyRoll = r.chance(0.92);
  const ready = mature && ageDays >= 150 && readyRoll;
  const maturity: Record<string, unknown> = mature ? {
    usageGreenSince: iso(Math.min(Date.parse(a.contractStartDate + 'T00:00:00Z') + r.between(25, 50) * DAY, signMs - 20 * DAY)),
    featuresUsed: clamp(Math.round(5 + 7 * a.quality), 5, 12),
    keyFeaturesGreen: clamp(Math.round(5 + 2 * a.quality), 5, 7),
  } : {};
  push(signMs, {
    kind: 'upsert', accountId: a.id, record: {
      id: a.id, name: a.name, tier: a.tier, segment: a.segment, owner: a.owner, mrr: a.mrr,
      renewalDate: a.renewalDate, contractStartDate: a.contractStartDate,
      licensesPurchased: a.licensesPurchased, licensesDeployed: Math.round(a.licensesPurchased * (a.existing ? clamp(0.45 + 0.55 * a.quality, 0, 1) : 0.1)),
      supportResolutionTargetDays: a.tier === 'tier-1' ? 3 : a.tier === 'tier-2' ? 5 : 7,
      adminSelfSufficient: ready, deploymentDocumented: ready,
      csmSentiment: a.segment === 'tech-touch' ? null : sentiment(signMs),
      primaryContactName: `${first} ${last}`, primaryContactEmail: `${first.toLowerCase()}.${last.toLowerCase()}@${domain}`,
      executiveSponsor: a.tier === 'tier-1' ? `${r.pick(FIRST)} ${r.pick(LAST)}` : null,
      region: r.weighted([['amer', 0.5], ['emea', 0.35], ['apac', 0.15]] as const),
      ...(a.existing && a.segment !== 'tech-touch' ? { lastCsmUpdateAt: iso(signMs - r.between(0, 6) * DAY) } : {}),
      ...maturity,
    },
  });

  // A new customer's admin becomes self-sufficient and the deployment documented some weeks in.
  if (!ready && q(endMs) > 0.3) {
    const at = signMs + r.between(a.existing ? 10 : rampDays + 20, a.existing ? 60 : rampDays + 75) * DAY;
    push(at, { kind: 'upsert', accountId: a.id, record: { id: a.id, adminSelfSufficient: true, deploymentDocumented: true } });
  }

  // Usage snapshots: weekly while onboarding, then about monthly. Licences roll out with them.
  let prevDau: number | null = null;
  let deployed = Math.round(a.licensesPurchased * (a.existing ? clamp(0.45 + 0.55 * a.quality, 0, 1) : 0.1));
  let t = signMs + r.between(0.2, 3) * DAY;
  // Existing customers' first snapshot is the one from just before the window (their history starts earlier).
  if (a.existing) t = signMs - r.between(15, 25) * DAY;
  let n = 0;
  while (t <= endMs) {
    const qe = q(t);
    const target = Math.round(a.licensesPurchased * clamp(0.45 + 0.55 * qe + r.normal(0, 0.04), 0.05, 1.05));
    const newDeployed = a.existing ? target : Math.min(target, Math.round(deployed + a.licensesPurchased * r.between(0.08, 0.2)));
    const dau = Math.max(0, Math.round(Math.max(newDeployed, 1) * (0.2 + 0.5 * qe) * (1 + r.normal(0, 0.05))));
    const trend = prevDau && prevDau > 0 ? Math.round(((dau - prevDau) / prevDau) * 1000) / 10 : 0;
    const deliverAt = Math.max(t, signMs);
    let featuresUsed = clamp(Math.round(2 + 10 * qe + r.normal(0, 0.8)), 0, 12);
    let keyFeaturesGreen = clamp(Math.round(8 * qe + 0.3 + r.normal(0, 0.6)), 0, 7);
    // The snapshot from before the window agrees with the maturity the account record carries.
    if (n === 0 && mature) {
      featuresUsed = Math.max(5, featuresUsed);
      keyFeaturesGreen = Math.max(5, keyFeaturesGreen);
    }
    push(deliverAt, {
      kind: 'event', accountId: a.id, event: {
        id: `demo-usage-${a.id}-${n}`, accountId: a.id, type: 'usage.snapshot', occurredAt: iso(t),
        data: {
          dau, dauTrendPct: trend,
          featuresUsed,
          keyFeaturesGreen,
        },
      },
    });
    if (Math.abs(newDeployed - deployed) >= Math.max(2, a.licensesPurchased * 0.1)) {
      deployed = newDeployed;
      push(deliverAt, { kind: 'event', accountId: a.id, event: { id: `demo-lic-${a.id}-${n}`, accountId: a.id, type: 'license.changed', occurredAt: iso(t), data: { licensesDeployed: deployed } } });
    }
    prevDau = dau;
    n++;
    const onboarding = !a.existing && t - signMs < 75 * DAY;
    t += (onboarding ? r.between(6, 8) : r.between(26, 34)) * DAY;
  }

  // NPS surveys twice a year; about half answer.
  for (const wave of [70, 250]) {
    const at = startMs + (wave + r.between(0, 10)) * DAY;
    if (at < signMs + 30 * DAY || !r.chance(0.55)) continue;
    const score = clamp(Math.round(10 * q(at) + r.normal(0.3, 1.6)), 0, 10);
    push(at, { kind: 'event', accountId: a.id, event: { id: `demo-nps-${a.id}-${wave}`, accountId: a.id, type: 'nps.response', occurredAt: iso(at), data: { score, respondent: `${first} ${last}` } } });
  }

  // Support tickets: more for weaker and bigger accounts; some high-priority ones outlive their target.
  const perYear = (1.5 + 5 * (1 - a.quality)) * (a.tier === 'tier-1' ? 1.6 : a.tier === 'tier-2' ? 1.1 : 0.7);
  let tt = Math.max(signMs, startMs) + r.exp(365 / perYear) * DAY;
  let k = 0;
  while (tt <= endMs) {
    const priority = r.weighted([['low', 0.3], ['normal', 0.45], ['high', 0.2], ['urgent', 0.05]] as const);
    const bug = r.chance(0.25);
    const ticketId = `T-${a.id.slice(4)}-${k}`;
    push(tt, { kind: 'event', accountId: a.id, event: { id: `demo-tkt-open-${a.id}-${k}`, accountId: a.id, type: 'ticket.opened', occurredAt: iso(tt), data: { ticketId, priority, bug, subject: bug ? 'Bug report' : 'Question' } } });
    const high = priority === 'high' || priority === 'urgent';
    const target = a.tier === 'tier-1' ? 3 : a.tier === 'tier-2' ? 5 : 7;
    const resolveDays = high ? r.exp(target * (bug ? 2.2 : 1.1)) + 0.3 : r.exp(9) + 0.5;
    if (high && r.chance(0.12)) push(tt + 2 * DAY, { kind: 'event', accountId: a.id, event: { id: `demo-tkt-esc-${a.id}-${k}`, accountId: a.id, type: 'ticket.escalated', occurredAt: iso(tt + 2 * DAY), data: { ticketId } } });
    push(tt + resolveDays * DAY, { kind: 'event', accountId: a.id, event: { id: `demo-tkt-close-${a.id}-${k}`, accountId: a.id, type: 'ticket.closed', occurredAt: iso(tt + resolveDays * DAY), data: { ticketId } } });
    k++;
    tt += r.exp(365 / perYear) * DAY;
  }

  // The CSM's logged updates: high-touch about weekly (sometimes slipping), low-touch monthly.
  if (a.segment !== 'tech-touch') {
    let ta = Math.max(signMs, startMs) + r.between(1, 6) * DAY;
    let m = 0;
    while (ta <= endMs) {
      const [kind, summary] = r.pick(ACTIVITY);
      push(ta, { kind: 'event', accountId: a.id, event: { id: `demo-act-${a.id}-${m}`, accountId: a.id, type: 'csm.activity', occurredAt: iso(ta), data: { kind, summary, by: a.owner } } });
      m++;
      ta += (a.segment === 'high-touch' ? (r.chance(0.8) ? r.between(5, 9) : r.between(10, 21)) : r.between(25, 50)) * DAY;
    }
    // The CSM's sentiment, refreshed each quarter.
    for (let qd = 91; qd < 365; qd += 91) {
      const at = startMs + (qd + r.between(0, 7)) * DAY;
      if (at > signMs) push(at, { kind: 'upsert', accountId: a.id, record: { id: a.id, csmSentiment: sentiment(at) } });
    }
  }

  // Renewal: decided when it comes, from the account's health then (seed.ts).
  push(Date.parse(a.renewalDate + 'T12:00:00Z'), { kind: 'renewal', accountId: a.id });
}
