import { compileMatcher, Scope, SCOPE_KEYS, ScopeKey } from '../domain/scope';
import type { ServerStatus } from '../domain/status';
import type { Db } from '../db/db';
import { buildWhere, likePattern, matchSql, Page, pageOf, param } from './sql';

/**
 * The one join of a server with its backend, instance, host and application, for every read that names a
 * server. Each foreign key on the way is NOT NULL, so the LEFT JOINs lose no server; PostgreSQL drops a
 * LEFT JOIN on a primary key that a query does not use, so a read pays only for the tables it needs.
 */
export const SERVERS_FROM = `haproxy_servers s
  JOIN haproxy_backends b ON b.id = s.backend_id
  LEFT JOIN haproxy_instances i ON i.id = b.instance_id
  LEFT JOIN hosts h ON h.id = i.host_id
  LEFT JOIN applications a ON a.id = s.application_id`;

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
  application_id: number | null;
  application_name: string | null;
  mapping_kind: 'manual' | 'auto' | null;
  mapping_note: string | null;
  status_changed_at: Date;
  updated_at: Date;
  /** Its own removal or its backend's. */
  removed_at: Date | null;
}

const SERVER_COLUMNS = `s.id, s.backend_id, b.backend_name, b.instance_id, i.name AS instance_name, s.server_name, s.address,
  s.status, s.raw_status, s.weight, s.current_sessions, s.max_sessions, s.application_id, a.name AS application_name,
  s.mapping_kind, s.mapping_note, s.status_changed_at, s.updated_at,
  coalesce(s.removed_at, b.removed_at) AS removed_at`;

const CURRENT = ['s.removed_at IS NULL', 'b.removed_at IS NULL'];

export async function getServer(db: Db, serverId: number): Promise<ServerRow | undefined> {
  return (await db.query<ServerRow>(`SELECT ${SERVER_COLUMNS} FROM ${SERVERS_FROM} WHERE s.id = $1`, [serverId]))[0];
}

/** A backend's current servers (the seed's GET /api/haproxy/backends/{id}/servers, docs/design.md). */
export function listBackendServers(db: Db, backendId: number): Promise<ServerRow[]> {
  return db.query<ServerRow>(
    `SELECT ${SERVER_COLUMNS} FROM ${SERVERS_FROM} WHERE s.backend_id = $1 AND s.removed_at IS NULL ORDER BY s.server_name`,
    [backendId]
  );
}

export interface ServerSearch {
  instanceId?: number;
  backendId?: number;
  applicationId?: number;
  statuses?: ServerStatus[];
  /** Part of the server's, its backend's or its address's text. */
  text?: string;
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

/** Current servers across the fleet, filtered, a page at a time, with the total that matches. */
export async function searchServers(
  db: Db,
  f: ServerSearch,
  page: Page
): Promise<{ servers: ServerRow[]; total: number }> {
  const { sql, params } = buildWhere(
    [
      ['b.instance_id = ?', f.instanceId],
      ['s.backend_id = ?', f.backendId],
      ['s.application_id = ?', f.applicationId],
      ['s.status = ANY(?::text[])', f.statuses],
      [
        '(s.server_name ILIKE ? OR b.backend_name ILIKE ? OR s.address ILIKE ?)',
        f.text === undefined ? undefined : likePattern(f.text),
      ],
    ],
    [...CURRENT, ...(f.unmapped ? UNMAPPED[f.unmapped] : [])]
  );
  const { rows, total } = await pageOf<ServerRow>(
    db,
    {
      columns: SERVER_COLUMNS,
      from: SERVERS_FROM,
      where: sql,
      params,
      orderBy: 'i.name, b.backend_name, s.server_name',
    },
    page
  );
  return { servers: rows, total };
}

/** Where a command on a server goes: the server as stored, and its instance's agent. */
export interface ServerTarget {
  server_id: number;
  server_name: string;
  status: ServerStatus;
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
    `SELECT s.id AS server_id, s.server_name, s.status, s.removed_at IS NOT NULL AS server_removed,
            b.backend_name, b.removed_at IS NOT NULL AS backend_removed,
            i.id AS instance_id, i.name AS instance_name, h.fagent_url, h.fagent_token
       FROM ${SERVERS_FROM}
      WHERE s.id = ANY($1::int[])`,
    [serverIds]
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

/** Hands a server back to auto-mapping, which decides at the next sync. */
export async function releaseServerMapping(db: Db, serverId: number): Promise<void> {
  await db.execute(
    `UPDATE haproxy_servers SET mapping_kind = NULL, application_id = NULL, mapping_note = NULL WHERE id = $1`,
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
}

/**
 * The servers of a scope in name order, at most `limit`; removed ones too when `includeRemoved` (a time
 * series shows servers that existed during its range).
 */
export function serversInScope(
  db: Db,
  scope: Scope,
  o: { includeRemoved: boolean; limit: number }
): Promise<ServerRef[]> {
  const params: unknown[] = [];
  const where = scopeWhere(scope, params, o);
  return db.query<ServerRef>(
    `SELECT s.id, s.server_name, b.id AS backend_id, b.backend_name, i.id AS instance_id, i.name AS instance_name
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
            s.current_sessions, s.max_sessions, a.name AS application_name, s.mapping_kind, s.status_changed_at,
            count(*) OVER ()::int AS total
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

/** Current servers of each current backend of these instances, per status (null: a backend without servers). */
export function backendStatusCounts(
  db: Db,
  instanceIds: readonly number[]
): Promise<Array<{ instance_id: number; backend: string; status: ServerStatus | null; n: number }>> {
  return db.query(
    `SELECT b.instance_id, b.backend_name AS backend, s.status, count(s.id)::int AS n
       FROM haproxy_backends b LEFT JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
      WHERE b.removed_at IS NULL AND b.instance_id = ANY($1::int[])
      GROUP BY 1, 2, 3`,
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
  weight: number;
  current_sessions: number;
  max_sessions: number;
}

/** The current servers of these instances with what /metrics exports of each. */
export function currentServerStates(db: Db, instanceIds: readonly number[]): Promise<ServerStateRow[]> {
  return db.query<ServerStateRow>(
    `SELECT b.instance_id, b.backend_name AS backend, s.server_name AS server, coalesce(a.name, '') AS application,
            s.status, s.weight, s.current_sessions, s.max_sessions
       FROM ${SERVERS_FROM}
      WHERE ${CURRENT.join(' AND ')} AND b.instance_id = ANY($1::int[])`,
    [instanceIds]
  );
}
