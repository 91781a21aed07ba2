import type { DataSource, QueryRunner } from 'typeorm';
import { ADVISORY_NAMESPACE, advisoryUnlock } from '../db/advisory-lock';
import { STATUS_CODE } from '../domain/status';
import { mapLimited } from '../concurrency/limiter';
import type { FagentClient, FagentTarget } from '../fagent/client';
import type { Logger } from '../logger';
import { MappingIndex } from './auto-mapping';
import { BackendAnswer, FetchedInstance, planSync, ServerRow, StoredBackend, StoredServer, SyncPlan } from './diff';
import { compileScope } from './scope';

export type SyncStatus = 'ok' | 'partial' | 'failed' | 'skipped';

export interface SyncOutcome {
  instanceId: number;
  status: SyncStatus;
  error?: string;
  durationMs: number;
  /** Time spent waiting for the agent (the rest of durationMs is the database). */
  fetchMs?: number;
  backends?: number;
  servers?: number;
  changedServers?: number;
  removedBackends?: number;
  removedServers?: number;
  ambiguousMappings?: number;
}

export interface SyncOptions {
  /** Bypass the FAgent cache (manual "Sync now"). */
  fresh?: boolean;
  /** Skip when another process synced the instance this recently (scheduled cycles across replicas). */
  skipIfSyncedWithinMs?: number;
  /** Hosts and applications for auto-mapping, read once per cycle; read fresh when absent. */
  mappingIndex?: MappingIndex;
}

/** Hosts and applications as auto-mapping sees them. */
export async function loadMappingIndex(db: Pick<DataSource, 'query'> | QueryRunner): Promise<MappingIndex> {
  const [hosts, apps] = await Promise.all([
    db.query(`SELECT id, name, address FROM hosts`),
    db.query(`SELECT id, name, host_id AS "hostId" FROM applications`),
  ]);
  return new MappingIndex(hosts, apps);
}

interface InstanceRow {
  id: number;
  name: string;
  backend_scope: string[] | null;
  last_sync_at: Date | null;
  host_name: string;
  fagent_url: string;
  fagent_token: string | null;
}

interface StoredServerRow extends StoredServer {
  applicationId: number | null;
  mappingKind: 'manual' | 'auto' | null;
  mappingNote: string | null;
}

/** `sync_haproxy_instance` of the seed: FAgent -> one transaction of bulk writes -> sync status. */
export class InstanceSync {
  constructor(
    private readonly ds: DataSource,
    private readonly client: FagentClient,
    private readonly log: Logger,
    private readonly opts: { fetchConcurrency: number; clock?: () => Date }
  ) {}

