import { ADVISORY_NAMESPACE, RESET_STATEMENT_TIMEOUT } from '../db/advisory-lock';
import { nameFilter } from '../domain/glob';
import type { AdminState, DriftCause, MaintSource, OperationalState } from '../domain/server-state';
import { STATUS_CODE, type ServerStatus } from '../domain/status';
import { mappingSources } from '../store/applications';
import { issued, type Db, type TransactionSettings } from '../db/db';
import { SyncResult, syncResultAssignments, syncResultParams } from '../store/instances';
import { recordStatusChanges } from '../store/server-state';
import { matchSql } from '../store/sql';
import type { StoredIntent } from '../intent/drift';
import { MappingIndex } from './auto-mapping';
import type { ServerRow, StoredBackend, StoredServer, SyncPlan } from './diff';

/** The reads and bulk writes of one instance's sync: what planSync (diff.ts) takes, and what it decided. */

/** The instance a sync works on and where its agent is; `locked`: this session holds the instance's sync lock. */
export interface SyncInstance {
  id: number;
  name: string;
  backend_scope: string[] | null;
  last_sync_at: Date | null;
  /** The instance and its host both active. */
  active: boolean;
  host_name: string;
  fagent_url: string;
  fagent_token: string | null;
  locked: boolean;
  /** The database's clock when the lock was taken, before any agent request: commands are compared with it. */
  locked_at: Date;
  /**
   * A hint, read as the lock was taken (the statement's snapshot may predate the last sync's commit): whether
   * the answer may be unchanged (recordUnchangedSync checks again) and what each backend's last one was.
   */
  sync_fingerprint: string | null;
  sync_sampled_at: Date | null;
  backend_fingerprints: Record<string, string>;
  /** The HAProxy process the last sync recorded. */
  haproxy_pid: number | null;
  haproxy_started_at: Date | null;
}

/** Per backend name, the fingerprint of the server list a sync last applied to it (JSON). */
const BACKEND_FINGERPRINTS = (instance: string) =>
  `coalesce((SELECT json_object_agg(b.backend_name, b.sync_fingerprint) FROM haproxy_backends b
              WHERE b.instance_id = ${instance} AND b.sync_fingerprint IS NOT NULL), '{}')`;

/**
 * The instance and its session-level advisory lock in one round trip (no row, no lock taken); `db` is one
 * connection, which holds the lock until advisoryUnlock or until it closes. With the lock, the session's
 * statement_timeout becomes `timeoutMs`: a statement of the sync outside its transaction (the unchanged write,
 * one statement of its own) is bounded too; advisoryUnlock's `resetTimeout` puts it back.
 */
export async function lockInstanceForSync(
  db: Db,
  instanceId: number,
  timeoutMs: number
): Promise<SyncInstance | undefined> {
  const [row] = await db.query<SyncInstance>(
    `SELECT CASE WHEN l.locked THEN set_config('statement_timeout', $3, false) IS NOT NULL ELSE false END AS locked,
            clock_timestamp() AS locked_at, i.id, i.name, i.backend_scope, i.last_sync_at,
            i.is_active AND h.is_active AS active,
            i.sync_fingerprint, i.sync_sampled_at, ${BACKEND_FINGERPRINTS('i.id')} AS backend_fingerprints,
            i.haproxy_pid, i.haproxy_started_at, h.name AS host_name, h.fagent_url, h.fagent_token
       FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
      CROSS JOIN LATERAL (SELECT pg_try_advisory_lock($1, i.id) AS locked) l
      WHERE i.id = $2`,
    [ADVISORY_NAMESPACE, instanceId, String(Math.ceil(timeoutMs))]
  );
  return row;
}

/**
 * Which backend names the instance's selective-polling scope takes in: of those the agent listed and of those
 * stored. Names and globs are matched by PostgreSQL (domain/glob.ts says why).
 */
