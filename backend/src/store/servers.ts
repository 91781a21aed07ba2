import type { DesiredSource } from '../domain/actions';
import { compileMatcher, Scope, SCOPE_KEYS, ScopeKey } from '../domain/scope';
import type { AdminState, DriftCause, MaintSource, OperationalState, ReconcilePolicy } from '../domain/server-state';
import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { BACKEND_COUNTS_LATERAL, ServerCounts } from './server-classes';
import { buildWhere, Keyset, KeysetPage, keysetPageOf, likePattern, matchSql, natural, param } from './sql';

/**
 * The one join of a server with its backend, instance, host and application, for every read that names a
 * server. Each foreign key on the way is NOT NULL, so the LEFT JOINs lose no server; PostgreSQL drops a
 * LEFT JOIN on a primary key that a query does not use, so a read pays only for the tables it needs.
 */
export const SERVERS_FROM = `haproxy_servers s
  JOIN haproxy_backends b ON b.id = s.backend_id
  LEFT JOIN haproxy_instances i ON i.id = b.instance_id
  LEFT JOIN hosts h ON h.id = i.host_id
  LEFT JOIN applications a ON a.id = s.application_id
  LEFT JOIN haproxy_server_desired d ON d.server_id = s.id`;

/** What we were asked to keep (docs: the state contract). */
export interface DesiredView {
  admin_state: AdminState;
  actor: string;
  reason: string | null;
  source: DesiredSource;
  set_at: Date;
  until: Date | null;
}

/** HAProxy disagreeing with the desired state, not adopted as an external change. */
export interface DriftView {
  since: Date;
  desired: AdminState;
  actual: AdminState | null;
  cause: DriftCause;
  policy: ReconcilePolicy;
  attempts: number;
  last_error: string | null;
}

/** A server as the API shows it. */
export interface ServerRow {
  id: number;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  server_name: string;
  address: string;
  status: ServerStatus;
  raw_status: string;
  weight: number;
  current_sessions: number;
  max_sessions: number;
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  operational_state: OperationalState | null;
  initial_weight: number | null;
  /** "backend/server" it follows through `track`: it goes out whenever that one does. */
  tracks: string | null;
  /** A `backup` server: it takes traffic only when no active server of its backend can. Null: not said. */
  backup: boolean | null;
  desired: DesiredView | null;
  drift: DriftView | null;
  application_id: number | null;
  application_name: string | null;
  mapping_kind: 'manual' | 'auto' | null;
  mapping_note: string | null;
  status_changed_at: Date;
  updated_at: Date;
  /** Its own removal or its backend's. */
  removed_at: Date | null;
}

/** A server row as selected: the desired state and drift flat, nested by serverRow(). */
type FlatServerRow = Omit<ServerRow, 'desired' | 'drift'> & {
  d_admin_state: AdminState | null;
  d_actor: string;
  d_reason: string | null;
  d_source: DesiredSource;
  d_set_at: Date;
  d_until: Date | null;
  drift_since: Date | null;
  drift_cause: DriftCause;
  drift_attempts: number;
  drift_last_error: string | null;
  reconcile_policy: ReconcilePolicy;
};

const SERVER_COLUMNS = `s.id, s.backend_id, b.backend_name, b.instance_id, i.name AS instance_name, s.server_name, s.address,
  s.status, s.raw_status, s.weight, s.current_sessions, s.max_sessions,
  s.admin_state, s.maint_source, s.operational_state, s.initial_weight, s.tracks, s.backup,
  d.admin_state AS d_admin_state, d.actor AS d_actor, d.reason AS d_reason, d.source AS d_source, d.set_at AS d_set_at,
  d.until AS d_until, d.drift_since, d.drift_cause, d.drift_attempts, d.drift_last_error, i.reconcile_policy,
  s.application_id, a.name AS application_name, s.mapping_kind, s.mapping_note, s.status_changed_at, s.updated_at,
  coalesce(s.removed_at, b.removed_at) AS removed_at`;

