import { performance } from 'node:perf_hooks';
import type { PoolDb } from '../db/db';
import { HistoryMaintenance, MaintenanceOptions } from '../history/maintenance';
import { DAY, HOUR, MINUTE } from '../history/partitions';
import { TIERS } from '../history/tiers';
import type { Logger } from '../logger';

/**
 * The metric-history part of `npm run bench`: what a sync writes, what the roll-ups cost, the disk the
 * fleet needs over the retention windows, and the two trend queries with their p95. Long histories are
 * generated with SQL in the shape the sync and the roll-ups write, not waited for.
 */
export interface HistoryBenchOptions {
  instances: number;
  backendsPerInstance: number;
  serversPerBackend: number;
  pollingIntervalSec: number;
  retention: Pick<MaintenanceOptions, 'rawRetentionMs' | 'rollup5mRetentionMs' | 'rollup1hRetentionMs'>;
  /** Status changes per server per day assumed for the status history's share of the disk. */
  changesPerServerPerDay: number;
  serviceUrl: string;
  token: string;
}

export interface WriteSnapshot {
  samples: { rows: number; bytes: number };
  history: { rows: number; bytes: number };
}

const SAMPLES = TIERS.raw.table;
const HISTORY = 'haproxy_server_status_history';

/** A table's bytes with indexes and TOAST, summed over its partitions. */
export async function tableBytes(db: PoolDb, table: string): Promise<number> {
  const [{ bytes }] = await db.query(
    `SELECT pg_total_relation_size($1::regclass)
            + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = $1::regclass), 0) AS bytes`,
    [table]
  );
  return Number(bytes);
}

