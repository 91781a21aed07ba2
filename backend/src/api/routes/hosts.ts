import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { HostEntity } from '../../entities/host';
import { requireRole } from '../auth';
import { forgetAgentState } from './instances';
import type { ApiDeps } from '../deps';
import { idParams, name } from '../validation';

const fagentUrl = z
  .string()
  .trim()
  .max(1000)
  .url('must be an http(s) URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

const createBody = z
  .object({
    name: name(200),
    address: name(255),
    fagent_url: fagentUrl,
    fagent_token: z.string().min(1).max(1000).nullable().optional(),
    is_active: z.boolean().optional(),
  })
  .strict();
const updateBody = createBody.partial().strict();

const SELECT = `
  SELECT h.id, h.name, h.address, h.fagent_url, h.is_active, (h.fagent_token IS NOT NULL) AS has_fagent_token,
         (SELECT count(*)::int FROM haproxy_instances i WHERE i.host_id = h.id) AS instance_count, h.created_at, h.updated_at
    FROM hosts h`;

/** Hosts (AC's "servers"): machines with an FAgent. The agent token is write-only. */
export function hostRoutes(deps: ApiDeps) {
  const r = new Router();
  const load = async (hostId: number) => {
    const rows = await deps.ds.query(`${SELECT} WHERE h.id = $1`, [hostId]);
    if (!rows[0]) {
      throw notFound(`host ${hostId}`);
    }
    return rows[0];
  };

  r.get('/api/hosts', async (ctx) => {
    ctx.body = { hosts: await deps.ds.query(`${SELECT} ORDER BY h.name`) };
  });
  r.get('/api/hosts/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id);
  });
  r.post('/api/hosts', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const repo = deps.ds.getRepository(HostEntity);
    const saved = await repo.save(
      repo.create({
        name: b.name,
        address: b.address,
        fagentUrl: b.fagent_url,
        fagentToken: b.fagent_token ?? null,
        isActive: b.is_active ?? true,
      })
    );
    ctx.status = 201;
    ctx.body = await load(saved.id);
  });
  r.patch('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    await load(hostId);
    await deps.ds.getRepository(HostEntity).update(hostId, {
      ...(b.name !== undefined && { name: b.name }),
      ...(b.address !== undefined && { address: b.address }),
      ...(b.fagent_url !== undefined && { fagentUrl: b.fagent_url }),
      ...(b.fagent_token !== undefined && { fagentToken: b.fagent_token }),
      ...(b.is_active !== undefined && { isActive: b.is_active }),
    });
    if (b.fagent_url !== undefined || b.fagent_token !== undefined) {
      // Another agent (or credential): the old one's cached answers and open breaker no longer apply.
      const instances: Array<{ id: number }> = await deps.ds.query(
        `SELECT id FROM haproxy_instances WHERE host_id = $1`,
        [hostId]
      );
      for (const i of instances) {
        forgetAgentState(deps, i.id);
      }
    }
    ctx.body = await load(hostId);
  });
  r.delete('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const instances: Array<{ id: number }> = await deps.ds.query(
      `SELECT id FROM haproxy_instances WHERE host_id = $1`,
      [hostId]
    );
    const result = await deps.ds.query(`DELETE FROM hosts WHERE id = $1 RETURNING id`, [hostId]);
    if (result[0].length === 0) {
      throw notFound(`host ${hostId}`);
    }
    for (const i of instances) {
      forgetAgentState(deps, i.id);
    }
    ctx.status = 204;
  });
  return r;
}