export async function backendsInScope(
  db: Db,
  instanceId: number,
  scope: readonly string[],
  listed: readonly string[]
): Promise<Set<string>> {
  const params: unknown[] = [instanceId, listed];
  const rows = await db.query<{ name: string }>(
    `SELECT name FROM (SELECT unnest($2::text[]) AS name UNION SELECT backend_name FROM haproxy_backends WHERE instance_id = $1) n
      WHERE ${matchSql(nameFilter(scope), null, 'name', params)}`,
    params
  );
  return new Set(rows.map((r) => r.name));
}

/** A stored server with its mapping, which auto-mapping must see. */
export interface StoredServerRow extends StoredServer {
  applicationId: number | null;
  mappingKind: 'manual' | 'auto' | null;
  mappingNote: string | null;
}

export interface StoredInstance {
  backends: StoredBackend[];
  servers: StoredServerRow[];
  /** Desired states and drifts of the instance's servers, by server id. */
  intents: Map<number, StoredIntent>;
}

/** A stored server as loadStoredInstance reads it: its json_build_array, in order (desired state last). */
type StoredServerTuple = [
  id: number,
  name: string,
  address: string,
  status: ServerStatus,
  rawStatus: string,
  weight: number,
  currentSessions: number,
  maxSessions: number,
  adminState: AdminState | null,
  maintSource: MaintSource | null,
  operationalState: OperationalState | null,
  initialWeight: number | null,
  tracks: string | null,
  backup: boolean | null,
  removed: boolean,
  applicationId: number | null,
  mappingKind: 'manual' | 'auto' | null,
  mappingNote: string | null,
  desired: AdminState | null,
  driftCause: DriftCause | null,
  attempts: number | null,
  lastAttemptAt: string | null,
  windowEnded: boolean | null,
];

/**
 * Everything stored of an instance, removed rows included (a reappearing one is restored in place); with
 * `serversOf` (backend names), every backend but only those backends' servers and desired states.
 */
export async function loadStoredInstance(
  db: Db,
  instanceId: number,
  serversOf?: readonly string[]
): Promise<StoredInstance> {
  // Backends, their servers and desired states in one round trip. Each backend's servers come as one JSON
  // array of arrays: one value for pg to read, not 21 per server (reading the rows field by field, objects
  // with their names, was a sixth of the event loop in a 1% cycle of the bench).
  const rows = await db.query<{ id: number; name: string; removed: boolean; servers: StoredServerTuple[] | null }>(
    `SELECT b.id, b.backend_name AS name, b.removed_at IS NOT NULL AS removed,
            CASE WHEN $2::text[] IS NULL OR b.backend_name = ANY($2::text[]) THEN
              (SELECT json_agg(json_build_array(
                        s.id, s.server_name, s.address, s.status, s.raw_status, s.weight, s.current_sessions,
                        s.max_sessions, s.admin_state, s.maint_source, s.operational_state, s.initial_weight, s.tracks,
                        s.backup, s.removed_at IS NOT NULL, s.application_id, s.mapping_kind, s.mapping_note,
                        d.admin_state, d.drift_cause, d.drift_attempts, d.drift_last_attempt_at,
                        d.until <= clock_timestamp()))
                 FROM haproxy_servers s LEFT JOIN haproxy_server_desired d ON d.server_id = s.id
                WHERE s.backend_id = b.id)
            END AS servers
       FROM haproxy_backends b
      WHERE b.instance_id = $1`,
    [instanceId, serversOf ?? null]
  );
  const backends: StoredBackend[] = [];
  const servers: StoredServerRow[] = [];
  const intents = new Map<number, StoredIntent>();
  for (const b of rows) {
    backends.push({ id: b.id, name: b.name, removed: b.removed });
    for (const t of b.servers ?? []) {
      servers.push({
        id: t[0],
        backendId: b.id,
        name: t[1],
        address: t[2],
        status: t[3],
        rawStatus: t[4],
        weight: t[5],
        currentSessions: t[6],
        maxSessions: t[7],
        adminState: t[8],
        maintSource: t[9],
        operationalState: t[10],
        initialWeight: t[11],
        tracks: t[12],
        backup: t[13],
        removed: t[14],
        applicationId: t[15],
        mappingKind: t[16],
        mappingNote: t[17],
      });
      const desired = t[18];
      if (desired) {
        intents.set(t[0], {
          desired,
          driftCause: t[19],
          attempts: t[20]!,
          lastAttemptAt: t[21] === null ? null : new Date(t[21]),
          windowEnded: t[22] === true,
        });
      }
    }
  }
  return { backends, servers, intents };
}

