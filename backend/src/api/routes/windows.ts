import Router from '@koa/router';
import { z } from 'zod';
import { badRequest } from '../../domain/errors';
import { windowEnd } from '../../domain/window';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { idParams, windowFields } from '../validation';
import { sourceOf } from './commands';
import { loadServer } from './servers';

const moveBody = z.object(windowFields).strict();

/** Maintenance windows: the active ones, a new end, an early end (the server returns to ready at once). */
export function windowRoutes(deps: ApiDeps) {
  const r = new Router();

  r.get('/api/haproxy/windows', async (ctx) => {
    ctx.body = { windows: await deps.windows.list() };
  });

  r.patch('/api/haproxy/windows/:id', requireRole('operator'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    const b = moveBody.parse(ctx.request.body ?? {});
    const end = windowEnd({ until: b.until, durationS: b.duration_s }, await deps.windows.now());
    if (!end) {
      throw badRequest('give the new end: until or duration_s');
    }
    if ('problem' in end) {
      throw badRequest(end.problem);
    }
    await loadServer(deps.db, serverId);
    ctx.body = await deps.windows.move(serverId, end.end);
  });

  r.delete('/api/haproxy/windows/:id', requireRole('operator'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    const auth = ctx.state.auth as AuthState;
    await loadServer(deps.db, serverId);
    const result = await deps.windows.endNow(serverId, {
      actor: auth.actor,
      source: sourceOf(auth, undefined, 'api'),
      reason: 'maintenance window ended early',
    });
    if (!result.ok) {
      throw result.error;
    }
    deps.fleetCounts.invalidate();
    ctx.body = { action: result.action, server: await loadServer(deps.db, serverId) };
  });

  return r;
}
