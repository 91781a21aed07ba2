import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  forgetRemovedBackend,
  forgetRemovedServer,
  listRemoved,
  restoreRemovedBackend,
  restoreRemovedServer,
} from '../../registry/removed';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { id, idParams, limit } from '../validation';

const DAY_MS = 86_400_000;

const listQuery = z.object({
  days: z.coerce.number().int('must be a whole number of days').min(1).max(365).default(7),
  instance_id: id.optional(),
  limit: limit(500, 5000),
});

/** "Recently removed": soft-deleted backends and servers, and an admin's restore and forget. */
export function removedRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/removed', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    ctx.body = await listRemoved(deps.readDb, {
      since: new Date(Date.now() - q.days * DAY_MS),
      instanceId: q.instance_id,
      limit: q.limit,
    });
  });

  // Registry changes, not HAProxy commands: who did it goes to the log (and a restore to each server's
  // status history), and the fleet's counts change.
  const done = (ctx: Context, message: string, fields: Record<string, number>) => {
    deps.log.info({ actor: ctx.state.auth.actor, ...fields }, message);
    deps.fleetCounts.invalidate();
  };
  r.post('/api/haproxy/backends/:id/restore', requireRole('admin'), async (ctx) => {
    const backendId = idParams.parse(ctx.params).id;
    const servers = await restoreRemovedBackend(deps.db, backendId);
    done(ctx, 'backend restored', { backend_id: backendId, servers });
    ctx.body = { backends: 1, servers };
  });
  r.post('/api/haproxy/servers/:id/restore', requireRole('admin'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    await restoreRemovedServer(deps.db, serverId);
    done(ctx, 'server restored', { server_id: serverId });
    ctx.body = { backends: 0, servers: 1 };
  });
  r.post('/api/haproxy/backends/:id/forget', requireRole('admin'), async (ctx) => {
    const backendId = idParams.parse(ctx.params).id;
    await forgetRemovedBackend(deps.db, backendId);
    done(ctx, 'removed backend forgotten', { backend_id: backendId });
    ctx.status = 204;
  });
  r.post('/api/haproxy/servers/:id/forget', requireRole('admin'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    await forgetRemovedServer(deps.db, serverId);
    done(ctx, 'removed server forgotten', { server_id: serverId });
    ctx.status = 204;
  });
  return r;
}
