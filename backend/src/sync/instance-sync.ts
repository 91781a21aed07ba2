import { advisoryUnlock } from '../db/advisory-lock';
import { mapLimited } from '../concurrency/limiter';
import type { FagentClient, FagentTarget } from '../fagent/client';
import type { Logger } from '../logger';
import type { PoolDb, Db } from '../db/db';
import { recordSyncResult } from '../store/instances';
import type { MappingIndex } from './auto-mapping';
import { BackendAnswer, FetchedInstance, planSync } from './diff';
import { backendsInScope, loadStoredInstance, lockInstanceForSync, SyncInstance, writeSyncPlan } from './sync-store';

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

/**
 * The seed's `sync_haproxy_instance` (docs/design.md): under the instance's lock, the agent's answer through
 * the breaker -> planSync -> one transaction of bulk writes (sync-store.ts) -> the sync's result on the instance.
 */
export class InstanceSync {
  constructor(
    private readonly db: PoolDb,
    private readonly client: FagentClient,
    private readonly log: Logger,
    private readonly opts: { fetchConcurrency: number; clock?: () => Date }
  ) {}

  async sync(instanceId: number, o: SyncOptions = {}): Promise<SyncOutcome> {
    const started = Date.now();
    // One connection throughout: the lock is the session's, and the writes are one transaction on it.
    return this.db.connection(async (conn) => {
      const instance = await lockInstanceForSync(conn, instanceId);
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
        return await this.syncLocked(conn, instance, o, started);
      } finally {
        await advisoryUnlock(conn, instanceId);
      }
    });
  }

  private now(): Date {
    return this.opts.clock?.() ?? new Date();
  }

  private async syncLocked(conn: Db, instance: SyncInstance, o: SyncOptions, started: number): Promise<SyncOutcome> {
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

    let fetched: FetchedInstance & { inScope: (backend: string) => boolean };
    const fetchStarted = Date.now();
    try {
      fetched = await this.client.breakers.run(instance.id, () => this.fetch(conn, instance, target, o.fresh ?? false));
    } catch (err) {
      const error = (err as Error).message;
      const durationMs = Date.now() - started;
      await this.recordResult(conn, instance.id, false, error, durationMs);
      log.warn({ err: error, duration_ms: durationMs }, 'sync failed: FAgent answer unusable, nothing changed');
      return { instanceId, status: 'failed', error, durationMs };
    }
    const fetchMs = Date.now() - fetchStarted;

    try {
      const outcome = {
        ...(await this.write(conn, instance.id, fetched, started, o.mappingIndex)),
        fetchMs,
      };
      const level = outcome.status === 'ok' ? 'info' : 'warn';
      log[level]({ ...outcome, instanceId: undefined }, outcome.status === 'ok' ? 'sync done' : 'sync partly failed');
      return outcome;
    } catch (err) {
      const error = `database error: ${(err as Error).message}`;
      const durationMs = Date.now() - started;
      await this.recordResult(conn, instance.id, false, error, durationMs).catch(() => undefined);
      log.error({ err: error, duration_ms: durationMs }, 'sync rolled back');
      return { instanceId, status: 'failed', error, durationMs };
    }
  }

  /**
   * One guarded operation: the backend list must come back; each backend's servers may fail alone. A scope
   * is matched by PostgreSQL between the two (a database error there counts against the breaker once, in
   * the moment between this sync taking its lock and reading the scope).
   */
  private async fetch(
    conn: Db,
    instance: SyncInstance,
    target: FagentTarget,
    fresh: boolean
  ): Promise<FetchedInstance & { inScope: (backend: string) => boolean }> {
    const backends = await this.client.getBackends(target, { fresh });
    const scoped =
      instance.backend_scope && (await backendsInScope(conn, instance.id, instance.backend_scope, backends));
    const inScope = scoped ? (backend: string) => scoped.has(backend) : () => true;
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
    return { backends, servers, inScope };
  }

  private async write(
    conn: Db,
    instanceId: number,
    fetched: FetchedInstance & { inScope: (backend: string) => boolean },
    started: number,
    mappingIndex: MappingIndex | undefined
  ): Promise<SyncOutcome> {
    const now = this.now();
    return conn.transaction(async (tx) => {
      const stored = await loadStoredInstance(tx, instanceId);
      const plan = planSync(stored.backends, stored.servers, fetched, fetched.inScope);
      const { ambiguousMappings } = await writeSyncPlan(tx, instanceId, stored, plan, now, mappingIndex);
      const error = plan.failedBackends.length
        ? `${plan.failedBackends.length} backend(s) could not be read: ` +
          plan.failedBackends
            .map((f) => `${f.backend}: ${f.error}`)
            .join('; ')
            .slice(0, 2000)
        : null;
      const durationMs = Date.now() - started;
      await this.recordResult(tx, instanceId, error === null, error, durationMs);
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
        ambiguousMappings,
      };
    });
  }

  private recordResult(db: Db, instanceId: number, success: boolean, error: string | null, durationMs: number) {
    return recordSyncResult(db, instanceId, { at: this.now(), success, error, durationMs });
  }
}