function serverRow(r: FlatServerRow): ServerRow {
  const {
    d_admin_state,
    d_actor,
    d_reason,
    d_source,
    d_set_at,
    d_until,
    drift_since,
    drift_cause,
    drift_attempts,
    drift_last_error,
    reconcile_policy,
    ...server
  } = r;
  return {
    ...server,
    desired: d_admin_state
      ? {
          admin_state: d_admin_state,
          actor: d_actor,
          reason: d_reason,
          source: d_source,
          set_at: d_set_at,
          until: d_until,
        }
      : null,
    drift:
      d_admin_state && drift_since
        ? {
            since: drift_since,
            desired: d_admin_state,
            actual: server.admin_state,
            cause: drift_cause,
            policy: reconcile_policy,
            attempts: drift_attempts,
            last_error: drift_last_error,
          }
        : null,
  };
}

async function selectServers(db: Db, where: string, params: unknown[], tail = ''): Promise<ServerRow[]> {
  const rows = await db.query<FlatServerRow>(
    `SELECT ${SERVER_COLUMNS} FROM ${SERVERS_FROM} WHERE ${where} ${tail}`,
    params
  );
  return rows.map(serverRow);
}

const CURRENT = ['s.removed_at IS NULL', 'b.removed_at IS NULL'];

export async function getServer(db: Db, serverId: number): Promise<ServerRow | undefined> {
  return (await selectServers(db, 's.id = $1', [serverId]))[0];
}

/** A backend's current servers (the seed's GET /api/haproxy/backends/{id}/servers, docs/design.md). */
export function listBackendServers(db: Db, backendId: number): Promise<ServerRow[]> {
  return selectServers(db, 's.backend_id = $1 AND s.removed_at IS NULL', [backendId], 'ORDER BY s.server_name');
}

/** What a server is selected by on the HAProxy page (and GET /api/haproxy/servers, /backends). */
export interface ServerFilter {
  statuses?: ServerStatus[];
  adminStates?: AdminState[];
  operationalStates?: OperationalState[];
  /** Drifting (true) or not (false). */
  drift?: boolean;
  /** In an active maintenance window (true) or not (false). */
  inWindow?: boolean;
  /** Part of the server's, its backend's or its address's text. */
  text?: string;
}

/** A ServerFilter as buildWhere's filters over SERVERS_FROM (or any join naming s, b and d). */
export function serverFilterSql(f: ServerFilter): Array<[string, unknown]> {
  return [
    ['s.status = ANY(?::text[])', f.statuses],
    ['s.admin_state = ANY(?::text[])', f.adminStates],
    ['s.operational_state = ANY(?::text[])', f.operationalStates],
    ['(d.drift_since IS NOT NULL) = ?', f.drift],
    ['(coalesce(d.until > now(), false)) = ?', f.inWindow],
    // All on s, so that the three trigram indexes (migration 18) can answer it together.
    [
      `(s.server_name ILIKE ? OR s.address ILIKE ?
        OR s.backend_id = ANY(ARRAY(SELECT id FROM haproxy_backends WHERE backend_name ILIKE ?)))`,
      f.text === undefined ? undefined : likePattern(f.text),
    ],
  ];
}

export interface ServerSearch extends ServerFilter {
  instanceId?: number;
  backendId?: number;
  applicationId?: number;
  /**
   * Only those auto-mapping left without an application (a manual choice, "unmapped" included, is settled):
   * all of them, those it found ambiguous (they carry a note), or those it found nothing for.
   */
  unmapped?: 'any' | 'ambiguous' | 'unmatched';
}

const AUTO_UNMAPPED = ['s.application_id IS NULL', 's.mapping_kind IS NULL'];
const UNMAPPED: Record<NonNullable<ServerSearch['unmapped']>, string[]> = {
  any: AUTO_UNMAPPED,
  ambiguous: [...AUTO_UNMAPPED, 's.mapping_note IS NOT NULL'],
  unmatched: [...AUTO_UNMAPPED, 's.mapping_note IS NULL'],
};

/** The order servers are listed in: by instance, backend and server name (natural order), then id. */
const SERVER_ORDER = [natural('i.name'), natural('b.backend_name'), natural('s.server_name'), 's.id'];

/**
 * Current servers across the fleet, filtered, a page at a time (keyset: `after` the key `next` gave), with the
 * total that matches.
 */
