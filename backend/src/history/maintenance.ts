import cron, { ScheduledTask } from 'node-cron';
import { advisoryUnlock, tryAdvisoryLock } from '../db/advisory-lock';
import type { Db, PoolDb } from '../db/db';
import type { Logger } from '../logger';
import {
  DAY,
  expiredStarts,
  floorTo,
  HOUR,
  MINUTE,
  PartitionedTable,
  partitionName,
  partitionStart,
  wantedStarts,
} from './partitions';
import { latestCountsPerInstance, perServerBuckets, pgInterval, TierName, TIERS } from './tiers';

export interface MaintenanceOptions {
  /** Raw samples (one per sync) are kept this long. */
  rawRetentionMs: number;
  /** 5-minute roll-ups are kept this long. */
  rollup5mRetentionMs: number;
  /** 1-hour roll-ups are kept this long (HAPROXY_METRICS_RETENTION_DAYS). */
  rollup1hRetentionMs: number;
  /** Partitions are created this far ahead, so syncs never write into the DEFAULT partition. */
  aheadMs?: number;
  /** A bucket is rolled up this long after it ends: room for syncs that took their time before committing. */
  graceMs?: number;
  clock?: () => Date;
}

export interface MaintenanceReport {
  created: string[];
  /** Rows moved out of DEFAULT partitions into the partitions created for them. */
  movedRows: number;
  rolledUp: Record<'5m' | '1h', number>;
  dropped: string[];
  skipped?: boolean;
}

/** Advisory lock key of the maintenance job (instance syncs use instance ids): one maintenance at a time. */
const LOCK_KEY = -1;

/** Roll-ups advance at most this much per statement, so catching up after a pause never builds one huge query. */
const CHUNK_MS: Record<'5m' | '1h', number> = { '5m': HOUR, '1h': 6 * HOUR };

/**
 * Keeps the metric history bounded: partitions ahead, raw -> 5m -> 1h roll-ups of completed buckets, and
 * retention by dropping whole partitions. Raw and 5m partitions are dropped only once rolled up, so a
 * paused service loses no history. Every step is idempotent; replicas take turns through an advisory lock.
 */
export class HistoryMaintenance {
  private task?: ScheduledTask;
  private running?: Promise<MaintenanceReport>;

  constructor(
    private readonly db: PoolDb,
    private readonly log: Logger,
    private readonly opts: MaintenanceOptions
  ) {}

  private now(): number {
    return (this.opts.clock?.() ?? new Date()).getTime();
  }

  /** Runs now (partitions before the first sync writes) and then on the cron schedule. */
  start(schedule: string): void {
    const tick = () =>
      void this.run().catch((err) => this.log.error({ err: (err as Error).message }, 'history maintenance failed'));
    this.task = cron.schedule(schedule, tick);
    tick();
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; a call while one runs in this process joins it. */
  run(): Promise<MaintenanceReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private retention(tier: TierName): number {
    return { raw: this.opts.rawRetentionMs, '5m': this.opts.rollup5mRetentionMs, '1h': this.opts.rollup1hRetentionMs }[
      tier
    ];
  }

  private tables(): Array<{ spec: PartitionedTable; tier: TierName }> {
    return (['raw', '5m', '1h'] as const).flatMap((tier) => {
      const t = TIERS[tier];
      return [{ spec: t, tier }, ...(t.counts ? [{ spec: t.counts, tier }] : [])];
    });
  }

  private async pass(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { created: [], movedRows: 0, rolledUp: { '5m': 0, '1h': 0 }, dropped: [] };
    // One connection throughout: the lock is the session's.
    return this.db.connection(async (conn) => {
      if (!(await tryAdvisoryLock(conn, LOCK_KEY))) {
        return { ...report, skipped: true };
      }
      try {
        const started = Date.now();
        for (const { spec, tier } of this.tables()) {
          await this.ensurePartitions(conn, spec, this.retention(tier), report);
        }
        report.rolledUp['5m'] = await this.rollUp(conn, 'raw', '5m');
        report.rolledUp['1h'] = await this.rollUp(conn, '5m', '1h');
        // Partitions for buckets a catch-up just wrote into DEFAULT (older than the usual window).
        for (const { spec, tier } of this.tables()) {
          await this.ensurePartitions(conn, spec, this.retention(tier), report);
        }
        await this.applyRetention(conn, report);
        this.log.debug({ ...report, ms: Date.now() - started }, 'history maintenance');
        return report;
      } finally {
        await advisoryUnlock(conn, LOCK_KEY);
      }
    });
  }

  /** Existing partitions of a table by range start (ours only: DEFAULT and foreign names are skipped). */
  private async partitions(db: Db, spec: PartitionedTable): Promise<Map<number, string>> {
    const rows = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
      [spec.table]
    );
    const out = new Map<number, string>();
    for (const { name } of rows) {
      const start = partitionStart(spec.table, name);
      if (start !== undefined) {
        out.set(start, name);
      }
    }
    return out;
  }

