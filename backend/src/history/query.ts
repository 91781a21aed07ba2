import { cancelledBy, type Db } from '../db/db';
import type { ActionResult } from '../domain/actions';
import { compileMatcher, isInstanceLevel, Scope } from '../domain/scope';
import type { ServerStatus } from '../domain/status';
import { actionsInScope } from '../store/actions';
import { currentServersInScope, ServerRef, serversInScope, type ServerTableRow } from '../store/servers';
import { statusChangesBetween, statusesBefore } from '../store/server-state';
import { matchSql } from '../store/sql';
import {
  Change,
  DataFrameJSON,
  SeriesKey,
  STATUS_MAPPINGS,
  statusCountsFrame,
  tableFrame,
  timelinePoints,
  Value,
  wideFrame,
} from './frames';
import { partitionStart } from './partitions';
import { chooseResolution, Resolution } from './resolution';
import { STATUS_BY_CODE } from './status';
import {
  latestCountsPerInstance,
  perServerBuckets,
  pgInterval,
  recentRows,
  sqlCountsByCode,
  sqlDoneUntil,
  TIER_NAMES,
  TierName,
  TIERS,
} from './tiers';

export const QUERY_TYPES = [
  'status_timeline',
  'status_counts',
  'sessions',
  'weight',
  'commands',
  'servers_table',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];