export async function searchServers(
  db: Db,
  f: ServerSearch,
  page: KeysetPage
): Promise<{ servers: ServerRow[]; total: number; next: Keyset | null }> {
  const { sql, params } = buildWhere(
    [
      ['b.instance_id = ?', f.instanceId],
      ['s.backend_id = ?', f.backendId],
      ['s.application_id = ?', f.applicationId],
      ...serverFilterSql(f),
    ],
    [...CURRENT, ...(f.unmapped ? UNMAPPED[f.unmapped] : [])]
  );
  const { rows, total, next } = await keysetPageOf<FlatServerRow>(
    db,
    { columns: SERVER_COLUMNS, from: SERVERS_FROM, where: sql, params, orderBy: SERVER_ORDER },
    page,
    (r) => [r.instance_name, r.backend_name, r.server_name, r.id]
  );
  return { servers: rows.map(serverRow), total, next };
}

/** Where a command on a server goes: the server as stored, and its instance's agent. */
export interface ServerTarget {
  server_id: number;
  server_name: string;
  status: ServerStatus;
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  server_removed: boolean;
  backend_name: string;
  backend_removed: boolean;
  instance_id: number;
  instance_name: string;
  fagent_url: string;
  fagent_token: string | null;
}

export function serverTargets(db: Db, serverIds: readonly number[]): Promise<ServerTarget[]> {
  return db.query<ServerTarget>(
    `SELECT s.id AS server_id, s.server_name, s.status, s.admin_state, s.maint_source, s.removed_at IS NOT NULL AS server_removed,
            b.backend_name, b.removed_at IS NOT NULL AS backend_removed,
            i.id AS instance_id, i.name AS instance_name, h.fagent_url, h.fagent_token
       FROM ${SERVERS_FROM}
      WHERE s.id = ANY($1::int[])`,
    [serverIds]
  );
}

/**
 * Takes the server's command claim (one command per server at a time, across replicas) for `leaseMs`, unless
 * another holder's is still running; a holder that died loses it when its lease runs out. true when taken.
 */
export async function claimServer(db: Db, serverId: number, claim: string, leaseMs: number): Promise<boolean> {
  const n = await db.execute(
    `UPDATE haproxy_servers SET command_claim = $2, command_claim_until = clock_timestamp() + $3 * interval '1 millisecond'
      WHERE id = $1 AND (command_claim_until IS NULL OR command_claim_until <= clock_timestamp())`,
    [serverId, claim, leaseMs]
  );
  return n > 0;
}

export async function releaseServer(db: Db, serverId: number, claim: string): Promise<void> {
  await db.execute(
    `UPDATE haproxy_servers SET command_claim = NULL, command_claim_until = NULL WHERE id = $1 AND command_claim = $2`,
    [serverId, claim]
  );
}

/** What a bulk command names: any of these, each optional, all of them narrowing. */
export interface ServerSelection {
  serverIds?: number[];
  backendId?: number;
  applicationId?: number;
}

/** Ids of the current servers a selection names, in id order. */
export async function currentServerIds(db: Db, sel: ServerSelection): Promise<number[]> {
  const { sql, params } = buildWhere(
    [
      ['s.id = ANY(?::int[])', sel.serverIds],
      ['s.backend_id = ?', sel.backendId],
      ['s.application_id = ?', sel.applicationId],
    ],
    CURRENT
  );
  const rows = await db.query<{ id: number }>(`SELECT s.id FROM ${SERVERS_FROM} WHERE ${sql} ORDER BY s.id`, params);
  return rows.map((r) => r.id);
}

/** A manual mapping (to an application, or to none): auto-mapping never overwrites it. */
export async function mapServerManually(db: Db, serverId: number, applicationId: number | null): Promise<void> {
  await db.execute(
    `UPDATE haproxy_servers SET application_id = $2, mapping_kind = 'manual', mapping_note = NULL WHERE id = $1`,
    [serverId, applicationId]
  );
}

/**
 * Hands a manually mapped server back to auto-mapping, which decides at the next sync. One auto-mapping already
 * decided keeps its application meanwhile (a bulk or job by application and its budget still count it).
 */
