import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, boolParam, id, idParams, name } from '../validation';

const INSTANCE_SELECT = `
  SELECT i.id, i.name, i.host_id, h.name AS host_name, i.is_active, i.socket_path, i.backend_scope, i.last_sync_at,
         i.last_sync_success, i.last_sync_error, i.last_sync_duration_ms, i.last_success_at, i.consecutive_failures,
         coalesce(c.backend_count, 0)::int AS backend_count, coalesce(c.server_count, 0)::int AS server_count,
         i.created_at, i.updated_at
    FROM haproxy_instances i
    JOIN hosts h ON h.id = i.host_id
    LEFT JOIN LATERAL (
      SELECT count(DISTINCT b.id) AS backend_count, count(s.id) AS server_count
        FROM haproxy_backends b LEFT JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
       WHERE b.instance_id = i.id AND b.removed_at IS NULL
    ) c ON true`;

const scope = z
  .array(name(200))
  .min(1, 'must list at least one backend name or pattern; use null for all backends')
  .max(1000)
  .nullable();

const createBody = z
  .object({
    host_id: bodyId,
    name: name(200),
    socket_path: z.string().max(1000).nullable().optional(),
    is_active: z.boolean().optional(),
    backend_scope: scope.optional(),
  })
  .strict();
const updateBody = createBody.omit({ host_id: true }).partial().strict();

const listQuery = z.object({ server_id: id.optional(), host_id: id.optional(), is_active: boolParam.optional() });

/** HAProxy instances: the seed's list (filter by server_id = host), and their registration. */
export function instanceRoutes(deps: ApiDeps) {
  const r = new Router();
  const withBreaker = (row: { id: number }) => ({ ...row, breaker_state: deps.client.breakers.state(row.id) });

  const load = async (instanceId: number) => {
    const rows = await deps.ds.query(`${INSTANCE_SELECT} WHERE i.id = $1`, [instanceId]);
    if (!rows[0]) {
      throw notFound(`instance ${instanceId}`);
    }
    return withBreaker(rows[0]);
  };

  r.get('/api/haproxy/instances', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const hostId = q.server_id ?? q.host_id ?? null;
    const rows = await deps.ds.query(
      `${INSTANCE_SELECT} WHERE ($1::int IS NULL OR i.host_id = $1) AND ($2::boolean IS NULL OR i.is_active = $2) ORDER BY h.name, i.name`,
      [hostId, q.is_active ?? null]
    );
    ctx.body = { instances: rows.map(withBreaker) };
  });

  r.get('/api/haproxy/instances/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id);
  });

  r.post('/api/haproxy/instances', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const rows = await deps.ds.query(
      `INSERT INTO haproxy_instances (host_id, name, socket_path, is_active, backend_scope) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [
        b.host_id,
        b.name,
        b.socket_path ?? null,
        b.is_active ?? true,
        b.backend_scope ? JSON.stringify(b.backend_scope) : null,
      ]
    );
    ctx.status = 201;
    ctx.body = await load(rows[0].id);
  });

  r.patch('/api/haproxy/instances/:id', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    const sets: string[] = [];
    const params: unknown[] = [instanceId];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (b.name !== undefined) {
      set('name', b.name);
    }
    if (b.socket_path !== undefined) {
      set('socket_path', b.socket_path);
    }
    if (b.is_active !== undefined) {
      set('is_active', b.is_active);
    }
    if (b.backend_scope !== undefined) {
      set('backend_scope', b.backend_scope ? JSON.stringify(b.backend_scope) : null);
    }
    if (sets.length === 0) {
      throw badRequest('nothing to update');
    }
    const result = await deps.ds.query(
      `UPDATE haproxy_instances SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING id`,
      params
    );
    if (result[0].length === 0) {
      throw notFound(`instance ${instanceId}`);
    }
    // A renamed instance is another target at the agent: cached answers and breaker history no longer apply.
    if (b.name !== undefined) {
      forgetAgentState(deps, instanceId);
    } else {
      deps.client.cache.invalidate(instanceId);
    }
    ctx.body = await load(instanceId);
  });

  r.delete('/api/haproxy/instances/:id', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const result = await deps.ds.query(`DELETE FROM haproxy_instances WHERE id = $1 RETURNING id`, [instanceId]);
    if (result[0].length === 0) {
      throw notFound(`instance ${instanceId}`);
    }
    forgetAgentState(deps, instanceId);
    ctx.status = 204;
  });

  r.get('/api/haproxy/instances/:id/backends', async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    await load(instanceId);
    const rows: Array<Record<string, unknown> & { counts: Record<string, number> | null }> = await deps.ds.query(
      `SELECT b.id, b.instance_id, b.backend_name, b.created_at, b.updated_at,
              coalesce(c.server_count, 0)::int AS server_count, c.counts
         FROM haproxy_backends b
         LEFT JOIN LATERAL (
           SELECT sum(n)::int AS server_count, jsonb_object_agg(status, n) AS counts
             FROM (SELECT s.status, count(*)::int AS n FROM haproxy_servers s
                    WHERE s.backend_id = b.id AND s.removed_at IS NULL GROUP BY s.status) g
         ) c ON true
        WHERE b.instance_id = $1 AND b.removed_at IS NULL
        ORDER BY b.backend_name`,
      [instanceId]
    );
    ctx.body = {
      backends: rows.map(({ counts, ...b }) => ({ ...b, status_counts: statusCounts(counts) })),
    };
  });

  return r;
}

/** Drops what we learned from an instance's agent: cached answers and breaker history. */
export function forgetAgentState(deps: ApiDeps, instanceId: number) {
  deps.client.cache.invalidate(instanceId);
  deps.client.breakers.forget(instanceId);
}

export function statusCounts(counts: Record<string, number> | null) {
  return { UP: 0, DOWN: 0, DRAIN: 0, MAINT: 0, NOLB: 0, UNKNOWN: 0, ...(counts ?? {}) };
}
