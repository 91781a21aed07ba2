import { TIER_NAMES, TierName, TIERS } from './tiers';

export interface ResolutionInput {
  fromMs: number;
  toMs: number;
  maxDataPoints: number;
  /** Grafana's suggested interval: buckets are never finer. */
  intervalMs?: number;
  /**
   * Oldest time each tier still holds (start of its oldest partition); null when the tier holds everything
   * it ever got (no partitions dropped yet, or all data still in DEFAULT). Tiers left out are not offered.
   */
  oldest: Partial<Record<TierName, number | null>>;
}

export interface Resolution {
  tier: TierName;
  /** Width of the output buckets (epoch-aligned), a multiple of the tier's step. */
  intervalMs: number;
}

/** Number of epoch-aligned buckets of `intervalMs` that [from, to) touches. */
export function bucketCount(fromMs: number, toMs: number, intervalMs: number): number {
  return Math.floor((toMs - 1) / intervalMs) - Math.floor(fromMs / intervalMs) + 1;
}

/**
 * The resolution of a query: among the tiers that still hold the range's start, the coarsest one whose step
 * is no wider than the interval the points allow (so raw for a day on a wide panel, 5m for a week, 1h for a
 * month); when every step is too wide, the finest one. Buckets are then widened, in whole steps, until
 * there are at most maxDataPoints of them.
 */
export function chooseResolution(i: ResolutionInput): Resolution {
  const rangeMs = i.toMs - i.fromMs;
  const wanted = Math.max(i.intervalMs ?? 0, Math.ceil(rangeMs / i.maxDataPoints), 1000);
  const offered = TIER_NAMES.filter((t) => t in i.oldest);
  if (offered.length === 0) {
    throw new Error('no tier offered');
  }
  const holding = offered.filter((t) => {
    const oldest = i.oldest[t];
    return oldest === null || oldest === undefined || oldest <= i.fromMs;
  });
  // Nothing holds the start any more: the coarsest tier keeps the longest history.
  const candidates = holding.length ? holding : [offered[offered.length - 1]];
  const fitting = candidates.filter((t) => (TIERS[t].stepMs ?? 0) <= wanted);
  const tier = fitting.length ? fitting[fitting.length - 1] : candidates[0];
  // Raw samples come once per sync: whole seconds are fine-grained enough.
  const step = TIERS[tier].stepMs ?? 1000;
  let intervalMs = Math.ceil(wanted / step) * step;
  while (bucketCount(i.fromMs, i.toMs, intervalMs) > i.maxDataPoints) {
    intervalMs += step;
  }
  return { tier, intervalMs };
}