/** Hosts and applications as auto-mapping sees them. */
export async function loadMappingIndex(db: Db): Promise<MappingIndex> {
  const { hosts, applications } = await mappingSources(db);
  return new MappingIndex(hosts, applications);
}

/**
 * The settings of a sync's transaction (Db.transaction sends them with its BEGIN): every statement ends within
 * `ms`, and its writes are the sync's own, which the triggers that note writes made outside a sync (migration
 * SyncFingerprints) leave out.
 */
export const syncTransaction = (ms: number): TransactionSettings => ({
  statement_timeout: String(Math.ceil(ms)),
  'haproxy.sync_writer': 'on',
});

/** What a sync's transaction reads, under the instance's row lock, to know how much of its last answer holds. */
export interface SyncBaseline {
  /** The answer shape the last settled sync applied (sync/fingerprint.ts); null: trust nothing. */
  fingerprint: string | null;
  /** When the last sync wrote its metric samples. */
  sampledAt: Date | null;
  /** haproxy_instance_changes rows: writes to the instance's rows that no sync made since one read them. */
  changeIds: string[];
  /** Every backend of the instance with the fingerprint of the server list last applied to it. */
  backends: Array<{ id: number; name: string; fingerprint: string | null }>;
  /** The backends sampled at `sampledAt`. */
  sampledBackendIds: number[];
  /**
   * Servers with a command still pending or completed at or after the `commandsSince` asked for (the
   * database's clock): an answer that may be older must not write their status back.
   */
  fenced: Set<number>;
}

export async function readSyncBaseline(
  db: Db,
  instanceId: number,
  commandsSince: Date
): Promise<SyncBaseline | undefined> {
  const [row] = await db.query<
    Omit<SyncBaseline, 'backends' | 'fenced'> & { backends: Array<[number, string, string | null]>; fenced: number[] }
  >(
    `SELECT i.sync_fingerprint AS fingerprint, i.sync_sampled_at AS "sampledAt",
            coalesce((SELECT array_agg(c.id) FROM haproxy_instance_changes c WHERE c.instance_id = i.id), '{}') AS "changeIds",
            coalesce((SELECT json_agg(json_build_array(b.id, b.backend_name, b.sync_fingerprint))
                        FROM haproxy_backends b WHERE b.instance_id = i.id), '[]') AS backends,
            coalesce((SELECT array_agg(m.backend_id) FROM haproxy_metric_samples m
                       WHERE m.instance_id = i.id AND m.sampled_at = i.sync_sampled_at), '{}') AS "sampledBackendIds",
            coalesce((SELECT array_agg(DISTINCT a.server_id) FROM haproxy_actions a
                       WHERE a.instance_id = i.id AND coalesce(a.completed_at, 'infinity') >= $2
                         AND a.server_id IS NOT NULL), '{}') AS fenced
       FROM haproxy_instances i WHERE i.id = $1`,
    [instanceId, commandsSince]
  );
  if (!row) {
    return undefined;
  }
  return {
    ...row,
    backends: row.backends.map(([id, name, fingerprint]) => ({ id, name, fingerprint })),
    fenced: new Set(row.fenced),
  };
}

/** The metric samples of an instance written at `from`, as rows to insert again at `at` (SQL parameters). */
const SAMPLES_AGAIN = (at: string, instance: string, from: string) =>
  `SELECT ${at}::timestamptz, m.instance_id, m.backend_id, m.server_ids, m.statuses, m.weights, m.sessions
     FROM haproxy_metric_samples m WHERE m.instance_id = ${instance} AND m.sampled_at = ${from}`;