export async function releaseServerMapping(db: Db, serverId: number): Promise<void> {
  await db.execute(
    `UPDATE haproxy_servers SET mapping_kind = NULL, application_id = NULL, mapping_note = NULL
      WHERE id = $1 AND mapping_kind = 'manual'`,
    [serverId]
  );
}

const SCOPE_COLUMNS: Record<ScopeKey, [id: string, name: string]> = {
  instance: ['i.id', 'i.name'],
  backend: ['b.id', 'b.backend_name'],
  server: ['s.id', 's.server_name'],
  application: ['a.id', 'a.name'],
};

/** WHERE over SERVERS_FROM for a history scope (domain/scope.ts); params are appended. */
export function scopeWhere(scope: Scope, params: unknown[], o: { includeRemoved: boolean }): string {
  const where = o.includeRemoved ? [] : [...CURRENT];
  for (const key of SCOPE_KEYS) {
    const m = compileMatcher(scope[key]);
    if (m) {
      where.push(matchSql(m, SCOPE_COLUMNS[key][0], SCOPE_COLUMNS[key][1], params));
    }
  }
  return where.length ? where.join(' AND ') : 'true';
}

/** A server of a history scope, with the names its series are labelled with. */
export interface ServerRef {
  id: number;
  server_name: string;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  host_name: string;
}

/**
 * The servers of a scope in name order, at most `limit`; removed ones too when `includeRemoved` (a time
 * series shows servers that existed during its range), but not those gone before `removedSince` (the range's
 * start): they have nothing in it, and kept for good they would crowd current servers out of the limit.
 */
export function serversInScope(
  db: Db,
  scope: Scope,
  o: { includeRemoved: boolean; limit: number; removedSince?: Date }
): Promise<ServerRef[]> {
  const params: unknown[] = [];
  let where = scopeWhere(scope, params, o);
  if (o.includeRemoved && o.removedSince) {
    const since = param(params, o.removedSince);
    where += ` AND (s.removed_at IS NULL OR s.removed_at >= ${since}) AND (b.removed_at IS NULL OR b.removed_at >= ${since})`;
  }
  return db.query<ServerRef>(
    `SELECT s.id, s.server_name, b.id AS backend_id, b.backend_name, i.id AS instance_id, i.name AS instance_name,
            h.name AS host_name
       FROM ${SERVERS_FROM} WHERE ${where}
      ORDER BY i.name, b.backend_name, s.server_name, s.id LIMIT ${param(params, o.limit)}`,
    params
  );
}

export type ServerTableRow = Pick<
  ServerRow,
  | 'id'
  | 'instance_name'
  | 'backend_name'
  | 'server_name'
  | 'address'
  | 'status'
  | 'raw_status'
  | 'weight'
  | 'current_sessions'
  | 'max_sessions'
  | 'backup'
  | 'application_name'
  | 'mapping_kind'
  | 'status_changed_at'
> & {
  /** How many servers the scope has, beyond the limit too. */
  total: number;
};

/** A scope's current servers in name order, at most `limit`, each row with the scope's total. */
export function currentServersInScope(db: Db, scope: Scope, limit: number): Promise<ServerTableRow[]> {
  const params: unknown[] = [];
  const where = scopeWhere(scope, params, { includeRemoved: false });
  return db.query<ServerTableRow>(
    `SELECT s.id, i.name AS instance_name, b.backend_name, s.server_name, s.address, s.status, s.raw_status, s.weight,
            s.current_sessions, s.max_sessions, s.backup, a.name AS application_name, s.mapping_kind,
            s.status_changed_at, count(*) OVER ()::int AS total
       FROM ${SERVERS_FROM} WHERE ${where}
      ORDER BY i.name, b.backend_name, s.server_name, s.id LIMIT ${param(params, limit)}`,
    params
  );
}