export const AGGREGATES = ['sum', 'avg', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface HistoryQueryItem {
  refId: string;
  type: QueryType;
  scope: Scope;
  /** sessions only: one series per backend instead of per server. */
  aggregate?: Aggregate;
}

export interface HistoryQueryRequest {
  range: { from: Date; to: Date };
  maxDataPoints: number;
  intervalMs?: number;
  queries: HistoryQueryItem[];
}

export interface HistoryQueryResponse {
  results: Record<string, { frames: DataFrameJSON[] }>;
}

const ms = (d: Date | string) => new Date(d).getTime();

/** Answers the data source's queries from the metric history, the audit log and the current servers. */
export class HistoryQuery {
  constructor(
    private readonly db: Db,
    private readonly opts: { maxSeries?: number; oldestCacheMs?: number } = {}
  ) {}

  private get maxSeries() {
    return this.opts.maxSeries ?? 500;
  }

  private cachedOldest?: { at: number; value: Promise<Record<TierName, number | null>> };

  /** `signal`: the request's reads are cancelled when it aborts (the shared partitions' read is not). */
  async run(req: HistoryQueryRequest, signal?: AbortSignal): Promise<HistoryQueryResponse> {
    // Partitions change once per maintenance run at most: a few seconds of staleness cost nothing.
    if (!this.cachedOldest || Date.now() - this.cachedOldest.at > (this.opts.oldestCacheMs ?? 10_000)) {
      this.cachedOldest = { at: Date.now(), value: this.oldest() };
      this.cachedOldest.value.catch(() => (this.cachedOldest = undefined));
    }
    const oldest = await this.cachedOldest.value;
    const reader = signal ? new HistoryQuery(cancelledBy(this.db, signal), this.opts) : this;
    const results: HistoryQueryResponse['results'] = {};
    // One at a time: a dashboard sends a handful, and each may be heavy on its own.
    for (const q of req.queries) {
      results[q.refId] = { frames: await reader.one(req, q, oldest) };
    }
    return { results };
  }

  private async one(
    req: HistoryQueryRequest,
    q: HistoryQueryItem,
    oldest: Record<TierName, number | null>
  ): Promise<DataFrameJSON[]> {
    const base = {
      fromMs: ms(req.range.from),
      toMs: ms(req.range.to),
      maxDataPoints: req.maxDataPoints,
      intervalMs: req.intervalMs,
    };
    switch (q.type) {
      case 'commands':
        return [await this.commands(req, q)];
      case 'servers_table':
        return [await this.serversTable(req, q)];
      case 'status_counts':
        if (isInstanceLevel(q.scope)) {
          return [
            await this.fleetCounts(
              req,
              q,
              chooseResolution({ ...base, oldest: { '5m': oldest['5m'], '1h': oldest['1h'] } })
            ),
          ];
        }
        return [await this.scopedCounts(req, q, chooseResolution({ ...base, oldest }))];
      case 'status_timeline':
        // Read from the status history, which has every change: only the bucket width is chosen.
        return [await this.series(req, q, chooseResolution({ ...base, oldest: { raw: null } }))];
      default:
        return [await this.series(req, q, chooseResolution({ ...base, oldest }))];
    }
  }

  /** Per tier, the start of its oldest partition: null when none exist yet or DEFAULT still holds rows (any age). */
  async oldest(): Promise<Record<TierName, number | null>> {
    const tables = TIER_NAMES.map((t) => TIERS[t].table);
    const [parts, [defaults]] = await Promise.all([
      this.db.query<{ parent: string; name: string }>(
        `SELECT p.relname AS parent, c.relname AS name FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
          WHERE i.inhparent = ANY(SELECT to_regclass(t) FROM unnest($1::text[]) t)`,
        [tables]
      ),
      this.db.query<Record<string, boolean>>(
        `SELECT ${tables.map((t, i) => `EXISTS (SELECT 1 FROM ${t}_default) AS d${i}`).join(', ')}`
      ),
    ]);
    const out = {} as Record<TierName, number | null>;
    TIER_NAMES.forEach((tier, i) => {
      const table = TIERS[tier].table;
      const starts = parts
        .filter((p) => p.parent === table)
        .map((p) => partitionStart(table, p.name))
        .filter((x): x is number => x !== undefined);
      out[tier] = starts.length === 0 || defaults[`d${i}`] ? null : Math.min(...starts);
    });
    return out;
  }

  /**
   * The scope's servers, those removed during or after the range too, at most `limit` + 1 (so the caller sees
   * that there were more).
   */
  private servers(req: HistoryQueryRequest, scope: Scope, limit: number): Promise<ServerRef[]> {
    return serversInScope(this.db, scope, { includeRemoved: true, limit: limit + 1, removedSince: req.range.from });
  }

  private meta(res: Resolution, notices: string[] = [], resolution: string = res.tier) {
    return {
      custom: { resolution, intervalMs: res.intervalMs },
      ...(notices.length ? { notices: notices.map((text) => ({ severity: 'warning', text })) } : {}),
    };
  }

  /** status_timeline, sessions, weight: per server (or, for sessions with an aggregate, per backend). */
  private async series(req: HistoryQueryRequest, q: HistoryQueryItem, res: Resolution): Promise<DataFrameJSON> {
    const perBackend = q.type === 'sessions' && q.aggregate !== undefined;
    let refs = await this.servers(req, q.scope, perBackend ? 1_000_000 : this.maxSeries);
    const notices: string[] = [];
    if (!perBackend && refs.length > this.maxSeries) {
      refs = refs.slice(0, this.maxSeries);
      notices.push(`only the first ${this.maxSeries} servers of the scope are shown; narrow the scope`);
    }
    const { where, params } = this.seriesWhere(req, res, q.scope, refs);
    if (perBackend) {
      const columns = q.aggregate === 'max' ? (['sessions_max'] as const) : (['sessions_avg'] as const);
      return this.backendSessions(
        q,
        res,
        refs,
        perServerBuckets(res.tier, where, '$3', columns, { recent: true }),
        params,
        notices
      );
    }
    const series: SeriesKey[] = refs.map((r) => ({
      key: r.id,
      host: r.host_name,
      instance: r.instance_name,
      backend: r.backend_name,
      server: r.server_name,
    }));
    const points = new Map<number, Map<number, Value>>();
    if (q.type === 'status_timeline') {
      if (refs.length) {
        await this.timeline(req, res.intervalMs, refs, points);
      }
      return wideFrame({
        name: 'Status',
        refId: q.refId,
        series,
        points,
        type: 'string',
        carry: true,
        config: { mappings: STATUS_MAPPINGS, color: { mode: 'thresholds' } },
        meta: this.meta(res, notices, 'changes'),
      });
    }
    const column = q.type === 'sessions' ? 'sessions_avg' : 'weight_avg';
    const rows: Array<{ t: Date; server_id: number; v: number }> = refs.length
      ? await this.db.query(
          `SELECT bucket AS t, server_id, ${column} AS v FROM (${perServerBuckets(res.tier, where, '$3', [column], { recent: true })}) x ORDER BY server_id, bucket`,
          params
        )
      : [];
    for (const r of rows) {
      if (!points.has(r.server_id)) {
        points.set(r.server_id, new Map());
      }
      points.get(r.server_id)!.set(ms(r.t), round(r.v));
    }
    return wideFrame({
      name: q.type === 'sessions' ? 'Current sessions' : 'Weight',
      refId: q.refId,
      series,
      points,
      type: 'number',
      config: { unit: 'none', min: 0, ...(q.type === 'weight' ? { max: 256 } : {}) },
      meta: this.meta(res, notices),
    });
  }

  /**
   * From the status history (every change, kept for good), not the samples: exact change times at any
   * range, a few index lookups per server. A server's removal (its own or its backend's) ends its line;
   * every removal's `removed` row does too, so one that was restored since shows its gap.
   */
  private async timeline(
    req: HistoryQueryRequest,
    intervalMs: number,
    refs: ServerRef[],
    points: Map<number, Map<number, Value>>
  ) {
    const ids = refs.map((r) => r.id);
    const [starts, changes] = await Promise.all([
      statusesBefore(this.db, ids, req.range.from),
      statusChangesBetween(this.db, ids, req.range.from, req.range.to),
    ]);
    const from = ms(req.range.from);
    const to = ms(req.range.to);
    const byServer = new Map<number, Change[]>();
    for (const c of changes) {
      if (!byServer.has(c.server_id)) {
        byServer.set(c.server_id, []);
      }
      byServer.get(c.server_id)!.push({ t: ms(c.changed_at), status: c.to_status });
    }
    for (const s of starts) {
      // Servers gone before the range are not asked for (servers()): a removal is in the range or after it.
      const removed = s.removed_at ? ms(s.removed_at) : undefined;
      const list = byServer.get(s.id) ?? [];
      if (removed !== undefined && removed < to) {
        list.push({ t: removed, status: null });
      }
      points.set(s.id, timelinePoints(s.initial, list, from, to, intervalMs));
    }
  }

  private async backendSessions(
    q: HistoryQueryItem,
    res: Resolution,
    refs: ServerRef[],
    rowsSql: string,
    params: unknown[],
    notices: string[]
  ): Promise<DataFrameJSON> {
    const backends = new Map<number, ServerRef>();
    for (const r of refs) {
      if (!backends.has(r.backend_id)) {
        backends.set(r.backend_id, r);
      }
    }
    let keys = [...backends.values()];
    if (keys.length > this.maxSeries) {
      keys = keys.slice(0, this.maxSeries);
      notices.push(`only the first ${this.maxSeries} backends of the scope are shown; narrow the scope`);
    }
    const agg = { sum: 'sum(sessions_avg)', avg: 'avg(sessions_avg)', max: 'max(sessions_max)' }[q.aggregate!];
    const rows: Array<{ t: Date; backend_id: number; v: number }> = refs.length
      ? await this.db.query(
          `SELECT bucket AS t, backend_id, ${agg} AS v FROM (${rowsSql}) x GROUP BY 1, 2 ORDER BY 2, 1`,
          params
        )
      : [];
    const points = new Map<number, Map<number, Value>>();
    for (const r of rows) {
      if (!points.has(r.backend_id)) {
        points.set(r.backend_id, new Map());
      }
      points.get(r.backend_id)!.set(ms(r.t), round(r.v));
    }
    return wideFrame({
      name: 'Current sessions',
      refId: q.refId,
      series: keys.map((r) => ({
        key: r.backend_id,
        host: r.host_name,
        instance: r.instance_name,
        backend: r.backend_name,
      })),
      points,
      type: 'number',
      config: { unit: 'none', min: 0 },
      suffix: ` (${q.aggregate})`,
      meta: this.meta(res, notices),
    });
  }

  /**
   * Rows of the scope's backends in the range; the per-server filter only when the scope picks servers
   * inside backends (server or application), since it is paid for every unnested element.
   */
  private seriesWhere(req: HistoryQueryRequest, res: Resolution, scope: Scope, refs: ServerRef[]) {
    const params: unknown[] = [
      firstBucketStart(req, res),
      req.range.to,
      pgInterval(res.intervalMs),
      [...new Set(refs.map((r) => r.backend_id))],
    ];
    const servers = compileMatcher(scope.server) || compileMatcher(scope.application);
    if (servers) {
      params.push(refs.map((r) => r.id));
    }
    const where = (time: string) =>
      `${time} >= $1 AND ${time} < $2 AND r.backend_id = ANY($4::int[])${servers ? ' AND u.server_id = ANY($5::int[])' : ''}`;
    return { where, params };
  }

  /**
   * Servers per status for a scope narrower than instances, as the fleet's are counted: per backend its last row
   * in each bucket (a raw sample; a roll-up row holds every server of its 5 minutes or hour), the scope's servers
   * in it. A server renamed or removed before the bucket's end is not counted: the backend's last row is found
   * among all its servers, and only then narrowed to the scope's.
   */
  private async scopedCounts(req: HistoryQueryRequest, q: HistoryQueryItem, res: Resolution): Promise<DataFrameJSON> {
    const refs = await this.servers(req, q.scope, 10_000_000);
    const { where, params } = this.seriesWhere(
      req,
      res,
      { instance: q.scope.instance, backend: q.scope.backend },
      refs
    );
    // Another server of the backend's last row counts as nothing: the bucket stays, with 0 where the scope's left.
    const status =
      compileMatcher(q.scope.server) || compileMatcher(q.scope.application)
        ? `CASE WHEN server_id = ANY($${params.push(refs.map((r) => r.id))}::int[]) THEN last_status END`
        : 'last_status';
    const rows: Array<{ t: Date; c: number[] }> = refs.length
      ? await this.db.query(
          `SELECT bucket AS t, ${sqlCountsByCode(status)} AS c
             FROM (SELECT date_bin($3::interval, p.t, timestamptz '1970-01-01 00:00:00+00') AS bucket, p.t, p.server_id,
                          p.last_status,
                          max(p.t) OVER (PARTITION BY date_bin($3::interval, p.t, timestamptz '1970-01-01 00:00:00+00'),
                                                      p.backend_id) AS latest
                     FROM (${recentRows(res.tier, where, ['last_status'])}) p) x
            WHERE t = latest
            GROUP BY bucket ORDER BY bucket`,
          params
        )
      : [];
    return statusCountsFrame(
      q.refId,
      rows.map((r) => ({ t: ms(r.t), counts: countsOf(r.c) })),
      this.meta(res)
    );
  }

  /**
   * Servers per status for instances or the whole fleet: per instance, its latest counts in each bucket, from
   * the roll-up's per-instance counts and, past the roll-up's watermark (minutes not rolled up yet, else missing
   * from a recent range), from the latest raw sample of each of its backends.
   */
  private async fleetCounts(req: HistoryQueryRequest, q: HistoryQueryItem, res: Resolution): Promise<DataFrameJSON> {
    const params: unknown[] = [firstBucketStart(req, res), req.range.to, pgInterval(res.intervalMs)];
    const m = compileMatcher(q.scope.instance);
    const instances = (col: string) =>
      m ? `AND ${col} IN (SELECT i.id FROM haproxy_instances i WHERE ${matchSql(m, 'i.id', 'i.name', params)})` : '';
    const done = sqlDoneUntil(res.tier as '5m' | '1h');
    const rows: Array<{ t: Date; c: number[] }> = await this.db.query(
      `SELECT bucket AS t, ARRAY[${STATUS_BY_CODE.map((_, i) => `sum(x.counts[${i + 1}])`).join(', ')}]::int[] AS c
         FROM (SELECT DISTINCT ON (bucket, instance_id) bucket, counts
                 FROM (SELECT date_bin($3::interval, c.bucket_start, timestamptz '1970-01-01 00:00:00+00') AS bucket,
                              c.instance_id, c.counts, c.bucket_start AS at
                         FROM ${TIERS[res.tier].counts!.table} c
                        WHERE c.bucket_start >= $1 AND c.bucket_start < $2 ${instances('c.instance_id')}
                       UNION ALL
                       SELECT bucket, instance_id, counts, at
                         FROM (${latestCountsPerInstance(
                           '$3',
                           `r.sampled_at >= greatest($1, ${done}) AND r.sampled_at < $2 ${instances('r.instance_id')}`
                         )}) l) y
                ORDER BY bucket, instance_id, at DESC) x
        GROUP BY bucket ORDER BY bucket`,
      params
    );
    return statusCountsFrame(
      q.refId,
      rows.map((r) => ({ t: ms(r.t), counts: countsOf(r.c) })),
      this.meta(res)
    );
  }

  /** Commands in the range as annotations: who did what to which server, and how it ended. */
  private async commands(req: HistoryQueryRequest, q: HistoryQueryItem): Promise<DataFrameJSON> {
    // The newest maxDataPoints, shown oldest first.
    const rows = await actionsInScope(this.db, q.scope, req.range.from, req.range.to, req.maxDataPoints);
    const target = (r: (typeof rows)[number]) => `${r.instance_name}/${r.backend_name}/${r.server_name}`;
    const outcome = (r: (typeof rows)[number]) => OUTCOME[r.result];
    return tableFrame('Commands', q.refId, [
      { name: 'time', type: 'time', values: rows.map((r) => ms(r.started_at)) },
      { name: 'timeEnd', type: 'time', values: rows.map((r) => ms(r.started_at) + r.duration_ms) },
      {
        name: 'title',
        type: 'string',
        values: rows.map((r) => `${r.command} ${r.server_name}${outcome(r).title}`),
      },
      {
        name: 'text',
        type: 'string',
        values: rows.map(
          (r) =>
            `${r.actor} ran ${r.command} on ${target(r)} (${r.source}): ` +
            (r.result === 'success'
              ? `ok, ${r.status_before ?? '?'} -> ${r.status_after ?? '?'}`
              : `${outcome(r).text}${r.error ? `: ${r.error}` : outcome(r).withoutError}`) +
            // Why, and for how long: what an operator reads an annotation for (the audit log has both).
            (r.forced ? `\n${r.note ?? 'forced past the disruption budget'}` : '') +
            (r.until ? `\nuntil ${new Date(r.until).toISOString()}` : '') +
            (r.reason ? `\nreason: ${r.reason}` : '')
        ),
      },
      {
        name: 'tags',
        type: 'string',
        values: rows.map((r) => ['haproxy', r.command, outcome(r).tag, r.source].join(',')),
      },
      { name: 'actor', type: 'string', config: { displayName: 'Who' }, values: rows.map((r) => r.actor) },
      { name: 'command', type: 'string', config: { displayName: 'Command' }, values: rows.map((r) => r.command) },
      { name: 'target', type: 'string', config: { displayName: 'Server' }, values: rows.map(target) },
      { name: 'source', type: 'string', config: { displayName: 'Source' }, values: rows.map((r) => r.source) },
      { name: 'reason', type: 'string', config: { displayName: 'Reason' }, values: rows.map((r) => r.reason) },
      {
        name: 'success',
        type: 'boolean',
        config: { displayName: 'Succeeded' },
        values: rows.map((r) => outcome(r).succeeded),
      },
      { name: 'error', type: 'string', config: { displayName: 'Error' }, values: rows.map((r) => r.error) },
      {
        name: 'duration',
        type: 'number',
        config: { displayName: 'Duration', unit: 'ms' },
        values: rows.map((r) => r.duration_ms),
      },
    ]);
  }

  /** The scope's current servers (removed ones left out), at most maxDataPoints rows. */
  private async serversTable(req: HistoryQueryRequest, q: HistoryQueryItem): Promise<DataFrameJSON> {
    const rows = await currentServersInScope(this.db, q.scope, req.maxDataPoints);
    const total = rows[0]?.total ?? 0;
    return tableFrame(
      'Servers',
      q.refId,
      SERVER_COLUMNS.map(([name, displayName, type, value, extra]) => ({
        name,
        type,
        config: { displayName, ...extra },
        values: rows.map(value),
      })),
      total > rows.length
        ? { notices: [{ severity: 'warning', text: `showing ${rows.length} of ${total} servers; narrow the scope` }] }
        : undefined
    );
  }
}

const COUNT_UNIT = { unit: 'none' };

/** The servers table's columns, in order: name, display name, type, value, extra field config. */
const SERVER_COLUMNS: ReadonlyArray<
  [string, string, 'number' | 'string' | 'boolean' | 'time', (r: ServerTableRow) => Value, Record<string, unknown>?]
> = [
  ['id', 'Id', 'number', (r) => r.id],
  ['instance', 'Instance', 'string', (r) => r.instance_name],
  ['backend', 'Backend', 'string', (r) => r.backend_name],
  ['server', 'Server', 'string', (r) => r.server_name],
  ['address', 'Address', 'string', (r) => r.address],
  ['status', 'Status', 'string', (r) => r.status, { mappings: STATUS_MAPPINGS }],
  ['raw_status', 'HAProxy status', 'string', (r) => r.raw_status],
  ['weight', 'Weight', 'number', (r) => r.weight, COUNT_UNIT],
  ['sessions', 'Sessions', 'number', (r) => r.current_sessions, COUNT_UNIT],
  ['max_sessions', 'Max sessions', 'number', (r) => r.max_sessions, COUNT_UNIT],
  ['backup', 'Backup', 'boolean', (r) => r.backup],
  ['application', 'Application', 'string', (r) => r.application_name],
  ['mapping', 'Mapping', 'string', (r) => r.mapping_kind],
  ['status_since', 'Status since', 'time', (r) => ms(r.status_changed_at)],
];

/**
 * How a command's annotation reads by its audit result. `success` is false until an outcome is known, but a
 * running command, or one HAProxy may have applied (unknown), is not a failure.
 */
const OUTCOME: Record<
  ActionResult,
  { title: string; text: string; withoutError: string; tag: string; succeeded: boolean | null }
> = {
  success: { title: '', text: 'ok', withoutError: '', tag: 'ok', succeeded: true },
  failure: { title: ' failed', text: 'failed', withoutError: ': unknown error', tag: 'failed', succeeded: false },
  pending: { title: ' (running)', text: 'running, no outcome yet', withoutError: '', tag: 'pending', succeeded: null },
  unknown: {
    title: ' (outcome unknown)',
    text: 'outcome unknown, HAProxy may have applied it',
    withoutError: '',
    tag: 'unknown',
    succeeded: null,
  },
};

/**
 * Where the rows of a range start: at its first bucket, not at `from`. A roll-up row starting before `from` holds
 * that bucket's minutes (`>= from` left the bucket out once rolled up, though the raw samples had shown it), and
 * the bucket is whole at every tier, so it reads the same before and after its roll-up.
 */
const firstBucketStart = (req: HistoryQueryRequest, res: Resolution) =>
  new Date(Math.floor(ms(req.range.from) / res.intervalMs) * res.intervalMs);

function countsOf(c: number[]): Record<ServerStatus, number> {
  const out = {} as Record<ServerStatus, number>;
  STATUS_BY_CODE.forEach((s, code) => (out[s] = Number(c[code] ?? 0)));
  return out;
}

/** Averages to 2 decimals: a legend reads 12.33, not 12.333333. */
const round = (v: number) => Math.round(v * 100) / 100;