const SAMPLE_COLUMNS = `haproxy_metric_samples (sampled_at, instance_id, backend_id, server_ids, statuses, weights, sessions)`;

export interface UnchangedAnswer {
  /** The answer's shape fingerprint, equal to the instance's. */
  fingerprint: string;
  /** The in-scope backends read, each with its server list's fingerprint, all equal to the stored ones. */
  backends: ReadonlyArray<{ name: string; fingerprint: string }>;
  /** The instance's sync_sampled_at as the hint read it. */
  previousSampledAt: Date;
  /** The agent told the process (its row's haproxy_seen_at moves). */
  processSeen: boolean;
  result: SyncResult;
}

/**
 * The whole write of a sync whose answer says what the last settled one said, with nothing written outside the
 * sync since: the last metric samples again at the result's time, and the result. One statement that checks it
 * all again (the hint it was chosen on may predate another sync's commit, a command may have written since);
 * undefined when it does not hold, and then nothing was written. SKIP LOCKED: a command holding the instance's
 * row for a moment sends the sync the long way instead of making it wait. One statement is its own transaction:
 * run on the sync's session (lockInstanceForSync), it also releases the sync's lock and timeout when it wrote,
 * and the sync is done in one round trip. Answers how many servers it sampled, and whether it released the lock
 * (false: this session did not hold it).
 */
export async function recordUnchangedSync(
  db: Db,
  instanceId: number,
  a: UnchangedAnswer
): Promise<{ servers: number; unlocked: boolean } | undefined> {
  const [row] = await db.query<{ servers: number; unlocked: boolean }>(
    `WITH i AS (
       SELECT i.id FROM haproxy_instances i
        WHERE i.id = $1 AND i.sync_fingerprint = $2 AND i.sync_sampled_at = $3
          AND NOT EXISTS (SELECT 1 FROM haproxy_instance_changes c WHERE c.instance_id = $1)
          AND NOT EXISTS (SELECT 1 FROM unnest($4::text[], $5::text[]) AS a(name, fp)
                           LEFT JOIN haproxy_backends b ON b.instance_id = $1 AND b.backend_name = a.name
                          WHERE b.sync_fingerprint IS DISTINCT FROM a.fp OR b.removed_at IS NOT NULL)
          AND (SELECT count(*) FROM haproxy_metric_samples m WHERE m.instance_id = $1 AND m.sampled_at = $3)
              = cardinality($4::text[])
        FOR UPDATE SKIP LOCKED
     ), copied AS (
       INSERT INTO ${SAMPLE_COLUMNS} ${SAMPLES_AGAIN('$6', '(SELECT id FROM i)', '$3')}
       RETURNING cardinality(server_ids) AS n
     )
     UPDATE haproxy_instances SET sync_sampled_at = $6, haproxy_seen_at = CASE WHEN $7 THEN $6 ELSE haproxy_seen_at END,
            ${syncResultAssignments(8)}
      WHERE id = (SELECT id FROM i)
      RETURNING (SELECT coalesce(sum(n), 0)::int FROM copied) AS servers,
                pg_advisory_unlock(${ADVISORY_NAMESPACE}, id) AS unlocked, ${RESET_STATEMENT_TIMEOUT}`,
    [
      instanceId,
      a.fingerprint,
      a.previousSampledAt,
      a.backends.map((b) => b.name),
      a.backends.map((b) => b.fingerprint),
      a.result.at,
      a.processSeen,
      ...syncResultParams(a.result),
    ]
  );
  return row;
}

/**
 * The end of a sync's write, in one statement: the fingerprints of what it applied (null for a backend with
 * fenced servers, whose rows do not follow the answer; the instance's only when nothing is left pending), when
 * it sampled, the HAProxy process when the answer told it, the result, and the outside writes it has accounted
 * for (read in its baseline) forgotten.
 */
