import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, idParams, name } from '../validation';

const createBody = z.object({ name: name(200), host_id: bodyId.nullable().optional() }).strict();
const updateBody = createBody.partial().strict();

const SELECT = `
  SELECT a.id, a.name, a.host_id, h.name AS host_name, a.created_at,
         (SELECT count(*)::int FROM haproxy_servers s WHERE s.application_id = a.id AND s.removed_at IS NULL) AS server_count
    FROM applications a LEFT JOIN hosts h ON h.id = a.host_id`;

/** Applications that HAProxy servers map to (manually or by auto-mapping). */
export function applicationRoutes(deps: ApiDeps) {
  const r = new Router();
  const load = async (appId: number) => {
    const rows = await deps.ds.query(`${SELECT} WHERE a.id = $1`, [appId]);
    if (!rows[0]) {
      throw notFound(`application ${appId}`);
    }
    return rows[0];
  };

  r.get('/api/applications', async (ctx) => {
    ctx.body = { applications: await deps.ds.query(`${SELECT} ORDER BY a.name, a.id`) };
  });
  r.get('/api/applications/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id);
  });
  r.post('/api/applications', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const rows = await deps.ds.query(`INSERT INTO applications (name, host_id) VALUES ($1, $2) RETURNING id`, [
      b.name,
      b.host_id ?? null,
    ]);
    ctx.status = 201;
    ctx.body = await load(rows[0].id);
  });
  r.patch('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    await load(appId);
    await deps.ds.query(
      `UPDATE applications SET name = coalesce($2, name), host_id = CASE WHEN $3 THEN $4 ELSE host_id END WHERE id = $1`,
      [appId, b.name ?? null, b.host_id !== undefined, b.host_id ?? null]
    );
    ctx.body = await load(appId);
  });
  r.delete('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    await deps.ds.transaction(async (m) => {
      // Servers mapped to it become unmapped and open to auto-mapping again.
      await m.query(
        `UPDATE haproxy_servers SET application_id = NULL, mapping_kind = NULL, mapping_note = NULL WHERE application_id = $1`,
        [appId]
      );
      const result = await m.query(`DELETE FROM applications WHERE id = $1 RETURNING id`, [appId]);
      if (result[0].length === 0) {
        throw notFound(`application ${appId}`);
      }
    });
    ctx.status = 204;
  });
  return r;
}
