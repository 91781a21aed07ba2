import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, conflict } from '../../domain/errors';
import { windowEnd } from '../../domain/window';
import { lockForChange, recordAdminChange } from '../../store/admin-changes';
import { windowOf } from '../../store/desired-state';
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
    const server = await loadServer(deps.db, serverId);
    if (server.removed_at) {
      // As a command: the window of a server gone from HAProxy only waits for its end, which closes it.
      throw conflict(
        `server ${server.server_name} of backend ${server.backend_name} is no longer in HAProxy's configuration: its window cannot be moved`
      );
    }
    ctx.body = await deps.db.transaction(async (tx) => {
      // The window's row held first: `before` is the end this move replaces.
      await lockForChange(tx, 'haproxy_server_desired', serverId);
      const before = await windowOf(tx, serverId, await deps.windows.now(tx));
      const after = await deps.windows.move(serverId, end.end, tx);
      if (before && before.until.getTime() !== after.until.getTime()) {
        const name = `${after.instance_name}/${after.backend_name}/${after.server_name}`;
        await recordAdminChange(tx, {
          actor: (ctx.state.auth as AuthState).actor,
          entityKind: 'server',
          entityId: serverId,
          entityName: name,
          action: 'window_moved',
          summary: `server ${name}: maintenance window (${after.admin_state}) now ends ${after.until.toISOString()}`,
          before: { until: before.until },
          after: { until: after.until },
        });
      }
      return after;
    });
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