export const LOOKUP_KINDS = ['instances', 'backends', 'servers', 'applications'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

const LOOKUP_KEY: Record<LookupKind, ScopeKey> = {
  instances: 'instance',
  backends: 'backend',
  servers: 'server',
  applications: 'application',
};

/** Each kind's name column, and its table when listed without filters (empty ones included). */
const LOOKUP_SOURCE: Record<LookupKind, { col: string; alone: { table: string; where: string[] } }> = {
  instances: { col: 'i.name', alone: { table: 'haproxy_instances i', where: [] } },
  backends: { col: 'b.backend_name', alone: { table: 'haproxy_backends b', where: ['b.removed_at IS NULL'] } },
  servers: { col: 's.server_name', alone: { table: 'haproxy_servers s', where: ['s.removed_at IS NULL'] } },
  applications: { col: 'a.name', alone: { table: 'applications a', where: [] } },
};

/**
 * Values of a template variable: distinct current names of one kind, narrowed by the other variables
 * (its own filter is ignored, or a variable could only list what is already selected) and a search text.
 */
export async function lookupNames(
  db: Db,
  kind: LookupKind,
  scope: Scope,
  text: string | undefined,
  limit: number
): Promise<string[]> {
  const params: unknown[] = [];
  const where = scopeWhere({ ...scope, [LOOKUP_KEY[kind]]: undefined }, params, { includeRemoved: false });
  const { col, alone } = LOOKUP_SOURCE[kind];
  // No effective filter (none given, or all "All"): list the kind's own table, so empty instances show too.
  const narrowed = params.length > 0;
  const conditions = narrowed ? [where, `${col} IS NOT NULL`] : [...alone.where];
  if (text) {
    conditions.push(`${col} ILIKE ${param(params, likePattern(text))}`);
  }
  const rows = await db.query<{ name: string }>(
    `SELECT DISTINCT ${col} AS name FROM ${narrowed ? SERVERS_FROM : alone.table}
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY 1 LIMIT ${param(params, limit)}`,
    params
  );
  return rows.map((r) => r.name);
}

/** Each current backend of these instances with its current servers counted (zeros for a backend without servers). */
export function backendCounts(
  db: Db,
  instanceIds: readonly number[]
): Promise<
  Array<{ instance_id: number; backend_id: number; backend: string; counts: ServerCounts; on_backup: boolean }>
> {
  return db.query(
    `SELECT b.instance_id, b.id AS backend_id, b.backend_name AS backend, c.counts, c.on_backup
       FROM haproxy_backends b ${BACKEND_COUNTS_LATERAL}
      WHERE b.removed_at IS NULL AND b.instance_id = ANY($1::int[])`,
    [instanceIds]
  );
}

export interface ServerStateRow {
  instance_id: number;
  backend: string;
  server: string;
  /** '' when unmapped. */
  application: string;
  status: ServerStatus;
  admin_state: AdminState | null;
  weight: number;
  current_sessions: number;
  max_sessions: number;
}

/** What /metrics labels a server with, and which servers it exports: the current ones of the instances in $1. */
const METRICS_LABELS = `b.instance_id, b.backend_name AS backend, s.server_name AS server, coalesce(a.name, '') AS application`;
const METRICS_SERVERS = `${CURRENT.join(' AND ')} AND b.instance_id = ANY($1::int[])`;

/** The current servers of these instances with what /metrics exports of each. */
export function currentServerStates(db: Db, instanceIds: readonly number[]): Promise<ServerStateRow[]> {
  return db.query<ServerStateRow>(
    `SELECT ${METRICS_LABELS}, s.status, s.admin_state, s.weight, s.current_sessions, s.max_sessions
       FROM ${SERVERS_FROM} WHERE ${METRICS_SERVERS}`,
    [instanceIds]
  );
}

/** A current server out of its desired state, with what /metrics labels it with. */
export interface DriftingServerRow {
  instance_id: number;
  backend: string;
  server: string;
  application: string;
  desired: AdminState;
  cause: DriftCause;
}

/** The drifting current servers of these instances (few: exported whatever the per-server setting). */
export function driftingServers(db: Db, instanceIds: readonly number[]): Promise<DriftingServerRow[]> {
  return db.query<DriftingServerRow>(
    `SELECT ${METRICS_LABELS}, d.admin_state AS desired, d.drift_cause AS cause
       FROM ${SERVERS_FROM} WHERE ${METRICS_SERVERS} AND d.drift_since IS NOT NULL`,
    [instanceIds]
  );
}
