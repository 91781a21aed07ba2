import type { DataSource } from 'typeorm';
import { likePattern } from '../api/validation';
import { Scope, SCOPE_KEYS, scopeWhere } from './scope';

export const LOOKUP_KINDS = ['instances', 'backends', 'servers', 'applications'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

const KEY_OF: Record<LookupKind, (typeof SCOPE_KEYS)[number]> = {
  instances: 'instance',
  backends: 'backend',
  servers: 'server',
  applications: 'application',
};

/** Each kind's name column, and its table when listed without filters (empty ones included). */
const SOURCES: Record<LookupKind, { col: string; alone: { table: string; where: string[] } }> = {
  instances: { col: 'i.name', alone: { table: 'haproxy_instances i', where: [] } },
  backends: { col: 'b.backend_name', alone: { table: 'haproxy_backends b', where: ['b.removed_at IS NULL'] } },
  servers: { col: 's.server_name', alone: { table: 'haproxy_servers s', where: ['s.removed_at IS NULL'] } },
  applications: { col: 'a.name', alone: { table: 'applications a', where: [] } },
};

/**
 * Values of a template variable: distinct current names of one kind, narrowed by the other variables
 * (its own filter is ignored, or a variable could only list what is already selected) and a search text.
 */
export async function lookup(
  ds: DataSource,
  kind: LookupKind,
  scope: Scope,
  q: string | undefined,
  limit: number
): Promise<Array<{ text: string; value: string }>> {
  const others: Scope = { ...scope, [KEY_OF[kind]]: undefined };
  const params: unknown[] = [];
  const where = scopeWhere(others, params, { includeRemoved: false });
  const { col, alone } = SOURCES[kind];
  // No effective filter (none given, or all "All"): list the kind's own table, so empty instances show too.
  const narrowed = params.length > 0;
  const conditions = narrowed ? [where, `${col} IS NOT NULL`] : [];
  if (q) {
    params.push(likePattern(q));
    conditions.push(`${col} ILIKE $${params.length}`);
  }
  const from = narrowed
    ? `haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id JOIN haproxy_instances i ON i.id = b.instance_id
       LEFT JOIN applications a ON a.id = s.application_id`
    : alone.table;
  const all = [...(narrowed ? [] : alone.where), ...conditions];
  const rows: Array<{ name: string }> = await ds.query(
    `SELECT DISTINCT ${col} AS name FROM ${from} ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY 1 LIMIT ${limit}`,
    params
  );
  return rows.map((r) => ({ text: r.name, value: r.name }));
}
