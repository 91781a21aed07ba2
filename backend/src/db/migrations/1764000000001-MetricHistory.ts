import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roll-ups of haproxy_metric_samples for trends (see src/history): per backend per 5-minute / 1-hour bucket,
 * servers packed in parallel arrays like the raw samples, plus per-instance status counts so fleet-wide
 * "servers per status" over a month reads a few hundred thousand tiny rows instead of millions of arrays.
 * Every table is range-partitioned by time; HistoryMaintenance creates the partitions ahead and drops old
 * ones. The DEFAULT partitions only catch rows outside the created ranges (maintenance moves them out).
 */
export class MetricHistory1764000000001 implements MigrationInterface {
  name = 'MetricHistory1764000000001';

  async up(q: QueryRunner): Promise<void> {
    for (const tier of ['5m', '1h']) {
      const rollup = `haproxy_metric_rollup_${tier}`;
      await q.query(`
        CREATE TABLE ${rollup} (
          bucket_start timestamptz NOT NULL,
          instance_id int NOT NULL,
          backend_id int NOT NULL,
          samples smallint NOT NULL,          -- syncs that fell into the bucket
          server_ids int[] NOT NULL,          -- every server seen in the bucket, ascending
          last_statuses smallint[] NOT NULL,  -- STATUS_CODE at the server's last sample in the bucket
          worst_statuses smallint[] NOT NULL, -- most severe STATUS_CODE seen in the bucket (history/status.ts)
          sessions_avg real[] NOT NULL,
          sessions_max int[] NOT NULL,
          weight_avg real[] NOT NULL
        ) PARTITION BY RANGE (bucket_start)`);
      await q.query(`CREATE UNIQUE INDEX ${rollup}_backend_uq ON ${rollup} (backend_id, bucket_start)`);
      await q.query(`CREATE TABLE ${rollup}_default PARTITION OF ${rollup} DEFAULT`);

      const counts = `haproxy_status_counts_${tier}`;
      await q.query(`
        CREATE TABLE ${counts} (
          bucket_start timestamptz NOT NULL,
          instance_id int NOT NULL,
          counts int[] NOT NULL               -- servers per STATUS_CODE (index code + 1) at the bucket's end
        ) PARTITION BY RANGE (bucket_start)`);
      await q.query(`CREATE UNIQUE INDEX ${counts}_instance_uq ON ${counts} (instance_id, bucket_start)`);
      await q.query(`CREATE TABLE ${counts}_default PARTITION OF ${counts} DEFAULT`);
    }
    // How far each roll-up is complete: it resumes there, and raw/5m partitions are dropped only once rolled up.
    await q.query(`
      CREATE TABLE haproxy_metric_rollup_state (
        tier text PRIMARY KEY CHECK (tier IN ('5m','1h')),
        done_until timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'haproxy_metric_rollup_state',
      'haproxy_status_counts_1h',
      'haproxy_status_counts_5m',
      'haproxy_metric_rollup_1h',
      'haproxy_metric_rollup_5m',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
  }
}