export async function recordSyncEnd(
  db: Db,
  instanceId: number,
  f: {
    instance: string | null;
    backends: ReadonlyArray<{ id: number; fingerprint: string | null }>;
    sampledAt: Date;
    accounted: readonly string[];
    process?: { version: string; pid: number; startedAt: Date };
    result: SyncResult;
  }
): Promise<void> {
  await db.execute(
    `WITH b AS (
       UPDATE haproxy_backends b SET sync_fingerprint = t.fp FROM unnest($2::int[], $3::text[]) AS t(id, fp)
        WHERE b.id = ANY($2::int[]) AND b.id = t.id AND b.sync_fingerprint IS DISTINCT FROM t.fp
     ), c AS (
       DELETE FROM haproxy_instance_changes WHERE id = ANY($4::bigint[])
     )
     UPDATE haproxy_instances
        SET sync_fingerprint = $5, sync_sampled_at = $6,
            haproxy_version = CASE WHEN $7 THEN $8 ELSE haproxy_version END,
            haproxy_pid = CASE WHEN $7 THEN $9 ELSE haproxy_pid END,
            haproxy_started_at = CASE WHEN $7 THEN $10 ELSE haproxy_started_at END,
            haproxy_seen_at = CASE WHEN $7 THEN $6 ELSE haproxy_seen_at END,
            ${syncResultAssignments(11)}
      WHERE id = $1`,
    [
      instanceId,
      f.backends.map((b) => b.id),
      f.backends.map((b) => b.fingerprint),
      f.accounted,
      f.instance,
      f.sampledAt,
      f.process !== undefined,
      f.process?.version ?? null,
      f.process?.pid ?? null,
      f.process?.startedAt ?? null,
      ...syncResultParams(f.result),
    ]
  );
}

const key = (backend: string, server: string) => `${backend}\u0000${server}`;

/**
 * Writes a plan in a handful of statements (arrays unnested, no per-row round trips); `db` is the sync's
 * transaction. `removalNote` goes on the history rows of what it removes (a held removal, confirmed); the
 * history of `externalChanges` (servers whose change was adopted as made outside) says `external`.
 * The statements are issued without waiting for each other (db/db.ts ConnectionDb), except for new backends and
 * new servers, whose ids the rest need: it answers the ids at once and `written`, which settles when they are
 * done, with how many servers auto-mapping found ambiguous and how many were sampled again.
 */
