import { DAY, HOUR, MINUTE, PartitionedTable } from './partitions';
import { sqlCodeOfRank, sqlRankOf, STATUS_BY_CODE } from './status';

/** Resolutions of the metric history, finest first: raw samples (one per sync), 5-minute and 1-hour roll-ups. */
export const TIER_NAMES = ['raw', '5m', '1h'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface Tier extends PartitionedTable {
  name: TierName;
  /** Bucket width; raw samples have none (one per sync). */
  stepMs: number | null;
  /** Per-instance status counts of the roll-up tiers. */
  counts?: PartitionedTable;
}

/**
 * Raw partitions are hourly so the 24 h window never holds more than 25 h (raw rows are the bulk of the
 * disk); roll-ups are daily.
 */
export const TIERS: Record<TierName, Tier> = {
  raw: { name: 'raw', table: 'haproxy_metric_samples', timeColumn: 'sampled_at', partitionMs: HOUR, stepMs: null },
  '5m': {
    name: '5m',
    table: 'haproxy_metric_rollup_5m',
    timeColumn: 'bucket_start',
    partitionMs: DAY,
    stepMs: 5 * MINUTE,
    counts: { table: 'haproxy_status_counts_5m', timeColumn: 'bucket_start', partitionMs: DAY },
  },
  '1h': {
    name: '1h',
    table: 'haproxy_metric_rollup_1h',
    timeColumn: 'bucket_start',
    partitionMs: DAY,
    stepMs: HOUR,
    counts: { table: 'haproxy_status_counts_1h', timeColumn: 'bucket_start', partitionMs: DAY },
  },
};

/** The tier's time column as seen by `perServerRows` (alias r). */
export const tierTime = (tier: TierName) => `r.${TIERS[tier].timeColumn}`;

/**
 * One row per server per stored row of a tier, with the same columns for every tier:
 * t, n (syncs behind it), instance_id, backend_id, server_id, last_status, worst_status, sessions_avg,
 * sessions_max, weight_avg. `where` may use r.* (the tier's row) and u.server_id.
 */
export function perServerRows(tier: TierName, where: string): string {
  if (tier === 'raw') {
    return `SELECT r.sampled_at AS t, 1 AS n, r.instance_id, r.backend_id, u.server_id, u.status AS last_status, u.status AS worst_status,
                   u.sessions::real AS sessions_avg, u.sessions AS sessions_max, u.weight::real AS weight_avg
              FROM haproxy_metric_samples r
              CROSS JOIN LATERAL unnest(r.server_ids, r.statuses, r.sessions, r.weights) AS u(server_id, status, sessions, weight)
             WHERE ${where}`;
  }
  return `SELECT r.bucket_start AS t, r.samples AS n, r.instance_id, r.backend_id, u.server_id, u.last_status, u.worst_status,
                 u.sessions_avg, u.sessions_max, u.weight_avg
            FROM ${TIERS[tier].table} r
            CROSS JOIN LATERAL unnest(r.server_ids, r.last_statuses, r.worst_statuses, r.sessions_avg, r.sessions_max, r.weight_avg)
                 AS u(server_id, last_status, worst_status, sessions_avg, sessions_max, weight_avg)
           WHERE ${where}`;
}

/**
 * Per server per bucket of `intervalParam` (a `$n` holding an interval), epoch-aligned: the columns of
 * perServerRows combined the way a roll-up combines them (last, worst, sample-weighted averages, max).
 * Used both to write the roll-ups and to downsample at query time, so the two agree by construction.
 */
export function perServerBuckets(tier: TierName, where: string, intervalParam: string): string {
  return `SELECT date_bin(${intervalParam}::interval, p.t, timestamptz '1970-01-01 00:00:00+00') AS bucket,
                 p.backend_id, p.server_id, max(p.instance_id) AS instance_id,
                 (array_agg(p.last_status ORDER BY p.t DESC))[1] AS last_status,
                 ${sqlCodeOfRank(`max(${sqlRankOf('p.worst_status')})`)} AS worst_status,
                 (sum(p.sessions_avg * p.n) / sum(p.n))::real AS sessions_avg,
                 max(p.sessions_max) AS sessions_max,
                 (sum(p.weight_avg * p.n) / sum(p.n))::real AS weight_avg,
                 sum(p.n)::int AS n
            FROM (${perServerRows(tier, where)}) p
           GROUP BY 1, 2, 3`;
}

/** `ARRAY[count(*) FILTER (WHERE col = 0), ...]`: servers per status code, index code + 1. */
export function sqlCountsByCode(col: string): string {
  return `ARRAY[${STATUS_BY_CODE.map((_, code) => `count(*) FILTER (WHERE ${col} = ${code})`).join(', ')}]::int[]`;
}

/** Interval literal for PostgreSQL from milliseconds. */
export const pgInterval = (ms: number) => `${ms} milliseconds`;