  private async ensurePartitions(db: Db, spec: PartitionedTable, retentionMs: number, report: MaintenanceReport) {
    const existing = await this.partitions(db, spec);
    const sec = spec.partitionMs / 1000;
    // Rows in DEFAULT (written before this ran, or outside the window) get their own partition: moved, not lost.
    const inDefault = await db.query<{ start: number }>(
      `SELECT DISTINCT (floor(extract(epoch FROM ${spec.timeColumn}) / ${sec}) * ${sec})::bigint * 1000 AS start FROM ${spec.table}_default`
    );
    const moveStarts = new Set(inDefault.map((r) => Number(r.start)));
    const wanted = new Set([
      ...wantedStarts(this.now(), retentionMs, this.opts.aheadMs ?? 2 * DAY, spec.partitionMs),
      ...moveStarts,
    ]);
    for (const start of [...wanted].sort((a, b) => a - b)) {
      if (existing.has(start)) {
        continue;
      }
      const name = partitionName(spec.table, start);
      const from = new Date(start).toISOString();
      const to = new Date(start + spec.partitionMs).toISOString();
      await db.transaction(async (tx) => {
        if (moveStarts.has(start)) {
          // A range with rows in DEFAULT cannot be created while they are there: move them, then attach.
          await tx.query(`CREATE TABLE ${name} (LIKE ${spec.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
          await tx.query(
            `WITH m AS (DELETE FROM ${spec.table}_default WHERE ${spec.timeColumn} >= $1 AND ${spec.timeColumn} < $2 RETURNING *)
             INSERT INTO ${name} SELECT * FROM m`,
            [from, to]
          );
          const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
          report.movedRows += n;
          await tx.query(`ALTER TABLE ${spec.table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
        } else {
          await tx.query(`CREATE TABLE ${name} PARTITION OF ${spec.table} FOR VALUES FROM ('${from}') TO ('${to}')`);
        }
      });
      report.created.push(name);
    }
  }

  /** How far a roll-up is complete, or undefined before its first run. */
  private async doneUntil(db: Db, tier: '5m' | '1h'): Promise<number | undefined> {
    const rows = await db.query<{ done_until: Date }>(
      `SELECT done_until FROM haproxy_metric_rollup_state WHERE tier = $1`,
      [tier]
    );
    return rows[0]?.done_until.getTime();
  }

  /** Rolls every completed bucket of `target` since its watermark; returns the number of buckets. */
  private async rollUp(db: Db, source: TierName, target: '5m' | '1h'): Promise<number> {
    const t = TIERS[target];
    const step = t.stepMs!;
    let until = floorTo(this.now() - (this.opts.graceMs ?? 2 * MINUTE), step);
    if (source !== 'raw') {
      const sourceDone = await this.doneUntil(db, source as '5m');
      if (sourceDone === undefined) {
        return 0;
      }
      until = Math.min(until, floorTo(sourceDone, step));
    }
    let done = await this.doneUntil(db, target);
    if (done === undefined) {
      // First run: start at the oldest source row (a one-off scan), or wait for data.
      const s = TIERS[source];
      const [{ oldest }] = await db.query<{ oldest: Date | null }>(
        `SELECT min(${s.timeColumn}) AS oldest FROM ${s.table}`
      );
      if (!oldest) {
        return 0;
      }
      done = floorTo(oldest.getTime(), step);
    }
    let buckets = 0;
    while (done < until) {
      const end = Math.min(done + CHUNK_MS[target], until);
      const from = new Date(done);
      const to = new Date(end);
      await db.transaction(async (tx) => {
        await tx.execute(
          `INSERT INTO ${t.table} (bucket_start, instance_id, backend_id, samples, server_ids, last_statuses, worst_statuses,
                                   sessions_avg, sessions_max, weight_avg)
           SELECT b.bucket, max(b.instance_id), b.backend_id, least(max(b.n), 32767),
                  array_agg(b.server_id ORDER BY b.server_id), array_agg(b.last_status ORDER BY b.server_id),
                  array_agg(b.worst_status ORDER BY b.server_id), array_agg(b.sessions_avg ORDER BY b.server_id),
                  array_agg(b.sessions_max ORDER BY b.server_id), array_agg(b.weight_avg ORDER BY b.server_id)
             FROM (${perServerBuckets(source, (time) => `${time} >= $1 AND ${time} < $2`, '$3')}) b
            GROUP BY b.bucket, b.backend_id
           ON CONFLICT (backend_id, bucket_start) DO NOTHING`,
          [from, to, pgInterval(step)]
        );
        // From the raw samples, as the query reads the buckets not rolled up yet (the roll-up's arrays hold every
        // server seen in the bucket, also one gone before its end).
        await tx.execute(
          `INSERT INTO ${t.counts!.table} (bucket_start, instance_id, counts)
           SELECT bucket, instance_id, counts
             FROM (${latestCountsPerInstance('$3', 'r.sampled_at >= $1 AND r.sampled_at < $2')}) c
           ON CONFLICT (instance_id, bucket_start) DO NOTHING`,
          [from, to, pgInterval(step)]
        );
        await tx.execute(
          `INSERT INTO haproxy_metric_rollup_state (tier, done_until) VALUES ($1, $2)
           ON CONFLICT (tier) DO UPDATE SET done_until = EXCLUDED.done_until`,
          [target, to]
        );
      });
      buckets += (end - done) / step;
      done = end;
    }
    return buckets;
  }

  /** Drops partitions whose whole range is past retention and, for raw and 5m, already rolled up. */
  private async applyRetention(db: Db, report: MaintenanceReport) {
    const now = this.now();
    const done5m = await this.doneUntil(db, '5m');
    const done1h = await this.doneUntil(db, '1h');
    const cutoff: Record<TierName, number> = {
      // Both roll-ups' counts and the query's recent minutes read raw samples: kept until both have them.
      raw: Math.min(now - this.opts.rawRetentionMs, done5m ?? Infinity, done1h ?? Infinity),
      '5m': Math.min(now - this.opts.rollup5mRetentionMs, done1h ?? Infinity),
      '1h': now - this.opts.rollup1hRetentionMs,
    };
    for (const { spec, tier } of this.tables()) {
      const existing = await this.partitions(db, spec);
      for (const start of expiredStarts([...existing.keys()], spec.partitionMs, cutoff[tier])) {
        const name = existing.get(start)!;
        try {
          await db.transaction(async (tx) => {
            // Dropping a partition locks its parent briefly; give up rather than stall syncs, retry next run.
            await tx.execute(`SET LOCAL lock_timeout = '10s'`);
            await tx.execute(`DROP TABLE ${name}`);
          });
          report.dropped.push(name);
        } catch (err) {
          this.log.warn(
            { partition: name, err: (err as Error).message },
            'could not drop an expired partition; next run retries'
          );
        }
      }
    }
  }
}
