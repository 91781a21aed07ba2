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
import type { Db } from '../../db/db';
import { Fields, lockRemovedRow, pathName, recordAdminChange } from '../../store/admin-changes';
import { databaseNow } from '../../store/clock';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { count, id, idParams, limit } from '../validation';

const DAY_MS = 86_400_000;

const listQuery = z.object({
  days: count(1, 365).default(7),
  instance_id: id.optional(),
  limit: limit(500, 5000),
});

/** "Recently removed": soft-deleted backends and servers, and an admin's restore and forget. */
export function removedRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/removed', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    ctx.body = await listRemoved(deps.readDb, {
      since: new Date((await databaseNow(deps.readDb)).getTime() - q.days * DAY_MS),
      instanceId: q.instance_id,
      limit: q.limit,
    });
  });

  // Registry changes, not HAProxy commands: who did it goes to the admin change log, in the change's
  // transaction (and a restore to each server's status history); the fleet's counts change. Dated by the
  // database's clock, as syncs date a removal: a forget is after the removal it hides, whatever this replica's clock.
  const change = async (
    ctx: Context,
    kind: 'backend' | 'server',
    id: number,
    action: 'restored' | 'forgotten',
    work: (tx: Db, at: Date) => Promise<Fields>
  ) => {
    await deps.db.transaction(async (tx) => {
      // Held, so that a concurrent forget of the same row waits and then finds it already hidden.
      const listed = await lockRemovedRow(tx, kind, id);
      const done = await work(tx, await databaseNow(tx));
      if (action === 'forgotten' && listed === false) {
        return; // forgotten before: nothing the log would say changed
      }
      const name = (await pathName(tx, kind, id)) ?? `${kind} ${id}`;
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: kind,
        entityId: id,
        entityName: name,
        action,
        summary:
          `removed ${kind} ${name} ${action}` +
          (done.servers_restored === undefined ? '' : ` with ${String(done.servers_restored)} server(s)`),
        // Listed: in "Recently removed".
        before: { removed: true, listed: listed ?? true },
        after: action === 'restored' ? { removed: false, ...done } : { removed: true, listed: false },
      });
    });
    deps.log.info({ actor: ctx.state.auth.actor, [`${kind}_id`]: id }, `${kind} ${action}`);
    deps.fleetCounts.invalidate();
  };
  r.post('/api/haproxy/backends/:id/restore', requireRole('admin'), async (ctx) => {
    const backendId = idParams.parse(ctx.params).id;
    let servers = 0;
    await change(ctx, 'backend', backendId, 'restored', async (tx, at) => {
      servers = await restoreRemovedBackend(tx, backendId, at);
      return { servers_restored: servers };
    });
    ctx.body = { backends: 1, servers };
  });
  r.post('/api/haproxy/servers/:id/restore', requireRole('admin'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    await change(ctx, 'server', serverId, 'restored', async (tx, at) => {
      await restoreRemovedServer(tx, serverId, at);
      return {};
    });
    ctx.body = { backends: 0, servers: 1 };
  });
  r.post('/api/haproxy/backends/:id/forget', requireRole('admin'), async (ctx) => {
    const backendId = idParams.parse(ctx.params).id;
    await change(ctx, 'backend', backendId, 'forgotten', async (tx, at) => {
      await forgetRemovedBackend(tx, backendId, at);
      return {};
    });
    ctx.status = 204;
  });
  r.post('/api/haproxy/servers/:id/forget', requireRole('admin'), async (ctx) => {
    const serverId = idParams.parse(ctx.params).id;
    await change(ctx, 'server', serverId, 'forgotten', async (tx, at) => {
      await forgetRemovedServer(tx, serverId, at);
      return {};
    });
    ctx.status = 204;
  });
  return r;
}
