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

export const BUCKET_COLUMNS = ['last_status', 'worst_status', 'sessions_avg', 'sessions_max', 'weight_avg'] as const;
export type BucketColumn = (typeof BUCKET_COLUMNS)[number];

/** Where each column comes from in a raw sample: its array, and the expression over the unnested element. */
const RAW_SOURCE: Record<BucketColumn, [string, string]> = {
  last_status: ['statuses', 'u.statuses'],
  worst_status: ['statuses', 'u.statuses'],
  sessions_avg: ['sessions', 'u.sessions::real'],
  sessions_max: ['sessions', 'u.sessions'],
  weight_avg: ['weights', 'u.weights::real'],
};

/**
 * One row per server per stored row of a tier, with the same columns for every tier: t, n (syncs behind
 * it), instance_id, backend_id, server_id and the asked columns. Only the arrays those need are unnested
 * (the expensive part of a query). `where` may use r.* (the tier's row) and u.server_id.
 */
export function perServerRows(
  tier: TierName,
  where: string,
  columns: readonly BucketColumn[] = BUCKET_COLUMNS
): string {
  if (tier === 'raw') {
    const arrays = [...new Set(columns.map((c) => RAW_SOURCE[c][0]))];
    return `SELECT r.sampled_at AS t, 1 AS n, r.instance_id, r.backend_id, u.server_id,
                   ${columns.map((c) => `${RAW_SOURCE[c][1]} AS ${c}`).join(', ')}
              FROM haproxy_metric_samples r
              CROSS JOIN LATERAL unnest(r.server_ids, ${arrays.map((a) => `r.${a}`).join(', ')}) AS u(server_id, ${arrays.join(', ')})
             WHERE ${where}`;
  }
  const arrays: Record<BucketColumn, string> = {
    last_status: 'last_statuses',
    worst_status: 'worst_statuses',
    sessions_avg: 'sessions_avg',
    sessions_max: 'sessions_max',
    weight_avg: 'weight_avg',
  };
  return `SELECT r.bucket_start AS t, r.samples AS n, r.instance_id, r.backend_id, u.server_id, ${columns.map((c) => `u.${c}`).join(', ')}
            FROM ${TIERS[tier].table} r
            CROSS JOIN LATERAL unnest(r.server_ids, ${columns.map((c) => `r.${arrays[c]}`).join(', ')}) AS u(server_id, ${columns.join(', ')})
           WHERE ${where}`;
}

const COMBINE: Record<BucketColumn, string> = {
  last_status: '(array_agg(p.last_status ORDER BY p.t DESC))[1]',
  worst_status: sqlCodeOfRank(`max(${sqlRankOf('p.worst_status')})`),
  // n is 1 for raw samples: a plain average there.
  sessions_avg: '(sum(p.sessions_avg * p.n) / sum(p.n))::real',
  sessions_max: 'max(p.sessions_max)',
  weight_avg: '(sum(p.weight_avg * p.n) / sum(p.n))::real',
};

/** How far a roll-up tier is complete (its watermark), as SQL; -infinity before its first run. */
export const sqlDoneUntil = (tier: '5m' | '1h') =>
  `coalesce((SELECT done_until FROM haproxy_metric_rollup_state WHERE tier = '${tier}'), '-infinity')`;

/** perServerRows of a tier up to its watermark, then of the raw samples not rolled up yet (perServerBuckets' `recent`). */
export function recentRows(tier: TierName, where: (time: string) => string, columns: readonly BucketColumn[]): string {
  const time = `r.${TIERS[tier].timeColumn}`;
  return tier === 'raw'
    ? perServerRows(tier, where(time), columns)
    : `${perServerRows(tier, `${where(time)} AND ${time} < ${sqlDoneUntil(tier)}`, columns)}
       UNION ALL
       ${perServerRows('raw', `${where('r.sampled_at')} AND r.sampled_at >= ${sqlDoneUntil(tier)}`, columns)}`;
}

/**
 * Per server per bucket of `intervalParam` (a `$n` holding an interval), epoch-aligned: the columns of
 * perServerRows combined the way a roll-up combines them (last, worst, sample-weighted averages, max).
 * Used both to write the roll-ups and to downsample at query time, so the two agree by construction;
 * a query asks only for the columns it shows (each ordered aggregate costs). `where` gets the time column
 * of the rows it filters. `recent`: a roll-up tier's rows up to its watermark, then the raw samples not
 * rolled up yet, so a range ending now reads to its end at every resolution (raw samples are dropped only
 * once both roll-ups have them).
 */
export function perServerBuckets(
  tier: TierName,
  where: (time: string) => string,
  intervalParam: string,
  columns: readonly BucketColumn[] = BUCKET_COLUMNS,
  o: { recent?: boolean } = {}
): string {
  const rows = o.recent
    ? recentRows(tier, where, columns)
    : perServerRows(tier, where(`r.${TIERS[tier].timeColumn}`), columns);
  return `SELECT date_bin(${intervalParam}::interval, p.t, timestamptz '1970-01-01 00:00:00+00') AS bucket,
                 p.backend_id, p.server_id, max(p.instance_id) AS instance_id,
                 ${columns.map((c) => `${COMBINE[c]} AS ${c}`).join(',\n                 ')},
                 sum(p.n)::int AS n
            FROM (${rows}) p
           GROUP BY 1, 2, 3`;
}

/**
 * Servers per status per instance per bucket of `intervalParam`: each backend's latest raw sample in the
 * bucket, summed per instance, with the time of the latest (`at`). The roll-ups' counts are written with it
 * and the query reads the minutes not rolled up yet with it, so a bucket reads the same before and after its
 * roll-up; a server gone before its backend's last sample in the bucket is not counted. `where` filters r.*.
 */
export function latestCountsPerInstance(intervalParam: string, where: string): string {
  return `SELECT bucket, instance_id, ${sqlCountsByCode('u.s')} AS counts, max(at) AS at
            FROM (SELECT DISTINCT ON (1, r.backend_id)
                         date_bin(${intervalParam}::interval, r.sampled_at, timestamptz '1970-01-01 00:00:00+00') AS bucket,
                         r.instance_id, r.statuses, r.sampled_at AS at
                    FROM haproxy_metric_samples r
                   WHERE ${where}
                   ORDER BY 1, r.backend_id, r.sampled_at DESC) s
           CROSS JOIN LATERAL unnest(s.statuses) AS u(s)
           GROUP BY bucket, instance_id`;
}

/** `ARRAY[count(*) FILTER (WHERE col = 0), ...]`: servers per status code, index code + 1. */
export function sqlCountsByCode(col: string): string {
  return `ARRAY[${STATUS_BY_CODE.map((_, code) => `count(*) FILTER (WHERE ${col} = ${code})`).join(', ')}]::int[]`;
}

/** Interval literal for PostgreSQL from milliseconds. */
export const pgInterval = (ms: number) => `${ms} milliseconds`;
