import type { Db } from '../db/db';
import { buildWhere, param } from './sql';

/**
 * admin_changes: who changed the registry and its settings, append-only (migration 1764000000028). Each row is
 * written in the transaction of its change, with the changed fields before and after; never a secret.
 */

export const ENTITY_KINDS = ['host', 'instance', 'application', 'backend', 'server', 'api_token'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const CHANGE_ACTIONS = [
  'created',
  'updated',
  'deleted',
  'budget_set',
  'budget_cleared',
  'mapping_set',
  'window_moved',
  'restored',
  'forgotten',
  'revoked',
] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** Field values as JSON: names, flags, ids, times, lists; a secret only as whether it is set. */
export type Fields = Record<string, unknown>;

export interface AdminChange {
  actor: string;
  entityKind: EntityKind;
  entityId: number;
  entityName: string;
  action: ChangeAction;
  summary: string;
  before: Fields | null;
  after: Fields | null;
}

export interface AdminChangeRow {
  id: number;
  changed_at: Date;
  actor: string;
  entity_kind: EntityKind;
  entity_id: number;
  entity_name: string;
  action: ChangeAction;
  summary: string;
  before: Fields | null;
  after: Fields | null;
}

const COLUMNS =
  'c.id, c.changed_at, c.actor, c.entity_kind, c.entity_id, c.entity_name, c.action, c.summary, c.before, c.after';

/** Times as the API shows them (ISO 8601). */
const json = (fields: Fields | null) => (fields === null ? null : JSON.stringify(fields));

export async function recordAdminChange(db: Db, c: AdminChange): Promise<void> {
  await db.execute(
    `INSERT INTO admin_changes (actor, entity_kind, entity_id, entity_name, action, summary, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [c.actor, c.entityKind, c.entityId, c.entityName, c.action, c.summary, json(c.before), json(c.after)]
  );
}

/**
 * The fields whose values differ (compared as JSON), before and after; null when none does: an update that
 * changed nothing writes no row.
 */
export function changedFields(before: Fields, after: Fields): { before: Fields; after: Fields } | null {
  const keys = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (keys.length === 0) {
    return null;
  }
  return {
    before: Object.fromEntries(keys.map((k) => [k, before[k] ?? null])),
    after: Object.fromEntries(keys.map((k) => [k, after[k] ?? null])),
  };
}

/** The fields as a short list for a summary: `name, is_active`. */
export const fieldList = (fields: Fields) => Object.keys(fields).join(', ');

/**
 * Holds a row until the transaction ends, so that the `before` read next is what the change replaces (two
 * admins changing the same row one after the other each record what the other left). FOR UPDATE, the lock a
 * DELETE or a change of a unique name takes: taking a weaker one first and upgrading could deadlock with a
 * sync that holds a key share on the row (its foreign keys) and then updates it.
 */
export async function lockForChange(tx: Db, table: keyof typeof KEYS, id: number): Promise<boolean> {
  return (await tx.query(`SELECT 1 FROM ${table} WHERE ${KEYS[table]} = $1 FOR UPDATE`, [id])).length > 0;
}

/** The tables lockForChange locks a row of, with their keys. */
const KEYS = {
  hosts: 'id',
  haproxy_instances: 'id',
  applications: 'id',
  haproxy_servers: 'id',
  haproxy_server_desired: 'server_id',
} as const;

/** A backend's or a server's name as the log keeps it: `instance/backend`, `instance/backend/server`. */
export async function pathName(db: Db, kind: 'backend' | 'server', id: number): Promise<string | undefined> {
  const [row] = await db.query<{ name: string }>(
    kind === 'backend'
      ? `SELECT i.name || '/' || b.backend_name AS name
           FROM haproxy_backends b JOIN haproxy_instances i ON i.id = b.instance_id WHERE b.id = $1`
      : `SELECT i.name || '/' || b.backend_name || '/' || s.server_name AS name
           FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
           JOIN haproxy_instances i ON i.id = b.instance_id WHERE s.id = $1`,
    [id]
  );
  return row?.name;
}

/**
 * Locks a removed backend's or server's row until the transaction ends and tells whether "Recently removed"
 * lists it (not forgotten since its removal, nor its backend: store/removed.ts); undefined without the row.
 */
export async function lockRemovedRow(tx: Db, kind: 'backend' | 'server', id: number): Promise<boolean | undefined> {
  const [row] = await tx.query<{ listed: boolean }>(
    kind === 'backend'
      ? `SELECT (b.forgotten_at IS NULL OR b.forgotten_at < b.removed_at) AS listed
           FROM haproxy_backends b WHERE b.id = $1 FOR UPDATE`
      : `SELECT (s.forgotten_at IS NULL OR s.forgotten_at < s.removed_at)
                AND (b.forgotten_at IS NULL OR b.forgotten_at < s.removed_at) AS listed
           FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id WHERE s.id = $1 FOR UPDATE OF s`,
    [id]
  );
  return row?.listed;
}

export interface AdminChangeFilter {
  entityKind?: EntityKind;
  entityId?: number;
  actor?: string;
  action?: ChangeAction;
  since?: Date;
  until?: Date;
}

/**
 * The log, newest first (by id: the order rows were recorded), a keyset page at a time: `afterId` is the
 * previous page's last id, `next` the id to pass for the page after this one (null on the last page).
 */
export async function listAdminChanges(
  db: Db,
  f: AdminChangeFilter,
  page: { limit: number; afterId?: number }
): Promise<{ changes: AdminChangeRow[]; total: number; next: number | null }> {
  const { sql, params } = buildWhere([
    ['c.entity_kind = ?', f.entityKind],
    ['c.entity_id = ?', f.entityId],
    ['c.actor = ?', f.actor],
    ['c.action = ?', f.action],
    ['c.changed_at >= ?', f.since],
    ['c.changed_at < ?', f.until],
  ]);
  const pageParams = [...params];
  const after = page.afterId === undefined ? 'true' : `c.id < ${param(pageParams, page.afterId)}`;
  const [[{ total }], rows] = await Promise.all([
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM admin_changes c WHERE ${sql}`, params),
    db.query<AdminChangeRow>(
      `SELECT ${COLUMNS} FROM admin_changes c WHERE ${sql} AND ${after}
        ORDER BY c.id DESC LIMIT ${param(pageParams, page.limit + 1)}`,
      pageParams
    ),
  ]);
  const more = rows.length > page.limit;
  const changes = rows.slice(0, page.limit);
  return { changes, total, next: more ? changes[changes.length - 1].id : null };
}
