import Router from '@koa/router';
import { z } from 'zod';
import { notFound } from '../../domain/errors';
import type { ApiDeps } from '../deps';
import { buildWhere } from '../where';
import { id, idParams, isoTime, likePattern, limit, offset, statusList } from '../validation';

export const SERVER_COLUMNS = `s.id, s.backend_id, b.backend_name, b.instance_id, i.name AS instance_name, s.server_name, s.address,
  s.status, s.raw_status, s.weight, s.current_sessions, s.max_sessions, s.application_id, a.name AS application_name,
  s.mapping_kind, s.mapping_note, s.status_changed_at, s.updated_at,
  coalesce(s.removed_at, b.removed_at) AS removed_at`;

export const SERVER_FROM = `haproxy_servers s
  JOIN haproxy_backends b ON b.id = s.backend_id
  JOIN haproxy_instances i ON i.id = b.instance_id
  LEFT JOIN applications a ON a.id = s.application_id`;

export async function loadServer(deps: ApiDeps, serverId: number) {
  const rows = await deps.ds.query(`SELECT ${SERVER_COLUMNS} FROM ${SERVER_FROM} WHERE s.id = $1`, [serverId]);
  if (!rows[0]) {
    throw notFound(`server ${serverId}`);
  }
  return rows[0];
}

const serversQuery = z.object({
  instance_id: id.optional(),
  backend_id: id.optional(),
  application_id: id.optional(),
  status: statusList.optional(),
  q: z.string().max(200).optional(),
  limit: limit(1000, 50_000),
  offset,
});

const historyQuery = z.object({ since: isoTime.optional(), until: isoTime.optional(), limit: limit(500, 10_000) });

/** Reads of HAProxy servers: per backend (seed), fleet-wide with filters, and status history. */
export function serverRoutes(deps: ApiDeps) {
  const r = new Router();

  r.get('/api/haproxy/backends/:id/servers', async (ctx) => {
    const { id: backendId } = idParams.parse(ctx.params);
    const exists = await deps.ds.query(`SELECT 1 FROM haproxy_backends WHERE id = $1`, [backendId]);
    if (exists.length === 0) {
      throw notFound(`backend ${backendId}`);
    }
    const servers = await deps.ds.query(
      `SELECT ${SERVER_COLUMNS} FROM ${SERVER_FROM} WHERE s.backend_id = $1 AND s.removed_at IS NULL ORDER BY s.server_name`,
      [backendId]
    );
    ctx.body = { servers };
  });

  r.get('/api/haproxy/servers', async (ctx) => {
    const q = serversQuery.parse(ctx.query);
    const { sql: filter, params } = buildWhere(
      [
        ['b.instance_id = ?', q.instance_id],
        ['s.backend_id = ?', q.backend_id],
        ['s.application_id = ?', q.application_id],
        ['s.status = ANY(?::text[])', q.status],
        [
          '(s.server_name ILIKE ? OR b.backend_name ILIKE ? OR s.address ILIKE ?)',
          q.q === undefined ? undefined : likePattern(q.q),
        ],
      ],
      ['s.removed_at IS NULL', 'b.removed_at IS NULL']
    );
    const [{ total }] = await deps.ds.query(
      `SELECT count(*)::int AS total FROM ${SERVER_FROM} WHERE ${filter}`,
      params
    );
    const servers = await deps.ds.query(
      `SELECT ${SERVER_COLUMNS} FROM ${SERVER_FROM} WHERE ${filter}
        ORDER BY i.name, b.backend_name, s.server_name LIMIT ${q.limit} OFFSET ${q.offset}`,
      params
    );
    ctx.body = { servers, total };
  });

  r.get('/api/haproxy/servers/:id', async (ctx) => {
    const { id: serverId } = idParams.parse(ctx.params);
    ctx.body = await loadServer(deps, serverId);
  });

  r.get('/api/haproxy/servers/:id/history', async (ctx) => {
    const { id: serverId } = idParams.parse(ctx.params);
    const q = historyQuery.parse(ctx.query);
    await loadServer(deps, serverId);
    const history = await deps.ds.query(
      `SELECT id, server_id, from_status, to_status, raw_status, cause, changed_at
         FROM haproxy_server_status_history
        WHERE server_id = $1 AND ($2::timestamptz IS NULL OR changed_at >= $2) AND ($3::timestamptz IS NULL OR changed_at < $3)
        ORDER BY changed_at DESC, id DESC LIMIT $4`,
      [serverId, q.since ?? null, q.until ?? null, q.limit]
    );
    ctx.body = { history };
  });

  return r;
}
