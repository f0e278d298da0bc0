/**
 * Time comes from a Clock so tests and previews can move it by hand instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to (tests). */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number = '2026-01-05T09:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (Number.isNaN(this.ms)) throw new Error(`ManualClock: invalid start time ${String(start)}`);
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(to: Date | string | number): void {
    const ms = new Date(to).getTime();
    if (Number.isNaN(ms)) throw new Error(`ManualClock.set: invalid time ${String(to)}`);
    this.ms = ms;
  }
  /** Moves forward by ms, or by { days, hours, minutes, seconds, ms }. */
  advance(by: number | { days?: number; hours?: number; minutes?: number; seconds?: number; ms?: number }): void {
    const delta = typeof by === 'number' ? by
      : (by.days ?? 0) * 86_400_000 + (by.hours ?? 0) * 3_600_000 + (by.minutes ?? 0) * 60_000 + (by.seconds ?? 0) * 1000 + (by.ms ?? 0);
    this.ms += delta;
  }
}

/** A clock fixed at, or offset from, a given time: used by worker-main's test hook (WAYMARK_CLOCK). */
export function clockFromEnv(value: string | undefined): Clock {
  if (!value) return systemClock;
  return new ManualClock(value);
}