async function rows(db: PoolDb, table: string): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::bigint AS n FROM ${table}`);
  return Number(n);
}

export async function writeSnapshot(db: PoolDb): Promise<WriteSnapshot> {
  await db.query(`CHECKPOINT`).catch(() => undefined); // sizes of files, not of pending WAL
  return {
    samples: { rows: await rows(db, SAMPLES), bytes: await tableBytes(db, SAMPLES) },
    history: { rows: await rows(db, HISTORY), bytes: await tableBytes(db, HISTORY) },
  };
}

export function writeDelta(before: WriteSnapshot, after: WriteSnapshot) {
  return {
    rows: {
      samples: after.samples.rows - before.samples.rows,
      status_history: after.history.rows - before.history.rows,
    },
    bytes: {
      samples: after.samples.bytes - before.samples.bytes,
      status_history: after.history.bytes - before.history.bytes,
    },
  };
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))];
const round = (n: number) => Math.round(n * 10) / 10;
const GB = 1024 ** 3;

export class HistoryBench {
  constructor(
    private readonly db: PoolDb,
    private readonly log: Logger,
    private readonly o: HistoryBenchOptions
  ) {}

  private maintenance(clockOffsetMs = 0) {
    return new HistoryMaintenance(this.db, this.log, {
      ...this.o.retention,
      graceMs: 0,
      clock: () => new Date(Date.now() + clockOffsetMs),
    });
  }

  /** Partitions before the first sync, as the service's first maintenance run makes them. */
  async prepare(): Promise<void> {
    await this.maintenance().run();
  }

  async run(steady: ReturnType<typeof writeDelta>, changed: ReturnType<typeof writeDelta>) {
    const o = this.o;
    const db = this.db;
    // Roll the synced samples up as if 70 minutes had passed: one 5m and one 1h bucket of the whole fleet.
    let t = performance.now();
    const report = await this.maintenance(70 * MINUTE).run();
    const rollupMs = performance.now() - t;

    const perRow = async (table: string) => (await tableBytes(db, table)) / Math.max(1, await rows(db, table));
    const now = Date.now();

    // 30 days of per-instance hourly counts for the fleet query, in the shape the roll-up writes.
    t = performance.now();
    await db.query(
      `INSERT INTO haproxy_status_counts_1h (bucket_start, instance_id, counts)
       SELECT b, i.id, ARRAY[0, $3::int - d, d, 0, 0, 0]
         FROM haproxy_instances i
        CROSS JOIN generate_series($1::timestamptz, $2::timestamptz, interval '1 hour') b
        CROSS JOIN LATERAL (SELECT ((extract(epoch FROM b)::bigint / 3600 + i.id) % 7)::int AS d) x
       ON CONFLICT (instance_id, bucket_start) DO NOTHING`,
      [
        new Date(Math.floor((now - 30 * DAY) / HOUR) * HOUR),
        new Date(Math.floor(now / HOUR) * HOUR - HOUR),
        o.backendsPerInstance * o.serversPerBackend,
      ]
    );
    // 24 h of raw samples for one instance's backends, one row per backend per minute, interleaved by time as
    // the sync writes them; a few servers flap so the timeline has changes.
    const [inst] = await db.query<{ id: number }>(`SELECT id FROM haproxy_instances ORDER BY id LIMIT 1`);
    await db.query(
      `INSERT INTO ${SAMPLES} (sampled_at, instance_id, backend_id, server_ids, statuses, weights, sessions)
       SELECT ts, b.instance_id, b.id, ids.server_ids,
              (SELECT array_agg(CASE WHEN (m + k * 37) % 720 < 3 THEN 2 ELSE 1 END::smallint ORDER BY k) FROM generate_series(1, ids.n) k),
              array_fill(100, ARRAY[ids.n]),
              (SELECT array_agg(((m + k) % 50)::int ORDER BY k) FROM generate_series(1, ids.n) k)
         FROM generate_series($2::timestamptz, $3::timestamptz, interval '${o.pollingIntervalSec} seconds') ts
        CROSS JOIN LATERAL (SELECT (extract(epoch FROM ts)::bigint / 60) AS m) mm
        CROSS JOIN haproxy_backends b
        CROSS JOIN LATERAL (SELECT array_agg(s.id ORDER BY s.id) AS server_ids, count(*)::int AS n FROM haproxy_servers s WHERE s.backend_id = b.id) ids
        WHERE b.instance_id = $1
        ORDER BY ts, b.id`,
      [inst.id, new Date(now - DAY), new Date(now - 5 * MINUTE)]
    );
    // The timeline reads the status history: the benchmark backend's servers flap twice an hour all day.
    const [backend] = await db.query<{ id: number; instance: string; backend: string }>(
      `SELECT b.id, i.name AS instance, b.backend_name AS backend FROM haproxy_backends b JOIN haproxy_instances i ON i.id = b.instance_id
        WHERE b.instance_id = $1 ORDER BY b.id LIMIT 1 OFFSET 7`,
      [inst.id]
    );
    await db.query(
      `INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at)
       SELECT s.id, CASE WHEN k % 2 = 0 THEN 'UP' ELSE 'DOWN' END, CASE WHEN k % 2 = 0 THEN 'DOWN' ELSE 'UP' END,
              CASE WHEN k % 2 = 0 THEN 'DOWN' ELSE 'UP' END, 'sync', $2::timestamptz + k * interval '30 minutes' + (s.id % 29) * interval '1 minute'
         FROM haproxy_servers s CROSS JOIN generate_series(0, 47) k WHERE s.backend_id = $1`,
      [backend.id, new Date(now - DAY)]
    );
    const generateMs = performance.now() - t;
    await db.query(`ANALYZE`);

    // Bytes per row: raw from the steady sync, roll-ups from the fleet bucket just rolled, counts from the month.
    const bytesPerRow = {
      raw: steady.bytes.samples / Math.max(1, steady.rows.samples),
      rollup_5m: await perRow(TIERS['5m'].table),
      rollup_1h: await perRow(TIERS['1h'].table),
      counts: await perRow(TIERS['1h'].counts!.table),
      status_history: changed.bytes.status_history / Math.max(1, changed.rows.status_history),
    };
    const backends = o.instances * o.backendsPerInstance;
    const servers = backends * o.serversPerBackend;
    const syncsPerDay = 86_400 / o.pollingIntervalSec;
    const r = o.retention;
    // Partitions are dropped whole, so each window holds up to one partition more than its retention.
    const rawDays = (r.rawRetentionMs + HOUR) / DAY;
    const d5 = (r.rollup5mRetentionMs + DAY) / DAY;
    const d1 = (r.rollup1hRetentionMs + DAY) / DAY;
    const projected = {
      raw: backends * syncsPerDay * rawDays * bytesPerRow.raw,
      rollup_5m: backends * 288 * d5 * bytesPerRow.rollup_5m,
      rollup_1h: backends * 24 * d1 * bytesPerRow.rollup_1h,
      counts: o.instances * (288 * d5 + 24 * d1) * bytesPerRow.counts,
      status_history: servers * o.changesPerServerPerDay * 30 * bytesPerRow.status_history,
    };
    const total = Object.values(projected).reduce((a, b) => a + b, 0);

    const query = async (body: unknown) => {
      const t0 = performance.now();
      const res = await fetch(`${o.serviceUrl}/api/haproxy/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as {
        results: Record<
          string,
          {
            frames: Array<{
              schema: { fields: unknown[]; meta?: { custom?: unknown } };
              data: { values: unknown[][] };
            }>;
          }
        >;
      };
      if (res.status !== 200) {
        throw new Error(`query: ${res.status} ${JSON.stringify(json)}`);
      }
      return { ms: performance.now() - t0, frame: json.results.A.frames[0] };
    };
    const timed = async (body: unknown, n: number) => {
      await query(body); // warm-up: plans and caches
      const out = [];
      for (let i = 0; i < n; i++) {
        out.push(await query(body));
      }
      return { p95: round(p95(out.map((x) => x.ms))), frame: out[0].frame };
    };
    const timeline = await timed(
      {
        range: { from: now - DAY, to: now },
        maxDataPoints: 1000,
        queries: [
          { refId: 'A', type: 'status_timeline', scope: { instance: backend.instance, backend: backend.backend } },
        ],
      },
      40
    );
    const sessions = await timed(
      {
        range: { from: now - DAY, to: now },
        maxDataPoints: 1000,
        queries: [{ refId: 'A', type: 'sessions', scope: { instance: backend.instance, backend: backend.backend } }],
      },
      20
    );
    const counts = await timed(
      {
        range: { from: now - 30 * DAY, to: now },
        maxDataPoints: 1000,
        queries: [{ refId: 'A', type: 'status_counts', scope: {} }],
      },
      20
    );

    return {
      rows_per_sync: { steady: steady.rows, one_percent_changed: changed.rows },
      bytes_per_sync: { steady: steady.bytes, one_percent_changed: changed.bytes },
      bytes_per_row: Object.fromEntries(Object.entries(bytesPerRow).map(([k, v]) => [k, round(v)])),
      rollup_ms: { fleet_5m_and_1h_bucket: round(rollupMs), buckets: report.rolledUp },
      generate_ms: round(generateMs),
      projected_disk_gb_30d: {
        ...Object.fromEntries(Object.entries(projected).map(([k, v]) => [k, Math.round((v / GB) * 100) / 100])),
        total: Math.round((total / GB) * 100) / 100,
        assumptions: {
          servers,
          polling_interval_s: o.pollingIntervalSec,
          raw_hours: r.rawRetentionMs / HOUR,
          rollup_5m_days: r.rollup5mRetentionMs / DAY,
          rollup_1h_days: r.rollup1hRetentionMs / DAY,
          status_changes_per_server_per_day: o.changesPerServerPerDay,
        },
      },
      query_p95_ms: {
        status_timeline_24h_20_servers: timeline.p95,
        status_counts_30d_fleet: counts.p95,
        sessions_24h_20_servers_raw: sessions.p95,
      },
      query_shape: {
        status_timeline: {
          fields: timeline.frame.schema.fields.length,
          rows: timeline.frame.data.values[0].length,
          meta: timeline.frame.schema.meta?.custom,
        },
        status_counts: { rows: counts.frame.data.values[0].length, meta: counts.frame.schema.meta?.custom },
      },
    };
  }
}