  async sync(instanceId: number, o: SyncOptions = {}): Promise<SyncOutcome> {
    const started = Date.now();
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      // The instance and its advisory lock in one round trip; no row, no lock taken.
      const rows: Array<InstanceRow & { locked: boolean }> = await runner.query(
        `SELECT pg_try_advisory_lock($1, i.id) AS locked, i.id, i.name, i.backend_scope, i.last_sync_at,
                h.name AS host_name, h.fagent_url, h.fagent_token
           FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id WHERE i.id = $2`,
        [ADVISORY_NAMESPACE, instanceId]
      );
      const instance = rows[0];
      if (!instance) {
        return { instanceId, status: 'skipped', error: 'instance not found', durationMs: Date.now() - started };
      }
      if (!instance.locked) {
        return {
          instanceId,
          status: 'skipped',
          error: 'another process is syncing this instance',
          durationMs: Date.now() - started,
        };
      }
      try {
        return await this.syncLocked(runner, instance, o, started);
      } finally {
        await advisoryUnlock(runner, instanceId);
      }
    } finally {
      await runner.release();
    }
  }

  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  private async syncLocked(
    runner: QueryRunner,
    instance: InstanceRow,
    o: SyncOptions,
    started: number
  ): Promise<SyncOutcome> {
    const instanceId = instance.id;
    const log = this.log.child({ instance: instance.name, instance_id: instance.id, host: instance.host_name });
    if (
      o.skipIfSyncedWithinMs &&
      instance.last_sync_at &&
      this.now().getTime() - instance.last_sync_at.getTime() < o.skipIfSyncedWithinMs
    ) {
      return {
        instanceId,
        status: 'skipped',
        error: 'synced recently by another process',
        durationMs: Date.now() - started,
      };
    }
    const target: FagentTarget = {
      instanceId: instance.id,
      instanceName: instance.name,
      baseUrl: instance.fagent_url,
      token: instance.fagent_token,
    };
    const inScope = compileScope(instance.backend_scope);

    let fetched: FetchedInstance;
    const fetchStarted = Date.now();
    try {
      fetched = await this.client.breakers.run(instance.id, () => this.fetch(target, inScope, o.fresh ?? false));
    } catch (err) {
      const error = (err as Error).message;
      const durationMs = Date.now() - started;
      await this.recordStatus(runner, instance.id, false, error, durationMs);
      log.warn({ err: error, duration_ms: durationMs }, 'sync failed: FAgent answer unusable, nothing changed');
      return { instanceId, status: 'failed', error, durationMs };
    }
    const fetchMs = Date.now() - fetchStarted;

    try {
      const outcome = {
        ...(await this.write(runner, instance.id, fetched, inScope, started, o.mappingIndex)),
        fetchMs,
      };
      const level = outcome.status === 'ok' ? 'info' : 'warn';
      log[level]({ ...outcome, instanceId: undefined }, outcome.status === 'ok' ? 'sync done' : 'sync partly failed');
      return outcome;
    } catch (err) {
      const error = `database error: ${(err as Error).message}`;
      const durationMs = Date.now() - started;
      await this.recordStatus(runner, instance.id, false, error, durationMs).catch(() => undefined);
      log.error({ err: error, duration_ms: durationMs }, 'sync rolled back');
      return { instanceId, status: 'failed', error, durationMs };
    }
  }

  /** One guarded operation: the backend list must come back; each backend's servers may fail alone. */
  private async fetch(target: FagentTarget, inScope: (b: string) => boolean, fresh: boolean): Promise<FetchedInstance> {
    const backends = await this.client.getBackends(target, { fresh });
    const wanted = [...new Set(backends)].filter(inScope);
    const results = await mapLimited(
      wanted,
      this.opts.fetchConcurrency,
      async (backend): Promise<[string, BackendAnswer]> => {
        try {
          return [backend, { ok: true, servers: await this.client.getServers(target, backend, { fresh }) }];
        } catch (err) {
          return [backend, { ok: false, error: (err as Error).message }];
        }
      }
    );
    const servers = new Map(results);
    if (wanted.length > 0 && results.every(([, r]) => !r.ok)) {
      // Nothing usable came back: count it against the agent (breaker) rather than as a partial success.
      const first = results[0][1];
      throw new Error(`every backend's server list failed (${wanted.length}); first: ${first.ok ? '' : first.error}`);
    }
    return { backends, servers };
  }

  private async write(
    runner: QueryRunner,
    instanceId: number,
    fetched: FetchedInstance,
    inScope: (b: string) => boolean,
    started: number,
    mappingIndex: MappingIndex | undefined
  ): Promise<SyncOutcome> {
    const now = this.now();
    await runner.startTransaction();
    try {
      // Backends and their servers in one round trip (a backend without servers comes with nulls).
      const rows: Array<StoredServerRow & { backendName: string; backendRemoved: boolean }> = await runner.query(
        `SELECT b.id AS "backendId", b.backend_name AS "backendName", b.removed_at IS NOT NULL AS "backendRemoved",
                s.id, s.server_name AS name, s.address, s.status, s.raw_status AS "rawStatus",
                s.weight, s.current_sessions AS "currentSessions", s.max_sessions AS "maxSessions",
                s.removed_at IS NOT NULL AS removed, s.application_id AS "applicationId",
                s.mapping_kind AS "mappingKind", s.mapping_note AS "mappingNote"
           FROM haproxy_backends b LEFT JOIN haproxy_servers s ON s.backend_id = b.id WHERE b.instance_id = $1`,
        [instanceId]
      );
      const backendsById = new Map<number, StoredBackend>();
      const storedServers: StoredServerRow[] = [];
      for (const { backendName, backendRemoved, ...server } of rows) {
        backendsById.set(server.backendId, { id: server.backendId, name: backendName, removed: backendRemoved });
        if (server.id !== null) {
          storedServers.push(server);
        }
      }
      const storedBackends = [...backendsById.values()];
      const plan = planSync(storedBackends, storedServers, fetched, inScope);

      const backendIds = new Map(storedBackends.map((b) => [b.name, b.id]));
      if (plan.upsertBackends.length > 0) {
        const upserted: Array<{ id: number; backend_name: string }> = await runner.query(
          `INSERT INTO haproxy_backends (instance_id, backend_name, created_at, updated_at)
           SELECT $1, name, $3, $3 FROM unnest($2::text[]) AS name
           ON CONFLICT (instance_id, backend_name) DO UPDATE SET removed_at = NULL, updated_at = EXCLUDED.updated_at
           RETURNING id, backend_name`,
          [instanceId, plan.upsertBackends, now]
        );
        for (const b of upserted) {
          backendIds.set(b.backend_name, b.id);
        }
      }
      if (plan.removeBackendIds.length > 0) {
        await runner.query(`UPDATE haproxy_backends SET removed_at = $2, updated_at = $2 WHERE id = ANY($1::int[])`, [
          plan.removeBackendIds,
          now,
        ]);
        await runner.query(
          `UPDATE haproxy_servers SET removed_at = $2, updated_at = $2 WHERE backend_id = ANY($1::int[]) AND removed_at IS NULL`,
          [plan.removeBackendIds, now]
        );
      }

      const serverIds = new Map<string, number>();
      const storedByBackend = new Map<number, string>(storedBackends.map((b) => [b.id, b.name]));
      for (const s of storedServers) {
        serverIds.set(key(storedByBackend.get(s.backendId) ?? '', s.name), s.id);
      }
      if (plan.upsertServers.length > 0) {
        const upserted = await this.upsertServers(runner, plan.upsertServers, backendIds, now);
        for (const s of upserted) {
          serverIds.set(key(s.backend, s.name), s.id);
        }
      }
      if (plan.removeServerIds.length > 0) {
        await runner.query(`UPDATE haproxy_servers SET removed_at = $2, updated_at = $2 WHERE id = ANY($1::int[])`, [
          plan.removeServerIds,
          now,
        ]);
      }
      if (plan.history.length > 0) {
        await this.insertHistory(runner, plan, serverIds, now);
      }
      await this.insertSamples(runner, instanceId, plan.sampledBackends, backendIds, serverIds, now);
      const ambiguous = await this.autoMap(runner, plan.sampledBackends, storedServers, serverIds, mappingIndex);

      const error = plan.failedBackends.length
        ? `${plan.failedBackends.length} backend(s) could not be read: ` +
          plan.failedBackends
            .map((f) => `${f.backend}: ${f.error}`)
            .join('; ')
            .slice(0, 2000)
        : null;
      const durationMs = Date.now() - started;
      await this.recordStatus(runner, instanceId, error === null, error, durationMs);
      await runner.commitTransaction();
      let servers = 0;
      for (const rows of plan.sampledBackends.values()) {
        servers += rows.length;
      }
      return {
        instanceId,
        status: error === null ? 'ok' : 'partial',
        ...(error ? { error } : {}),
        durationMs,
        backends: plan.sampledBackends.size,
        servers,
        changedServers: plan.upsertServers.length,
        removedBackends: plan.removeBackendIds.length,
        removedServers: plan.removeServerIds.length,
        ambiguousMappings: ambiguous,
      };
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
  }

  private async upsertServers(runner: QueryRunner, rows: ServerRow[], backendIds: Map<string, number>, now: Date) {
    const result: Array<{ id: number; backend_id: number; server_name: string }> = await runner.query(
      `INSERT INTO haproxy_servers (backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions,
                                    status_changed_at, created_at, updated_at)
       SELECT b, n, a, st, r, w, c, m, $9, $9, $9
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[]) AS t(b, n, a, st, r, w, c, m)
       ON CONFLICT (backend_id, server_name) DO UPDATE SET
         address = EXCLUDED.address, status = EXCLUDED.status, raw_status = EXCLUDED.raw_status, weight = EXCLUDED.weight,
         current_sessions = EXCLUDED.current_sessions, max_sessions = EXCLUDED.max_sessions,
         status_changed_at = CASE WHEN haproxy_servers.status IS DISTINCT FROM EXCLUDED.status OR haproxy_servers.removed_at IS NOT NULL
                                  THEN EXCLUDED.status_changed_at ELSE haproxy_servers.status_changed_at END,
         removed_at = NULL, updated_at = EXCLUDED.updated_at
       RETURNING id, backend_id, server_name`,
      [
        rows.map((r) => backendIds.get(r.backendName)),
        rows.map((r) => r.name),
        rows.map((r) => r.address),
        rows.map((r) => r.status),
        rows.map((r) => r.rawStatus),
        rows.map((r) => r.weight),
        rows.map((r) => r.currentSessions),
        rows.map((r) => r.maxSessions),
        now,
      ]
    );
    const nameById = new Map([...backendIds].map(([name, id]) => [id, name]));
    return result.map((r) => ({ id: r.id, backend: nameById.get(r.backend_id) ?? '', name: r.server_name }));
  }

  private async insertHistory(runner: QueryRunner, plan: SyncPlan, serverIds: Map<string, number>, now: Date) {
    const h = plan.history;
    await runner.query(
      `INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at)
       SELECT id, f, t, r, c, $6 FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(id, f, t, r, c)`,
      [
        h.map((r) => r.serverId ?? serverIds.get(key(r.backendName, r.serverName))),
        h.map((r) => r.fromStatus),
        h.map((r) => r.toStatus),
        h.map((r) => r.rawStatus),
        h.map((r) => r.cause),
        now,
      ]
    );
  }

  /** One row per backend per sync with its servers packed in arrays (see the migration). */
  private async insertSamples(
    runner: QueryRunner,
    instanceId: number,
    sampled: Map<string, ServerRow[]>,
    backendIds: Map<string, number>,
    serverIds: Map<string, number>,
    now: Date
  ) {
    if (sampled.size === 0) {
      return;
    }
    const backends: number[] = [];
    const ids: string[] = [];
    const statuses: string[] = [];
    const weights: string[] = [];
    const sessions: string[] = [];
    for (const [backend, rows] of sampled) {
      backends.push(backendIds.get(backend)!);
      ids.push(`{${rows.map((r) => serverIds.get(key(backend, r.name))).join(',')}}`);
      statuses.push(`{${rows.map((r) => STATUS_CODE[r.status]).join(',')}}`);
      weights.push(`{${rows.map((r) => r.weight).join(',')}}`);
      sessions.push(`{${rows.map((r) => r.currentSessions).join(',')}}`);
    }
    await runner.query(
      `INSERT INTO haproxy_metric_samples (sampled_at, instance_id, backend_id, server_ids, statuses, weights, sessions)
       SELECT $1, $2, b, s::int[], st::smallint[], w::int[], c::int[]
         FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(b, s, st, w, c)`,
      [now, instanceId, backends, ids, statuses, weights, sessions]
    );
  }

  /** Auto-mapping (seed section 11) for the servers just read; manual mappings are never touched. */
  private async autoMap(
    runner: QueryRunner,
    sampled: Map<string, ServerRow[]>,
    stored: StoredServerRow[],
    serverIds: Map<string, number>,
    mappingIndex: MappingIndex | undefined
  ): Promise<number> {
    if (sampled.size === 0) {
      return 0;
    }
    const index = mappingIndex ?? (await loadMappingIndex(runner));
    const current = new Map(stored.map((s) => [s.id, s]));
    const updates: Array<{ id: number; app: number | null; note: string | null }> = [];
    let ambiguous = 0;
    for (const [backend, rows] of sampled) {
      for (const row of rows) {
        const id = serverIds.get(key(backend, row.name))!;
        const prev = current.get(id);
        if (prev?.mappingKind === 'manual') {
          continue;
        }
        const decision = index.resolve(row.address, backend);
        if (decision.note) {
          ambiguous++;
        }
        const prevApp = prev?.mappingKind === 'auto' ? prev.applicationId : null;
        if (prevApp !== decision.applicationId || (prev?.mappingNote ?? null) !== decision.note) {
          updates.push({ id, app: decision.applicationId, note: decision.note });
        }
      }
    }
    if (updates.length > 0) {
      await runner.query(
        `UPDATE haproxy_servers s
            SET application_id = v.app, mapping_kind = CASE WHEN v.app IS NULL THEN NULL ELSE 'auto' END, mapping_note = v.note
           FROM unnest($1::int[], $2::int[], $3::text[]) AS v(id, app, note)
          WHERE s.id = v.id AND s.mapping_kind IS DISTINCT FROM 'manual'`,
        [updates.map((u) => u.id), updates.map((u) => u.app), updates.map((u) => u.note)]
      );
    }
    return ambiguous;
  }

  private async recordStatus(
    runner: QueryRunner,
    instanceId: number,
    success: boolean,
    error: string | null,
    durationMs: number
  ) {
    await runner.query(
      `UPDATE haproxy_instances
          SET last_sync_at = $2, last_sync_success = $3, last_sync_error = $4, last_sync_duration_ms = $5,
              last_success_at = CASE WHEN $3 THEN $2 ELSE last_success_at END,
              consecutive_failures = CASE WHEN $3 THEN 0 ELSE consecutive_failures + 1 END
        WHERE id = $1`,
      [instanceId, this.now(), success, error, durationMs]
    );
  }
}

const key = (backend: string, server: string) => `${backend}\u0000${server}`;
