/**
 * Health mix and the retention it implies: expected retention = sum over bands of
 * (share of accounts in the band x the band's expected renewal rate from the scorecard),
 * by account count and weighted by MRR.
 */
import type { HealthColor, Scorecard } from '../../engine/schema/definitions.js';

export interface HealthAccount {
  mrr: number;
  color: HealthColor | null;
  scorecardId: string | null;
}

export type RenewalRates = Record<HealthColor, number>;

export interface HealthBand {
  color: HealthColor;
  accounts: number;
  /** Of accounts with a health score. */
  share: number;
  mrr: number;
  mrrShare: number;
  /** The scorecard's rate for the band (null if the scorecards differ or give none). */
  expectedRenewalRate: number | null;
}

export interface HealthMixReport {
  accounts: number;
  scored: number;
  unscored: number;
  totalMrr: number;
  bands: HealthBand[];
  /** sum(share x rate); null when no scorecard gives rates. */
  expectedRetention: number | null;
  /** sum(mrrShare x rate). */
  expectedRetentionMrr: number | null;
  /** Expected MRR renewed: sum(mrr x rate). */
  expectedRetainedMrr: number | null;
}

const COLORS: HealthColor[] = ['green', 'yellow', 'red'];
const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function computeHealthMix(accounts: HealthAccount[], scorecards: Pick<Scorecard, 'id' | 'expectedRenewalRate'>[]): HealthMixReport {
  const rates = new Map<string, RenewalRates>();
  for (const s of scorecards) if (s.expectedRenewalRate) rates.set(s.id, s.expectedRenewalRate);
  const scored = accounts.filter((a) => a.color !== null);
  const totalMrr = accounts.reduce((s, a) => s + a.mrr, 0);
  const scoredMrr = scored.reduce((s, a) => s + a.mrr, 0);

  // Per account, so a book scored by several scorecards uses each one's own rates.
  let rated = 0, rateSum = 0, ratedMrr = 0, rateMrrSum = 0;
  for (const a of scored) {
    const r = a.scorecardId ? rates.get(a.scorecardId) : undefined;
    if (!r) continue;
    rated++;
    rateSum += r[a.color!];
    ratedMrr += a.mrr;
    rateMrrSum += a.mrr * r[a.color!];
  }

  const bands: HealthBand[] = COLORS.map((color) => {
    const inBand = scored.filter((a) => a.color === color);
    const mrr = inBand.reduce((s, a) => s + a.mrr, 0);
    const bandRates = new Set(inBand.map((a) => (a.scorecardId ? rates.get(a.scorecardId)?.[color] : undefined)));
    const only = bandRates.size === 1 ? [...bandRates][0] : undefined;
    const fallback = rates.size === 1 ? [...rates.values()][0][color] : undefined;
    return {
      color,
      accounts: inBand.length,
      share: scored.length ? round(inBand.length / scored.length) : 0,
      mrr: round(mrr),
      mrrShare: scoredMrr ? round(mrr / scoredMrr) : 0,
      expectedRenewalRate: (inBand.length ? only : fallback) ?? null,
    };
  });

  return {
    accounts: accounts.length,
    scored: scored.length,
    unscored: accounts.length - scored.length,
    totalMrr: round(totalMrr),
    bands,
    expectedRetention: rated ? round(rateSum / rated) : null,
    expectedRetentionMrr: ratedMrr ? round(rateMrrSum / ratedMrr) : null,
    expectedRetainedMrr: rated ? round(rateMrrSum) : null,
  };
}