export async function writeSyncPlan(
  db: Db,
  instanceId: number,
  stored: StoredInstance,
  plan: SyncPlan,
  now: Date,
  mappingIndex: MappingIndex | undefined,
  o: {
    removalNote?: string | null;
    externalChanges?: ReadonlySet<number>;
    /** Backends whose answer did not change: their samples of `from` are written again. */
    sampleAgain?: { from: Date; backendIds: readonly number[] };
  } = {}
): Promise<{
  backendIds: Map<string, number>;
  written: Promise<{ ambiguousMappings: number; serversSampledAgain: number; serversRemoved: number }>;
}> {
  const externalChanges = o.externalChanges ?? new Set<number>();
  const backendIds = new Map(stored.backends.map((b) => [b.name, b.id]));
  if (plan.upsertBackends.length > 0) {
    const upserted = await db.query<{ id: number; backend_name: string }>(
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
  const removed = issued(softDelete(db, plan.removeBackendIds, plan.removeServerIds, now, o.removalNote ?? null));
  const pending: Array<Promise<unknown>> = [];
  const serverIds = new Map<string, number>();
  const backendNames = new Map(stored.backends.map((b) => [b.id, b.name]));
  for (const s of stored.servers) {
    serverIds.set(key(backendNames.get(s.backendId) ?? '', s.name), s.id);
  }
  if (plan.upsertServers.length > 0) {
    const known = plan.upsertServers.filter((s) => serverIds.has(key(s.backendName, s.name))).length;
    const upserted = issued(upsertServers(db, plan.upsertServers, backendIds, now, known === 0));
    if (known < plan.upsertServers.length) {
      for (const s of await upserted) {
        serverIds.set(key(s.backend, s.name), s.id);
      }
    } else {
      pending.push(upserted);
    }
  }
  pending.push(
    issued(
      recordStatusChanges(
        db,
        plan.history.map((h) => {
          const serverId = h.serverId ?? serverIds.get(key(h.backendName, h.serverName))!;
          return {
            serverId,
            from: h.fromStatus,
            to: h.toStatus,
            raw: h.rawStatus,
            cause: externalChanges.has(serverId) ? 'external' : h.cause,
            adminFrom: h.adminFrom,
            adminTo: h.adminTo,
            operationalFrom: h.operationalFrom,
            operationalTo: h.operationalTo,
          };
        }),
        now,
        { onRows: true }
      )
    )
  );
  const sampledAgain = issued(
    insertSamples(db, instanceId, plan.sampledBackends, backendIds, serverIds, now, o.sampleAgain)
  );
  const ambiguous = issued(autoMap(db, plan.sampledBackends, stored.servers, serverIds, mappingIndex));
  const written = issued(
    Promise.all([sampledAgain, ambiguous, removed, ...pending]).then(
      ([serversSampledAgain, ambiguousMappings, serversRemoved]) => ({
        serversSampledAgain,
        ambiguousMappings,
        serversRemoved,
      })
    )
  );
  return { backendIds, written };
}

/**
 * Soft-deletes backends (with their current servers) and servers, each server with a `removed` history row
 * (its last status, `note` saying why), in one statement; rows already removed are left as they are.
 * Returns how many servers it removed.
 */
export async function softDelete(
  db: Db,
  backendIds: readonly number[],
  serverIds: readonly number[],
  at: Date,
  note: string | null
): Promise<number> {
  if (backendIds.length === 0 && serverIds.length === 0) {
    return 0;
  }
  const [row] = await db.query<{ n: number }>(
    `WITH b AS (
       UPDATE haproxy_backends SET removed_at = $3, updated_at = $3 WHERE id = ANY($1::int[]) AND removed_at IS NULL RETURNING id
     ), s AS (
       UPDATE haproxy_servers SET removed_at = $3, updated_at = $3
        WHERE removed_at IS NULL AND (backend_id IN (SELECT id FROM b) OR id = ANY($2::int[]))
        RETURNING id, status, raw_status
     ), h AS (
       INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at, note)
       SELECT id, status, status, raw_status, 'removed', $3, $4 FROM s
     )
     SELECT count(*)::int AS n FROM s`,
    [backendIds, serverIds, at, note]
  );
  return row.n;
}

/** What upsertServers does to a row that is stored already. */
const UPDATE_STORED_SERVER = `ON CONFLICT (backend_id, server_name) DO UPDATE SET
       address = EXCLUDED.address, status = EXCLUDED.status, raw_status = EXCLUDED.raw_status, weight = EXCLUDED.weight,
       current_sessions = EXCLUDED.current_sessions, max_sessions = EXCLUDED.max_sessions,
       admin_state = EXCLUDED.admin_state, maint_source = EXCLUDED.maint_source,
       operational_state = EXCLUDED.operational_state, initial_weight = EXCLUDED.initial_weight,
       tracks = EXCLUDED.tracks, backup = EXCLUDED.backup,
       status_changed_at = CASE WHEN haproxy_servers.removed_at IS NOT NULL
                                  OR haproxy_servers.status IS DISTINCT FROM EXCLUDED.status
                                THEN EXCLUDED.status_changed_at ELSE haproxy_servers.status_changed_at END,
       removed_at = NULL, updated_at = EXCLUDED.updated_at`;

/**
 * New, changed and restored servers: what the agent says of each, status and admin and operational state
 * included, in one write per row (recordStatusChanges then adds only the history rows). `allNew`: none is
 * stored (a new instance or backend), so a plain insert, which costs PostgreSQL a sixth less than the upsert;
 * the sync's lock keeps any other writer from adding servers meanwhile.
 */
async function upsertServers(db: Db, rows: ServerRow[], backendIds: Map<string, number>, now: Date, allNew: boolean) {
  const result = await db.query<{ id: number; backend_id: number; server_name: string }>(
    `INSERT INTO haproxy_servers (backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions,
                                  admin_state, maint_source, operational_state, initial_weight, tracks, backup,
                                  status_changed_at, created_at, updated_at)
     SELECT b, n, a, st, r, w, c, m, ad, ms, op, iw, tr, bk, $9, $9, $9
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[],
                   $10::text[], $11::text[], $12::text[], $13::int[], $14::text[], $15::bool[])
            AS t(b, n, a, st, r, w, c, m, ad, ms, op, iw, tr, bk)
     ${allNew ? '' : UPDATE_STORED_SERVER}
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
      rows.map((r) => r.adminState),
      rows.map((r) => r.maintSource),
      rows.map((r) => r.operationalState),
      rows.map((r) => r.initialWeight),
      rows.map((r) => r.tracks),
      rows.map((r) => r.backup),
    ]
  );
  const nameById = new Map([...backendIds].map(([name, id]) => [id, name]));
  return result.map((r) => ({ id: r.id, backend: nameById.get(r.backend_id) ?? '', name: r.server_name }));
}

/**
 * One row per backend per sync with its servers packed in arrays (see the MetricHistory migration); the
 * backends of `again` sample what they sampled at `again.from`. Answers how many servers those held.
 */
async function insertSamples(
  db: Db,
  instanceId: number,
  sampled: Map<string, ServerRow[]>,
  backendIds: Map<string, number>,
  serverIds: Map<string, number>,
  now: Date,
  again: { from: Date; backendIds: readonly number[] } = { from: now, backendIds: [] }
): Promise<number> {
  if (sampled.size === 0 && again.backendIds.length === 0) {
    return 0;
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
  const [row] = await db.query<{ again: number }>(
    `WITH fresh AS (
       INSERT INTO ${SAMPLE_COLUMNS}
       SELECT $1, $2, b, s::int[], st::smallint[], w::int[], c::int[]
         FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(b, s, st, w, c)
     ), again AS (
       INSERT INTO ${SAMPLE_COLUMNS} ${SAMPLES_AGAIN('$1', '$2', '$8')} AND m.backend_id = ANY($9::int[])
       RETURNING cardinality(server_ids) AS n
     )
     SELECT coalesce(sum(n), 0)::int AS again FROM again`,
    [now, instanceId, backends, ids, statuses, weights, sessions, again.from, again.backendIds]
  );
  return row.again;
}

/** Auto-mapping (docs/design.md) for the servers just read; manual mappings are never touched. */
async function autoMap(
  db: Db,
  sampled: Map<string, ServerRow[]>,
  stored: StoredServerRow[],
  serverIds: Map<string, number>,
  mappingIndex: MappingIndex | undefined
): Promise<number> {
  if (sampled.size === 0) {
    return 0;
  }
  const index = mappingIndex ?? (await loadMappingIndex(db));
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
    // The index is read once per cycle: an application deleted since maps nothing (not a failed sync on its key).
    await db.execute(
      `UPDATE haproxy_servers s
          SET application_id = a.id, mapping_kind = CASE WHEN a.id IS NULL THEN NULL ELSE 'auto' END, mapping_note = v.note
         FROM unnest($1::int[], $2::int[], $3::text[]) AS v(id, app, note) LEFT JOIN applications a ON a.id = v.app
        WHERE s.id = ANY($1::int[]) AND s.id = v.id AND s.mapping_kind IS DISTINCT FROM 'manual'`,
      [updates.map((u) => u.id), updates.map((u) => u.app), updates.map((u) => u.note)]
    );
  }
  return ambiguous;
}
